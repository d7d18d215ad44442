// Subscriptions and sessions ending: the unsubscribe guarantee, calls from
// inside callbacks, close with live subscriptions, and `release` exactly once.
#include "support.h"

using namespace test;

namespace {

// A context that counts its callbacks and releases, and checks that release
// never runs while one of its callbacks does.
struct Tracked {
    std::atomic<int> running{0};
    std::atomic<int> calls{0};
    std::atomic<int> releases{0};
    std::atomic<bool> release_during_call{false};
    std::function<void(const olstate_event&)> body;

    static void OLSTATE_CALL callback(const olstate_event* e, void* c) {
        auto* t = static_cast<Tracked*>(c);
        ++t->running;
        ++t->calls;
        if (t->body) t->body(*e);
        --t->running;
    }
    static void OLSTATE_CALL release(void* c) {
        auto* t = static_cast<Tracked*>(c);
        if (t->running.load() != 0) t->release_during_call = true;
        ++t->releases;
    }
};

olstate_subscription subscribe(olstate_session* s, Tracked& t) {
    olstate_subscription token = 0;
    REQUIRE(olstate_subscribe(s, Tracked::callback, &t, Tracked::release, &token) == OLSTATE_OK);
    return token;
}

}  // namespace

TEST_CASE("release runs once before a failing subscribe returns, whatever the failure") {
    SimReset reset;
    ReleaseCounter rc;
    olstate_subscription token = 0;
    Session s(fresh_profile());
    CHECK(olstate_subscribe(s.get(), nullptr, &rc, ReleaseCounter::release, &token) ==
          OLSTATE_E_INVALID_ARGUMENT);
    CHECK(rc.releases == 1);
    CHECK(olstate_subscribe(s.get(), Recorder::callback, &rc, ReleaseCounter::release, nullptr) ==
          OLSTATE_E_INVALID_ARGUMENT);
    CHECK(rc.releases == 2);
    CHECK(olstate_subscribe(nullptr, Recorder::callback, &rc, ReleaseCounter::release, &token) ==
          OLSTATE_E_INVALID_HANDLE);
    CHECK(rc.releases == 3);
    olstate_session* closed = s.release();
    olstate_close(closed);
    CHECK(olstate_subscribe(closed, Recorder::callback, &rc, ReleaseCounter::release, &token) ==
          OLSTATE_E_INVALID_HANDLE);
    CHECK(rc.releases == 4);

    const std::string p = fresh_profile();
    olstate_sim_set_capabilities(p.c_str(), 0);
    Session none(p);
    uint32_t caps = 99;
    CHECK(olstate_capabilities(none.get(), &caps) == OLSTATE_OK);
    CHECK(caps == 0);
    CHECK(olstate_subscribe(none.get(), Recorder::callback, &rc, ReleaseCounter::release, &token) ==
          OLSTATE_E_NOT_SUPPORTED);
    CHECK(rc.releases == 5);
    CHECK(token == 0);
    // A NULL release is simply not called.
    CHECK(olstate_subscribe(none.get(), Recorder::callback, &rc, nullptr, &token) ==
          OLSTATE_E_NOT_SUPPORTED);
    CHECK(rc.releases == 5);
}

TEST_CASE("unsubscribe: release has run, no call afterwards, token gone") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        Tracked t;
        Session s(fresh_profile(), delivery);
        const auto token = subscribe(s.get(), t);
        REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
        REQUIRE(eventually([&] { return t.calls == 3; }));
        REQUIRE(olstate_unsubscribe(s.get(), token) == OLSTATE_OK);
        CHECK(t.releases == 1);
        const int calls = t.calls;
        REQUIRE(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
        olstate_sim_wait_idle(s.profile().c_str());
        CHECK(t.calls == calls);
        CHECK(olstate_unsubscribe(s.get(), token) == OLSTATE_E_INVALID_HANDLE);
        CHECK(t.releases == 1);
        CHECK_FALSE(t.release_during_call);
    }
}

TEST_CASE("unsubscribe waits for a callback running on another thread") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        Gate entered, go;
        Tracked t;
        Session s(fresh_profile(), delivery);
        std::atomic<bool> finished{false};
        t.body = [&](const olstate_event& e) {
            if (e.kind == OLSTATE_EVENT_CHANGE_START) {
                entered.open();
                go.wait();
                finished = true;
            }
        };
        const auto token = subscribe(s.get(), t);
        REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
        REQUIRE(entered.wait());
        std::thread opener([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            go.open();
        });
        REQUIRE(olstate_unsubscribe(s.get(), token) == OLSTATE_OK);
        CHECK(finished);  // returned only after the running callback ended
        CHECK(t.releases == 1);
        CHECK_FALSE(t.release_during_call);
        opener.join();
        olstate_sim_wait_idle(s.profile().c_str());
        CHECK(t.calls == 1);  // CHANGE and DONE came after: never delivered
    }
}

TEST_CASE("unsubscribing itself from inside its callback: no wait, release after return") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        Tracked t;
        Session s(fresh_profile(), delivery);
        std::atomic<olstate_subscription> token{0};
        std::atomic<olstate_result> result{1};
        std::atomic<int> releases_inside{-1};
        t.body = [&](const olstate_event&) {
            result = olstate_unsubscribe(s.get(), token);
            releases_inside = t.releases.load();
        };
        token = subscribe(s.get(), t);
        REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
        REQUIRE(eventually([&] { return t.releases == 1; }));
        CHECK(result == OLSTATE_OK);
        CHECK(releases_inside == 0);
        CHECK(t.calls == 1);
        CHECK_FALSE(t.release_during_call);
    }
}

