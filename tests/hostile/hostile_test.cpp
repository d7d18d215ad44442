// Hostile providers. Each misbehaviour the simulator can play (olstate_sim.h)
// must give a defined result code, or be ignored safely, and every test ends
// with the simulator's counters back at zero: every COM reference olstate
// took on the offline object and on its sink has been given back.
#include <doctest/doctest.h>
#include <olstate.h>
#include <olstate_sim.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../common/hresults.h"

namespace {

using test::kEFail;
using test::kEInvalidArg;
using test::kENoInterface;
using test::kEUnexpected;

using namespace std::chrono_literals;

constexpr uint32_t kNotifySize = 24;  // sizeof(MAPIOFFLINE_NOTIFY)
constexpr uint32_t kStart = OLSTATE_EVENT_CHANGE_START;
constexpr uint32_t kChange = OLSTATE_EVENT_CHANGE;
constexpr uint32_t kDone = OLSTATE_EVENT_CHANGE_DONE;
constexpr uint32_t kMask = 3;  // MAPIOFFLINE_STATE_OFFLINE_MASK

const uint32_t kDeliveries[] = {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE};

std::string fresh_profile(const char* tag) {
    static std::atomic<int> n{0};
    return std::string("hostile-") + tag + "-" + std::to_string(++n);
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

struct Counters {
    uint32_t live, refs, advised, held;
};
Counters counters() {
    return {olstate_sim_live_objects(), olstate_sim_outstanding_refs(), olstate_sim_advised_sinks(),
            olstate_sim_held_sinks()};
}

// Every reference olstate took is back with the simulator.
void check_clean(const std::string& profile) {
    olstate_sim_wait_idle(profile.c_str());
    const bool clean = eventually([] {
        const Counters c = counters();
        return c.live == 0 && c.refs == 0 && c.advised == 0 && c.held == 0;
    });
    const Counters c = counters();
    CAPTURE(c.live);
    CAPTURE(c.refs);
    CAPTURE(c.advised);
    CAPTURE(c.held);
    CHECK(clean);
}

// Resets the simulator's knobs around each test.
struct SimReset {
    SimReset() { olstate_sim_reset(); }
    ~SimReset() { olstate_sim_reset(); }
};

olstate_open_options options(const std::string& profile, uint32_t delivery) {
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.profile = profile.c_str();
    o.provider = OLSTATE_PROVIDER_SIMULATOR;
    o.delivery = delivery;
    return o;
}

olstate_session* open_ok(const std::string& profile, uint32_t delivery) {
    const auto o = options(profile, delivery);
    olstate_session* s = nullptr;
    const olstate_result r = olstate_open_ex(&o, &s);
    REQUIRE_MESSAGE(r == OLSTATE_OK, olstate_last_error_message());
    REQUIRE(s != nullptr);
    return s;
}

// An open that must fail: the code, the HRESULT, the message naming both,
// and an untouched out-parameter.
void check_open_fails(const std::string& profile, uint32_t delivery, olstate_result expected,
                      int32_t hresult, const char* message_part) {
    const auto o = options(profile, delivery);
    auto* const sentinel = reinterpret_cast<olstate_session*>(static_cast<std::uintptr_t>(0x5a5a));
    olstate_session* s = sentinel;
    CHECK(olstate_open_ex(&o, &s) == expected);
    CHECK(s == sentinel);
    const std::string m = olstate_last_error_message();
    CAPTURE(m);
    CHECK(m.find(olstate_result_name(expected)) != std::string::npos);
    CHECK(m.find(message_part) != std::string::npos);
    CHECK(olstate_last_error_hresult() == hresult);
    if (hresult != 0) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(hresult));
        CHECK(m.find(hex) != std::string::npos);
    }
}

// A subscription's context: records events, counts releases, and catches
// any call made after olstate promised there would be none.
struct Probe {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<olstate_event> events;
    std::atomic<int> releases{0};
    std::atomic<bool> silenced{false};  // set once unsubscribe/close returned
    std::atomic<int> calls_after_silence{0};
    std::atomic<int> running{0};
    std::atomic<int> max_running{0};

    static void OLSTATE_CALL callback(const olstate_event* e, void* context) {
        auto* p = static_cast<Probe*>(context);
        const int now = ++p->running;
        int seen = p->max_running.load();
        while (now > seen && !p->max_running.compare_exchange_weak(seen, now)) {
        }
        if (p->silenced.load()) ++p->calls_after_silence;
        {
            std::lock_guard lock(p->mutex);
            p->events.push_back(*e);
        }
        p->cv.notify_all();
        --p->running;
    }
    static void OLSTATE_CALL release(void* context) { ++static_cast<Probe*>(context)->releases; }

    bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, timeout, [&] { return events.size() >= n; });
    }
    std::vector<olstate_event> seen() {
        std::lock_guard lock(mutex);
        return events;
    }
    std::size_t count() {
        std::lock_guard lock(mutex);
        return events.size();
    }
};

