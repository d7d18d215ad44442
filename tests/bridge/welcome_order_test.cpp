// A client welcomed while the host's state changes (issue 18's bridge, the
// ordering left open after issue 17): the welcome's online/offline state and
// the host's state events are ordered, so a client either is welcomed with
// the old state and then gets the change's events, or is welcomed with the
// new state. It must never keep the old state without the events: its
// subscribers (CURRENT, then changes) and its waits would believe the old
// state until the next change. Clients connect in bursts while the host
// flips the state in the middle of each burst; after every burst each
// client's view from its own events must be the host's state.
#include "bridge_support.h"

#include <atomic>

using namespace bridge_test;

namespace {

// One client's view of the state, from its CURRENT_STATE subscription.
struct View {
    std::mutex mutex;
    std::condition_variable changed;
    uint32_t state = 0;  // 0: nothing seen yet

    static void OLSTATE_CALL on_event(const olstate_event* e, void* context) {
        auto* v = static_cast<View*>(context);
        if (e->kind != OLSTATE_EVENT_CURRENT && e->kind != OLSTATE_EVENT_CHANGE && e->kind != OLSTATE_EVENT_CHANGE_DONE)
            return;
        {
            std::lock_guard lock(v->mutex);
            v->state = e->new_state;
        }
        v->changed.notify_all();
    }
    bool wait_for(uint32_t want, std::chrono::milliseconds limit) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, limit, [&] { return state == want; });
    }
};

}  // namespace

TEST_CASE("a client welcomed while the state changes never keeps the old state without the change's events") {
    Watchdog dog("welcome order", 240s);
    test::SimReset reset;
    TempDir dir;
    const std::string profile = test::fresh_profile("Welcome");
    OwnedSession session(profile);
    olstate_bridge_options o;
    olstate_bridge_options_init(&o);
    const std::string endpoint = dir.endpoint();
    o.endpoint = endpoint.c_str();
    olstate_bridge* bridge = nullptr;
    const olstate_result started = olstate_bridge_start(session.get(), &o, &bridge);
    REQUIRE_MESSAGE(started == OLSTATE_OK, std::string(olstate_last_error_message()));

    constexpr int kRounds = 120, kClients = 12;
    uint32_t state = OLSTATE_ONLINE;
    int stale = 0;
    for (int round = 0; round < kRounds; ++round) {
        std::vector<std::unique_ptr<View>> views;
        std::vector<olstate_session*> clients(kClients, nullptr);
        for (int i = 0; i < kClients; ++i) views.push_back(std::make_unique<View>());
        std::atomic<bool> go{false};
        std::atomic<int> failed{0};
        std::vector<std::thread> connecting;
        for (int i = 0; i < kClients; ++i) {
            connecting.emplace_back([&, i] {
                while (!go) std::this_thread::yield();
                olstate_session*& s = clients[static_cast<std::size_t>(i)];
                if (open_bridge(endpoint, &s) != OLSTATE_OK) return void(++failed);
                olstate_subscribe_options so = OLSTATE_SUBSCRIBE_OPTIONS_INIT;
                so.flags = OLSTATE_SUBSCRIBE_CURRENT_STATE;
                so.callback = View::on_event;
                so.context = views[static_cast<std::size_t>(i)].get();
                olstate_subscription token = 0;
                if (olstate_subscribe_ex(s, &so, &token) != OLSTATE_OK) ++failed;
            });
        }
        go = true;
        // The flip lands at a different point of the burst each round.
        std::this_thread::sleep_for(std::chrono::microseconds(50 * (round % 20)));
        state = state == OLSTATE_ONLINE ? OLSTATE_OFFLINE : OLSTATE_ONLINE;
        REQUIRE(olstate_sim_set_state(profile.c_str(), state, 0) == 0);
        for (auto& t : connecting) t.join();
        REQUIRE(failed == 0);
        for (int i = 0; i < kClients; ++i)
            if (!views[static_cast<std::size_t>(i)]->wait_for(state, std::chrono::seconds(5))) ++stale;
        for (olstate_session* s : clients)
            if (s) CHECK(olstate_close(s) == OLSTATE_OK);  // before their views go
    }
    CHECK_MESSAGE(stale == 0, stale << " of " << kRounds * kClients
                                    << " clients kept the state they were welcomed with without the change's events");
    CHECK(olstate_bridge_stop(bridge) == OLSTATE_OK);
}
