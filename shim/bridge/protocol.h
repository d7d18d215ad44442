// The bridge's wire format (docs/bridge-protocol.md): pure functions from
// messages to bytes and back, no I/O, so every rule is unit-tested and the
// decoder can be fuzzed on its own.
//
// A frame is: u32 length of what follows (2..kMaxFrame), u16 type, payload;
// everything little-endian. The decoder checks every field (known type,
// exact payload length, values in range, strings valid UTF-8 within their
// limits) and reports the first violation as an error: the reader then drops
// the connection. It never trusts a length before checking it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <gsl/span>

namespace olstate::bridge::protocol {

// The protocol versions this build speaks. A hello offers a range; the host
// picks the highest version both sides know.
constexpr std::uint16_t kMinVersion = 1;
constexpr std::uint16_t kMaxVersion = 2;  // 2: the Exchange connection (ABI 1.3)

// The highest version this process offers (hello) and accepts (welcome):
// kMaxVersion, or less when the environment variable
// OLSTATE_BRIDGE_PROTOCOL_MAX (read once) names a lower one - the knob the
// mixed-version tests use to play an older client or host.
std::uint16_t max_version() noexcept;

constexpr std::size_t kHeaderSize = 4;       // the u32 length
constexpr std::size_t kMaxFrame = 4096;      // length field at most (type + payload)
constexpr std::size_t kMaxConnectionFrame = 20480;  // a connection frame's length at most (v2)
constexpr std::size_t kMaxAccounts = 32;            // = OLSTATE_MAX_ACCOUNTS
constexpr std::size_t kMaxAccountText = 255;        // bytes of one account text (NUL excluded)
constexpr std::size_t kMaxProfileBytes = 512;
constexpr std::size_t kMaxMessageBytes = 1024;
constexpr char kMagic[4] = {'O', 'L', 'S', 'B'};

enum class Type : std::uint16_t {
    hello = 1,      // client -> host, first frame
    welcome = 2,    // host -> client, answers hello
    refusal = 3,    // host -> client, then the host closes
    event = 4,      // host -> client
    get_state = 5,  // client -> host
    set_state = 6,  // client -> host
    ping = 7,       // client -> host
    reply = 8,      // host -> client, answers get_state/set_state/ping
    bye = 9,        // either way, then the sender closes
    connection = 10,  // host -> client, version 2: the Exchange connection, and its change
};

// welcome.flags
constexpr std::uint32_t kWelcomeSetAllowed = 1u;
// bye.reason
constexpr std::uint32_t kByeNormal = 0;      // the sender is closing this connection
constexpr std::uint32_t kByeGoingAway = 1;   // the host stops (session closed, bridge stopped)

struct Hello {
    std::uint16_t min_version = kMinVersion;
    std::uint16_t max_version = kMaxVersion;
    std::string profile;  // UTF-8; empty = whatever the host serves
};
struct Welcome {
    std::uint16_t version = kMaxVersion;
    std::uint32_t capabilities = 0;  // OLSTATE_CAPABILITY_* bits only; CONNECTION_MODE from
                                     // version 2 (then a connection frame follows at once)
    std::uint32_t state = 0;         // OLSTATE_ONLINE / OLSTATE_OFFLINE
    std::uint32_t flags = 0;         // kWelcome*
    std::string profile;             // the profile served, UTF-8
};
struct Refusal {
    std::int32_t result = 0;  // a negative olstate_result
    std::string message;      // UTF-8
};
struct Event {
    std::uint32_t kind = 0;  // OLSTATE_EVENT_CHANGE_START..CHANGE_DONE
    std::uint32_t old_state = 0;
    std::uint32_t new_state = 0;
    std::uint64_t sequence = 0;
    std::uint32_t flags = 0;  // OLSTATE_EVENT_FLAG_DROPPED only
    std::uint64_t notify_time_us = 0;
};
struct GetState {
    std::uint32_t request = 0;
};
struct SetState {
    std::uint32_t request = 0;
    std::uint32_t state = 0;  // OLSTATE_ONLINE / OLSTATE_OFFLINE
    std::uint32_t flags = 0;  // OLSTATE_SET_DEFAULT / OLSTATE_SET_BLOCK
};
struct Ping {
    std::uint32_t request = 0;
};
struct Reply {
    std::uint32_t request = 0;
    std::int32_t result = 0;   // olstate_result (0 = OK)
    std::int32_t hresult = 0;  // the provider's HRESULT behind a failure, 0 if none
    std::uint32_t value = 0;   // get_state: the state; otherwise 0
    std::string message;       // UTF-8, empty on success
};
struct Bye {
    std::uint32_t reason = kByeNormal;
};
struct Account {
    std::uint32_t type = 0;  // OLSTATE_ACCOUNT_*
    std::uint32_t mode = 0;  // OLSTATE_CONNECTION_*
    std::string display_name;  // UTF-8, at most kMaxAccountText bytes
    std::string smtp_address;  // likewise
};
// The host's Exchange connection after a change (or, with kind 0, right
// after the welcome): the change as an event, then the whole snapshot, so a
// client's reads in its callback already show it. Dropped for a slow client
// like an event.
struct Connection {
    Event event;                  // kind CONNECTION_CHANGED / ACCOUNT_CHANGED, or 0: no event
    std::uint32_t mode = 0;       // OLSTATE_CONNECTION_*
    std::uint32_t offline = 0;    // 0 or 1
    std::vector<Account> accounts;  // at most kMaxAccounts
};

using Message = std::variant<Hello, Welcome, Refusal, Event, GetState, SetState, Ping, Reply, Bye, Connection>;

// s cut to at most `limit` bytes without splitting a UTF-8 sequence (text
// longer than the protocol allows is shortened, not refused).
std::string clip_utf8(const std::string& s, std::size_t limit);

Type type_of(const Message& m) noexcept;
const char* type_name(Type t) noexcept;

// The whole frame, header included. Throws std::length_error for a message
// that breaks the limits (a string too long): never sent.
std::vector<std::byte> encode(const Message& m);

// Sets OLSTATE_EVENT_FLAG_DROPPED in the event of an encoded connection
// frame (a client's own copy of a frame shared by all: its queue dropped
// events before this one). Anything else is left as it is.
void mark_connection_dropped(std::vector<std::byte>& frame) noexcept;

struct Decoded {
    enum class Status { complete, incomplete, error };
    Status status = Status::incomplete;
    Message message;          // valid when complete
    std::size_t consumed = 0; // bytes of the frame, when complete
    std::string error;        // when error: what was wrong
};

// Decodes the frame at the start of `bytes`. `incomplete` when more bytes are
// needed (never for a length already known to be out of range: that is an
// error at once, so a peer cannot make the reader wait for 4 GB).
Decoded decode(gsl::span<const std::byte> bytes);

}  // namespace olstate::bridge::protocol
