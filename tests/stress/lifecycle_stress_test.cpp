// Races around the end of subscriptions and sessions made from inside
// callbacks, and close racing delivery from outside: release exactly once,
// never during a call, and no call after the end was reported. Iterations
// scale with OLSTATE_STRESS_SCALE (default 1).
#include <cstdlib>
#include <memory>

#include "../api/support.h"
#include "stress_scale.h"

using namespace test;

namespace {

// One subscription's bookkeeping. `ended` is set by the test once
// unsubscribe/close returned OK from outside any callback; calls that start
// after it count as late.
struct Life {
    std::atomic<int> running{0};
    std::atomic<int> calls{0};
    std::atomic<int> late_calls{0};
    std::atomic<int> releases{0};
    std::atomic<int> calls_after_release{0};
    std::atomic<bool> release_during_call{false};
    std::atomic<bool> ended{false};
    std::atomic<olstate_subscription> token{0};
    olstate_session* session = nullptr;
    // 0: just count; 1: unsubscribe itself on the first call; 2: close the session.
    int action = 0;
    std::atomic<bool> acted{false};
    std::atomic<int> action_failures{0};

    static void OLSTATE_CALL callback(const olstate_event* e, void* c) {
        auto* l = static_cast<Life*>(c);
        ++l->running;
        ++l->calls;
        if (l->ended) ++l->late_calls;
        if (l->releases != 0) ++l->calls_after_release;
        if (l->action != 0 && !l->acted.exchange(true)) {
            // The token from the event: the callback may run before
            // olstate_subscribe has returned it to the subscriber.
            const olstate_result r = l->action == 1
                                         ? olstate_unsubscribe(l->session, e->subscription)
                                         : olstate_close(l->session);
            // A racing unsubscribe from outside may have removed it already.
            if (r != OLSTATE_OK && !(l->action == 1 && r == OLSTATE_E_INVALID_HANDLE))
                ++l->action_failures;
        }
        --l->running;
    }
    static void OLSTATE_CALL release(void* c) {
        auto* l = static_cast<Life*>(c);
        if (l->running != 0) l->release_during_call = true;
        ++l->releases;
    }
};

void check_life(const Life& l) {
    CHECK(l.releases == 1);
    CHECK(l.late_calls == 0);
    CHECK(l.calls_after_release == 0);
    CHECK_FALSE(l.release_during_call);
    CHECK(l.action_failures == 0);
}

}  // namespace

TEST_CASE("stress: subscriptions ending themselves from inside under concurrent delivery") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        olstate_sim_reset();
        const std::string p = fresh_profile("selfunsub");
        olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_POOL, 3);
        Session s(p, delivery);
        std::atomic<bool> stop{false};
        std::thread traffic([&] {
            while (!stop) olstate_sim_send_raw(p.c_str(), 2, 3, 2, 1, 0, 10);
        });
        const int rounds = 200 * scale();
        std::vector<std::thread> workers;
        std::atomic<int> unfinished{0};
        for (int w = 0; w < 2; ++w) {
            workers.emplace_back([&] {
                for (int i = 0; i < rounds; ++i) {
                    auto l = std::make_unique<Life>();
                    l->session = s.get();
                    l->action = 1;
                    olstate_subscription t = 0;
                    if (olstate_subscribe(s.get(), Life::callback, l.get(), Life::release, &t) !=
                        OLSTATE_OK) {
                        ++unfinished;
                        continue;
                    }
                    l->token = t;
                    // Either it unsubscribes itself (release follows), or we
                    // end it here first; both are fine, exactly one succeeds.
                    if (!eventually([&] { return l->releases.load() == 1; },
                                    std::chrono::milliseconds(200))) {
                        const olstate_result r = olstate_unsubscribe(s.get(), t);
                        if (r != OLSTATE_OK && !eventually([&] { return l->releases == 1; }))
                            ++unfinished;
                    }
                    l->ended = true;
                    std::this_thread::yield();
                    check_life(*l);
                }
            });
        }
        for (auto& w : workers) w.join();
        stop = true;
        traffic.join();
        olstate_sim_wait_idle(p.c_str());
        CHECK(unfinished == 0);
    }
    check_simulator_clean();
}

