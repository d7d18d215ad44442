#include "protocol.h"

#include <olstate.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "base/utf.h"

namespace olstate::bridge::protocol {
namespace {

// Only the codes include/olstate.h documents may reach a caller: a rogue or
// newer host's -1000 or INT32_MIN is a protocol error, not a result. (A new
// code needs a new protocol version.)
bool documented_error(std::int32_t result) noexcept {
    return result <= OLSTATE_E_INVALID_ARGUMENT && result >= OLSTATE_E_WOULD_DEADLOCK;
}

// Appends little-endian fields to a frame under construction.
class Writer {
public:
    void u16(std::uint16_t v) { put(v, 2); }
    void u32(std::uint32_t v) { put(v, 4); }
    void i32(std::int32_t v) { put(static_cast<std::uint32_t>(v), 4); }
    void u64(std::uint64_t v) { put(v, 8); }
    void raw(const char* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) bytes_.push_back(static_cast<std::byte>(p[i]));
    }
    // u16 length + bytes; the limit is the protocol's, checked before sending.
    void str(const std::string& s, std::size_t limit) {
        if (s.size() > limit) throw std::length_error("bridge frame string too long");
        u16(static_cast<std::uint16_t>(s.size()));
        raw(s.data(), s.size());
    }
    std::vector<std::byte> finish(Type type) {
        std::vector<std::byte> frame;
        const std::size_t length = 2 + bytes_.size();
        if (length > (type == Type::connection ? kMaxConnectionFrame : kMaxFrame))
            throw std::length_error("bridge frame too long");
        frame.reserve(kHeaderSize + length);
        for (int i = 0; i < 4; ++i) frame.push_back(static_cast<std::byte>((length >> (8 * i)) & 0xFF));
        const auto t = static_cast<std::uint16_t>(type);
        frame.push_back(static_cast<std::byte>(t & 0xFF));
        frame.push_back(static_cast<std::byte>(t >> 8));
        frame.insert(frame.end(), bytes_.begin(), bytes_.end());
        return frame;
    }

private:
    void put(std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i) bytes_.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
    }
    std::vector<std::byte> bytes_;
};

