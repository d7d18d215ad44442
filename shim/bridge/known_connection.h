// The Exchange connection a bridge host knows (protocol version 2), so that
// the provider is read once per change, not once per client, and never from
// a client's reader thread: read at start on the starting thread (in the
// add-in, Outlook's UI thread), then once on the thread that delivers each
// CONNECTION_CHANGED / ACCOUNT_CHANGED of the host's own subscription. Each
// read is encoded once: every client is sent the same bytes.
//
// Welcomes and changes are ordered by this object's lock: a client welcomed
// with the snapshot before a change is published gets that change, one
// welcomed after it gets the new snapshot; never the old snapshot without
// the change.
#pragma once

#include <olstate.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "protocol.h"

namespace olstate::bridge {

class KnownConnection {
public:
    // One encoded connection frame, shared by every client that sends it.
    using Frame = std::shared_ptr<const std::vector<std::byte>>;

    // Reads the session's connection now when `published` (the session
    // reports it and this host speaks version 2); otherwise it stays empty
    // and no read is ever made.
    KnownConnection(olstate_session* session, bool published) noexcept;
    KnownConnection(const KnownConnection&) = delete;
    KnownConnection& operator=(const KnownConnection&) = delete;

    // Right after the host subscribed, on the starting thread: reads again,
    // kept unless a change was followed meanwhile (which read later). Covers
    // a change between the first read and the subscription, which no event
    // would report.
    void catch_up() noexcept;

    // From the host's subscription callback, for a CONNECTION_CHANGED or
    // ACCOUNT_CHANGED: one read, kept as the snapshot, and the change's
    // frame handed to `publish` under this object's lock. A read that fails
    // hands a null frame (each client then learns of a gap) and forgets the
    // snapshot (new clients are welcomed without the capability rather than
    // with a stale mode). Nothing when not published.
    void follow(const protocol::Event& event, const std::function<void(const Frame&)>& publish) noexcept;

    // For a client's welcome: `welcome` gets the snapshot frame (event kind
    // 0), null when there is none, under this object's lock.
    void welcome(const std::function<void(const Frame&)>& welcome) const;

private:
    // One read into (change frame, snapshot frame); both null on failure.
    std::pair<Frame, Frame> read(const protocol::Event& event) const noexcept;

    olstate_session* const session_;
    const bool published_;
    mutable std::mutex mutex_;  // guards the fields below, and orders publishes and welcomes
    Frame snapshot_;
    std::uint64_t follows_ = 0;  // changes followed (catch_up keeps its read only when none came)
};

}  // namespace olstate::bridge
