// Events: order, payload, sequence numbers, sharing, both delivery modes,
// state changes, and the notifications olstate must drop.
#include <chrono>
#include <set>

#include "support.h"

using namespace test;

namespace {

uint64_t now_us() {
    using namespace std::chrono;
    return static_cast<uint64_t>(
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

void check_change(const std::vector<Recorder::Seen>& seen, std::size_t first, uint32_t from,
                  uint32_t to) {
    const uint32_t kinds[] = {OLSTATE_EVENT_CHANGE_START, OLSTATE_EVENT_CHANGE,
                              OLSTATE_EVENT_CHANGE_DONE};
    for (std::size_t i = 0; i < 3; ++i) {
        const olstate_event& e = seen.at(first + i).event;
        CHECK(e.struct_size == sizeof(olstate_event));
        CHECK(e.kind == kinds[i]);
        CHECK(e.old_state == from);
        CHECK(e.new_state == to);
        CHECK(e.flags == 0);
        CHECK(e.reserved == 0);
    }
}

}  // namespace


TEST_CASE("order, payload, sequence and tokens (QUEUED and INLINE)") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        Recorder r;
        Session s(fresh_profile(), delivery);
        const auto token = subscribe(s.get(), r);
        const uint64_t before = now_us();
        REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
        REQUIRE(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
        REQUIRE(r.wait_for(6));
        const auto seen = r.seen();
        REQUIRE(seen.size() == 6);
        check_change(seen, 0, OLSTATE_ONLINE, OLSTATE_OFFLINE);
        check_change(seen, 3, OLSTATE_OFFLINE, OLSTATE_ONLINE);
        for (std::size_t i = 0; i < seen.size(); ++i) {
            CHECK(seen[i].event.sequence == i + 1);
            CHECK(seen[i].event.subscription == token);
            CHECK(seen[i].event.notify_time_us >= before - 1000);
            CHECK(seen[i].event.notify_time_us <= now_us() + 1000);
        }
        uint32_t state = 0;
        CHECK(olstate_get_state(s.get(), &state) == OLSTATE_OK);
        CHECK(state == OLSTATE_ONLINE);
    }
}

TEST_CASE("QUEUED: one dispatcher thread, never the caller's nor the provider's") {
    SimReset reset;
    const std::string p = fresh_profile();
    olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_SYNC, 0);  // provider = this thread
    Recorder r;
    Session s(p);
    subscribe(s.get(), r);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    REQUIRE(r.wait_for(6));
    std::set<std::thread::id> threads;
    for (const auto& seen : r.seen()) threads.insert(seen.thread);
    CHECK(threads.size() == 1);
    CHECK(threads.count(std::this_thread::get_id()) == 0);
}

TEST_CASE("INLINE: callbacks run on the provider's thread, inside set_state with SYNC delivery") {
    SimReset reset;
    const std::string p = fresh_profile();
    olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_SYNC, 0);
    Recorder r;
    Session s(p, OLSTATE_DELIVERY_INLINE);
    subscribe(s.get(), r);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    CHECK(r.count() == 3);  // already delivered: synchronously, on this thread
    for (const auto& seen : r.seen()) CHECK(seen.thread == std::this_thread::get_id());
}

TEST_CASE("a blocking set_state returns after DONE was delivered (INLINE)") {
    SimReset reset;
    Recorder r;
    Session s(fresh_profile(), OLSTATE_DELIVERY_INLINE);
    subscribe(s.get(), r);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    REQUIRE(r.count() == 3);
    CHECK(r.seen().back().event.kind == OLSTATE_EVENT_CHANGE_DONE);
}

