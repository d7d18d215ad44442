// The bridge's frames: every message round-trips, and every rule of
// docs/bridge-protocol.md is enforced by the decoder.
#include <doctest/doctest.h>
#include <olstate.h>

#include <cstring>
#include <variant>

#include "bridge/protocol.h"

using namespace olstate::bridge::protocol;

namespace {

std::vector<std::byte> bytes_of(std::initializer_list<int> v) {
    std::vector<std::byte> out;
    for (int b : v) out.push_back(static_cast<std::byte>(b));
    return out;
}

// A frame of `type` with a raw payload (length computed).
std::vector<std::byte> raw_frame(std::uint16_t type, const std::vector<std::byte>& payload) {
    const std::uint32_t len = static_cast<std::uint32_t>(payload.size() + 2);
    std::vector<std::byte> f;
    for (int i = 0; i < 4; ++i) f.push_back(static_cast<std::byte>((len >> (8 * i)) & 0xFF));
    f.push_back(static_cast<std::byte>(type & 0xFF));
    f.push_back(static_cast<std::byte>(type >> 8));
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
}

Decoded decode_all(const std::vector<std::byte>& f) { return decode(gsl::span<const std::byte>(f)); }

std::string error_of(const std::vector<std::byte>& f) {
    const Decoded d = decode_all(f);
    REQUIRE(d.status == Decoded::Status::error);
    return d.error;
}

template <class T>
T roundtrip(const T& m) {
    const auto f = encode(Message{m});
    const Decoded d = decode_all(f);
    REQUIRE_MESSAGE(d.status == Decoded::Status::complete, d.error);
    CHECK(d.consumed == f.size());
    REQUIRE(std::holds_alternative<T>(d.message));
    return std::get<T>(d.message);
}

}  // namespace

TEST_CASE("bridge protocol: every message round-trips") {
    Hello h;
    h.min_version = 1;
    h.max_version = 3;
    h.profile = "Büro";
    const Hello h2 = roundtrip(h);
    CHECK(h2.min_version == 1);
    CHECK(h2.max_version == 3);
    CHECK(h2.profile == "Büro");

    Welcome w;
    w.capabilities = OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_OFFLINE;
    w.state = OLSTATE_OFFLINE;
    w.flags = kWelcomeSetAllowed;
    w.profile = "Outlook";
    const Welcome w2 = roundtrip(w);
    CHECK(w2.version == kMaxVersion);
    CHECK(w2.capabilities == 3);
    CHECK(w2.state == OLSTATE_OFFLINE);
    CHECK(w2.flags == kWelcomeSetAllowed);
    CHECK(w2.profile == "Outlook");

    const Refusal r2 = roundtrip(Refusal{OLSTATE_E_BUSY, "full"});
    CHECK(r2.result == OLSTATE_E_BUSY);
    CHECK(r2.message == "full");

    Event e;
    e.kind = OLSTATE_EVENT_CHANGE_DONE;
    e.old_state = OLSTATE_ONLINE;
    e.new_state = OLSTATE_OFFLINE;
    e.sequence = 0x1122334455667788ull;
    e.flags = OLSTATE_EVENT_FLAG_DROPPED;
    e.notify_time_us = 1700000000123456ull;
    const Event e2 = roundtrip(e);
    CHECK(e2.kind == e.kind);
    CHECK(e2.sequence == e.sequence);
    CHECK(e2.flags == e.flags);
    CHECK(e2.notify_time_us == e.notify_time_us);

    CHECK(roundtrip(GetState{7}).request == 7);
    const SetState s2 = roundtrip(SetState{9, OLSTATE_ONLINE, OLSTATE_SET_BLOCK});
    CHECK(s2.request == 9);
    CHECK(s2.state == OLSTATE_ONLINE);
    CHECK(s2.flags == OLSTATE_SET_BLOCK);
    CHECK(roundtrip(Ping{0xFFFFFFFFu}).request == 0xFFFFFFFFu);
    const Reply p2 = roundtrip(Reply{5, OLSTATE_E_BUSY, static_cast<std::int32_t>(0x8000000Au), 0, "pending"});
    CHECK(p2.request == 5);
    CHECK(p2.result == OLSTATE_E_BUSY);
    CHECK(p2.hresult == static_cast<std::int32_t>(0x8000000Au));
    CHECK(p2.message == "pending");
    CHECK(roundtrip(Bye{kByeGoingAway}).reason == kByeGoingAway);
}

