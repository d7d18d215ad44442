// Subscriptions and sessions ending: the unsubscribe guarantee, calls from
// inside callbacks, close with live subscriptions, and `release` exactly once.
#include "support.h"

#ifndef _WIN32
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

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
    CHECK(caps == OLSTATE_CAPABILITY_CONNECTION_MODE);  // neither online nor offline
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

TEST_CASE("close with events queued behind a blocked callback: no callback after it returned") {
    SimReset reset;
    Gate entered, go;
    CountedRecorder r;
    Session s(fresh_profile("Discard"));
    const std::string p = s.profile();
    std::atomic<bool> first{true};
    r.on_event = [&](const olstate_event&) {
        if (first.exchange(false)) {
            entered.open();
            go.wait();
        }
    };
    olstate_subscription t = 0;
    REQUIRE(olstate_subscribe(s.get(), Recorder::callback, r.context(), CountedRecorder::release,
                              &t) == OLSTATE_OK);
    REQUIRE(olstate_sim_send_raw(p.c_str(), 2, 3, 2, 1, 0, 1) == 0);
    REQUIRE(entered.wait());
    REQUIRE(olstate_sim_send_raw(p.c_str(), 2, 3, 2, 1, 0, 100) == 0);
    olstate_sim_wait_idle(p.c_str());
    std::thread opener([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        go.open();
    });
    REQUIRE(olstate_close(s.release()) == OLSTATE_OK);
    const std::size_t at_close = r.count();
    CHECK(r.releases.load() == 1);
    opener.join();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(r.count() == at_close);
    check_simulator_clean();
}

TEST_CASE("close waits for a blocking set_state in progress on another thread") {
    SimReset reset;
    const std::string p = fresh_profile("CloseWaits");
    Gate entered, go;
    Recorder blocker;
    Session holder(p, OLSTATE_DELIVERY_INLINE);
    blocker.on_event = [&](const olstate_event& e) {
        if (e.kind == OLSTATE_EVENT_CHANGE_START) {
            entered.open();
            go.wait();
        }
    };
    subscribe(holder.get(), blocker);

    Session victim(p);
    olstate_session* v = victim.release();
    std::atomic<bool> set_returned{false};
    std::atomic<olstate_result> set_result{1};
    std::thread setter([&] {
        // Blocks until DONE has reached every sink, i.e. until `go` opens.
        set_result = olstate_set_state(v, OLSTATE_OFFLINE, OLSTATE_SET_BLOCK);
        set_returned = true;
    });
    REQUIRE(entered.wait());  // the setter is now inside olstate_set_state
    std::atomic<bool> released_setter{false};
    std::thread opener([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        released_setter = true;
        go.open();
    });
    CHECK(olstate_close(v) == OLSTATE_OK);
    // The setter cannot leave SetCurrentState before `go` opens, so close
    // returning earlier would mean it did not wait for the call in progress.
    // (Checking set_returned here would race: the call may have ended inside
    // olstate while the setter thread has not yet stored the flag.)
    CHECK(released_setter);
    opener.join();
    setter.join();
    CHECK(set_result == OLSTATE_OK);
    REQUIRE(blocker.wait_for(3));
}