olstate_subscription subscribe(olstate_session* s, Probe& p) {
    olstate_subscription token = 0;
    REQUIRE(olstate_subscribe(s, Probe::callback, &p, Probe::release, &token) == OLSTATE_OK);
    REQUIRE(token != 0);
    return token;
}

void close_ok(olstate_session* s) {
    const olstate_result r = olstate_close(s);
    CHECK_MESSAGE(r == OLSTATE_OK, olstate_last_error_message());
}

// A valid online/offline notification sent raw (no state change).
int32_t send_valid(const std::string& p, uint32_t count = 1) {
    return olstate_sim_send_raw(p.c_str(), kChange, kMask, OLSTATE_ONLINE, OLSTATE_OFFLINE, 0,
                                count);
}

}  // namespace

TEST_CASE("Notify after Unadvise reaches nobody and the late sink reference is returned") {
    SimReset reset;
    for (const uint32_t delivery : kDeliveries) {
        for (const uint32_t sim_delivery : {OLSTATE_SIM_DELIVERY_THREAD, OLSTATE_SIM_DELIVERY_POOL,
                                            OLSTATE_SIM_DELIVERY_SYNC}) {
            CAPTURE(delivery);
            CAPTURE(sim_delivery);
            const std::string p = fresh_profile("late");
            REQUIRE(olstate_sim_set_delivery(p.c_str(), sim_delivery, 2) == 0);
            olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_LATE_NOTIFY);
            olstate_session* s = open_ok(p, delivery);
            Probe probe;
            subscribe(s, probe);
            REQUIRE(olstate_set_state(s, OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
            REQUIRE(probe.wait_for(3));
            close_ok(s);
            probe.silenced = true;
            CHECK(probe.releases == 1);
            // The simulator kept the sink for one more Notify after Unadvise:
            // it arrives at a closed session, is dropped, and the reference
            // comes back.
            olstate_sim_wait_idle(p.c_str());
            std::this_thread::sleep_for(20ms);
            CHECK(probe.calls_after_silence == 0);
            CHECK(probe.count() == 3);
            // The handle is dead, whatever the provider still does.
            uint32_t state = 0;
            CHECK(olstate_get_state(s, &state) == OLSTATE_E_INVALID_HANDLE);
            olstate_sim_set_misbehaviour(0);
            REQUIRE(olstate_sim_set_state(p.c_str(), OLSTATE_ONLINE, 1) == 0);
            check_clean(p);
        }
    }
}

TEST_CASE("Notify after Unadvise while the session closes from inside its own callback") {
    SimReset reset;
    for (const uint32_t delivery : kDeliveries) {
        CAPTURE(delivery);
        const std::string p = fresh_profile("late-inside");
        olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_LATE_NOTIFY);
        olstate_session* s = open_ok(p, delivery);
        struct Closer {
            olstate_session* s;
            std::atomic<int> calls{0};
            std::atomic<int> releases{0};
            std::atomic<olstate_result> close_result{-100};
        } closer{s};
        olstate_subscription token = 0;
        REQUIRE(olstate_subscribe(
                    s,
                    [](const olstate_event*, void* c) {
                        auto* k = static_cast<Closer*>(c);
                        if (++k->calls == 1) k->close_result = olstate_close(k->s);
                    },
                    &closer, [](void* c) { ++static_cast<Closer*>(c)->releases; },
                    &token) == OLSTATE_OK);
        REQUIRE(olstate_set_state(s, OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
        REQUIRE(eventually([&] { return closer.releases.load() == 1; }));
        CHECK(closer.close_result == OLSTATE_OK);
        CHECK(closer.calls == 1);
        CHECK(olstate_close(s) == OLSTATE_E_INVALID_HANDLE);
        olstate_sim_wait_idle(p.c_str());
        olstate_sim_set_misbehaviour(0);
        check_clean(p);
    }
}

TEST_CASE("Notify storms from four provider threads at once") {
    SimReset reset;
    constexpr uint32_t kThreads = 4, kCount = 50;
    constexpr std::size_t kTotal = kThreads * kCount * 3;  // START, CHANGE, DONE each
    SUBCASE("INLINE: every notification reaches every subscription, each sequence once") {
        const std::string p = fresh_profile("storm-inline");
        olstate_session* s = open_ok(p, OLSTATE_DELIVERY_INLINE);
        Probe a, b;
        subscribe(s, a);
        subscribe(s, b);
        REQUIRE(olstate_sim_storm(p.c_str(), kThreads, kCount) == 0);
        REQUIRE(a.wait_for(kTotal));
        REQUIRE(b.wait_for(kTotal));
        for (Probe* probe : {&a, &b}) {
            const auto e = probe->seen();
            CHECK(e.size() == kTotal);
            std::set<uint64_t> sequences;
            for (const auto& ev : e) {
                sequences.insert(ev.sequence);
                CHECK(ev.struct_size == sizeof(olstate_event));
                CHECK(ev.kind >= kStart);
                CHECK(ev.kind <= kDone);
                CHECK(ev.old_state != ev.new_state);
                CHECK(ev.flags == 0);
            }
            CHECK(sequences.size() == kTotal);
            CHECK(*sequences.begin() == 1);
            CHECK(*sequences.rbegin() == kTotal);
        }
        close_ok(s);
        CHECK(a.releases == 1);
        CHECK(b.releases == 1);
        check_clean(p);
    }
    SUBCASE("QUEUED: one at a time, in sequence order, a gap only where a drop is flagged") {
        const std::string p = fresh_profile("storm-queued");
        olstate_session* s = open_ok(p, OLSTATE_DELIVERY_QUEUED);
        Probe a;
        subscribe(s, a);
        for (int round = 0; round < 20; ++round)
            REQUIRE(olstate_sim_storm(p.c_str(), kThreads, kCount) == 0);
        REQUIRE(eventually([&] {
            const auto e = a.seen();
            return !e.empty() && e.back().sequence == 20 * kTotal;
        }));
        const auto e = a.seen();
        CHECK(a.max_running == 1);
        bool ordered = true, flags_match = true;
        for (std::size_t i = 1; i < e.size(); ++i) {
            if (e[i].sequence <= e[i - 1].sequence) ordered = false;
            const bool gap = e[i].sequence != e[i - 1].sequence + 1;
            if (gap != ((e[i].flags & OLSTATE_EVENT_FLAG_DROPPED) != 0)) flags_match = false;
        }
        CHECK_MESSAGE(ordered, "QUEUED events out of sequence order under concurrent Notify");
        CHECK(flags_match);
        close_ok(s);
        CHECK(a.releases == 1);
        check_clean(p);
    }
    SUBCASE("unsubscribe and close from outside during a storm: silence afterwards") {
        for (const uint32_t delivery : kDeliveries) {
            CAPTURE(delivery);
            const std::string p = fresh_profile("storm-unsub");
            olstate_session* s = open_ok(p, delivery);
            Probe a, b;
            const olstate_subscription ta = subscribe(s, a);
            subscribe(s, b);
            std::thread storm([&] { olstate_sim_storm(p.c_str(), kThreads, 200); });
            REQUIRE(eventually([&] { return a.count() > 0; }));
            REQUIRE(olstate_unsubscribe(s, ta) == OLSTATE_OK);
            a.silenced = true;
            CHECK(a.releases == 1);
            CHECK(a.running == 0);
            REQUIRE(eventually([&] { return b.count() > 10; }));
            close_ok(s);
            b.silenced = true;
            CHECK(b.releases == 1);
            CHECK(b.running == 0);
            storm.join();
            CHECK(a.calls_after_silence == 0);
            CHECK(b.calls_after_silence == 0);
            check_clean(p);
        }
    }
}

TEST_CASE("malformed notifications are dropped and not counted") {
    SimReset reset;
    for (const uint32_t delivery : kDeliveries) {
        CAPTURE(delivery);
        const std::string p = fresh_profile("malformed");
        olstate_session* s = open_ok(p, delivery);
        Probe probe;
        subscribe(s, probe);
        const char* const pp = p.c_str();
        // A null pointer.
        CHECK(olstate_sim_send_null(pp) == 0);
        // Sizes too small to hold the documented fields.
        for (const uint32_t size : {1u, 4u, 8u, 12u, 20u, kNotifySize - 1})
            CHECK(olstate_sim_send_raw(pp, kChange, kMask, 2, 1, size, 1) == 0);
        // Notify types that are not state changes.
        for (const uint32_t type : {0u, 4u, 5u, 99u, 0x7FFFFFFFu, 0xFFFFFFFFu})
            CHECK(olstate_sim_send_raw(pp, type, kMask, 2, 1, 0, 1) == 0);
        // Changes that are not about the online/offline bits.
        for (const uint32_t mask : {0u, 1u, 2u, 4u, 0x10u, 0xFFFFFFFFu})
            CHECK(olstate_sim_send_raw(pp, kChange, mask, 2, 1, 0, 1) == 0);
        // States that are neither online nor offline.
        for (const auto& [o, n] : {std::pair{0u, 1u}, std::pair{2u, 0u}, std::pair{3u, 1u},
                                   std::pair{2u, 3u}, std::pair{0xFFFFFFFCu, 2u}})
            CHECK(olstate_sim_send_raw(pp, kChange, kMask, o, n, 0, 1) == 0);
        olstate_sim_wait_idle(pp);
        std::this_thread::sleep_for(20ms);  // QUEUED: give the dispatcher a chance to misbehave
        CHECK(probe.count() == 0);

        // The next valid one is the session's first notification.
        CHECK(send_valid(p) == 0);
        // A larger struct from a newer provider keeps the documented prefix.
        CHECK(olstate_sim_send_raw(pp, kDone, kMask, OLSTATE_OFFLINE, OLSTATE_ONLINE,
                                   kNotifySize + 64, 1) == 0);
        // Bits outside the online/offline mask in the states are masked off.
        CHECK(olstate_sim_send_raw(pp, kStart, kMask, 0x100u | OLSTATE_ONLINE,
                                   0x200u | OLSTATE_OFFLINE, 0, 1) == 0);
        REQUIRE(probe.wait_for(3));
        olstate_sim_wait_idle(pp);
        const auto e = probe.seen();
        REQUIRE(e.size() == 3);
        CHECK(e[0].sequence == 1);
        CHECK(e[0].kind == kChange);
        CHECK(e[0].old_state == OLSTATE_ONLINE);
        CHECK(e[0].new_state == OLSTATE_OFFLINE);
        CHECK(e[1].sequence == 2);
        CHECK(e[1].kind == kDone);
        CHECK(e[1].old_state == OLSTATE_OFFLINE);
        CHECK(e[1].new_state == OLSTATE_ONLINE);
        CHECK(e[2].sequence == 3);
        CHECK(e[2].kind == kStart);
        CHECK(e[2].old_state == OLSTATE_ONLINE);
        CHECK(e[2].new_state == OLSTATE_OFFLINE);
        for (const auto& ev : e) {
            CHECK(ev.flags == 0);
            CHECK(ev.reserved == 0);
        }
        close_ok(s);
        CHECK(probe.releases == 1);
        check_clean(p);
    }
}

TEST_CASE("malformed notifications from a concurrent provider, mixed with valid ones") {
    SimReset reset;
    for (const uint32_t delivery : kDeliveries) {
        CAPTURE(delivery);
        const std::string p = fresh_profile("malformed-pool");
        REQUIRE(olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_POOL, 4) == 0);
        olstate_session* s = open_ok(p, delivery);
        Probe probe;
        subscribe(s, probe);
        for (int i = 0; i < 20; ++i) {
            olstate_sim_send_null(p.c_str());
            olstate_sim_send_raw(p.c_str(), 0xFFFFFFFFu, kMask, 2, 1, 0, 2);
            olstate_sim_send_raw(p.c_str(), kChange, kMask, 2, 1, 3, 2);
            send_valid(p, 1);
        }
        olstate_sim_wait_idle(p.c_str());
        REQUIRE(probe.wait_for(20));
        olstate_sim_wait_idle(p.c_str());
        std::this_thread::sleep_for(20ms);
        const auto e = probe.seen();
        CHECK(e.size() == 20);
        std::set<uint64_t> sequences;
        for (const auto& ev : e) sequences.insert(ev.sequence);
        CHECK(sequences.size() == 20);
        CHECK(*sequences.rbegin() == 20);
        close_ok(s);
        check_clean(p);
    }
}

TEST_CASE("HrOpenOfflineObj returning S_OK with a null object") {
    SimReset reset;
    for (const uint32_t delivery : kDeliveries) {
        CAPTURE(delivery);
        const std::string p = fresh_profile("open-null");
        olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_OPEN_NULL);
        check_open_fails(p, delivery, OLSTATE_E_PROVIDER_FAILED, 0, "no offline object");
        // olstate_open (default options) says the same where AUTO is the
        // simulator; on Windows AUTO outside OUTLOOK.EXE is the bridge, and
        // none runs here.
        olstate_session* s = nullptr;
#if defined(_WIN32)
        CHECK(olstate_open(p.c_str(), &s) == OLSTATE_E_PROVIDER_NOT_FOUND);
#else
        CHECK(olstate_open(p.c_str(), &s) == OLSTATE_E_PROVIDER_FAILED);
#endif
        CHECK(s == nullptr);
        olstate_sim_set_misbehaviour(0);
        check_clean(p);
        // The provider recovers; so does olstate.
        s = open_ok(p, delivery);
        close_ok(s);
        check_clean(p);
    }
}

