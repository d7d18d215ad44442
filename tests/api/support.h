// Shared helpers for the suites: sessions that close themselves, the event
// recorder (tests/common/event_recorder.h), the HRESULT table
// (tests/common/hresults.h), and fresh simulator profiles per test.
#pragma once

#include <doctest/doctest.h>
#include <olstate.h>
#include <olstate_sim.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../common/event_recorder.h"
#include "../common/hresults.h"

namespace test {

// A profile name no other test uses, so objects never interfere.
inline std::string fresh_profile(const char* tag = "p") {
    static std::atomic<int> n{0};
    return std::string("test-") + tag + "-" + std::to_string(++n);
}

// Resets the simulator's knobs around each test that creates one.
struct SimReset {
    SimReset() { olstate_sim_reset(); }
    ~SimReset() { olstate_sim_reset(); }
};

inline olstate_open_options options(const std::string& profile,
                                    uint32_t delivery = OLSTATE_DELIVERY_QUEUED) {
    olstate_open_options o{};  // the 1.3 fields zero: init writes the 1.0 ones only
    olstate_open_options_init(&o);
    o.profile = profile.c_str();
    o.provider = OLSTATE_PROVIDER_SIMULATOR;
    o.delivery = delivery;
    return o;
}

// A session over the provider library at `path` (OLSTATE_PROVIDER_LIBRARY);
// the caller closes it.
inline olstate_session* open_library(const std::string& profile, const std::string& path) {
    auto o = options(profile);
    o.provider = OLSTATE_PROVIDER_LIBRARY;
    o.provider_path = path.c_str();
    olstate_session* s = nullptr;
    REQUIRE_MESSAGE(olstate_open_ex(&o, &s) == OLSTATE_OK, olstate_last_error_message());
    return s;
}

// The session's facts (the strings live until the session is closed).
inline olstate_session_info session_info(olstate_session* s) {
    olstate_session_info info{};
    info.struct_size = sizeof info;
    REQUIRE(olstate_get_session_info(s, &info) == OLSTATE_OK);
    return info;
}

// An open session, closed at the end of the scope unless released.
class Session {
public:
    explicit Session(const std::string& profile, uint32_t delivery = OLSTATE_DELIVERY_QUEUED)
        : profile_(profile) {
        const auto o = options(profile_, delivery);
        const olstate_result r = olstate_open_ex(&o, &s_);
        REQUIRE_MESSAGE(r == OLSTATE_OK, olstate_last_error_message());
    }
    ~Session() {
        if (s_) CHECK(olstate_close(s_) == OLSTATE_OK);
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    olstate_session* get() const { return s_; }
    olstate_session* release() { return std::exchange(s_, nullptr); }
    const std::string& profile() const { return profile_; }

private:
    std::string profile_;
    olstate_session* s_ = nullptr;
};

// Counts releases of a context.
struct ReleaseCounter {
    std::atomic<int> releases{0};
    static void OLSTATE_CALL release(void* context) {
        ++static_cast<ReleaseCounter*>(context)->releases;
    }
};

inline olstate_subscription subscribe(olstate_session* s, Recorder& r) {
    olstate_subscription token = 0;
    REQUIRE(olstate_subscribe(s, Recorder::callback, &r, nullptr, &token) == OLSTATE_OK);
    REQUIRE(token != 0);
    return token;
}

// True when `pred` becomes true within the timeout.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = kTimeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

// Every COM reference olstate took has been given back to the simulator.
inline void check_simulator_clean() {
    olstate_sim_wait_idle(nullptr);
    CHECK(eventually([] {
        return olstate_sim_outstanding_refs() == 0 && olstate_sim_advised_sinks() == 0 &&
               olstate_sim_held_sinks() == 0 && olstate_sim_live_objects() == 0;
    }));
}

// Counts concurrent and nested callback calls.
struct Concurrency {
    std::atomic<int> running{0};
    std::atomic<int> max_running{0};
    std::atomic<int> max_depth{0};
    std::atomic<int> calls{0};
    std::atomic<int> releases{0};
    std::atomic<bool> release_during_call{false};

    void enter() {
        const int now = ++running;
        int seen = max_running.load();
        while (now > seen && !max_running.compare_exchange_weak(seen, now)) {
        }
        ++calls;
    }
    void leave() { --running; }
};

inline thread_local int t_depth = 0;  // callbacks of any subscription on this thread's stack

inline void OLSTATE_CALL concurrency_callback(const olstate_event*, void* c) {
    auto* k = static_cast<Concurrency*>(c);
    ++t_depth;
    int seen = k->max_depth.load();
    while (t_depth > seen && !k->max_depth.compare_exchange_weak(seen, t_depth)) {
    }
    k->enter();
    std::this_thread::yield();
    k->leave();
    --t_depth;
}

inline void OLSTATE_CALL concurrency_release(void* c) {
    auto* k = static_cast<Concurrency*>(c);
    if (k->running != 0) k->release_during_call = true;
    ++k->releases;
}

// A simple one-shot gate for blocking a callback.
class Gate {
public:
    void open() {
        {
            std::lock_guard lock(mutex_);
            open_ = true;
        }
        cv_.notify_all();
    }
    bool wait(std::chrono::milliseconds timeout = kTimeout) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return open_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool open_ = false;
};

// A subscription context whose first call opens `entered` and then blocks
// until `go` opens: for ending a subscription or session while a call runs.
// It notes a release that comes during a call. Declare it before the session.
struct HeldCall {
    std::atomic<int> running{0}, calls{0}, releases{0};
    std::atomic<bool> release_during_call{false};
    Gate entered, go;

    static void OLSTATE_CALL callback(const olstate_event*, void* c) {
        auto* x = static_cast<HeldCall*>(c);
        ++x->running;
        if (++x->calls == 1) {
            x->entered.open();
            x->go.wait();
        }
        --x->running;
    }
    static void OLSTATE_CALL release(void* c) {
        auto* x = static_cast<HeldCall*>(c);
        if (x->running) x->release_during_call = true;
        ++x->releases;
    }
};

}  // namespace test