TEST_CASE("a callback may unsubscribe another subscription and call everything else") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        Tracked victim, extra;
        Tracked t;
        Session s(fresh_profile(), delivery);
        const auto victim_token = subscribe(s.get(), victim);
        std::atomic<bool> done{false};
        std::atomic<int> failures{0};
        olstate_subscription extra_token = 0;
        t.body = [&](const olstate_event& e) {
            if (e.kind != OLSTATE_EVENT_CHANGE_DONE || done.exchange(true)) return;
            uint32_t v = 0;
            olstate_session_info info{};
            info.struct_size = sizeof info;
            if (olstate_unsubscribe(s.get(), victim_token) != OLSTATE_OK) ++failures;
            if (olstate_get_state(s.get(), &v) != OLSTATE_OK) ++failures;
            if (olstate_capabilities(s.get(), &v) != OLSTATE_OK) ++failures;
            if (olstate_get_session_info(s.get(), &info) != OLSTATE_OK) ++failures;
            if (olstate_subscribe(s.get(), Tracked::callback, &extra, Tracked::release,
                                  &extra_token) != OLSTATE_OK)
                ++failures;
            if (olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_DEFAULT) != OLSTATE_OK)
                ++failures;
        };
        subscribe(s.get(), t);
        REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
        REQUIRE(eventually([&] { return extra.calls >= 3; }));
        CHECK(failures == 0);
        CHECK(victim.releases == 1);
        CHECK_FALSE(victim.release_during_call);
    }
}

TEST_CASE("close with live subscriptions releases each exactly once") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        std::vector<std::unique_ptr<Tracked>> tracked;
        {
            Session s(fresh_profile(), delivery);
            for (int i = 0; i < 5; ++i) {
                tracked.push_back(std::make_unique<Tracked>());
                subscribe(s.get(), *tracked.back());
            }
            REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
        }  // closes while events may be in flight
        for (auto& t : tracked) {
            CHECK(t->releases == 1);
            CHECK(t->running == 0);
            CHECK_FALSE(t->release_during_call);
        }
        check_simulator_clean();
    }
}

TEST_CASE("close waits for a callback running on another thread") {
    SimReset reset;
    Gate entered, go;
    Tracked t;
    Session s(fresh_profile(), OLSTATE_DELIVERY_INLINE);
    std::atomic<bool> finished{false};
    t.body = [&](const olstate_event& e) {
        if (e.kind == OLSTATE_EVENT_CHANGE_START) {
            entered.open();
            go.wait();
            finished = true;
        }
    };
    subscribe(s.get(), t);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    REQUIRE(entered.wait());
    std::thread opener([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        go.open();
    });
    REQUIRE(olstate_close(s.release()) == OLSTATE_OK);
    CHECK(finished);
    CHECK(t.releases == 1);
    opener.join();
    check_simulator_clean();
}

TEST_CASE("closing the session from inside its own callback") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        Tracked t, other;
        Session s(fresh_profile(), delivery);
        olstate_session* session = s.release();
        std::atomic<olstate_result> closed{1}, after{1};
        std::atomic<int> releases_inside{-1};
        t.body = [&](const olstate_event& e) {
            if (e.kind != OLSTATE_EVENT_CHANGE_START) return;
            closed = olstate_close(session);
            uint32_t v = 0;
            after = olstate_get_state(session, &v);
            releases_inside = t.releases.load();
        };
        subscribe(session, t);
        subscribe(session, other);
        REQUIRE(olstate_set_state(session, OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
        REQUIRE(eventually([&] { return t.releases == 1 && other.releases == 1; }));
        CHECK(closed == OLSTATE_OK);
        CHECK(after == OLSTATE_E_INVALID_HANDLE);
        CHECK(releases_inside == 0);
        CHECK(t.calls == 1);
        CHECK(other.calls <= 1);  // at most the START that was already being delivered
        CHECK_FALSE(t.release_during_call);
        CHECK(olstate_close(session) == OLSTATE_E_INVALID_HANDLE);
        check_simulator_clean();
    }
}

TEST_CASE("closing from an INLINE callback nested in set_state (SYNC provider)") {
    SimReset reset;
    const std::string p = fresh_profile();
    olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_SYNC, 0);
    Tracked t;
    Session a(p, OLSTATE_DELIVERY_INLINE);
    Session b(p, OLSTATE_DELIVERY_INLINE);
    olstate_session* target = a.release();
    // b's callback closes a while this thread is still inside set_state(a):
    // close must not wait for this thread's own call.
    std::atomic<olstate_result> closed{1};
    t.body = [&](const olstate_event& e) {
        if (e.kind == OLSTATE_EVENT_CHANGE_START) closed = olstate_close(target);
    };
    subscribe(b.get(), t);
    REQUIRE(olstate_set_state(target, OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    CHECK(closed == OLSTATE_OK);
    uint32_t v = 0;
    CHECK(olstate_get_state(target, &v) == OLSTATE_E_INVALID_HANDLE);
    // The close made from inside a callback tears `a` down asynchronously, on
    // a thread olstate owns: wait for it so the next test's global counters
    // start from zero (b is still open: one sink, one reference).
    CHECK(eventually([] { return olstate_sim_advised_sinks() == 1; }));
}

TEST_CASE("every COM reference is released after close, whatever happened") {
    SimReset reset;
    {
        Recorder r;
        Session a(fresh_profile());
        Session b(fresh_profile(), OLSTATE_DELIVERY_INLINE);
        subscribe(a.get(), r);
        subscribe(b.get(), r);
        olstate_set_state(a.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK);
        olstate_set_state(b.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK);
        CHECK(olstate_sim_outstanding_refs() >= 2);
        CHECK(olstate_sim_advised_sinks() == 2);
    }
    check_simulator_clean();
}