// Reads the payload; every read is bounds-checked, and the first problem is
// remembered (later reads return zeros), so a decoder reads all fields and
// checks once.
class Reader {
public:
    explicit Reader(gsl::span<const std::byte> p) : p_(p) {}
    std::uint16_t u16() { return static_cast<std::uint16_t>(get(2)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(get(4)); }
    std::int32_t i32() { return static_cast<std::int32_t>(static_cast<std::uint32_t>(get(4))); }
    std::uint64_t u64() { return get(8); }
    bool bytes(char* out, std::size_t n) {
        if (!take(n)) return false;
        for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>(p_[pos_ - n + i]);
        return true;
    }
    std::string str(std::size_t limit, const char* what) {
        const std::size_t n = u16();
        if (error_.empty() && n > limit) {
            error_ = std::string(what) + " is " + std::to_string(n) + " bytes, more than " +
                     std::to_string(limit);
            return {};
        }
        std::string s(n, '\0');
        if (!bytes(s.data(), n)) return {};
        if (!text::is_valid_utf8(s)) {
            fail(std::string(what) + " is not valid UTF-8");
            return {};
        }
        return s;
    }
    void fail(std::string why) {
        if (error_.empty()) error_ = std::move(why);
    }
    // The payload was read exactly: no bytes left over.
    const std::string& finish() {
        if (error_.empty() && pos_ != p_.size())
            error_ = std::to_string(p_.size() - pos_) + " unexpected bytes after the fields";
        return error_;
    }

private:
    bool take(std::size_t n) {
        if (!error_.empty()) return false;
        if (p_.size() - pos_ < n) {
            error_ = "payload too short";
            return false;
        }
        pos_ += n;
        return true;
    }
    std::uint64_t get(int n) {
        if (!take(static_cast<std::size_t>(n))) return 0;
        std::uint64_t v = 0;
        for (int i = 0; i < n; ++i)
            v |= static_cast<std::uint64_t>(p_[pos_ - static_cast<std::size_t>(n) + static_cast<std::size_t>(i)]) << (8 * i);
        return v;
    }
    gsl::span<const std::byte> p_;
    std::size_t pos_ = 0;
    std::string error_;
};

bool valid_state(std::uint32_t s) { return s == OLSTATE_ONLINE || s == OLSTATE_OFFLINE; }
bool valid_mode(std::uint32_t m) { return m <= OLSTATE_CONNECTION_ONLINE && m % 100 == 0; }

void read_event_fields(Reader& r, Event& e) {
    e.kind = r.u32();
    e.old_state = r.u32();
    e.new_state = r.u32();
    e.sequence = r.u64();
    e.flags = r.u32();
    e.notify_time_us = r.u64();
    if (e.flags & ~OLSTATE_EVENT_FLAG_DROPPED) r.fail("event has unknown flags");
}

void write_event_fields(Writer& w, const Event& x) {
    w.u32(x.kind);
    w.u32(x.old_state);
    w.u32(x.new_state);
    w.u64(x.sequence);
    w.u32(x.flags);
    w.u64(x.notify_time_us);
}

Connection decode_connection(Reader& r) {
    Connection c;
    read_event_fields(r, c.event);
    c.mode = r.u32();
    c.offline = r.u32();
    const std::size_t count = r.u16();
    if (count > kMaxAccounts) r.fail("connection has " + std::to_string(count) + " accounts, more than 32");
    for (std::size_t i = 0; i < count && i < kMaxAccounts; ++i) {
        Account a;
        a.type = r.u32();
        a.mode = r.u32();
        a.display_name = r.str(kMaxAccountText, "account display name");
        a.smtp_address = r.str(kMaxAccountText, "account SMTP address");
        if (a.type > OLSTATE_ACCOUNT_OTHER) r.fail("account type unknown");
        if (!valid_mode(a.mode)) r.fail("account mode is not a connection mode");
        c.accounts.push_back(std::move(a));
    }
    const Event& e = c.event;
    const bool account_side_ok = [&] {
        const auto ok = [](std::uint32_t m) { return valid_mode(m) || m == OLSTATE_CONNECTION_UNKNOWN; };
        return ok(e.old_state) && ok(e.new_state);
    }();
    if (e.kind == 0) {
        if (e.old_state || e.new_state || e.sequence || e.flags) r.fail("connection snapshot carries event fields");
    } else if (e.kind == OLSTATE_EVENT_CONNECTION_CHANGED) {
        if (!valid_mode(e.old_state) || !valid_mode(e.new_state)) r.fail("connection event modes out of range");
    } else if (e.kind == OLSTATE_EVENT_ACCOUNT_CHANGED) {
        if (!account_side_ok) r.fail("account event modes out of range");
    } else {
        r.fail("connection event kind " + std::to_string(e.kind) + " unknown");
    }
    if (!valid_mode(c.mode)) r.fail("connection mode out of range");
    if (c.offline > 1) r.fail("connection offline is neither 0 nor 1");
    return c;
}

Message decode_payload(Type type, Reader& r) {
    switch (type) {
        case Type::hello: {
            char magic[4] = {};
            Hello h;
            if (r.bytes(magic, 4) && std::memcmp(magic, kMagic, 4) != 0) r.fail("bad magic in hello");
            h.min_version = r.u16();
            h.max_version = r.u16();
            h.profile = r.str(kMaxProfileBytes, "hello profile");
            if (h.min_version == 0 || h.min_version > h.max_version)
                r.fail("hello offers no version (min " + std::to_string(h.min_version) + ", max " +
                       std::to_string(h.max_version) + ")");
            return h;
        }
        case Type::welcome: {
            Welcome w;
            w.version = r.u16();
            w.capabilities = r.u32();
            w.state = r.u32();
            w.flags = r.u32();
            w.profile = r.str(kMaxProfileBytes, "welcome profile");
            if (w.version < kMinVersion || w.version > kMaxVersion)
                r.fail("welcome chose unknown version " + std::to_string(w.version));
            const std::uint32_t known = OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_ONLINE |
                                        (w.version >= 2 ? OLSTATE_CAPABILITY_CONNECTION_MODE : 0u);
            if (w.capabilities & ~known) r.fail("welcome has unknown capability bits");
            if (!valid_state(w.state)) r.fail("welcome state is neither online nor offline");
            if (w.flags & ~kWelcomeSetAllowed) r.fail("welcome has unknown flags");
            return w;
        }
        case Type::refusal: {
            Refusal f;
            f.result = r.i32();
            f.message = r.str(kMaxMessageBytes, "refusal message");
            if (!documented_error(f.result))
                r.fail("refusal result " + std::to_string(f.result) + " is not a documented error code");
            return f;
        }
        case Type::event: {
            Event e;
            read_event_fields(r, e);
            if (e.kind < OLSTATE_EVENT_CHANGE_START || e.kind > OLSTATE_EVENT_CHANGE_DONE)
                r.fail("event kind " + std::to_string(e.kind) + " unknown");
            if (!valid_state(e.old_state) || !valid_state(e.new_state))
                r.fail("event state is neither online nor offline");
            return e;
        }
        case Type::get_state: return GetState{r.u32()};
        case Type::set_state: {
            SetState s;
            s.request = r.u32();
            s.state = r.u32();
            s.flags = r.u32();
            if (!valid_state(s.state)) r.fail("set_state: state is neither online nor offline");
            if (s.flags != OLSTATE_SET_DEFAULT && s.flags != OLSTATE_SET_BLOCK)
                r.fail("set_state: unknown flags");
            return s;
        }
        case Type::ping: return Ping{r.u32()};
        case Type::reply: {
            Reply p;
            p.request = r.u32();
            p.result = r.i32();
            p.hresult = r.i32();
            p.value = r.u32();
            p.message = r.str(kMaxMessageBytes, "reply message");
            if (p.result != OLSTATE_OK && !documented_error(p.result))
                r.fail("reply result " + std::to_string(p.result) + " is neither OK nor a documented error code");
            if (p.value != 0 && !valid_state(p.value)) r.fail("reply value is not a state");
            return p;
        }
        case Type::bye: {
            Bye b{r.u32()};
            if (b.reason != kByeNormal && b.reason != kByeGoingAway) r.fail("bye reason unknown");
            return b;
        }
        case Type::connection: return decode_connection(r);
    }
    r.fail("unknown frame type " + std::to_string(static_cast<unsigned>(type)));
    return Bye{};
}

}  // namespace

