// The Exchange connection through the bridge (protocol version 2): the host
// publishes the mode and the accounts and pushes their changes to a client
// in another process, in order and once per change; a version-1 client and
// a version-1 host still interoperate with a version-2 peer.
#include "bridge_support.h"

using namespace bridge_test;
using test::Recorder;

namespace {

std::vector<olstate_event> of_kind(Recorder& r, uint32_t kind) {
    std::vector<olstate_event> out;
    for (const auto& s : r.seen())
        if (s.event.kind == kind) out.push_back(s.event);
    return out;
}

}  // namespace

TEST_CASE("bridge connection: the mode sequence reaches a client in another process in order, once each") {
    for (const uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        TempDir dir;
        Host host(dir.endpoint());
        BridgeSession s(dir.endpoint(), delivery);
        uint32_t caps = 0, mode = 0;
        REQUIRE(olstate_capabilities(s.get(), &caps) == OLSTATE_OK);
        CHECK((caps & OLSTATE_CAPABILITY_CONNECTION_MODE) != 0);
        REQUIRE(olstate_get_connection_mode(s.get(), &mode) == OLSTATE_OK);
        CHECK(mode == OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);

        // What a callback reads already shows its change.
        Recorder r;
        std::vector<uint32_t> read_in_callback;
        std::mutex m;
        r.on_event = [&](const olstate_event& e) {
            if (e.kind != OLSTATE_EVENT_CONNECTION_CHANGED) return;
            uint32_t now = 0;
            olstate_get_connection_mode(s.get(), &now);
            std::lock_guard lock(m);
            read_in_callback.push_back(now);
        };
        olstate_subscription token = 0;
        REQUIRE(olstate_subscribe(s.get(), Recorder::callback, &r, nullptr, &token) == OLSTATE_OK);
        const uint32_t sequence[] = {OLSTATE_CONNECTION_CACHED_DISCONNECTED, OLSTATE_CONNECTION_CACHED_CONNECTED_DRIZZLE,
                                     OLSTATE_CONNECTION_CACHED_CONNECTED_FULL};
        for (const uint32_t next : sequence) REQUIRE(host.command("mode " + std::to_string(next)) == "ok");
        REQUIRE(host.command("account-mode " + std::to_string(OLSTATE_CONNECTION_CACHED_DISCONNECTED)) == "ok");
        REQUIRE(r.wait_for(4));
        std::this_thread::sleep_for(200ms);  // nothing more may come
        REQUIRE(olstate_unsubscribe(s.get(), token) == OLSTATE_OK);
        const auto modes = of_kind(r, OLSTATE_EVENT_CONNECTION_CHANGED);
        REQUIRE(modes.size() == 3);
        uint32_t before = OLSTATE_CONNECTION_CACHED_CONNECTED_FULL;
        for (std::size_t i = 0; i < 3; ++i) {
            CHECK(modes[i].old_state == before);
            CHECK(modes[i].new_state == sequence[i]);
            before = sequence[i];
        }
        {
            std::lock_guard lock(m);
            REQUIRE(read_in_callback.size() == 3);
            // The snapshot arrives with its event: never older than it (the
            // host reads it when it forwards the event, so it may be newer).
            CHECK(read_in_callback[2] == OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
        }
        const auto accounts = of_kind(r, OLSTATE_EVENT_ACCOUNT_CHANGED);
        REQUIRE(accounts.size() == 1);
        CHECK(accounts[0].new_state == OLSTATE_CONNECTION_CACHED_DISCONNECTED);
        CHECK(r.count() == 4);
        olstate_account a[OLSTATE_MAX_ACCOUNTS];
        a[0].struct_size = sizeof a[0];
        uint32_t n = 0;
        REQUIRE(olstate_get_accounts(s.get(), a, OLSTATE_MAX_ACCOUNTS, &n) == OLSTATE_OK);
        REQUIRE(n == 1);
        CHECK(std::string(a[0].smtp_address) == OLSTATE_SIM_DEFAULT_ACCOUNT);
        CHECK(a[0].connection_mode == OLSTATE_CONNECTION_CACHED_DISCONNECTED);
    }
}

TEST_CASE("bridge connection: a version-1 client of a version-2 host gets no connection frames") {
    TempDir dir;
    Host host(dir.endpoint());
    RawClient raw(dir.endpoint());
    REQUIRE(raw.send(hello()));  // offers versions 1..1
    const auto w = raw.read_frame();
    REQUIRE(w);
    REQUIRE(w->type == 2);
    CHECK((w->payload.at(0) | (w->payload.at(1) << 8)) == 1);  // version 1 chosen
    CHECK(w->u32(2) == (OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_OFFLINE));  // no bit it cannot decode
    REQUIRE(host.command("mode 400") == "ok");
    host.toggle();
    // The state change's three events, and never a connection frame (10).
    for (int i = 0; i < 3; ++i) {
        const auto f = raw.read_frame();
        REQUIRE(f);
        CHECK(f->type == 4);
    }
}

TEST_CASE("bridge connection: a client of a version-1 host works, without the capability") {
    TempDir dir;
    Host host(dir.endpoint(), {"--protocol-max", "1"});
    BridgeSession s(dir.endpoint());
    uint32_t caps = 0, v = 0;
    REQUIRE(olstate_capabilities(s.get(), &caps) == OLSTATE_OK);
    CHECK(caps == (OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_OFFLINE));
    CHECK(olstate_get_connection_mode(s.get(), &v) == OLSTATE_E_NOT_SUPPORTED);
    CHECK(std::string(olstate_last_error_message()).find("version 1") != std::string::npos);
    Recorder r;
    olstate_subscription token = 0;
    REQUIRE(olstate_subscribe(s.get(), Recorder::callback, &r, nullptr, &token) == OLSTATE_OK);
    REQUIRE(host.command("mode 400") == "ok");
    host.toggle();
    REQUIRE(r.wait_for(3));
    std::this_thread::sleep_for(200ms);
    CHECK(r.count() == 3);
    CHECK(count_kind(r, OLSTATE_EVENT_CONNECTION_CHANGED) == 0);
    REQUIRE(olstate_unsubscribe(s.get(), token) == OLSTATE_OK);
    REQUIRE(olstate_get_state(s.get(), &v) == OLSTATE_OK);
    CHECK(v == OLSTATE_OFFLINE);
}

namespace {

uint32_t host_reads(Host& host) {
    const std::string answer = host.command("reads");
    REQUIRE_MESSAGE(answer.rfind("reads ", 0) == 0, answer);
    return static_cast<uint32_t>(std::stoul(answer.substr(6)));
}

}  // namespace

TEST_CASE("bridge connection: the host reads the connection once per change, however many clients") {
    for (const std::string delivery : {"queued", "inline"}) {
        CAPTURE(delivery);
        Watchdog dog("reads per change", 60s);
        TempDir dir;
        Host host(dir.endpoint(), {"--delivery", delivery});
        const uint32_t before_welcomes = host_reads(host);
        constexpr std::size_t kClients = 8;
        std::vector<std::unique_ptr<BridgeSession>> clients;
        std::vector<std::unique_ptr<Recorder>> recorders(kClients);
        std::vector<olstate_subscription> tokens(kClients);
        for (std::size_t i = 0; i < kClients; ++i) {
            clients.push_back(std::make_unique<BridgeSession>(dir.endpoint()));
            recorders[i] = std::make_unique<Recorder>();
            REQUIRE(olstate_subscribe(clients[i]->get(), Recorder::callback, recorders[i].get(), nullptr, &tokens[i]) ==
                    OLSTATE_OK);
        }
        // Welcomes come from the host's snapshot: no client makes it read.
        const uint32_t before = host_reads(host);
        CHECK(before == before_welcomes);

        const char* changes[] = {"mode 400", "mode 700", "mode 800", "add-account second@example.com",
                                 "remove-account second@example.com"};
        for (const char* change : changes) REQUIRE(host.command(change) == "ok");
        for (std::size_t i = 0; i < kClients; ++i) {
            CAPTURE(i);
            REQUIRE(wait_kind(*recorders[i], OLSTATE_EVENT_CONNECTION_CHANGED, 3));
            REQUIRE(wait_kind(*recorders[i], OLSTATE_EVENT_ACCOUNT_CHANGED, 2));
        }
        // One read per change, not one (or three) per client.
        CHECK(host_reads(host) - before == std::size(changes));
        // Every client read the same final snapshot from its frames.
        for (std::size_t i = 0; i < kClients; ++i) {
            CAPTURE(i);
            REQUIRE(olstate_unsubscribe(clients[i]->get(), tokens[i]) == OLSTATE_OK);
            uint32_t mode = 0, n = 0;
            REQUIRE(olstate_get_connection_mode(clients[i]->get(), &mode) == OLSTATE_OK);
            CHECK(mode == OLSTATE_CONNECTION_ONLINE);
            olstate_account a[OLSTATE_MAX_ACCOUNTS];
            a[0].struct_size = sizeof a[0];
            REQUIRE(olstate_get_accounts(clients[i]->get(), a, OLSTATE_MAX_ACCOUNTS, &n) == OLSTATE_OK);
            CHECK(n == 1);
        }
    }
}

TEST_CASE("bridge connection: a client welcomed after changes gets the host's latest snapshot") {
    Watchdog dog("late welcome", 60s);
    TempDir dir;
    Host host(dir.endpoint());
    {
        // A first client sees the change arrive: the host has followed it.
        BridgeSession first(dir.endpoint());
        Recorder r;
        olstate_subscription token = 0;
        REQUIRE(olstate_subscribe(first.get(), Recorder::callback, &r, nullptr, &token) == OLSTATE_OK);
        REQUIRE(host.command("mode 400") == "ok");
        REQUIRE(host.command("add-account late@example.com") == "ok");
        REQUIRE(wait_kind(r, OLSTATE_EVENT_ACCOUNT_CHANGED, 1));
        REQUIRE(olstate_unsubscribe(first.get(), token) == OLSTATE_OK);
    }
    const uint32_t before = host_reads(host);
    BridgeSession late(dir.endpoint());
    CHECK(host_reads(host) == before);  // from the snapshot, not a read
    uint32_t mode = 0, n = 0;
    REQUIRE(olstate_get_connection_mode(late.get(), &mode) == OLSTATE_OK);
    CHECK(mode == OLSTATE_CONNECTION_CACHED_DISCONNECTED);
    olstate_account a[OLSTATE_MAX_ACCOUNTS];
    a[0].struct_size = sizeof a[0];
    REQUIRE(olstate_get_accounts(late.get(), a, OLSTATE_MAX_ACCOUNTS, &n) == OLSTATE_OK);
    REQUIRE(n == 2);
    CHECK(std::string(a[1].smtp_address) == "late@example.com");
}
