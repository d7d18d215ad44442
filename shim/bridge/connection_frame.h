// The host's side of protocol version 2: the bridged session's Exchange
// connection read through the public API into a connection frame.
#pragma once

#include <olstate.h>

#include <optional>

#include "protocol.h"

namespace olstate::bridge {

// The session's mode, Offline and accounts now, with `event` (kind 0: none).
// Nothing when the session cannot report them (its last error says why).
std::optional<protocol::Connection> read_connection_frame(olstate_session* session,
                                                          const protocol::Event& event) noexcept;

}  // namespace olstate::bridge