std::string clip_utf8(const std::string& s, std::size_t limit) {
    if (s.size() <= limit) return s;
    std::size_t n = limit;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return s.substr(0, n);
}

std::uint16_t max_version() noexcept {
    static const std::uint16_t version = [] {
        const char* text = std::getenv("OLSTATE_BRIDGE_PROTOCOL_MAX");
        if (!text || !*text) return kMaxVersion;
        const long v = std::strtol(text, nullptr, 10);
        return v >= kMinVersion && v <= kMaxVersion ? static_cast<std::uint16_t>(v) : kMaxVersion;
    }();
    return version;
}

Type type_of(const Message& m) noexcept {
    return static_cast<Type>(m.index() + 1);  // the variant lists the types in order
}

const char* type_name(Type t) noexcept {
    switch (t) {
        case Type::hello: return "hello";
        case Type::welcome: return "welcome";
        case Type::refusal: return "refusal";
        case Type::event: return "event";
        case Type::get_state: return "get_state";
        case Type::set_state: return "set_state";
        case Type::ping: return "ping";
        case Type::reply: return "reply";
        case Type::bye: return "bye";
        case Type::connection: return "connection";
    }
    return "unknown";
}

std::vector<std::byte> encode(const Message& m) {
    Writer w;
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, Hello>) {
                w.raw(kMagic, 4);
                w.u16(x.min_version);
                w.u16(x.max_version);
                w.str(x.profile, kMaxProfileBytes);
            } else if constexpr (std::is_same_v<T, Welcome>) {
                w.u16(x.version);
                w.u32(x.capabilities);
                w.u32(x.state);
                w.u32(x.flags);
                w.str(x.profile, kMaxProfileBytes);
            } else if constexpr (std::is_same_v<T, Refusal>) {
                w.i32(x.result);
                w.str(clip_utf8(x.message, kMaxMessageBytes), kMaxMessageBytes);
            } else if constexpr (std::is_same_v<T, Event>) {
                write_event_fields(w, x);
            } else if constexpr (std::is_same_v<T, Connection>) {
                if (x.accounts.size() > kMaxAccounts) throw std::length_error("bridge frame: too many accounts");
                write_event_fields(w, x.event);
                w.u32(x.mode);
                w.u32(x.offline);
                w.u16(static_cast<std::uint16_t>(x.accounts.size()));
                for (const Account& a : x.accounts) {
                    w.u32(a.type);
                    w.u32(a.mode);
                    w.str(a.display_name, kMaxAccountText);
                    w.str(a.smtp_address, kMaxAccountText);
                }
            } else if constexpr (std::is_same_v<T, GetState> || std::is_same_v<T, Ping>) {
                w.u32(x.request);
            } else if constexpr (std::is_same_v<T, SetState>) {
                w.u32(x.request);
                w.u32(x.state);
                w.u32(x.flags);
            } else if constexpr (std::is_same_v<T, Reply>) {
                w.u32(x.request);
                w.i32(x.result);
                w.i32(x.hresult);
                w.u32(x.value);
                w.str(clip_utf8(x.message, kMaxMessageBytes), kMaxMessageBytes);
            } else {
                static_assert(std::is_same_v<T, Bye>);
                w.u32(x.reason);
            }
        },
        m);
    return w.finish(type_of(m));
}