TEST_CASE("unsubscribing itself from an INLINE callback while another call of it runs") {
    SimReset reset;
    const std::string p = fresh_profile("TwoCalls");
    olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_POOL, 2);
    Session s(p, OLSTATE_DELIVERY_INLINE);
    struct Ctx {
        Gate first_entered, go;
        std::atomic<int> entered{0};
        std::atomic<int> running{0};
        std::atomic<int> releases{0};
        std::atomic<bool> release_during_call{false};
        std::atomic<bool> first_waited_ok{false};
        std::atomic<olstate_result> unsubscribed{1};
        std::atomic<olstate_subscription> token{0};
        olstate_session* session = nullptr;
    } ctx;
    ctx.session = s.get();
    const auto callback = [](const olstate_event*, void* c) {
        auto* x = static_cast<Ctx*>(c);
        ++x->running;
        const int n = ++x->entered;
        if (n == 1) {
            x->first_entered.open();
            x->first_waited_ok = x->go.wait();  // held until the second call unsubscribed
        } else if (n == 2) {
            x->first_entered.wait();
            x->unsubscribed = olstate_unsubscribe(x->session, x->token);  // must not wait
            x->go.open();
        }
        --x->running;
    };
    const auto release = [](void* c) {
        auto* x = static_cast<Ctx*>(c);
        if (x->running != 0) x->release_during_call = true;
        ++x->releases;
    };
    olstate_subscription t = 0;
    REQUIRE(olstate_subscribe(s.get(), callback, &ctx, release, &t) == OLSTATE_OK);
    ctx.token = t;
    REQUIRE(olstate_sim_send_raw(p.c_str(), 2, 3, 2, 1, 0, 2) == 0);  // two pool threads at once
    REQUIRE(eventually([&] { return ctx.releases == 1; }));
    CHECK(ctx.first_waited_ok);
    CHECK(ctx.unsubscribed == OLSTATE_OK);
    CHECK_FALSE(ctx.release_during_call);
    CHECK(ctx.entered == 2);
    olstate_sim_send_raw(p.c_str(), 2, 3, 2, 1, 0, 4);
    olstate_sim_wait_idle(p.c_str());
    CHECK(ctx.entered == 2);
    CHECK(ctx.releases == 1);
}

TEST_CASE("a callback may open, use and close other sessions") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        const std::string other = fresh_profile("Other");
        Recorder r;
        Session s(fresh_profile(), delivery);
        std::atomic<int> failures{0};
        std::atomic<bool> done{false};
        r.on_event = [&](const olstate_event& e) {
            if (e.kind != OLSTATE_EVENT_CHANGE_DONE || done) return;
            const auto o = options(other, delivery);
            olstate_session* x = nullptr;
            if (olstate_open_ex(&o, &x) != OLSTATE_OK) {
                ++failures;
            } else {
                uint32_t v = 0;
                olstate_subscription t = 0;
                if (olstate_get_state(x, &v) != OLSTATE_OK || v != OLSTATE_ONLINE) ++failures;
                if (olstate_subscribe(x, [](const olstate_event*, void*) {}, nullptr, nullptr,
                                      &t) != OLSTATE_OK)
                    ++failures;
                if (olstate_set_state(x, OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) != OLSTATE_OK)
                    ++failures;
                if (olstate_close(x) != OLSTATE_OK) ++failures;
                if (olstate_close(x) != OLSTATE_E_INVALID_HANDLE) ++failures;
            }
            done = true;
        };
        subscribe(s.get(), r);
        REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
        REQUIRE(eventually([&] { return done.load(); }));
        CHECK(failures == 0);
        olstate_sim_wait_idle(other.c_str());
        uint32_t state = 0;
        CHECK(olstate_sim_get_state(other.c_str(), &state) == 0);
        CHECK(state == OLSTATE_OFFLINE);
    }
}