TEST_CASE("QueryInterface failing") {
    SimReset reset;
    for (const uint32_t delivery : kDeliveries) {
        for (const int32_t hr : {kENoInterface, kEFail, kEUnexpected}) {
            CAPTURE(delivery);
            CAPTURE(hr);
            const std::string p = fresh_profile("qi");
            REQUIRE(olstate_sim_fail_next(OLSTATE_SIM_CALL_QUERY_INTERFACE, hr, 1) == 0);
            check_open_fails(p, delivery, OLSTATE_E_PROVIDER_FAILED, hr, "QueryInterface");
            // The offline object HrOpenOfflineObj returned was released.
            check_clean(p);
        }
    }
}

TEST_CASE("GetCapabilities reporting nothing") {
    SimReset reset;
    for (const uint32_t delivery : kDeliveries) {
        for (const uint32_t reported : {0u, 0xFFFFFFFCu}) {  // nothing, or only unknown bits
            CAPTURE(delivery);
            CAPTURE(reported);
            const std::string p = fresh_profile("nocaps");
            REQUIRE(olstate_sim_set_capabilities(p.c_str(), reported) == 0);
            olstate_session* s = open_ok(p, delivery);
            uint32_t caps = 99;
            CHECK(olstate_capabilities(s, &caps) == OLSTATE_OK);
            CHECK(caps == OLSTATE_CAPABILITY_CONNECTION_MODE);  // neither online nor offline
            // Nothing to advise for: no sink is registered.
            CHECK(olstate_sim_advised_sinks() == 0);
            // Subscribing is NOT_SUPPORTED, and the context is released
            // before the call returns.
            Probe probe;
            olstate_subscription token = 77;
            CHECK(olstate_subscribe(s, Probe::callback, &probe, Probe::release, &token) ==
                  OLSTATE_E_NOT_SUPPORTED);
            CHECK(token == 77);
            CHECK(probe.releases == 1);
            CHECK(std::string(olstate_last_error_message()).find("capability") !=
                  std::string::npos);
            // The state itself is still readable.
            uint32_t state = 0;
            CHECK(olstate_get_state(s, &state) == OLSTATE_OK);
            CHECK(state == OLSTATE_ONLINE);
            // Notifications the provider sends anyway reach nobody.
            send_valid(p, 3);
            olstate_sim_wait_idle(p.c_str());
            close_ok(s);
            check_clean(p);
        }
    }
}