TEST_CASE("setting the state it already has is OK and sends nothing") {
    SimReset reset;
    Recorder r;
    Session s(fresh_profile(), OLSTATE_DELIVERY_INLINE);
    subscribe(s.get(), r);
    CHECK(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    CHECK(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    olstate_sim_wait_idle(s.profile().c_str());
    CHECK(r.count() == 0);
}

TEST_CASE("sessions on one profile share its object; other profiles are independent") {
    SimReset reset;
    const std::string p = fresh_profile("Shared");
    Recorder ra, rb, ro;
    Session a(p);
    std::string upper = p;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    Session b(upper);  // profile names are case-insensitive
    Session other(fresh_profile());
    subscribe(a.get(), ra);
    subscribe(b.get(), rb);
    subscribe(other.get(), ro);
    REQUIRE(olstate_set_state(a.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    REQUIRE(ra.wait_for(3));
    REQUIRE(rb.wait_for(3));
    uint32_t state = 0;
    CHECK(olstate_get_state(b.get(), &state) == OLSTATE_OK);
    CHECK(state == OLSTATE_OFFLINE);
    CHECK(olstate_get_state(other.get(), &state) == OLSTATE_OK);
    CHECK(state == OLSTATE_ONLINE);
    olstate_sim_wait_idle(other.profile().c_str());
    CHECK(ro.count() == 0);
    // The state persists after every session closed (one object per profile).
}

TEST_CASE("a change made by the user (simulator control) reaches subscribers") {
    SimReset reset;
    Recorder r;
    Session s(fresh_profile());
    subscribe(s.get(), r);
    REQUIRE(olstate_sim_set_state(s.profile().c_str(), OLSTATE_OFFLINE, 1) == 0);
    REQUIRE(r.wait_for(3));
    check_change(r.seen(), 0, OLSTATE_ONLINE, OLSTATE_OFFLINE);
}

TEST_CASE("notifications that are not about online/offline are dropped and not counted") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        Recorder r;
        Session s(fresh_profile(), delivery);
        const char* p = s.profile().c_str();
        subscribe(s.get(), r);
        olstate_sim_send_raw(p, 2, 0x4, 1, 2, 0, 1);            // another state bit
        olstate_sim_send_raw(p, 2, 0x3F037F, 1, 2, 0, 1);       // not the offline mask
        olstate_sim_send_raw(p, 7, 0x3, 1, 2, 0, 1);            // unknown notify type
        olstate_sim_send_raw(p, 0, 0x3, 1, 2, 0, 1);
        olstate_sim_send_raw(p, 2, 0x3, 1, 2, 12, 1);           // ulSize too small
        olstate_sim_send_raw(p, 2, 0x3, 0, 5, 0, 1);            // states out of range
        olstate_sim_send_null(p);                                // NULL pointer
        olstate_sim_send_raw(p, 2, 0x3, 2, 1, 0, 1);            // a real one
        olstate_sim_wait_idle(p);
        REQUIRE(r.wait_for(1));
        olstate_sim_wait_idle(p);
        const auto seen = r.seen();
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].event.sequence == 1);
        CHECK(seen[0].event.kind == OLSTATE_EVENT_CHANGE);
        CHECK(seen[0].event.old_state == OLSTATE_ONLINE);
        CHECK(seen[0].event.new_state == OLSTATE_OFFLINE);
    }
}

TEST_CASE("a late notification after Unadvise is ignored") {
    SimReset reset;
    const std::string p = fresh_profile();
    olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_LATE_NOTIFY);
    {
        Recorder r;
        Session s(p, OLSTATE_DELIVERY_INLINE);
        subscribe(s.get(), r);
        // close unadvises; the simulator then notifies the old sink once more
    }
    olstate_sim_wait_idle(p.c_str());
    check_simulator_clean();
}

TEST_CASE("BUSY while an asynchronous change is in flight") {
    SimReset reset;
    Gate entered, go;
    Recorder r;
    Session s(fresh_profile(), OLSTATE_DELIVERY_INLINE);
    r.on_event = [&](const olstate_event& e) {
        if (e.kind == OLSTATE_EVENT_CHANGE_START) {
            entered.open();
            go.wait();
        }
    };
    subscribe(s.get(), r);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    REQUIRE(entered.wait());
    CHECK(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_DEFAULT) == OLSTATE_E_BUSY);
    CHECK(olstate_last_error_hresult() == static_cast<int32_t>(0x8000000Au));
    CHECK(std::string(olstate_last_error_message()).find("0x8000000A") != std::string::npos);
    go.open();
    REQUIRE(r.wait_for(3));
    olstate_sim_wait_idle(s.profile().c_str());
}

TEST_CASE("WOULD_DEADLOCK for a blocking set inside an INLINE callback; async works there") {
    SimReset reset;
    Recorder r;
    Session s(fresh_profile(), OLSTATE_DELIVERY_INLINE);
    std::atomic<olstate_result> blocking{1}, async{1};
    r.on_event = [&](const olstate_event& e) {
        if (e.kind == OLSTATE_EVENT_CHANGE_DONE && e.new_state == OLSTATE_OFFLINE) {
            blocking = olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK);
            async = olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_DEFAULT);
        }
    };
    subscribe(s.get(), r);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    REQUIRE(r.wait_for(6));
    CHECK(blocking == OLSTATE_E_WOULD_DEADLOCK);
    CHECK(async == OLSTATE_OK);
    check_change(r.seen(), 3, OLSTATE_OFFLINE, OLSTATE_ONLINE);
}