TEST_CASE("release runs exactly once when unsubscribe races delivery on a blocked callback") {
    // Anchor failure mode 1: unsubscribe while a callback is blocked on a
    // latch returns only after the callback ends; nothing runs afterwards.
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        HeldCall ctx;
        Session s(fresh_profile("Latch"), delivery);
        olstate_subscription t = 0;
        REQUIRE(olstate_subscribe(s.get(), HeldCall::callback, &ctx, HeldCall::release, &t) == OLSTATE_OK);
        olstate_sim_send_raw(s.profile().c_str(), 2, 3, 2, 1, 0, 10);
        REQUIRE(ctx.entered.wait());
        std::atomic<bool> unsubscribe_returned{false};
        std::thread u([&] {
            CHECK(olstate_unsubscribe(s.get(), t) == OLSTATE_OK);
            unsubscribe_returned = true;
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        CHECK_FALSE(unsubscribe_returned);  // still waiting for the blocked callback
        CHECK(ctx.releases == 0);
        ctx.go.open();
        u.join();
        CHECK(ctx.releases == 1);
        CHECK_FALSE(ctx.release_during_call);
        const int calls = ctx.calls;
        olstate_sim_send_raw(s.profile().c_str(), 2, 3, 2, 1, 0, 5);
        olstate_sim_wait_idle(s.profile().c_str());
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        CHECK(ctx.calls == calls);
    }
}

TEST_CASE("close from inside a callback: every subscription released once, after return") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        Session s(fresh_profile("CloseIn"), delivery);
        olstate_session* session = s.release();
        std::vector<std::unique_ptr<Concurrency>> others;
        for (int i = 0; i < 4; ++i) {
            others.push_back(std::make_unique<Concurrency>());
            olstate_subscription t = 0;
            REQUIRE(olstate_subscribe(session, concurrency_callback, others.back().get(),
                                      concurrency_release, &t) == OLSTATE_OK);
        }
        std::atomic<olstate_result> closed{1}, after_sub{1}, after_unsub{1}, after_set{1},
            after_caps{1}, after_info{1}, after_close{1};
        CountedRecorder closer;
        std::atomic<bool> once{false};
        closer.on_event = [&](const olstate_event&) {
            if (once.exchange(true)) return;
            closed = olstate_close(session);
            olstate_subscription t = 0;
            uint32_t v = 0;
            olstate_session_info info{};
            info.struct_size = sizeof info;
            after_sub = olstate_subscribe(session, concurrency_callback, nullptr, nullptr, &t);
            after_unsub = olstate_unsubscribe(session, 1);
            after_set = olstate_set_state(session, OLSTATE_ONLINE, 0);
            after_caps = olstate_capabilities(session, &v);
            after_info = olstate_get_session_info(session, &info);
            after_close = olstate_close(session);
        };
        olstate_subscription ct = 0;
        REQUIRE(olstate_subscribe(session, Recorder::callback, closer.context(),
                                  CountedRecorder::release, &ct) == OLSTATE_OK);
        REQUIRE(olstate_set_state(session, OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
        REQUIRE(eventually([&] {
            if (closer.releases != 1) return false;
            for (auto& o : others)
                if (o->releases != 1) return false;
            return true;
        }));
        CHECK(closed == OLSTATE_OK);
        CHECK(after_sub == OLSTATE_E_INVALID_HANDLE);
        CHECK(after_unsub == OLSTATE_E_INVALID_HANDLE);
        CHECK(after_set == OLSTATE_E_INVALID_HANDLE);
        CHECK(after_caps == OLSTATE_E_INVALID_HANDLE);
        CHECK(after_info == OLSTATE_E_INVALID_HANDLE);
        CHECK(after_close == OLSTATE_E_INVALID_HANDLE);
        for (auto& o : others) {
            CHECK_FALSE(o->release_during_call);
            CHECK(o->running == 0);
        }
        check_simulator_clean();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        CHECK(closer.releases == 1);
        for (auto& o : others) CHECK(o->releases == 1);
    }
}


TEST_CASE("close while another thread waits in unsubscribe for a blocked callback") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        HeldCall ctx;
        Session s(fresh_profile("UnsubClose"), delivery);
        olstate_session* session = s.release();
        olstate_subscription t = 0;
        REQUIRE(olstate_subscribe(session, HeldCall::callback, &ctx, HeldCall::release, &t) == OLSTATE_OK);
        ReleaseCounter bystander;
        olstate_subscription t2 = 0;
        REQUIRE(olstate_subscribe(session, [](const olstate_event*, void*) {}, &bystander,
                                  ReleaseCounter::release, &t2) == OLSTATE_OK);
        olstate_sim_send_raw(s.profile().c_str(), 2, 3, 2, 1, 0, 5);
        REQUIRE(ctx.entered.wait());
        std::atomic<olstate_result> unsub{1};
        std::thread u([&] { unsub = olstate_unsubscribe(session, t); });
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // u is (likely) waiting
        std::thread opener([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(30));
            ctx.go.open();
        });
        CHECK(olstate_close(session) == OLSTATE_OK);
        u.join();
        opener.join();
        CHECK((unsub == OLSTATE_OK || unsub == OLSTATE_E_INVALID_HANDLE));
        CHECK(ctx.releases == 1);
        CHECK_FALSE(ctx.release_during_call);
        CHECK(bystander.releases == 1);
        CHECK(olstate_unsubscribe(session, t) == OLSTATE_E_INVALID_HANDLE);
        check_simulator_clean();
        CHECK(ctx.releases == 1);
    }
}