TEST_CASE("bridge protocol: the layout is little-endian as documented") {
    const auto f = encode(Message{GetState{0x01020304}});
    CHECK(f == bytes_of({6, 0, 0, 0, 5, 0, 4, 3, 2, 1}));
    const auto hello = encode(Message{Hello{1, 1, "P"}});
    CHECK(hello == bytes_of({13, 0, 0, 0, 1, 0, 'O', 'L', 'S', 'B', 1, 0, 1, 0, 1, 0, 'P'}));
}

TEST_CASE("bridge protocol: incomplete input waits, several frames decode one by one") {
    const auto f = encode(Message{Ping{1}});
    for (std::size_t n = 0; n < f.size(); ++n) {
        const Decoded d = decode(gsl::span<const std::byte>(f.data(), n));
        CHECK(d.status == Decoded::Status::incomplete);
    }
    auto two = f;
    const auto g = encode(Message{Bye{}});
    two.insert(two.end(), g.begin(), g.end());
    const Decoded d = decode_all(two);
    REQUIRE(d.status == Decoded::Status::complete);
    CHECK(d.consumed == f.size());
    const Decoded d2 = decode(gsl::span<const std::byte>(two).subspan(d.consumed));
    REQUIRE(d2.status == Decoded::Status::complete);
    CHECK(std::holds_alternative<Bye>(d2.message));
}

TEST_CASE("bridge protocol: lengths out of range are errors at once, before the bytes arrive") {
    CHECK(error_of(bytes_of({0, 0, 0, 0})).find("out of range") != std::string::npos);
    CHECK(error_of(bytes_of({1, 0, 0, 0})).find("out of range") != std::string::npos);
    // 4097: known to be too long once its type (a hello, not a connection) is there
    CHECK(error_of(bytes_of({0x01, 0x10, 0, 0, 1, 0})).find("out of range") != std::string::npos);
    CHECK(error_of(bytes_of({0x01, 0x50, 0, 0})).find("out of range") != std::string::npos);  // 20481: at once
    CHECK(error_of(bytes_of({0xFF, 0xFF, 0xFF, 0xFF})).find("out of range") != std::string::npos);
    // Exactly the limit is fine (and waits for its bytes).
    CHECK(decode_all(bytes_of({0x00, 0x10, 0, 0})).status == Decoded::Status::incomplete);
}

TEST_CASE("bridge protocol: unknown types, short and long payloads, bad values are errors") {
    CHECK(error_of(raw_frame(0, {})).find("unknown frame type") != std::string::npos);
    CHECK(error_of(raw_frame(11, {})).find("unknown frame type") != std::string::npos);
    CHECK(error_of(raw_frame(0xFFFF, {})).find("unknown frame type") != std::string::npos);
    // get_state needs exactly four bytes.
    CHECK(error_of(raw_frame(5, bytes_of({1, 2, 3}))).find("too short") != std::string::npos);
    CHECK(error_of(raw_frame(5, bytes_of({1, 2, 3, 4, 5}))).find("unexpected bytes") != std::string::npos);

    auto hello = encode(Message{Hello{}});
    hello[6] = std::byte{'X'};  // magic
    CHECK(error_of(hello).find("magic") != std::string::npos);
    CHECK(error_of(encode(Message{Hello{0, 1, ""}})).find("no version") != std::string::npos);
    CHECK(error_of(encode(Message{Hello{3, 2, ""}})).find("no version") != std::string::npos);

    // A profile's length says more than the frame holds, or more than the limit.
    auto p = bytes_of({'O', 'L', 'S', 'B', 1, 0, 1, 0, 5, 0, 'a'});
    CHECK(error_of(raw_frame(1, p)).find("too short") != std::string::npos);
    p = bytes_of({'O', 'L', 'S', 'B', 1, 0, 1, 0});
    p.push_back(std::byte{0x01});
    p.push_back(std::byte{0x02});  // 513
    p.resize(p.size() + 513, std::byte{'a'});
    CHECK(error_of(raw_frame(1, p)).find("more than 512") != std::string::npos);
    p = bytes_of({'O', 'L', 'S', 'B', 1, 0, 1, 0, 2, 0, 0xC0, 0xAF});  // overlong '/'
    CHECK(error_of(raw_frame(1, p)).find("UTF-8") != std::string::npos);

    Event e;
    e.kind = OLSTATE_EVENT_PROVIDER_LOST;  // never on the wire
    e.old_state = e.new_state = OLSTATE_ONLINE;
    CHECK(error_of(encode(Message{e})).find("kind") != std::string::npos);
    e.kind = OLSTATE_EVENT_CHANGE;
    e.new_state = 3;
    CHECK(error_of(encode(Message{e})).find("state") != std::string::npos);
    e.new_state = OLSTATE_OFFLINE;
    e.flags = 2;
    CHECK(error_of(encode(Message{e})).find("flags") != std::string::npos);

    CHECK(error_of(encode(Message{SetState{1, 0, 0}})).find("state") != std::string::npos);
    CHECK(error_of(encode(Message{SetState{1, OLSTATE_ONLINE, 2}})).find("flags") != std::string::npos);
    CHECK(error_of(encode(Message{Refusal{0, ""}})).find("not a documented error code") != std::string::npos);
    CHECK(error_of(encode(Message{Reply{1, 1, 0, 0, ""}})).find("neither OK nor a documented") != std::string::npos);
    CHECK(error_of(encode(Message{Reply{1, 0, 0, 7, ""}})).find("not a state") != std::string::npos);
    CHECK(error_of(encode(Message{Bye{2}})).find("reason") != std::string::npos);
    Welcome w;
    w.state = OLSTATE_ONLINE;
    w.capabilities = 4;
    CHECK(error_of(encode(Message{w})).find("capability") != std::string::npos);
    w.capabilities = 3;
    w.flags = 2;
    CHECK(error_of(encode(Message{w})).find("flags") != std::string::npos);
    w.flags = 0;
    w.version = 3;
    CHECK(error_of(encode(Message{w})).find("version") != std::string::npos);
}

