// The host's side of protocol version 2: the bridged session's Exchange
// connection read into a connection frame.
#pragma once

#include <olstate.h>

#include <optional>

#include "protocol.h"

namespace olstate::bridge {

// The session's mode, Offline and accounts now, with `event` (kind 0: none),
// from ONE read of the provider (the three public getters would read three
// times, and a change between them could pair one snapshot's mode with
// another's accounts). Nothing when the session cannot report them now (no
// capability, a failed poll, the session closed, no memory).
std::optional<protocol::Connection> read_connection_frame(olstate_session* session,
                                                          const protocol::Event& event) noexcept;

}  // namespace olstate::bridge