TEST_CASE("GetCapabilities reporting one capability, or failing") {
    SimReset reset;
    const std::string p = fresh_profile("onecap");
    REQUIRE(olstate_sim_set_capabilities(p.c_str(), OLSTATE_CAPABILITY_ONLINE | 0x10u) == 0);
    olstate_session* s = open_ok(p, OLSTATE_DELIVERY_INLINE);
    uint32_t caps = 0;
    CHECK(olstate_capabilities(s, &caps) == OLSTATE_OK);
    CHECK(caps == (OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_CONNECTION_MODE));  // the unknown 0x10 dropped
    Probe probe;
    subscribe(s, probe);
    send_valid(p);
    CHECK(probe.wait_for(1));
    close_ok(s);
    CHECK(probe.releases == 1);
    check_clean(p);

    REQUIRE(olstate_sim_fail_next(OLSTATE_SIM_CALL_GET_CAPABILITIES, kEFail, 1) == 0);
    check_open_fails(p, OLSTATE_DELIVERY_QUEUED, OLSTATE_E_PROVIDER_FAILED, kEFail,
                     "GetCapabilities");
    check_clean(p);
}

TEST_CASE("Advise returning E_INVALIDARG or E_NOINTERFACE") {
    SimReset reset;
    for (const uint32_t delivery : kDeliveries) {
        for (const int32_t hr : {kEInvalidArg, kENoInterface}) {
            CAPTURE(delivery);
            CAPTURE(hr);
            const std::string p = fresh_profile("advise");
            REQUIRE(olstate_sim_fail_next(OLSTATE_SIM_CALL_ADVISE, hr, 1) == 0);
            check_open_fails(p, delivery, OLSTATE_E_PROVIDER_FAILED, hr, "Advise");
            // The offline object, its IMAPIOffline and the sink were released;
            // no sink stayed advised.
            check_clean(p);
            // The next open works.
            olstate_session* s = open_ok(p, delivery);
            Probe probe;
            subscribe(s, probe);
            REQUIRE(olstate_set_state(s, OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
            CHECK(probe.wait_for(3));
            close_ok(s);
            check_clean(p);
        }
    }
}

TEST_CASE("Unadvise failing") {
    SimReset reset;
    for (const uint32_t delivery : kDeliveries) {
        CAPTURE(delivery);
        const std::string p = fresh_profile("unadvise");
        olstate_session* s = open_ok(p, delivery);
        Probe probe;
        subscribe(s, probe);
        REQUIRE(olstate_sim_fail_next(OLSTATE_SIM_CALL_UNADVISE, kEFail, 1) == 0);
        // close does not depend on Unadvise: it succeeds, releases every
        // context and every reference olstate holds on the offline object.
        close_ok(s);
        probe.silenced = true;
        CHECK(probe.releases == 1);
        CHECK(olstate_sim_outstanding_refs() == 0);
        CHECK(olstate_sim_live_objects() == 0);
        // The provider still holds the sink it failed to unadvise, and keeps
        // notifying it: the notifications reach nobody.
        CHECK(olstate_sim_advised_sinks() == 1);
        send_valid(p, 5);
        REQUIRE(olstate_sim_set_state(p.c_str(), OLSTATE_OFFLINE, 1) == 0);
        olstate_sim_wait_idle(p.c_str());
        std::this_thread::sleep_for(20ms);
        CHECK(probe.calls_after_silence == 0);
        // Once the provider lets go (as Outlook does at shutdown), nothing is left.
        REQUIRE(olstate_sim_unadvise_all(p.c_str()) == 0);
        check_clean(p);
    }
}

TEST_CASE("Unadvise failing in a teardown that a callback started") {
    SimReset reset;
    for (const uint32_t delivery : kDeliveries) {
        CAPTURE(delivery);
        const std::string p = fresh_profile("unadvise-inside");
        olstate_session* s = open_ok(p, delivery);
        struct Closer {
            olstate_session* s;
            std::atomic<int> releases{0};
        } closer{s};
        olstate_subscription token = 0;
        REQUIRE(olstate_subscribe(
                    s, [](const olstate_event*, void* c) { olstate_close(static_cast<Closer*>(c)->s); },
                    &closer, [](void* c) { ++static_cast<Closer*>(c)->releases; },
                    &token) == OLSTATE_OK);
        REQUIRE(olstate_sim_fail_next(OLSTATE_SIM_CALL_UNADVISE, kEFail, 1) == 0);
        send_valid(p);
        REQUIRE(eventually([&] { return closer.releases.load() == 1; }));
        REQUIRE(eventually([] { return olstate_sim_outstanding_refs() == 0; }));
        CHECK(olstate_sim_advised_sinks() == 1);
        REQUIRE(olstate_sim_unadvise_all(p.c_str()) == 0);
        check_clean(p);
    }
}

TEST_CASE("a provider slow in Unadvise while notifications arrive") {
    SimReset reset;
    for (const uint32_t delivery : kDeliveries) {
        for (const uint32_t sim_delivery : {OLSTATE_SIM_DELIVERY_POOL, OLSTATE_SIM_DELIVERY_THREAD}) {
            CAPTURE(delivery);
            CAPTURE(sim_delivery);
            const std::string p = fresh_profile("slow-unadvise");
            REQUIRE(olstate_sim_set_delivery(p.c_str(), sim_delivery, 4) == 0);
            olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_SLOW_UNADVISE);
            olstate_session* s = open_ok(p, delivery);
            Probe a, b;
            const olstate_subscription ta = subscribe(s, a);
            subscribe(s, b);
            std::atomic<bool> stop{false};
            std::thread traffic([&] {
                while (!stop) {
                    send_valid(p, 4);
                    olstate_sim_storm(p.c_str(), 2, 2);
                }
            });
            REQUIRE(eventually([&] { return a.count() > 0 && b.count() > 0; }));
            REQUIRE(olstate_unsubscribe(s, ta) == OLSTATE_OK);
            a.silenced = true;
            CHECK(a.releases == 1);
            const auto before = std::chrono::steady_clock::now();
            close_ok(s);  // Unadvise sleeps 50 ms while notifications keep coming
            b.silenced = true;
            CHECK(std::chrono::steady_clock::now() - before >= 45ms);
            CHECK(b.releases == 1);
            std::this_thread::sleep_for(30ms);
            stop = true;
            traffic.join();
            olstate_sim_wait_idle(p.c_str());
            CHECK(a.calls_after_silence == 0);
            CHECK(b.calls_after_silence == 0);
            olstate_sim_set_misbehaviour(0);
            check_clean(p);
        }
    }
}

TEST_CASE("a provider that calls the sink during Advise") {
    SimReset reset;
    for (const uint32_t delivery : kDeliveries) {
        CAPTURE(delivery);
        const std::string p = fresh_profile("notify-in-advise");
        olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_NOTIFY_IN_ADVISE);
        // The notification arrives on the opening thread, inside
        // olstate_open_ex, before the session is handed out: open succeeds.
        olstate_session* s = open_ok(p, delivery);
        Probe probe;
        subscribe(s, probe);
        REQUIRE(olstate_set_state(s, OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
        REQUIRE(eventually([&] {
            const auto e = probe.seen();
            return !e.empty() && e.back().kind == kDone && e.back().new_state == OLSTATE_OFFLINE;
        }));
        const auto e = probe.seen();
        // The Advise-time notification counted as the session's first (it
        // may reach the subscription in QUEUED mode if the dispatcher had not
        // run yet); the change follows it in order.
        REQUIRE(e.size() >= 3);
        const std::size_t k = e.size() - 3;
        CHECK(e[k].kind == kStart);
        CHECK(e[k].sequence == 2);
        CHECK(e[k + 1].sequence == 3);
        CHECK(e[k + 2].sequence == 4);
        if (k == 1) {
            CHECK(e[0].sequence == 1);
            CHECK(e[0].kind == kDone);
            CHECK(e[0].old_state == OLSTATE_ONLINE);
            CHECK(e[0].new_state == OLSTATE_ONLINE);
        }
        CHECK(k <= 1);
        close_ok(s);
        CHECK(probe.releases == 1);
        olstate_sim_set_misbehaviour(0);
        check_clean(p);
    }
}

TEST_CASE("a provider that calls the sink during Advise, and Advise then fails") {
    SimReset reset;
    for (const uint32_t delivery : kDeliveries) {
        CAPTURE(delivery);
        const std::string p = fresh_profile("notify-then-fail");
        olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_NOTIFY_IN_ADVISE);
        // The simulator's Advise fails before it would notify: the open
        // fails cleanly, and the half-open session keeps nothing alive.
        REQUIRE(olstate_sim_fail_next(OLSTATE_SIM_CALL_ADVISE, kENoInterface, 1) == 0);
        check_open_fails(p, delivery, OLSTATE_E_PROVIDER_FAILED, kENoInterface, "Advise");
        olstate_sim_set_misbehaviour(0);
        check_clean(p);
    }
}

TEST_CASE("every misbehaviour at once, from several sessions on one profile") {
    SimReset reset;
    const std::string p = fresh_profile("all");
    REQUIRE(olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_POOL, 4) == 0);
    olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_LATE_NOTIFY |
                                 OLSTATE_SIM_MISBEHAVE_NOTIFY_IN_ADVISE |
                                 OLSTATE_SIM_MISBEHAVE_SLOW_UNADVISE);
    std::vector<std::thread> workers;
    std::atomic<int> failures{0};
    for (int w = 0; w < 4; ++w) {
        workers.emplace_back([&, w] {
            const uint32_t delivery = (w % 2) ? OLSTATE_DELIVERY_INLINE : OLSTATE_DELIVERY_QUEUED;
            for (int i = 0; i < 5; ++i) {
                const auto o = options(p, delivery);
                olstate_session* s = nullptr;
                if (olstate_open_ex(&o, &s) != OLSTATE_OK) {
                    ++failures;
                    continue;
                }
                Probe probe;
                olstate_subscription t = 0;
                if (olstate_subscribe(s, Probe::callback, &probe, Probe::release, &t) != OLSTATE_OK)
                    ++failures;
                olstate_sim_storm(p.c_str(), 4, 3);
                olstate_sim_send_null(p.c_str());
                olstate_sim_send_raw(p.c_str(), 9, kMask, 2, 1, 0, 3);
                if (olstate_close(s) != OLSTATE_OK) ++failures;
                probe.silenced = true;
                if (probe.releases != 1) ++failures;
                olstate_sim_wait_idle(p.c_str());
                if (probe.calls_after_silence != 0) ++failures;
            }
        });
    }
    for (auto& t : workers) t.join();
    CHECK(failures == 0);
    olstate_sim_set_misbehaviour(0);
    check_clean(p);
}

