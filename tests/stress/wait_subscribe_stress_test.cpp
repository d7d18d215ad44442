// ABI 1.2 under load: many threads in olstate_wait_state and
// olstate_subscribe_ex(OLSTATE_SUBSCRIBE_CURRENT_STATE), plus waits made from
// another session's callbacks, while the state keeps changing and the
// session is closed under them. Every wait ends with OK, TIMEOUT or (once
// closed) INVALID_HANDLE; every subscription's first event is CURRENT; every
// context is released exactly once. Run by the TSan and ASan stages (suite
// stress). Iterations scale with OLSTATE_STRESS_SCALE (default 1).
#include <memory>

#include "../api/support.h"
#include "stress_scale.h"

using namespace test;

namespace {

// Counters shared by every thread of one round.
struct Tally {
    std::atomic<int> unexpected{0};      // a result no caller should see
    std::atomic<int> reached{0};         // waits that returned OK
    std::atomic<int> contexts{0};        // subscription contexts made
    std::atomic<int> releases{0};        // ... and released
    std::atomic<int> not_current_first{0};
    std::atomic<int> calls_after_release{0};
};

// One subscription's context, owned by olstate from olstate_subscribe_ex
// (also when it fails: olstate releases it before returning).
struct Watcher {
    Tally* tally;
    std::atomic<int> calls{0};
    std::atomic<bool> released{false};

    static void OLSTATE_CALL callback(const olstate_event* e, void* c) {
        auto* w = static_cast<Watcher*>(c);
        if (w->released) ++w->tally->calls_after_release;
        if (w->calls++ == 0 && e->kind != OLSTATE_EVENT_CURRENT) ++w->tally->not_current_first;
    }
    static void OLSTATE_CALL release(void* c) {
        std::unique_ptr<Watcher> w(static_cast<Watcher*>(c));
        w->released = true;
        ++w->tally->releases;
    }
};

uint32_t other(uint32_t state) { return state == OLSTATE_ONLINE ? OLSTATE_OFFLINE : OLSTATE_ONLINE; }

// Waits until the session is closed (INVALID_HANDLE); any result but OK and
// TIMEOUT before that is unexpected.
void wait_until_closed(olstate_session* s, Tally& t, uint32_t first_state) {
    for (uint32_t state = first_state;; state = other(state)) {
        const olstate_result r = olstate_wait_state(s, state, 20);
        if (r == OLSTATE_E_INVALID_HANDLE) return;
        if (r == OLSTATE_OK)
            ++t.reached;
        else if (r != OLSTATE_E_TIMEOUT)
            ++t.unexpected;
    }
}

// Subscribes (starting with the current state) and unsubscribes until the
// session is closed; the last subscription is ended by the close.
void subscribe_until_closed(olstate_session* s, Tally& t) {
    for (;;) {
        auto w = std::make_unique<Watcher>();
        w->tally = &t;
        ++t.contexts;
        olstate_subscribe_options o = OLSTATE_SUBSCRIBE_OPTIONS_INIT;
        o.flags = OLSTATE_SUBSCRIBE_CURRENT_STATE;
        o.callback = Watcher::callback;
        o.context = w.release();
        o.release = Watcher::release;
        olstate_subscription token = 0;
        const olstate_result r = olstate_subscribe_ex(s, &o, &token);
        if (r == OLSTATE_E_INVALID_HANDLE) return;
        if (r != OLSTATE_OK) {
            ++t.unexpected;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        const olstate_result u = olstate_unsubscribe(s, token);
        if (u == OLSTATE_E_INVALID_HANDLE) return;  // closed meanwhile: that ended it
        if (u != OLSTATE_OK) ++t.unexpected;
    }
}

// A QUEUED callback of another session that waits (briefly) on the target.
struct CrossWaiter {
    std::atomic<olstate_session*> target{nullptr};
    Tally* tally = nullptr;
    static void OLSTATE_CALL callback(const olstate_event* e, void* c) {
        auto* x = static_cast<CrossWaiter*>(c);
        const olstate_result r = olstate_wait_state(x->target, e->new_state, 5);
        if (r != OLSTATE_OK && r != OLSTATE_E_TIMEOUT && r != OLSTATE_E_INVALID_HANDLE)
            ++x->tally->unexpected;
    }
};

}  // namespace

TEST_CASE("stress: waits and current-state subscriptions while the state changes and the session closes") {
    SimReset reset;
    const int rounds = 15 * scale();
    int reached = 0, subscriptions = 0;  // over all rounds: the load really ran
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        for (int round = 0; round < rounds; ++round) {
            CAPTURE(delivery);
            CAPTURE(round);
            Tally t;
            const std::string p = fresh_profile("waitsub");
            Session owned(p, delivery);
            olstate_session* s = owned.get();

            // Another session whose callbacks wait on this one.
            const std::string q = fresh_profile("waitsub-other");
            Session other_session(q);
            CrossWaiter cross;
            cross.target = s;
            cross.tally = &t;
            olstate_subscription cross_token = 0;
            REQUIRE(olstate_subscribe(other_session.get(), CrossWaiter::callback, &cross, nullptr,
                                      &cross_token) == OLSTATE_OK);

            std::atomic<bool> stop{false};
            std::thread user([&] {  // the user clicking Work Offline and back
                for (uint32_t state = OLSTATE_OFFLINE; !stop; state = other(state)) {
                    olstate_sim_set_state(p.c_str(), state, 0);
                    olstate_sim_set_state(q.c_str(), state, 0);
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
            });
            std::thread setter([&] {  // this session's own asynchronous changes (BUSY is fine)
                for (uint32_t state = OLSTATE_OFFLINE;; state = other(state)) {
                    const olstate_result r = olstate_set_state(s, state, OLSTATE_SET_DEFAULT);
                    if (r == OLSTATE_E_INVALID_HANDLE) return;
                    if (r != OLSTATE_OK && r != OLSTATE_E_BUSY) ++t.unexpected;
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
            });
            std::vector<std::thread> workers;
            for (int i = 0; i < 4; ++i)
                workers.emplace_back(wait_until_closed, s, std::ref(t), i % 2 ? OLSTATE_ONLINE : OLSTATE_OFFLINE);
            for (int i = 0; i < 3; ++i) workers.emplace_back(subscribe_until_closed, s, std::ref(t));

            std::this_thread::sleep_for(std::chrono::milliseconds(30));
            REQUIRE(olstate_close(owned.release()) == OLSTATE_OK);  // under every thread above
            for (auto& w : workers) w.join();
            setter.join();
            stop = true;
            user.join();
            REQUIRE(olstate_unsubscribe(other_session.get(), cross_token) == OLSTATE_OK);

            CHECK(t.unexpected == 0);
            CHECK(t.not_current_first == 0);
            CHECK(t.calls_after_release == 0);
            CHECK(t.releases == t.contexts);  // each exactly once: a second would be a double free
            reached += t.reached;
            subscriptions += t.contexts;
        }
    }
    CHECK(reached > 0);
    CHECK(subscriptions > 2 * rounds);
    MESSAGE("waits that reached their state: " << reached << ", subscriptions: " << subscriptions);
    check_simulator_clean();
}