TEST_CASE("a blocking set from a QUEUED callback is allowed") {
    SimReset reset;
    Recorder r;
    Session s(fresh_profile());
    std::atomic<olstate_result> blocking{1};
    r.on_event = [&](const olstate_event& e) {
        if (e.kind == OLSTATE_EVENT_CHANGE_DONE && e.new_state == OLSTATE_OFFLINE)
            blocking = olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK);
    };
    subscribe(s.get(), r);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    REQUIRE(r.wait_for(6));
    CHECK(blocking == OLSTATE_OK);
}

TEST_CASE("QUEUED overflow drops the oldest and flags the next; the provider never waits") {
    SimReset reset;
    Gate entered, go;
    Recorder r;
    Session s(fresh_profile());
    const char* p = s.profile().c_str();
    std::atomic<bool> first{true};
    r.on_event = [&](const olstate_event&) {
        if (first.exchange(false)) {
            entered.open();
            go.wait();
        }
    };
    subscribe(s.get(), r);
    olstate_sim_send_raw(p, 2, 3, 2, 1, 0, 1);
    REQUIRE(entered.wait());
    // The callback is blocked: 1000 more notifications still go through the
    // provider's thread without waiting for it.
    REQUIRE(olstate_sim_send_raw(p, 2, 3, 2, 1, 0, 1000) == 0);
    REQUIRE(olstate_sim_wait_idle(p) == 0);
    go.open();
    REQUIRE(eventually([&] { return r.count() >= 1 + 256; }));
    olstate_sim_wait_idle(p);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto seen = r.seen();
    REQUIRE(seen.size() == 1 + 256);  // the first, then a full queue of the newest
    CHECK(seen[0].event.sequence == 1);
    CHECK(seen[0].event.flags == 0);
    CHECK(seen[1].event.flags == OLSTATE_EVENT_FLAG_DROPPED);
    CHECK(seen[1].event.sequence == 1001 - 256 + 1);  // a gap: what was dropped
    for (std::size_t i = 2; i < seen.size(); ++i) {
        CHECK(seen[i].event.flags == 0);
        CHECK(seen[i].event.sequence == seen[i - 1].event.sequence + 1);
    }
    CHECK(seen.back().event.sequence == 1001);
}

TEST_CASE("storms from four provider threads in INLINE mode") {
    SimReset reset;
    Recorder r;
    Session s(fresh_profile(), OLSTATE_DELIVERY_INLINE);
    subscribe(s.get(), r);
    REQUIRE(olstate_sim_storm(s.profile().c_str(), 4, 250) == 0);
    const auto seen = r.seen();
    CHECK(seen.size() == 4 * 250 * 3);
    std::set<uint64_t> sequences;
    for (const auto& x : seen) sequences.insert(x.event.sequence);
    CHECK(sequences.size() == seen.size());  // unique, even without ordering
    CHECK(*sequences.rbegin() == seen.size());
}