void mark_connection_dropped(std::vector<std::byte>& frame) noexcept {
    // The event's flags follow its kind, old and new state (u32 each) and
    // sequence (u64): write_event_fields' order.
    constexpr std::size_t flags_at = kHeaderSize + 2 + 4 + 4 + 4 + 8;
    if (frame.size() < flags_at + 4) return;
    if ((static_cast<unsigned>(frame[4]) | (static_cast<unsigned>(frame[5]) << 8)) !=
        static_cast<unsigned>(Type::connection))
        return;
    static_assert(OLSTATE_EVENT_FLAG_DROPPED <= 0xFF, "the flag lives in the low byte");
    frame[flags_at] |= static_cast<std::byte>(OLSTATE_EVENT_FLAG_DROPPED);
}

Decoded decode(gsl::span<const std::byte> bytes) {
    Decoded d;
    if (bytes.size() < kHeaderSize) return d;  // incomplete
    std::uint32_t length = 0;
    for (std::size_t i = 0; i < 4; ++i) length |= static_cast<std::uint32_t>(bytes[i]) << (8 * i);
    // Only a connection frame (version 2) may be longer than kMaxFrame: its
    // type is read before the rest, so no frame makes the reader wait for
    // more than kMaxConnectionFrame bytes.
    const bool long_frame = length > kMaxFrame && length <= kMaxConnectionFrame;
    if (length < 2 || (length > kMaxFrame && !long_frame)) {
        d.status = Decoded::Status::error;
        d.error = "frame length " + std::to_string(length) + " out of range (2.." + std::to_string(kMaxFrame) +
                  ", a connection frame " + std::to_string(kMaxConnectionFrame) + ")";
        return d;
    }
    if (bytes.size() < kHeaderSize + 2) return d;  // incomplete
    const auto type_raw = static_cast<std::uint16_t>(static_cast<unsigned>(bytes[4]) |
                                                     (static_cast<unsigned>(bytes[5]) << 8));
    if (long_frame && type_raw != static_cast<std::uint16_t>(Type::connection)) {
        d.status = Decoded::Status::error;
        d.error = "frame length " + std::to_string(length) + " out of range (2.." + std::to_string(kMaxFrame) +
                  ") for a frame other than a connection";
        return d;
    }
    if (bytes.size() < kHeaderSize + length) return d;  // incomplete
    if (type_raw < static_cast<std::uint16_t>(Type::hello) ||
        type_raw > static_cast<std::uint16_t>(Type::connection)) {
        d.status = Decoded::Status::error;
        d.error = "unknown frame type " + std::to_string(type_raw);
        return d;
    }
    Reader r(bytes.subspan(kHeaderSize + 2, length - 2));
    d.message = decode_payload(static_cast<Type>(type_raw), r);
    if (const std::string& error = r.finish(); !error.empty()) {
        d.status = Decoded::Status::error;
        d.error = std::string(type_name(static_cast<Type>(type_raw))) + ": " + error;
        return d;
    }
    d.status = Decoded::Status::complete;
    d.consumed = kHeaderSize + length;
    return d;
}

}  // namespace olstate::bridge::protocol
