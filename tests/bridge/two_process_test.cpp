// The bridge across two processes: a host process (tests/bridge/test_host.cpp
// over the simulator) and this process as the client, through the public C
// ABI only.
#include "bridge_support.h"

using namespace bridge_test;
using test::Recorder;

namespace {

const uint32_t kModes[] = {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE};

std::string last_error() { return olstate_last_error_message(); }

}  // namespace

TEST_CASE("state, capabilities, session info and events through the bridge, both delivery modes") {
    for (const uint32_t mode : kModes) {
        CAPTURE(mode);
        Watchdog dog("events through the bridge", 60s);
        TempDir dir;
        Host host(dir.endpoint());
        Recorder rec;
        BridgeSession s(dir.endpoint(), mode);

        olstate_session_info info{};
        info.struct_size = sizeof info;
        REQUIRE(olstate_get_session_info(s.get(), &info) == OLSTATE_OK);
        CHECK(info.provider == OLSTATE_PROVIDER_BRIDGE);
        CHECK(std::string(info.profile) == "BridgeTest");  // NULL profile: the one served
        CHECK(std::string(info.provider_path) == dir.endpoint());

        uint32_t caps = 0, state = 0;
        REQUIRE(olstate_capabilities(s.get(), &caps) == OLSTATE_OK);
        CHECK(caps == (OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_CONNECTION_MODE));
        REQUIRE(olstate_get_state(s.get(), &state) == OLSTATE_OK);
        CHECK(state == OLSTATE_ONLINE);

        test::subscribe(s.get(), rec);
        host.toggle();  // the user clicks Work Offline in the host process
        REQUIRE(rec.wait_for(3));
        host.toggle();
        REQUIRE(rec.wait_for(6));
        const auto seen = rec.seen();
        const uint32_t kinds[] = {OLSTATE_EVENT_CHANGE_START, OLSTATE_EVENT_CHANGE, OLSTATE_EVENT_CHANGE_DONE};
        for (std::size_t i = 0; i < 6; ++i) {
            CAPTURE(i);
            CHECK(seen[i].event.kind == kinds[i % 3]);
            CHECK(seen[i].event.old_state == (i < 3 ? OLSTATE_ONLINE : OLSTATE_OFFLINE));
            CHECK(seen[i].event.new_state == (i < 3 ? OLSTATE_OFFLINE : OLSTATE_ONLINE));
            CHECK(seen[i].event.sequence == i + 1);
            CHECK(seen[i].event.flags == 0);
            CHECK(seen[i].event.notify_time_us > 0);
        }
        REQUIRE(olstate_get_state(s.get(), &state) == OLSTATE_OK);
        CHECK(state == OLSTATE_ONLINE);
    }
}

