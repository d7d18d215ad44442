// Many clients on one host: every one gets every event, the limit is kept, a
// client that stops reading only hurts itself, and a client killed
// mid-stream is cleaned up while the host keeps serving.
#include "bridge_support.h"

using namespace bridge_test;
using test::Recorder;

TEST_CASE("eight clients all get every event, in order") {
    Watchdog dog("eight clients", 60s);
    TempDir dir;
    Host host(dir.endpoint());
    std::vector<std::unique_ptr<Recorder>> recs;
    std::vector<std::unique_ptr<BridgeSession>> sessions;
    for (int i = 0; i < 8; ++i) {
        sessions.push_back(std::make_unique<BridgeSession>(
            dir.endpoint(), i % 2 ? OLSTATE_DELIVERY_INLINE : OLSTATE_DELIVERY_QUEUED));
        recs.push_back(std::make_unique<Recorder>());
        test::subscribe(sessions.back()->get(), *recs.back());
    }
    for (int t = 0; t < 5; ++t) host.toggle();
    for (std::size_t i = 0; i < recs.size(); ++i) {
        CAPTURE(i);
        REQUIRE(recs[i]->wait_for(15));
        const auto seen = recs[i]->seen();
        CHECK(seen.size() == 15);
        for (std::size_t k = 0; k < seen.size(); ++k) {
            CHECK(seen[k].event.sequence == k + 1);
            CHECK(seen[k].event.flags == 0);
            CHECK(seen[k].event.kind == OLSTATE_EVENT_CHANGE_START + k % 3);
        }
        CHECK(seen.back().event.new_state == OLSTATE_OFFLINE);  // five changes from online
    }
}

TEST_CASE("max_clients: extra connections get a refusal and are closed; a freed slot is reused") {
    Watchdog dog("max clients", 60s);
    TempDir dir;
    Host host(dir.endpoint(), {"--max-clients", "2"});
    auto a = std::make_unique<BridgeSession>(dir.endpoint());
    BridgeSession b(dir.endpoint());
    olstate_session* c = nullptr;
    CHECK(open_bridge(dir.endpoint(), &c) == OLSTATE_E_BUSY);
    CHECK(c == nullptr);
    CHECK(std::string(olstate_last_error_message()).find("limit") != std::string::npos);
    {
        RawClient raw(dir.endpoint());
        const auto f = raw.read_frame();
        REQUIRE(f);
        CHECK(f->type == 3);  // refusal
        CHECK(f->i32(0) == OLSTATE_E_BUSY);
        CHECK(raw.closed_by_host());
    }
    a.reset();  // frees a slot once the host has noticed
    CHECK(test::eventually([&] {
        if (open_bridge(dir.endpoint(), &c) != OLSTATE_OK) return false;
        return true;
    }));
    Recorder rec;
    test::subscribe(c, rec);
    host.toggle();
    CHECK(rec.wait_for(3));
    CHECK(olstate_close(c) == OLSTATE_OK);
}

TEST_CASE("a client that stops reading fills only its own queue; the others get every event") {
    Watchdog dog("slow client", 120s);
    TempDir dir;
    Host host(dir.endpoint(), {"--queue", "256"});
    // The stuck client: says hello, reads the welcome, then never reads again.
    RawClient stuck(dir.endpoint());
    REQUIRE(stuck.send(hello()));
    const auto welcome = stuck.read_frame();
    REQUIRE(welcome);
    REQUIRE(welcome->type == 2);

    Recorder rec;
    BridgeSession good(dir.endpoint());
    test::subscribe(good.get(), rec);
    // 60 rounds of 150 events: far beyond what the stuck client's socket and
    // queue hold. Each round's storm returns (the host's callback never
    // waits for a client) and the good client gets all of it.
    constexpr std::size_t kRounds = 60, kPerRound = 150;
    for (std::size_t r = 0; r < kRounds; ++r) {
        REQUIRE(host.command("storm 50") == "ok");
        REQUIRE(rec.wait_for((r + 1) * kPerRound));
    }
    const auto seen = rec.seen();
    REQUIRE(seen.size() == kRounds * kPerRound);
    std::size_t flagged = 0;
    for (std::size_t i = 0; i < seen.size(); ++i) {
        if (seen[i].event.sequence != i + 1) {
            FAIL("the good client's sequence has a gap at " << i);
            break;
        }
        flagged += seen[i].event.flags != 0;
    }
    CHECK(flagged == 0);

    // The stuck client reads at last: some events, then a frame flagged
    // DROPPED, every one of them well-formed.
    std::size_t events = 0, dropped = 0;
    while (const auto f = stuck.read_frame(2s)) {
        REQUIRE(f->type == 4);
        ++events;
        dropped += (f->u32(20) & OLSTATE_EVENT_FLAG_DROPPED) != 0;  // kind, old, new, u64 sequence, flags
    }
    CHECK(events > 0);
    CHECK(events < kRounds * kPerRound);
    CHECK(dropped >= 1);
}

