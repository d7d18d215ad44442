// ABI 1.2 through the bridge: olstate_wait_state across a host's loss (with
// and without reconnect), CURRENT_STATE on a bridge session, and the profile
// that follows the host after PROVIDER_BACK.
#include "bridge_support.h"

using namespace bridge_test;
using test::Recorder;

namespace {

const uint32_t kModes[] = {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE};

std::string profile_of(olstate_session* s) {
    olstate_session_info info{};
    info.struct_size = sizeof info;
    REQUIRE(olstate_get_session_info(s, &info) == OLSTATE_OK);
    return info.profile;
}

}  // namespace

TEST_CASE("bridge: wait_state returns at a host's change; without reconnect a loss ends it with PROVIDER_NOT_FOUND") {
    for (const uint32_t mode : kModes) {
        CAPTURE(mode);
        Watchdog dog("bridge wait", 60s);
        TempDir dir;
        Host host(dir.endpoint());
        BridgeSession s(dir.endpoint(), mode);
        CHECK(olstate_wait_state(s.get(), OLSTATE_ONLINE, 0) == OLSTATE_OK);
        std::thread toggler([&] {
            std::this_thread::sleep_for(50ms);
            host.toggle();
        });
        CHECK(olstate_wait_state(s.get(), OLSTATE_OFFLINE, 10000) == OLSTATE_OK);
        toggler.join();
        std::atomic<olstate_result> result{1};
        std::thread waiter([&] { result = olstate_wait_state(s.get(), OLSTATE_ONLINE, OLSTATE_WAIT_INFINITE); });
        std::this_thread::sleep_for(50ms);
        host.kill9();
        waiter.join();
        CHECK(result == OLSTATE_E_PROVIDER_NOT_FOUND);
        // And at once afterwards.
        CHECK(olstate_wait_state(s.get(), OLSTATE_ONLINE, 1000) == OLSTATE_E_PROVIDER_NOT_FOUND);
    }
}

TEST_CASE("bridge with reconnect: wait_state keeps waiting across the loss and returns at the new host's state") {
    for (const uint32_t mode : kModes) {
        CAPTURE(mode);
        Watchdog dog("bridge wait reconnect", 60s);
        TempDir dir;
        auto host = std::make_unique<Host>(dir.endpoint());
        BridgeSession s(dir.endpoint(), mode, OLSTATE_OPEN_RECONNECT);
        std::atomic<olstate_result> result{1};
        std::thread waiter([&] { result = olstate_wait_state(s.get(), OLSTATE_OFFLINE, 30000); });
        std::this_thread::sleep_for(50ms);
        host->kill9();
        std::this_thread::sleep_for(300ms);
        CHECK(result == 1);  // still waiting
        host = std::make_unique<Host>(dir.endpoint(), std::vector<std::string>{"--initial", "offline"});
        waiter.join();
        CHECK(result == OLSTATE_OK);
    }
}

TEST_CASE("bridge: a session opened before any host reports the host's profile after PROVIDER_BACK") {
    Watchdog dog("bridge profile", 60s);
    TempDir dir;
    Recorder rec;
    BridgeSession s(dir.endpoint(), OLSTATE_DELIVERY_QUEUED, OLSTATE_OPEN_RECONNECT);
    CHECK(profile_of(s.get()).empty());
    test::subscribe(s.get(), rec);
    // Waiting before any host: the wait starts with no host and lasts.
    CHECK(olstate_wait_state(s.get(), OLSTATE_ONLINE, 100) == OLSTATE_E_TIMEOUT);
    auto host = std::make_unique<Host>(dir.endpoint(), std::vector<std::string>{}, "Work");
    REQUIRE(wait_kind(rec, OLSTATE_EVENT_PROVIDER_BACK));
    const std::string first = profile_of(s.get());
    CHECK(first == "Work");
    olstate_session_info info{};
    info.struct_size = sizeof info;
    REQUIRE(olstate_get_session_info(s.get(), &info) == OLSTATE_OK);
    const char* kept = info.profile;
    // Another host on the same endpoint, serving another profile.
    host->kill9();
    REQUIRE(wait_kind(rec, OLSTATE_EVENT_PROVIDER_LOST));
    host = std::make_unique<Host>(dir.endpoint(), std::vector<std::string>{}, "Home");
    REQUIRE(wait_kind(rec, OLSTATE_EVENT_PROVIDER_BACK, 2));
    CHECK(profile_of(s.get()) == "Home");
    CHECK(std::string(kept) == "Work");  // the earlier string stays valid
    CHECK(olstate_wait_state(s.get(), OLSTATE_ONLINE, 10000) == OLSTATE_OK);
}

TEST_CASE("bridge: CURRENT_STATE gives the host's state first, in both delivery modes") {
    for (const uint32_t mode : kModes) {
        CAPTURE(mode);
        Watchdog dog("bridge current", 60s);
        TempDir dir;
        Host host(dir.endpoint(), {"--initial", "offline"});
        Recorder rec;  // outlives the session, whose close ends its callbacks
        BridgeSession s(dir.endpoint(), mode);
        olstate_subscribe_options o = OLSTATE_SUBSCRIBE_OPTIONS_INIT;
        o.flags = OLSTATE_SUBSCRIBE_CURRENT_STATE;
        o.callback = Recorder::callback;
        o.context = &rec;
        olstate_subscription token = 0;
        REQUIRE(olstate_subscribe_ex(s.get(), &o, &token) == OLSTATE_OK);
        host.toggle();
        REQUIRE(rec.wait_for(4));
        const auto seen = rec.seen();
        CHECK(seen[0].event.kind == OLSTATE_EVENT_CURRENT);
        CHECK(seen[0].event.new_state == OLSTATE_OFFLINE);
        CHECK(seen[1].event.kind == OLSTATE_EVENT_CHANGE_START);
        CHECK(seen[3].event.new_state == OLSTATE_ONLINE);
    }
}
