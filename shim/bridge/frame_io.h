// Messages over a Connection: a reader that turns the byte stream into
// decoded messages (keeping partial frames between reads) and a sender that
// writes one whole frame. Shared by the host and the client.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "protocol.h"
#include "transport.h"

namespace olstate::bridge {

class FrameReader {
public:
    // The next message, or nullopt when the connection ended (error() is then
    // empty) or the peer broke the protocol (error() says how). Blocks.
    std::optional<protocol::Message> next(Connection& connection);
    const std::string& error() const noexcept { return error_; }

private:
    std::vector<std::byte> buffer_;
    std::size_t start_ = 0;  // first byte not yet decoded
    std::string error_;
};

// Encodes and writes one frame; false when the connection is gone.
bool send_message(Connection& connection, const protocol::Message& message) noexcept;

}  // namespace olstate::bridge