TEST_CASE("any failing HRESULT from any call: the right code, named in the message") {
    SimReset reset;
    const std::string p = fresh_profile("hresults");
    olstate_session* s = open_ok(p, OLSTATE_DELIVERY_QUEUED);
    struct Case {
        int32_t hr;
        olstate_result expected;
        const char* text;
    };
    const Case cases[] = {
        {static_cast<int32_t>(0x80004003u), OLSTATE_E_PROVIDER_FAILED, "E_POINTER (0x80004003)"},
        {kEUnexpected, OLSTATE_E_PROVIDER_FAILED, "E_UNEXPECTED (0x8000FFFF)"},
        {static_cast<int32_t>(0x80040102u), OLSTATE_E_NOT_SUPPORTED, "MAPI_E_NO_SUPPORT (0x80040102)"},
        {static_cast<int32_t>(0x80004001u), OLSTATE_E_NOT_SUPPORTED, "E_NOTIMPL (0x80004001)"},
        {static_cast<int32_t>(0x8000000Au), OLSTATE_E_BUSY, "E_PENDING (0x8000000A)"},
        {static_cast<int32_t>(0x8007000Eu), OLSTATE_E_OUT_OF_MEMORY, "E_OUTOFMEMORY (0x8007000E)"},
        {static_cast<int32_t>(0x8004010Fu), OLSTATE_E_PROVIDER_FAILED, "MAPI_E_NOT_FOUND (0x8004010F)"},
        {static_cast<int32_t>(0x80000000u), OLSTATE_E_PROVIDER_FAILED, "HRESULT 0x80000000"},
        {static_cast<int32_t>(0xDEADBEEFu), OLSTATE_E_PROVIDER_FAILED, "HRESULT 0xDEADBEEF"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        // Reading the state.
        REQUIRE(olstate_sim_fail_next(OLSTATE_SIM_CALL_GET_STATE, c.hr, 1) == 0);
        uint32_t state = 0;
        CHECK(olstate_get_state(s, &state) == c.expected);
        CHECK(olstate_last_error_hresult() == c.hr);
        CHECK(std::string(olstate_last_error_message()).find(c.text) != std::string::npos);
        // Changing it.
        REQUIRE(olstate_sim_fail_next(OLSTATE_SIM_CALL_SET_STATE, c.hr, 1) == 0);
        CHECK(olstate_set_state(s, OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == c.expected);
        CHECK(olstate_last_error_hresult() == c.hr);
        CHECK(std::string(olstate_last_error_message()).find(c.text) != std::string::npos);
    }
    // E_PENDING from QueryInterface at open is BUSY too (whatever the call).
    REQUIRE(olstate_sim_fail_next(OLSTATE_SIM_CALL_QUERY_INTERFACE,
                                  static_cast<int32_t>(0x8000000Au), 1) == 0);
    check_open_fails(p, OLSTATE_DELIVERY_INLINE, OLSTATE_E_BUSY, static_cast<int32_t>(0x8000000Au),
                     "QueryInterface");
    close_ok(s);
    check_clean(p);
}

TEST_CASE("a provider library by full path, with the default profile") {
    SimReset reset;
    // The simulator's own path, as olstate found it.
    olstate_session* sim = open_ok(fresh_profile("path"), OLSTATE_DELIVERY_QUEUED);
    olstate_session_info info{};
    info.struct_size = sizeof info;
    REQUIRE(olstate_get_session_info(sim, &info) == OLSTATE_OK);
    const std::string path = info.provider_path;
    close_ok(sim);
#ifdef _WIN32
    // A drive path (C:\...) or a UNC path (\\server\...).
    const bool full = (path.size() > 2 && path[1] == ':' && (path[2] == '\\' || path[2] == '/')) ||
                      path.rfind("\\\\", 0) == 0;
    const char* relative = "olstate_sim.dll";
#else
    const bool full = path.rfind('/', 0) == 0;
    const char* relative = "libolstate_sim.so";
#endif
    REQUIRE_MESSAGE(full, path);

    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = OLSTATE_PROVIDER_LIBRARY;
    o.provider_path = path.c_str();  // profile NULL: the provider's default profile
    olstate_session* s = nullptr;
#ifdef _WIN32
    // On Windows the default profile of a LIBRARY provider is MAPI's (its
    // profile table, then the registry); the simulator has no profile table
    // and the test machine no MAPI profile, so the answer names what it tried.
    CHECK(olstate_open_ex(&o, &s) == OLSTATE_E_PROFILE_NOT_FOUND);
    CHECK_MESSAGE(std::string(olstate_last_error_message()).find("no default MAPI profile") !=
                      std::string::npos,
                  std::string(olstate_last_error_message()));
    CHECK(s == nullptr);
#else
    REQUIRE_MESSAGE(olstate_open_ex(&o, &s) == OLSTATE_OK, std::string(olstate_last_error_message()));
    info = olstate_session_info{};
    info.struct_size = sizeof info;
    REQUIRE(olstate_get_session_info(s, &info) == OLSTATE_OK);
    CHECK(info.provider == OLSTATE_PROVIDER_LIBRARY);
    CHECK(std::string(info.profile) == OLSTATE_SIM_DEFAULT_PROFILE);
    CHECK(std::string(info.provider_path) == path);
    Probe probe;
    subscribe(s, probe);
    REQUIRE(olstate_sim_send_raw(nullptr, kDone, kMask, OLSTATE_ONLINE, OLSTATE_OFFLINE, 0, 1) == 0);
    CHECK(probe.wait_for(1));
    close_ok(s);
    CHECK(probe.releases == 1);
    check_clean(OLSTATE_SIM_DEFAULT_PROFILE);
#endif

    // A relative path is refused before anything is loaded.
    o.provider_path = relative;
    s = nullptr;
    CHECK(olstate_open_ex(&o, &s) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(std::string(olstate_last_error_message()).find("full path") != std::string::npos);
    CHECK(s == nullptr);
}

TEST_CASE("close waits for a callback that unsubscribed itself and is still running") {
    // The contract: once olstate_close returns, no callback of any of the
    // session's subscriptions runs and every release has run - including a
    // subscription that ended itself from inside a callback still running
    // on a provider thread (INLINE), which is no longer in the session's table.
    SimReset reset;
    for (const uint32_t delivery : kDeliveries) {
        CAPTURE(delivery);
        const std::string p = fresh_profile("close-drain");
        olstate_session* s = open_ok(p, delivery);
        struct Self {
            olstate_session* s = nullptr;
            std::atomic<olstate_subscription> token{0};
            std::atomic<int> calls{0}, running{0}, releases{0};
            std::atomic<bool> unsubscribed{false};
            std::atomic<olstate_result> unsubscribe_result{-100};
        } self;
        self.s = s;
        olstate_subscription token = 0;
        REQUIRE(olstate_subscribe(
                    s,
                    [](const olstate_event*, void* c) {
                        auto* k = static_cast<Self*>(c);
                        ++k->running;
                        if (++k->calls == 1) {
                            while (k->token.load() == 0) std::this_thread::yield();
                            k->unsubscribe_result = olstate_unsubscribe(k->s, k->token.load());
                            k->unsubscribed = true;
                            // Still inside the callback when close is called.
                            std::this_thread::sleep_for(200ms);
                        }
                        --k->running;
                    },
                    &self, [](void* c) { ++static_cast<Self*>(c)->releases; },
                    &token) == OLSTATE_OK);
        self.token = token;
        REQUIRE(send_valid(p) == 0);
        REQUIRE(eventually([&] { return self.unsubscribed.load(); }));
        CHECK(self.unsubscribe_result == OLSTATE_OK);
        close_ok(s);
        CHECK_MESSAGE(self.running == 0, "close returned while a callback of the session runs");
        CHECK_MESSAGE(self.releases == 1, "close returned before a release ran");
        REQUIRE(eventually([&] { return self.releases.load() == 1 && self.running.load() == 0; }));
        check_clean(p);
    }
}
