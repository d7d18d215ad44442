#include "known_connection.h"

#include "connection_frame.h"

namespace olstate::bridge {

KnownConnection::KnownConnection(olstate_session* session, bool published) noexcept
    : session_(session), published_(published) {
    if (published_) snapshot_ = read(protocol::Event{}).second;
}

std::pair<KnownConnection::Frame, KnownConnection::Frame> KnownConnection::read(
    const protocol::Event& event) const noexcept {
    try {
        auto c = read_connection_frame(session_, event);
        if (!c) return {};
        // The snapshot is the same read with no event (kind 0).
        protocol::Connection snapshot = *c;
        snapshot.event = protocol::Event{};
        return {std::make_shared<const std::vector<std::byte>>(protocol::encode(*c)),
                std::make_shared<const std::vector<std::byte>>(protocol::encode(snapshot))};
    } catch (...) {
        return {};  // no memory, or a text over the protocol's limits: as if unreadable
    }
}

void KnownConnection::catch_up() noexcept {
    if (!published_) return;
    std::uint64_t before = 0;
    {
        std::lock_guard lock(mutex_);
        before = follows_;
    }
    Frame snapshot = read(protocol::Event{}).second;
    std::lock_guard lock(mutex_);
    if (follows_ == before) snapshot_ = std::move(snapshot);
}

void KnownConnection::follow(const protocol::Event& event,
                             const std::function<void(const Frame&)>& publish) noexcept {
    if (!published_) return;
    // Read outside the lock: a welcome never waits for the provider.
    auto [change, snapshot] = read(event);
    std::lock_guard lock(mutex_);
    ++follows_;
    snapshot_ = std::move(snapshot);
    try {
        publish(change);
    } catch (...) {
        // Publishing only queues (push_connection is noexcept): nothing to undo.
    }
}

void KnownConnection::welcome(const std::function<void(const Frame&)>& welcome) const {
    std::lock_guard lock(mutex_);
    welcome(snapshot_);
}

}  // namespace olstate::bridge