TEST_CASE("bridge protocol: the encoder keeps to the limits") {
    CHECK_THROWS_AS(encode(Message{Hello{1, 1, std::string(513, 'a')}}), std::length_error);
    CHECK_NOTHROW(encode(Message{Hello{1, 1, std::string(512, 'a')}}));
    // A long message is shortened on a character boundary, never split.
    std::string msg;
    while (msg.size() < 1100) msg += "\xC3\xA9";  // é
    const Refusal r = roundtrip(Refusal{OLSTATE_E_INTERNAL, msg});
    CHECK(r.message.size() <= kMaxMessageBytes);
    CHECK(r.message.size() % 2 == 0);
}

TEST_CASE("bridge protocol: only documented result codes decode (issue 14)") {
    // A rogue host's -1000 or INT32_MIN must never reach a caller as a result.
    for (const std::int32_t bad : {-1000, INT32_MIN, OLSTATE_E_WOULD_DEADLOCK - 1, 0, 1}) {
        Refusal f;
        f.result = bad;
        f.message = "x";
        CHECK(error_of(encode(Message{f})).find("refusal result") != std::string::npos);
    }
    for (const std::int32_t bad : {-1000, INT32_MIN, OLSTATE_E_WOULD_DEADLOCK - 1, 1}) {
        Reply p;
        p.request = 1;
        p.result = bad;
        CHECK(error_of(encode(Message{p})).find("reply result") != std::string::npos);
    }
    // Every documented code (and OK for a reply) still passes.
    for (std::int32_t code = OLSTATE_E_INVALID_ARGUMENT; code >= OLSTATE_E_WOULD_DEADLOCK; --code) {
        Refusal f;
        f.result = code;
        CHECK(roundtrip(f).result == code);
        Reply p;
        p.result = code;
        CHECK(roundtrip(p).result == code);
    }
    Reply ok;
    CHECK(roundtrip(ok).result == OLSTATE_OK);
}

TEST_CASE("bridge protocol: marking a shared connection frame dropped sets the flag of its event only") {
    Connection c;
    c.event.kind = OLSTATE_EVENT_CONNECTION_CHANGED;
    c.event.old_state = OLSTATE_CONNECTION_CACHED_CONNECTED_FULL;
    c.event.new_state = OLSTATE_CONNECTION_CACHED_DISCONNECTED;
    c.event.sequence = 12;
    c.event.notify_time_us = 99;
    c.mode = OLSTATE_CONNECTION_CACHED_DISCONNECTED;
    c.accounts.push_back(Account{OLSTATE_ACCOUNT_EXCHANGE, c.mode, "a", "a@example.com"});
    auto frame = encode(Message{c});
    mark_connection_dropped(frame);
    const Decoded d = decode_all(frame);
    REQUIRE(d.status == Decoded::Status::complete);
    const auto& got = std::get<Connection>(d.message);
    CHECK(got.event.flags == OLSTATE_EVENT_FLAG_DROPPED);
    c.event.flags = OLSTATE_EVENT_FLAG_DROPPED;
    CHECK(encode(Message{got}) == encode(Message{c}));  // nothing else changed

    // Any other frame, or one too short to be a connection, is left alone.
    const auto ping = encode(Message{Ping{7}});
    auto untouched = ping;
    mark_connection_dropped(untouched);
    CHECK(untouched == ping);
    std::vector<std::byte> shorter(frame.begin(), frame.begin() + 20);
    const auto before = shorter;
    mark_connection_dropped(shorter);
    CHECK(shorter == before);
}
