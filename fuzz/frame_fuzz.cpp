// libFuzzer harness for the bridge's frame decoder (shim/bridge/protocol.cpp)
// and the stream reader above it (shim/bridge/frame_io.cpp): the bytes a
// hostile peer can send. Oracles:
//   - decode never crashes, never reads past its input (ASan), and reports
//     an error with a reason;
//   - the real size limits (protocol.h): a complete frame is 6 bytes at
//     least, kHeaderSize + kMaxFrame at most, except a connection frame
//     (version 2), which may be up to kHeaderSize + kMaxConnectionFrame;
//     an input the decoder waits on ("incomplete") never announces a frame
//     beyond those limits (a peer cannot make a reader wait for or buffer
//     more), and every prefix of a complete frame waits rather than failing
//     (a long connection frame arrives in pieces);
//   - a complete frame re-encodes to exactly the bytes it came from (the
//     format is canonical: one encoding per message);
//   - a connection change marked dropped in its bytes (what a bridge host
//     does to the one frame it shares among clients, for a client that lost
//     events) decodes to the same message with OLSTATE_EVENT_FLAG_DROPPED;
//   - the stream reader, fed the same bytes in chunks of any size, yields
//     exactly the messages decode finds one by one, and stops at the same
//     error.
// Input: byte 0 picks the chunk size for the stream reader; the rest is the
// byte stream.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <variant>
#include <vector>

#include <olstate.h>

#include "bridge/frame_io.h"
#include "bridge/protocol.h"

using namespace olstate::bridge;

namespace {

[[noreturn]] void finding(const char* what) {
    std::fprintf(stderr, "FRAME FUZZ FINDING: %s\n", what);
    std::abort();
}

// A connection that hands out the input in fixed-size chunks, then closes.
class ChunkedConnection final : public Connection {
public:
    ChunkedConnection(gsl::span<const std::byte> data, std::size_t chunk) : data_(data), chunk_(chunk) {}
    IoResult read_some(gsl::span<std::byte> buffer) noexcept override {
        if (pos_ >= data_.size()) return {IoStatus::closed, 0};
        const std::size_t n = std::min({chunk_, buffer.size(), data_.size() - pos_});
        std::memcpy(buffer.data(), data_.data() + pos_, n);
        pos_ += n;
        return {IoStatus::ok, n};
    }
    IoResult write_all(gsl::span<const std::byte> bytes) noexcept override { return {IoStatus::ok, bytes.size()}; }
    void shutdown() noexcept override {}

private:
    gsl::span<const std::byte> data_;
    std::size_t chunk_;
    std::size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t chunk = 1 + data[0] % 64 * (data[0] >= 192 ? 97 : 1);
    const auto stream = gsl::span<const std::byte>(reinterpret_cast<const std::byte*>(data) + 1, size - 1);

    // Frame by frame.
    const auto announced_within_limits = [](gsl::span<const std::byte> at) {
        if (at.size() < protocol::kHeaderSize) return true;  // nothing announced yet
        std::size_t length = 0;
        for (std::size_t i = 0; i < protocol::kHeaderSize; ++i) length |= static_cast<std::size_t>(at[i]) << (8 * i);
        if (length < 2 || length > protocol::kMaxConnectionFrame) return false;
        if (length <= protocol::kMaxFrame || at.size() < protocol::kHeaderSize + 2) return true;
        const unsigned type = static_cast<unsigned>(at[4]) | (static_cast<unsigned>(at[5]) << 8);
        return type == static_cast<unsigned>(protocol::Type::connection);
    };
    std::vector<protocol::Type> types;
    std::size_t pos = 0;
    bool error = false;
    while (pos < stream.size()) {
        const protocol::Decoded d = protocol::decode(stream.subspan(pos));
        if (d.status == protocol::Decoded::Status::incomplete) {
            if (!announced_within_limits(stream.subspan(pos))) finding("the decoder waits for a frame over the limits");
            break;
        }
        if (d.status == protocol::Decoded::Status::error) {
            if (d.error.empty()) finding("an error without a reason");
            error = true;
            break;
        }
        // Only a connection frame (version 2) may pass kMaxFrame.
        const std::size_t most = protocol::type_of(d.message) == protocol::Type::connection
                                     ? protocol::kMaxConnectionFrame
                                     : protocol::kMaxFrame;
        if (d.consumed < 6 || d.consumed > protocol::kHeaderSize + most || d.consumed > stream.size() - pos)
            finding("a complete frame of an impossible size");
        const std::vector<std::byte> again = protocol::encode(d.message);
        if (again.size() != d.consumed || std::memcmp(again.data(), stream.data() + pos, d.consumed) != 0)
            finding("a decoded frame does not re-encode to its bytes");
        if (const auto* c = std::get_if<protocol::Connection>(&d.message); c && c->event.kind != 0) {
            std::vector<std::byte> marked(stream.begin() + static_cast<std::ptrdiff_t>(pos),
                                          stream.begin() + static_cast<std::ptrdiff_t>(pos + d.consumed));
            protocol::mark_connection_dropped(marked);
            const protocol::Decoded m = protocol::decode(marked);
            protocol::Connection expected = *c;
            expected.event.flags |= OLSTATE_EVENT_FLAG_DROPPED;
            if (m.status != protocol::Decoded::Status::complete ||
                protocol::encode(m.message) != protocol::encode(expected))
                finding("a connection frame marked dropped is not the same change with the flag");
        }
        // Its header alone, header and type, and all but its last byte: each
        // waits for the rest.
        for (const std::size_t cut : {protocol::kHeaderSize, protocol::kHeaderSize + 2, d.consumed - 1}) {
            if (cut >= d.consumed) continue;
            if (protocol::decode(stream.subspan(pos, cut)).status != protocol::Decoded::Status::incomplete)
                finding("a prefix of a complete frame does not wait for the rest");
        }
        types.push_back(protocol::type_of(d.message));
        pos += d.consumed;
    }

    // The same bytes through the stream reader, in chunks.
    ChunkedConnection connection(stream, chunk);
    FrameReader reader;
    std::size_t n = 0;
    while (const auto m = reader.next(connection)) {
        if (n >= types.size() || protocol::type_of(*m) != types[n]) finding("the stream reader saw another message");
        ++n;
    }
    if (n != types.size()) finding("the stream reader saw fewer messages");
    if (error != !reader.error().empty()) finding("the stream reader and decode disagree about an error");
    return 0;
}