TEST_CASE("set state through the bridge: allowed by the host, or refused with a clear error") {
    Watchdog dog("set state", 60s);
    SUBCASE("allowed") {
        TempDir dir;
        Host host(dir.endpoint(), {"--allow-set"});
        Recorder rec;
        BridgeSession s(dir.endpoint());
        test::subscribe(s.get(), rec);
        REQUIRE_MESSAGE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK, last_error());
        CHECK(host.command("state") == "offline");
        uint32_t state = 0;
        REQUIRE(olstate_get_state(s.get(), &state) == OLSTATE_OK);
        CHECK(state == OLSTATE_OFFLINE);
        REQUIRE(rec.wait_for(3));
        // Asynchronous, and the state it already has.
        REQUIRE(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
        REQUIRE(rec.wait_for(6));
        CHECK(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
        CHECK(host.command("state") == "online");
    }
    SUBCASE("forbidden (the default)") {
        TempDir dir;
        Host host(dir.endpoint());
        BridgeSession s(dir.endpoint());
        CHECK(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_E_NOT_SUPPORTED);
        CHECK(last_error().find("does not let clients change the state") != std::string::npos);
        CHECK(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_E_NOT_SUPPORTED);
        CHECK(host.command("state") == "online");
        uint32_t state = 0;
        CHECK(olstate_get_state(s.get(), &state) == OLSTATE_OK);  // reading still works
    }
}

TEST_CASE("profiles: NULL accepts what is served, the same name in any case works, another is refused") {
    Watchdog dog("profiles", 60s);
    TempDir dir;
    Host host(dir.endpoint(), {}, "Work");
    olstate_session* s = nullptr;
    CHECK(open_bridge(dir.endpoint(), &s, OLSTATE_DELIVERY_QUEUED, 0, "Home") == OLSTATE_E_PROFILE_NOT_FOUND);
    CHECK(s == nullptr);
    CHECK(last_error().find("Work") != std::string::npos);
    CHECK(last_error().find("Home") != std::string::npos);
    // RECONNECT does not hide a host that answers with another profile.
    CHECK(open_bridge(dir.endpoint(), &s, OLSTATE_DELIVERY_QUEUED, OLSTATE_OPEN_RECONNECT, "Home") ==
          OLSTATE_E_PROFILE_NOT_FOUND);
    REQUIRE(open_bridge(dir.endpoint(), &s, OLSTATE_DELIVERY_QUEUED, 0, "wORK") == OLSTATE_OK);
    olstate_session_info info{};
    info.struct_size = sizeof info;
    REQUIRE(olstate_get_session_info(s, &info) == OLSTATE_OK);
    CHECK(std::string(info.profile) == "Work");
    CHECK(olstate_close(s) == OLSTATE_OK);
}

TEST_CASE("no host: PROVIDER_NOT_FOUND naming the endpoint") {
    TempDir dir;
    olstate_session* s = nullptr;
    CHECK(open_bridge(dir.endpoint(), &s) == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(s == nullptr);
    CHECK(last_error().find(dir.endpoint()) != std::string::npos);
}

TEST_CASE("host killed with SIGKILL: PROVIDER_LOST once, then calls fail with PROVIDER_NOT_FOUND") {
    for (const uint32_t mode : kModes) {
        CAPTURE(mode);
        Watchdog dog("host killed", 60s);
        TempDir dir;
        Host host(dir.endpoint());
        Recorder rec, late;
        BridgeSession s(dir.endpoint(), mode);
        test::subscribe(s.get(), rec);
        host.toggle();
        REQUIRE(rec.wait_for(3));
        host.kill9();
        REQUIRE(wait_kind(rec, OLSTATE_EVENT_PROVIDER_LOST));
        const auto seen = rec.seen();
        REQUIRE(seen.size() == 4);
        CHECK(seen[3].event.kind == OLSTATE_EVENT_PROVIDER_LOST);
        CHECK(seen[3].event.new_state == OLSTATE_OFFLINE);  // the last state known
        CHECK(seen[3].event.sequence == 4);
        uint32_t state = 0;
        CHECK(olstate_get_state(s.get(), &state) == OLSTATE_E_PROVIDER_NOT_FOUND);
        CHECK(last_error().find("not connected") != std::string::npos);
        CHECK(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_DEFAULT) == OLSTATE_E_PROVIDER_NOT_FOUND);
        uint32_t caps = 0;
        CHECK(olstate_capabilities(s.get(), &caps) == OLSTATE_OK);  // cached at open
        // Subscribing still works (nothing will come); LOST came once only.
        test::subscribe(s.get(), late);
        std::this_thread::sleep_for(100ms);
        CHECK(count_kind(rec, OLSTATE_EVENT_PROVIDER_LOST) == 1);
    }
}

TEST_CASE("OLSTATE_OPEN_RECONNECT: host killed and restarted gives PROVIDER_BACK with the current state") {
    for (const uint32_t mode : kModes) {
        CAPTURE(mode);
        Watchdog dog("reconnect", 60s);
        TempDir dir;
        auto host = std::make_unique<Host>(dir.endpoint());
        Recorder rec;
        BridgeSession s(dir.endpoint(), mode, OLSTATE_OPEN_RECONNECT);
        test::subscribe(s.get(), rec);
        host->kill9();
        REQUIRE(wait_kind(rec, OLSTATE_EVENT_PROVIDER_LOST));
        uint32_t state = 0;
        CHECK(olstate_get_state(s.get(), &state) == OLSTATE_E_PROVIDER_NOT_FOUND);
        CHECK(last_error().find("reconnecting") != std::string::npos);
        // A new host on the same endpoint (the dead one's socket file is
        // stale and is replaced), already offline.
        host = std::make_unique<Host>(dir.endpoint(), std::vector<std::string>{"--initial", "offline"});
        REQUIRE(wait_kind(rec, OLSTATE_EVENT_PROVIDER_BACK));
        auto seen = rec.seen();
        REQUIRE(seen.size() == 2);
        CHECK(seen[1].event.kind == OLSTATE_EVENT_PROVIDER_BACK);
        CHECK(seen[1].event.old_state == OLSTATE_ONLINE);
        CHECK(seen[1].event.new_state == OLSTATE_OFFLINE);
        REQUIRE(olstate_get_state(s.get(), &state) == OLSTATE_OK);
        CHECK(state == OLSTATE_OFFLINE);
        host->toggle();
        REQUIRE(rec.wait_for(5));
        seen = rec.seen();
        CHECK(seen[4].event.kind == OLSTATE_EVENT_CHANGE_DONE);
        CHECK(seen[4].event.new_state == OLSTATE_ONLINE);
        CHECK(seen[4].event.sequence == 5);
    }
}

TEST_CASE("OLSTATE_OPEN_RECONNECT before any host exists: opens lost, BACK when one appears") {
    Watchdog dog("reconnect before host", 60s);
    TempDir dir;
    Recorder rec;
    BridgeSession s(dir.endpoint(), OLSTATE_DELIVERY_QUEUED, OLSTATE_OPEN_RECONNECT);
    uint32_t caps = 0, state = 0;
    CHECK(olstate_capabilities(s.get(), &caps) == OLSTATE_OK);
    CHECK(caps == (OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_ONLINE));
    CHECK(olstate_get_state(s.get(), &state) == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(last_error().find("no host has been reached yet") != std::string::npos);
    test::subscribe(s.get(), rec);
    Host host(dir.endpoint());
    REQUIRE(wait_kind(rec, OLSTATE_EVENT_PROVIDER_BACK));
    const auto seen = rec.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].event.new_state == OLSTATE_ONLINE);
    CHECK(seen[0].event.old_state == OLSTATE_ONLINE);  // nothing known before: the same
    CHECK(seen[0].event.sequence == 1);
    REQUIRE(olstate_get_state(s.get(), &state) == OLSTATE_OK);
    host.toggle();
    REQUIRE(rec.wait_for(4));
}

