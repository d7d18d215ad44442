// Raw socket clients that break the protocol: the host drops each of them
// (after a refusal where it can say why) and keeps serving a good client.
#include <random>

#include "bridge_support.h"

using namespace bridge_test;
using test::Recorder;

namespace {

std::vector<unsigned char> bytes(const std::string& s) { return {s.begin(), s.end()}; }

std::vector<unsigned char> concat(std::vector<unsigned char> a, const std::vector<unsigned char>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// The good client still gets a full change after the abuse.
void check_still_serving(Host& host, Recorder& rec) {
    const std::size_t before = rec.count();
    host.toggle();
    REQUIRE(rec.wait_for(before + 3));
}

}  // namespace

TEST_CASE("malformed, oversized, out-of-order and unknown frames never crash or stall the host") {
    Watchdog dog("hostile frames", 120s);
    TempDir dir;
    Host host(dir.endpoint());
    Recorder rec;
    BridgeSession good(dir.endpoint());
    test::subscribe(good.get(), rec);

    struct Case {
        const char* name;
        std::vector<unsigned char> data;
        bool refusal;  // the host says why before closing
    };
    std::vector<unsigned char> long_profile = hello_payload(std::string(513, 'p'));
    std::vector<unsigned char> trailing = hello_payload();
    trailing.push_back(0);
    std::vector<unsigned char> bad_utf8 = hello_payload("\xC0\xAF");
    std::vector<unsigned char> lying_length = hello_payload("abc");
    lying_length[8] = 200;  // the profile's length says more than the frame holds
    const std::vector<Case> cases = {
        {"HTTP request (a huge length)", bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false},
        {"length 4097", {0x01, 0x10, 0, 0, 1, 0}, false},
        {"length 0xFFFFFFFF", {0xFF, 0xFF, 0xFF, 0xFF}, false},
        {"length 1", {1, 0, 0, 0, 1}, false},
        {"length 0", {0, 0, 0, 0}, false},
        {"unknown type before hello", frame(99, {}), false},
        {"unknown type 0", frame(0, {1, 2, 3}), false},
        {"get_state before hello", get_state(1), true},
        {"bye before hello", frame(9, {0, 0, 0, 0}), true},
        {"welcome from a client", frame(2, {1, 0}), false},
        {"bad magic", frame(1, hello_payload("", 1, 1, "XXXX")), false},
        {"no common version", frame(1, hello_payload("", 5, 9)), true},
        {"empty version range", frame(1, hello_payload("", 2, 1)), false},
        {"profile over 512 bytes", frame(1, long_profile), false},
        {"profile not UTF-8", frame(1, bad_utf8), false},
        {"profile length beyond the frame", frame(1, lying_length), false},
        {"trailing bytes after hello", frame(1, trailing), false},
        {"duplicate hello", concat(hello(), hello()), true},
        {"event from a client after hello", concat(hello(), frame(4, std::vector<unsigned char>(32, 0))), true},
        {"set_state with a bad state", concat(hello(), set_state(1, 7, 0)), false},
        {"set_state with bad flags", concat(hello(), set_state(1, OLSTATE_ONLINE, 9)), false},
        {"get_state too short", concat(hello(), frame(5, {1, 2})), false},
        {"zeros", std::vector<unsigned char>(64, 0), false},
    };
    // Each case runs several times: a refusal races the host's writer
    // thread, which once lost it by closing the connection first.
    for (int round = 0; round < 8; ++round)
    for (const auto& c : cases) {
        const std::string name = c.name;
        CAPTURE(name);
        CAPTURE(round);
        RawClient raw(dir.endpoint());
        REQUIRE(raw.send(c.data));
        // Whatever the host sends before closing must be well-formed, and a
        // refusal when it has a reason to give.
        bool refused = false;
        while (const auto f = raw.read_frame(10s)) {
            if (f->type == 3) {
                refused = true;
                CHECK(f->i32(0) < 0);
            }
        }
        if (c.refusal) CHECK(refused);
        CHECK(raw.closed_by_host());
    }
    check_still_serving(host, rec);

    SUBCASE("truncated frames: the host waits for the rest, then cleans up when the peer goes") {
        for (std::size_t cut = 1; cut < hello().size(); cut += 3) {
            RawClient raw(dir.endpoint());
            const auto h = hello();
            REQUIRE(raw.send(std::vector<unsigned char>(h.begin(), h.begin() + static_cast<long>(cut))));
            check_still_serving(host, rec);  // a half-sent frame blocks nobody
        }
        check_still_serving(host, rec);
    }
    SUBCASE("random garbage") {
        std::mt19937 rng(12345);
        for (int i = 0; i < 40; ++i) {
            std::vector<unsigned char> junk(1 + rng() % 300);
            for (auto& b : junk) b = static_cast<unsigned char>(rng());
            RawClient raw(dir.endpoint());
            raw.send(junk);
            raw.closed_by_host(200ms);  // either way: closing is our side's job now
        }
        check_still_serving(host, rec);
    }
}

TEST_CASE("raw requests: the host answers get_state and ping, and refuses set_state unless allowed") {
    Watchdog dog("raw requests", 60s);
    TempDir dir;
    Host host(dir.endpoint());
    RawClient raw(dir.endpoint());
    REQUIRE(raw.send(hello()));
    const auto w = raw.read_frame();
    REQUIRE(w);
    REQUIRE(w->type == 2);
    CHECK(w->u32(6) == OLSTATE_ONLINE);  // u16 version, u32 capabilities, u32 state
    CHECK(w->u32(10) == 0);              // flags: set not allowed

    REQUIRE(raw.send(get_state(41)));
    auto r = raw.read_frame();
    REQUIRE(r);
    REQUIRE(r->type == 8);
    CHECK(r->u32(0) == 41);
    CHECK(r->i32(4) == OLSTATE_OK);
    CHECK(r->u32(12) == OLSTATE_ONLINE);

    // A client that ignores the welcome's flags is still refused by the host.
    REQUIRE(raw.send(set_state(42, OLSTATE_OFFLINE, OLSTATE_SET_BLOCK)));
    r = raw.read_frame();
    REQUIRE(r);
    CHECK(r->u32(0) == 42);
    CHECK(r->i32(4) == OLSTATE_E_NOT_SUPPORTED);
    CHECK(host.command("state") == "online");

    std::vector<unsigned char> ping;
    put_u32(ping, 43);
    REQUIRE(raw.send(frame(7, ping)));
    r = raw.read_frame();
    REQUIRE(r);
    CHECK(r->u32(0) == 43);
    CHECK(r->i32(4) == OLSTATE_OK);

    // A polite bye ends the connection.
    REQUIRE(raw.send(frame(9, {0, 0, 0, 0})));
    CHECK(raw.closed_by_host());
}
