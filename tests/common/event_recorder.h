// The one event recorder of the test suites: records every event and the
// thread that delivered it, and waits for a count with a timeout (a bug
// fails a test, never hangs it).
#pragma once

#include <olstate.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace test {

using namespace std::chrono_literals;
constexpr auto kTimeout = 10s;

// Records events and who delivered them; waits for a count with a timeout.
class Recorder {
public:
    struct Seen {
        olstate_event event;
        std::thread::id thread;
    };

    static void OLSTATE_CALL callback(const olstate_event* e, void* context) {
        static_cast<Recorder*>(context)->add(*e);
    }

    void add(const olstate_event& e) {
        std::function<void(const olstate_event&)> hook;
        {
            std::lock_guard lock(mutex_);
            seen_.push_back({e, std::this_thread::get_id()});
            hook = on_event;
        }
        if (hook) hook(e);
        changed_.notify_all();
    }
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout = kTimeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return seen_.size() >= n; });
    }
    std::vector<Seen> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }
    std::size_t count() {
        std::lock_guard lock(mutex_);
        return seen_.size();
    }
    // Runs inside the callback (after recording); set before subscribing.
    std::function<void(const olstate_event&)> on_event;

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Seen> seen_;
};

// A recorder whose context also counts its release (the release receives the
// subscription's context, the Recorder*).
struct CountedRecorder : Recorder {
    std::atomic<int> releases{0};
    void* context() { return static_cast<Recorder*>(this); }
    static void OLSTATE_CALL release(void* c) {
        ++static_cast<CountedRecorder*>(static_cast<Recorder*>(c))->releases;
    }
};

inline std::vector<olstate_event> events_of(Recorder& r) {
    std::vector<olstate_event> out;
    for (const auto& s : r.seen()) out.push_back(s.event);
    return out;
}

inline std::set<std::thread::id> threads_of(Recorder& r) {
    std::set<std::thread::id> out;
    for (const auto& s : r.seen()) out.insert(s.thread);
    return out;
}

}  // namespace test