TEST_CASE("stress: sessions closed from inside their callbacks under concurrent delivery") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        olstate_sim_reset();
        const std::string p = fresh_profile("closein");
        olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_POOL, 3);
        for (int round = 0; round < 50 * scale(); ++round) {
            olstate_session* s = nullptr;
            const auto o = options(p, delivery);
            REQUIRE(olstate_open_ex(&o, &s) == OLSTATE_OK);
            std::vector<std::unique_ptr<Life>> lives;
            for (int i = 0; i < 4; ++i) {
                lives.push_back(std::make_unique<Life>());
                lives.back()->session = s;
                lives.back()->action = i == 0 ? 2 : 0;  // the first one closes
                olstate_subscription t = 0;
                REQUIRE(olstate_subscribe(s, Life::callback, lives.back().get(), Life::release,
                                          &t) == OLSTATE_OK);
                lives.back()->token = t;
            }
            REQUIRE(olstate_sim_send_raw(p.c_str(), 2, 3, 2, 1, 0, 20) == 0);
            REQUIRE(eventually([&] {
                for (auto& l : lives)
                    if (l->releases != 1) return false;
                return true;
            }));
            uint32_t v = 0;
            CHECK(olstate_get_state(s, &v) == OLSTATE_E_INVALID_HANDLE);
            for (auto& l : lives) l->ended = true;
            olstate_sim_wait_idle(p.c_str());
            for (auto& l : lives) check_life(*l);
        }
    }
    check_simulator_clean();
}

TEST_CASE("stress: close from outside racing delivery, subscribe and unsubscribe") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        olstate_sim_reset();
        const std::string p = fresh_profile("closeout");
        olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_POOL, 2);
        std::atomic<int> attempted{0};
        for (int round = 0; round < 50 * scale(); ++round) {
            olstate_session* s = nullptr;
            const auto o = options(p, delivery);
            REQUIRE(olstate_open_ex(&o, &s) == OLSTATE_OK);
            std::mutex lives_mutex;
            std::vector<std::unique_ptr<Life>> lives;
            std::atomic<bool> closing{false};  // set just before close is called
            std::atomic<bool> stop{false};
            std::thread traffic([&] {
                while (!stop) olstate_sim_send_raw(p.c_str(), 2, 3, 2, 1, 0, 5);
            });
            std::vector<std::thread> threads;
            for (int w = 0; w < 2; ++w) {
                threads.emplace_back([&, w] {
                    for (int i = 0; i < 10; ++i) {
                        auto l = std::make_unique<Life>();
                        Life* raw = l.get();
                        {
                            std::lock_guard lock(lives_mutex);
                            lives.push_back(std::move(l));
                        }
                        ++attempted;
                        olstate_subscription t = 0;
                        const olstate_result r =
                            olstate_subscribe(s, Life::callback, raw, Life::release, &t);
                        if (r != OLSTATE_OK) {
                            CHECK(r == OLSTATE_E_INVALID_HANDLE);
                            CHECK(closing);  // "closed or closing" only
                            continue;
                        }
                        if ((i + w) % 2) {
                            const olstate_result u = olstate_unsubscribe(s, t);
                            if (u == OLSTATE_OK) raw->ended = true;
                            else CHECK(u == OLSTATE_E_INVALID_HANDLE);
                        }
                        if (w == 0)
                            olstate_set_state(s, i % 2 ? OLSTATE_ONLINE : OLSTATE_OFFLINE,
                                              OLSTATE_SET_DEFAULT);
                    }
                });
            }
            std::this_thread::sleep_for(std::chrono::microseconds(300));
            closing = true;
            REQUIRE(olstate_close(s) == OLSTATE_OK);
            {
                std::lock_guard lock(lives_mutex);
                for (auto& l : lives) l->ended = true;  // close returned: all quiet
            }
            for (auto& t : threads) t.join();
            {
                // Lives added after close returned were refused; mark them too.
                std::lock_guard lock(lives_mutex);
                for (auto& l : lives) l->ended = true;
            }
            stop = true;
            traffic.join();
            olstate_sim_wait_idle(p.c_str());
            std::lock_guard lock(lives_mutex);
            for (auto& l : lives) check_life(*l);
        }
        CHECK(attempted > 0);
    }
    check_simulator_clean();
}