TEST_CASE("closing a reconnecting session never waits out its backoff") {
    TempDir dir;
    {
        // Closes at every moment of the first retries.
        Watchdog dog("close during the first retries", 30s);
        for (int i = 0; i < 20; ++i) {
            olstate_session* s = nullptr;
            REQUIRE(open_bridge(dir.endpoint(), &s, i % 2 ? OLSTATE_DELIVERY_INLINE : OLSTATE_DELIVERY_QUEUED,
                                OLSTATE_OPEN_RECONNECT) == OLSTATE_OK);
            std::this_thread::sleep_for(std::chrono::milliseconds(i * 7));
            CHECK(olstate_close(s) == OLSTATE_OK);
        }
    }
    // Sixteen sessions whose retries reached the 2 s cap: closed one after
    // the other, they would take about 16 s if each waited out its delay.
    // The generous watchdog only catches that (it is not a timing check).
    std::vector<olstate_session*> sessions(16, nullptr);
    for (auto& s : sessions)
        REQUIRE(open_bridge(dir.endpoint(), &s, OLSTATE_DELIVERY_QUEUED, OLSTATE_OPEN_RECONNECT) == OLSTATE_OK);
    std::this_thread::sleep_for(3500ms);
    Watchdog dog("close at the backoff cap", 8s);
    for (auto* s : sessions) CHECK(olstate_close(s) == OLSTATE_OK);
}

TEST_CASE("a host that accepts and never answers: open gives up, and close never waits for it") {
    Watchdog dog("hung host", 60s);
    TempDir dir;
    // A "host" that listens and never says a word (the kernel completes the
    // connections in its backlog).
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, dir.endpoint().c_str(), sizeof a.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 64) == 0);

    olstate_session* s = nullptr;
    CHECK(open_bridge(dir.endpoint(), &s) == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(last_error().find("did not answer") != std::string::npos);
    // Reconnecting: the open gives up on this host as well and starts lost;
    // its next attempt hangs in the hello, and close cuts it short.
    REQUIRE(open_bridge(dir.endpoint(), &s, OLSTATE_DELIVERY_QUEUED, OLSTATE_OPEN_RECONNECT) == OLSTATE_OK);
    std::this_thread::sleep_for(300ms);
    {
        Watchdog quick("close during a hung hello", 5s);
        CHECK(olstate_close(s) == OLSTATE_OK);
    }
    ::close(fd);
}