TEST_CASE("WOULD_DEADLOCK for a blocking set on any session from an INLINE callback") {
    SimReset reset;
    Recorder r;
    Session s(fresh_profile(), OLSTATE_DELIVERY_INLINE);
    Session other_queued(fresh_profile("OtherQ"));
    Session same_profile_queued(s.profile());
    std::atomic<olstate_result> other_block{1}, same_block{1}, other_async{1};
    std::atomic<bool> once{false};
    r.on_event = [&](const olstate_event& e) {
        if (e.kind != OLSTATE_EVENT_CHANGE || once.exchange(true)) return;
        other_block = olstate_set_state(other_queued.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK);
        same_block = olstate_set_state(same_profile_queued.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK);
        other_async = olstate_set_state(other_queued.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT);
    };
    subscribe(s.get(), r);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    REQUIRE(eventually([&] { return other_async.load() != 1; }));
    CHECK(other_block == OLSTATE_E_WOULD_DEADLOCK);
    CHECK(same_block == OLSTATE_E_WOULD_DEADLOCK);
    CHECK(other_async == OLSTATE_OK);
    olstate_sim_wait_idle(nullptr);
    olstate_sim_wait_idle(other_queued.profile().c_str());
    olstate_sim_wait_idle(s.profile().c_str());
}

TEST_CASE("a subscription made from inside a callback starts with later events") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        Recorder outer, inner;
        Session s(fresh_profile(), delivery);
        std::atomic<bool> once{false};
        std::atomic<olstate_result> sub{1};
        outer.on_event = [&](const olstate_event& e) {
            if (e.kind != OLSTATE_EVENT_CHANGE_START || once.exchange(true)) return;
            olstate_subscription t = 0;
            sub = olstate_subscribe(s.get(), Recorder::callback, &inner, nullptr, &t);
        };
        subscribe(s.get(), outer);
        REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
        REQUIRE(outer.wait_for(3));
        olstate_sim_wait_idle(s.profile().c_str());
        REQUIRE(eventually([&] { return inner.count() >= 2; }));
        CHECK(sub == OLSTATE_OK);
        const auto e = events_of(inner);
        // Never the START that was being delivered when it subscribed.
        for (const auto& x : e) CHECK(x.sequence >= 2);
        CHECK(e.back().kind == OLSTATE_EVENT_CHANGE_DONE);
    }
}

#ifndef _WIN32
TEST_CASE("fork: in the child every session call fails at once with NOT_SUPPORTED; the parent is unaffected") {
    Recorder r;  // outlives the session, whose close ends its callbacks
    Session s(fresh_profile("Fork"));
    subscribe(s.get(), r);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    REQUIRE(r.wait_for(3));

    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // No doctest here: report through the exit code. Before the policy a
        // close in the child waited forever for the parent's dispatcher thread.
        int bad = 0;
        uint32_t state = 0;
        if (olstate_get_state(s.get(), &state) != OLSTATE_E_NOT_SUPPORTED) bad |= 1;
        if (std::string(olstate_last_error_message()).find("fork") == std::string::npos) bad |= 2;
        if (olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK) != OLSTATE_E_NOT_SUPPORTED) bad |= 4;
        if (olstate_close(s.get()) != OLSTATE_E_NOT_SUPPORTED) bad |= 8;
        olstate_session* other = nullptr;
        const auto o = options(fresh_profile("ForkChild"));
        if (olstate_open_ex(&o, &other) != OLSTATE_E_NOT_SUPPORTED) bad |= 16;
        if (std::string(olstate_result_name(OLSTATE_E_BUSY)) != "OLSTATE_E_BUSY") bad |= 32;
        std::_Exit(bad);
    }
    int status = -1;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (::waitpid(child, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(child, SIGKILL);
            ::waitpid(child, &status, 0);
            FAIL("the child hung in an olstate call after fork()");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    // The parent's session works as before.
    CHECK(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    CHECK(r.wait_for(6));
}
#endif
