#include "frame_io.h"

#include <array>

namespace olstate::bridge {

std::optional<protocol::Message> FrameReader::next(Connection& connection) {
    for (;;) {
        const auto pending = gsl::span<const std::byte>(buffer_).subspan(start_);
        protocol::Decoded d = protocol::decode(pending);
        if (d.status == protocol::Decoded::Status::complete) {
            start_ += d.consumed;
            return std::move(d.message);
        }
        if (d.status == protocol::Decoded::Status::error) {
            error_ = std::move(d.error);
            return std::nullopt;
        }
        // Compact before reading more: the buffer never holds more than one
        // frame's worth plus one read.
        if (start_ > 0) {
            buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
            start_ = 0;
        }
        std::array<std::byte, 4096> chunk{};
        const IoResult r = connection.read_some(chunk);
        if (r.status != IoStatus::ok || r.bytes == 0) return std::nullopt;
        buffer_.insert(buffer_.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(r.bytes));
    }
}

bool send_message(Connection& connection, const protocol::Message& message) noexcept {
    try {
        const auto frame = protocol::encode(message);
        return connection.write_all(frame).status == IoStatus::ok;
    } catch (...) {
        return false;  // a message over the limits, or no memory: nothing sent
    }
}

}  // namespace olstate::bridge
