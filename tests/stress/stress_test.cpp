// Races, proven rather than assumed: run under ThreadSanitizer and
// AddressSanitizer by scripts/test.sh. Iterations scale with
// OLSTATE_STRESS_SCALE (default 1).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "../api/support.h"
#include "stress_scale.h"

#include <cstdlib>

using namespace test;

namespace {

// Counts calls that start after unsubscribe returned: must stay zero.
struct Guarded {
    std::atomic<bool> unsubscribed{false};
    std::atomic<int> late_calls{0};
    std::atomic<int> releases{0};
    std::atomic<int> running{0};
    std::atomic<bool> release_during_call{false};
    static void OLSTATE_CALL callback(const olstate_event*, void* c) {
        auto* g = static_cast<Guarded*>(c);
        ++g->running;
        if (g->unsubscribed) ++g->late_calls;
        --g->running;
    }
    static void OLSTATE_CALL release(void* c) {
        auto* g = static_cast<Guarded*>(c);
        if (g->running) g->release_during_call = true;
        ++g->releases;
    }
};

}  // namespace

TEST_CASE("the unsubscribe guarantee under concurrent delivery") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        olstate_sim_reset();
        const std::string p = fresh_profile("stress");
        olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_POOL, 3);
        Session s(p, delivery);
        std::atomic<bool> stop{false};
        std::thread toggler([&] {
            while (!stop) olstate_sim_send_raw(p.c_str(), 2, 3, 2, 1, 0, 20);
        });
        const int rounds = 1000 * scale();
        std::atomic<int> late{0}, bad_release{0}, released{0};
        std::vector<std::thread> workers;
        for (int w = 0; w < 3; ++w) {
            workers.emplace_back([&] {
                for (int i = 0; i < rounds; ++i) {
                    Guarded g;
                    olstate_subscription t = 0;
                    if (olstate_subscribe(s.get(), Guarded::callback, &g, Guarded::release, &t) != OLSTATE_OK) {
                        ++bad_release;
                        continue;
                    }
                    std::this_thread::yield();
                    if (olstate_unsubscribe(s.get(), t) != OLSTATE_OK) ++bad_release;
                    g.unsubscribed = true;
                    if (g.releases != 1 || g.release_during_call) ++bad_release;
                    std::this_thread::yield();
                    late += g.late_calls;
                    released += g.releases;
                }
            });
        }
        for (auto& w : workers) w.join();
        stop = true;
        toggler.join();
        olstate_sim_wait_idle(p.c_str());
        CHECK(late == 0);
        CHECK(bad_release == 0);
        CHECK(released == 3 * rounds);
    }
}

TEST_CASE("racing subscribe, unsubscribe, state changes and close") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        olstate_sim_reset();
        const std::string p = fresh_profile("race");
        olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_POOL, 2);
        std::atomic<int> subscribed{0}, releases{0};
        for (int round = 0; round < 100 * scale(); ++round) {
            olstate_session* s = nullptr;
            const auto o = options(p, delivery);
            REQUIRE(olstate_open_ex(&o, &s) == OLSTATE_OK);
            std::vector<std::thread> threads;
            for (int w = 0; w < 3; ++w) {
                threads.emplace_back([&, w] {
                    for (int i = 0; i < 20; ++i) {
                        olstate_subscription t = 0;
                        const olstate_result r = olstate_subscribe(
                            s, [](const olstate_event*, void*) {}, &releases,
                            [](void* c) { ++*static_cast<std::atomic<int>*>(c); }, &t);
                        if (r == OLSTATE_OK) {
                            ++subscribed;
                            if (i % 2) olstate_unsubscribe(s, t);
                        } else {
                            ++subscribed;  // released by the failing subscribe
                            CHECK(r == OLSTATE_E_INVALID_HANDLE);
                        }
                        if (w == 0)
                            olstate_set_state(s, i % 2 ? OLSTATE_ONLINE : OLSTATE_OFFLINE,
                                              OLSTATE_SET_DEFAULT);
                    }
                });
            }
            threads.emplace_back([&] {
                std::this_thread::sleep_for(std::chrono::microseconds(200));
                CHECK(olstate_close(s) == OLSTATE_OK);
            });
            for (auto& t : threads) t.join();
            olstate_sim_wait_idle(p.c_str());
        }
        CHECK(releases == subscribed);
    }
    check_simulator_clean();
}

TEST_CASE("many sessions opened and closed from several threads") {
    olstate_sim_reset();
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int w = 0; w < 4; ++w) {
        threads.emplace_back([&, w] {
            const std::string p = fresh_profile("oc");
            for (int i = 0; i < 100 * scale(); ++i) {
                const auto o = options(p, (i + w) % 2 ? OLSTATE_DELIVERY_INLINE : OLSTATE_DELIVERY_QUEUED);
                olstate_session* s = nullptr;
                if (olstate_open_ex(&o, &s) != OLSTATE_OK) {
                    ++failures;
                    continue;
                }
                olstate_subscription t = 0;
                olstate_subscribe(s, [](const olstate_event*, void*) {}, nullptr, nullptr, &t);
                olstate_set_state(s, i % 2 ? OLSTATE_ONLINE : OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT);
                if (olstate_close(s) != OLSTATE_OK) ++failures;
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(failures == 0);
    check_simulator_clean();
}