TEST_CASE("a client process killed mid-stream is cleaned up; the host keeps serving") {
    Watchdog dog("killed client", 60s);
    TempDir dir;
    Host host(dir.endpoint(), {"--max-clients", "2"});
    const std::string monitor = build_file("OLSTATE_MONITOR", "olstate-monitor");
    for (int round = 0; round < 3; ++round) {
        CAPTURE(round);
        Child client({monitor, "--provider", "bridge", "--endpoint", dir.endpoint()});
        // Connected once it printed its facts.
        bool connected = false;
        while (const auto l = client.line()) {
            if (l->rfind("state:", 0) == 0) {
                connected = true;
                break;
            }
        }
        REQUIRE(connected);
        REQUIRE(host.command("storm 20") == "ok");
        client.kill9();  // mid-stream: its queue and socket still hold events
        REQUIRE(host.command("storm 20") == "ok");
    }
    // Slots of the killed clients are freed (eventually: the host notices the
    // closed sockets), and a new client gets events.
    olstate_session* a = nullptr;
    olstate_session* b = nullptr;
    REQUIRE(test::eventually([&] { return open_bridge(dir.endpoint(), &a) == OLSTATE_OK; }));
    REQUIRE(test::eventually([&] { return open_bridge(dir.endpoint(), &b) == OLSTATE_OK; }));
    Recorder rec;
    test::subscribe(b, rec);
    host.toggle();
    CHECK(rec.wait_for(3));
    CHECK(olstate_close(a) == OLSTATE_OK);
    CHECK(olstate_close(b) == OLSTATE_OK);
    CHECK(host.child().running());
}

TEST_CASE("events the host drops for a slow client are flagged in that client's session") {
    for (const uint32_t mode : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(mode);
        Watchdog dog("dropped on the way", 60s);
        TempDir dir;
        // A queue of one event: a burst outruns the host's writer for this client.
        Host host(dir.endpoint(), {"--queue", "1", "--delivery", "inline"});
        Recorder rec;
        BridgeSession s(dir.endpoint(), mode);
        test::subscribe(s.get(), rec);
        REQUIRE(host.command("storm 300") == "ok");
        host.toggle();  // a last, real change: its DONE is the newest event
        REQUIRE(test::eventually([&] {
            const auto seen = rec.seen();
            return !seen.empty() && seen.back().event.kind == OLSTATE_EVENT_CHANGE_DONE &&
                   seen.back().event.new_state == OLSTATE_OFFLINE;
        }));
        const auto seen = rec.seen();
        std::size_t flagged = 0;
        for (std::size_t i = 0; i < seen.size(); ++i) {
            // The session's own numbers rise by one, except where the client
            // session itself dropped events (its queue, behind a fast host):
            // the event after such a gap carries the flag (olstate.h).
            const std::uint64_t expected = i == 0 ? 1 : seen[i - 1].event.sequence + 1;
            const bool flag = (seen[i].event.flags & OLSTATE_EVENT_FLAG_DROPPED) != 0;
            CHECK(seen[i].event.sequence >= expected);
            if (seen[i].event.sequence != expected) CHECK(flag);
            flagged += flag;
        }
        // Whatever did not arrive was announced: fewer events than sent
        // means at least one carries the flag.
        INFO("received " << seen.size() << " of 903, " << flagged << " flagged");
        if (seen.size() < 903) CHECK(flagged >= 1);
    }
}

TEST_CASE("INLINE callback stuck while events pile up: the oldest are dropped and flagged, PROVIDER_LOST is kept") {
    Watchdog dog("stuck inline callback", 60s);
    TempDir dir;
    // The host keeps everything for this client (its session INLINE, a long
    // queue): every drop happens in the client, behind its stuck callback.
    Host host(dir.endpoint(), {"--queue", "4096", "--delivery", "inline"});
    test::Gate gate;
    Recorder rec;
    rec.on_event = [&](const olstate_event&) { gate.wait(); };
    BridgeSession s(dir.endpoint(), OLSTATE_DELIVERY_INLINE);
    test::subscribe(s.get(), rec);
    REQUIRE(host.command("storm 600") == "ok");  // 1800 events
    // A reply travels behind the events on the same connection: once it is
    // back, the client has read them all.
    uint32_t state = 0;
    REQUIRE(olstate_get_state(s.get(), &state) == OLSTATE_OK);
    host.kill9();
    uint32_t again = 0;
    REQUIRE(test::eventually([&] { return olstate_get_state(s.get(), &again) == OLSTATE_E_PROVIDER_NOT_FOUND; }));
    gate.open();
    REQUIRE(wait_kind(rec, OLSTATE_EVENT_PROVIDER_LOST));
    rec.on_event = nullptr;
    const auto seen = rec.seen();
    std::size_t flagged = 0;
    for (const auto& e : seen) flagged += (e.event.flags & OLSTATE_EVENT_FLAG_DROPPED) != 0;
    INFO("received " << seen.size() << " of 1800 events, " << flagged << " flagged");
    CHECK(seen.size() < 1800);
    CHECK(flagged >= 1);
    CHECK(seen.back().event.kind == OLSTATE_EVENT_PROVIDER_LOST);
    CHECK(count_kind(rec, OLSTATE_EVENT_PROVIDER_LOST) == 1);
}