TEST_CASE("sequence numbers are per session and shared by its subscriptions") {
    SimReset reset;
    const std::string p = fresh_profile("Seq");
    Recorder a1, a2, b1;
    Session a(p);
    subscribe(a.get(), a1);
    subscribe(a.get(), a2);
    REQUIRE(olstate_set_state(a.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    REQUIRE(a1.wait_for(3));
    REQUIRE(a2.wait_for(3));

    // A session opened later numbers from 1.
    Session b(p, OLSTATE_DELIVERY_INLINE);
    subscribe(b.get(), b1);
    REQUIRE(olstate_set_state(b.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    REQUIRE(a1.wait_for(6));
    REQUIRE(a2.wait_for(6));
    REQUIRE(b1.wait_for(3));
    const auto e1 = events_of(a1), e2 = events_of(a2), eb = events_of(b1);
    REQUIRE(e1.size() == 6);
    REQUIRE(e2.size() == 6);
    REQUIRE(eb.size() == 3);
    for (std::size_t i = 0; i < 6; ++i) {
        CHECK(e1[i].sequence == i + 1);
        CHECK(e2[i].sequence == i + 1);
        CHECK(e1[i].kind == e2[i].kind);
        CHECK(e1[i].subscription != e2[i].subscription);
    }
    for (std::size_t i = 0; i < 3; ++i) CHECK(eb[i].sequence == i + 1);
    CHECK(eb[0].old_state == OLSTATE_OFFLINE);
    CHECK(eb[0].new_state == OLSTATE_ONLINE);
}

TEST_CASE("a subscription added later sees only later events, numbered by the session") {
    SimReset reset;
    Recorder first, later;
    Session s(fresh_profile(), OLSTATE_DELIVERY_INLINE);
    subscribe(s.get(), first);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    subscribe(s.get(), later);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    REQUIRE(later.wait_for(3));
    const auto e = events_of(later);
    REQUIRE(e.size() == 3);
    CHECK(e[0].sequence == 4);
    CHECK(e[0].kind == OLSTATE_EVENT_CHANGE_START);
    CHECK(e[2].sequence == 6);
}

TEST_CASE("QUEUED: one call at a time, in order, never nested, under a concurrent provider") {
    SimReset reset;
    const std::string p = fresh_profile("Pool");
    olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_POOL, 4);
    Concurrency k1, k2;
    Recorder r1;
    Session s(p);
    olstate_subscription t1 = 0, t2 = 0;
    REQUIRE(olstate_subscribe(s.get(), concurrency_callback, &k1, concurrency_release, &t1) ==
            OLSTATE_OK);
    REQUIRE(olstate_subscribe(s.get(), concurrency_callback, &k2, concurrency_release, &t2) ==
            OLSTATE_OK);
    subscribe(s.get(), r1);
    // 20 x 600 notifications from 4 provider threads at once.
    for (int round = 0; round < 20; ++round) {
        REQUIRE(olstate_sim_storm(p.c_str(), 4, 50) == 0);
        olstate_sim_wait_idle(p.c_str());
    }
    // Drops are allowed (bounded queue); whatever arrives is in sequence
    // order, and a gap is exactly a drop, flagged on the next event.
    REQUIRE(eventually([&] {
        const auto e = events_of(r1);
        return !e.empty() && e.back().sequence == 12000;
    }));
    const auto e = events_of(r1);
    // Every subscription gets each delivered event.
    REQUIRE(eventually([&] {
        return k1.calls == static_cast<int>(e.size()) && k2.calls == static_cast<int>(e.size());
    }));
    for (std::size_t i = 1; i < e.size(); ++i) {
        CAPTURE(i);
        REQUIRE(e[i].sequence > e[i - 1].sequence);
        const bool gap = e[i].sequence != e[i - 1].sequence + 1;
        CHECK(gap == ((e[i].flags & OLSTATE_EVENT_FLAG_DROPPED) != 0));
    }
    CHECK(threads_of(r1).size() == 1);
    REQUIRE(olstate_unsubscribe(s.get(), t1) == OLSTATE_OK);
    REQUIRE(olstate_unsubscribe(s.get(), t2) == OLSTATE_OK);
    CHECK(k1.max_running == 1);
    CHECK(k2.max_running == 1);
    CHECK(k1.max_depth == 1);
    CHECK(k1.releases == 1);
    CHECK(k2.releases == 1);
    CHECK(k1.calls == static_cast<int>(e.size()));
    CHECK(k2.calls == static_cast<int>(e.size()));
}

TEST_CASE("QUEUED: the dispatcher thread is neither the provider's nor the caller's") {
    SimReset reset;
    const std::string p = fresh_profile("Threads");  // default: one FIFO provider thread
    Recorder provider, queued;
    Session inl(p, OLSTATE_DELIVERY_INLINE);  // its callbacks reveal the provider thread
    Session q(p);
    subscribe(inl.get(), provider);
    subscribe(q.get(), queued);
    REQUIRE(olstate_set_state(q.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    REQUIRE(provider.wait_for(3));
    REQUIRE(queued.wait_for(3));
    const auto pt = threads_of(provider);
    const auto qt = threads_of(queued);
    REQUIRE(qt.size() == 1);
    CHECK(pt.count(*qt.begin()) == 0);
    CHECK(qt.count(std::this_thread::get_id()) == 0);
    CHECK(pt.count(std::this_thread::get_id()) == 0);  // INLINE: the provider's thread
}

TEST_CASE("QUEUED: a callback's own olstate_ calls never run callbacks on its stack") {
    SimReset reset;
    const std::string p = fresh_profile("Nest");
    olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_SYNC, 0);  // notifies in set_state
    Concurrency k;
    Recorder driver;  // outlives the session: callbacks may run until close returns
    Session s(p);
    std::atomic<int> steps{0};
    std::atomic<int> failures{0};
    driver.on_event = [&](const olstate_event& e) {
        if (e.kind != OLSTATE_EVENT_CHANGE_DONE) return;
        // SYNC delivery: the provider notifies inside these calls, on this
        // (the dispatcher) thread. Nothing may be delivered re-entrantly.
        const int depth_before = t_depth;
        if (++steps < 4) {
            const uint32_t next = e.new_state == OLSTATE_ONLINE ? OLSTATE_OFFLINE : OLSTATE_ONLINE;
            ++t_depth;  // a callback delivered inside this call would run at depth 2
            if (olstate_set_state(s.get(), next, OLSTATE_SET_BLOCK) != OLSTATE_OK) ++failures;
            --t_depth;
        }
        if (t_depth != depth_before) ++failures;
    };
    olstate_subscription t = 0;
    REQUIRE(olstate_subscribe(s.get(), concurrency_callback, &k, concurrency_release, &t) ==
            OLSTATE_OK);
    subscribe(s.get(), driver);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    REQUIRE(driver.wait_for(12));
    CHECK(failures == 0);
    CHECK(k.max_depth == 1);
    CHECK(k.max_running == 1);
    REQUIRE(olstate_unsubscribe(s.get(), t) == OLSTATE_OK);
    const auto e = events_of(driver);
    for (std::size_t i = 0; i < e.size(); ++i) CHECK(e[i].sequence == i + 1);
    CHECK(threads_of(driver).count(std::this_thread::get_id()) == 0);
}

TEST_CASE("INLINE with a provider thread: callbacks on that thread, not the caller's") {
    SimReset reset;
    Recorder r;
    Session s(fresh_profile(), OLSTATE_DELIVERY_INLINE);
    subscribe(s.get(), r);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    REQUIRE(olstate_sim_wait_idle(s.profile().c_str()) == 0);
    REQUIRE(olstate_sim_set_state(s.profile().c_str(), OLSTATE_ONLINE, 1) == 0);
    REQUIRE(r.wait_for(6));
    const auto t = threads_of(r);
    CHECK(t.size() == 1);  // one FIFO provider thread
    CHECK(t.count(std::this_thread::get_id()) == 0);
}

TEST_CASE("a late notification after Unadvise never reaches a callback") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        const std::string p = fresh_profile("Late");
        CountedRecorder r;  // outlives the session
        olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_LATE_NOTIFY);
        {
            Session s(p, delivery);
            olstate_subscription t = 0;
            REQUIRE(olstate_subscribe(s.get(), Recorder::callback, r.context(),
                                      CountedRecorder::release, &t) == OLSTATE_OK);
            REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
            REQUIRE(r.wait_for(3));
        }
        const std::size_t at_close = r.count();
        CHECK(r.releases == 1);
        olstate_sim_wait_idle(p.c_str());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        CHECK(r.count() == at_close);
        olstate_sim_set_misbehaviour(0);
        check_simulator_clean();
    }
}

TEST_CASE("setting the current state from a user change in flight is BUSY, then works") {
    SimReset reset;
    Gate entered, go;
    Recorder r;
    Session s(fresh_profile("UserBusy"), OLSTATE_DELIVERY_INLINE);
    const std::string p = s.profile();
    std::atomic<bool> once{false};
    r.on_event = [&](const olstate_event& e) {
        if (e.kind == OLSTATE_EVENT_CHANGE_START && !once.exchange(true)) {
            entered.open();
            go.wait();
        }
    };
    subscribe(s.get(), r);
    REQUIRE(olstate_sim_set_state(p.c_str(), OLSTATE_OFFLINE, 0) == 0);  // "the user" clicks
    REQUIRE(entered.wait());
    // Even asking for the state it is moving to is BUSY while in flight.
    CHECK(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_DEFAULT) == OLSTATE_E_BUSY);
    CHECK(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_E_BUSY);
    go.open();
    REQUIRE(r.wait_for(3));
    olstate_sim_wait_idle(p.c_str());
    CHECK(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    CHECK(r.count() == 6);
}

TEST_CASE("sequence: a later subscription starts above 1 with nothing dropped; its own events have no gap") {
    for (const uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        Recorder first, later;  // before the session: it is closed, its callbacks over, first
        Session s(fresh_profile("Seq"), delivery);
        subscribe(s.get(), first);
        REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
        REQUIRE(first.wait_for(3));
        subscribe(s.get(), later);
        REQUIRE(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
        REQUIRE(later.wait_for(3));
        const auto seen = later.seen();
        // The header's promise, exactly: numbers 1..3 went to events this
        // subscription never had, and that is not a drop.
        CHECK(seen[0].event.sequence == 4);
        for (std::size_t i = 0; i < seen.size(); ++i) {
            CHECK((seen[i].event.flags & OLSTATE_EVENT_FLAG_DROPPED) == 0);
            if (i > 0) CHECK(seen[i].event.sequence == seen[i - 1].event.sequence + 1);
        }
    }
}
