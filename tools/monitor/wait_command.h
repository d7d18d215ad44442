// olstate-monitor --wait online|offline [--timeout S]: "wait for Outlook,
// then sync" for scripts. Its own file, so that the rest of the monitor's
// options and its signal handling stay where they are.
#pragma once

#include <olstate.h>

#include <csignal>
#include <cstdint>
#include <optional>

#include "owner_pump.h"

namespace olstate_monitor {

// "online" / "offline" as the state, or nothing.
std::optional<uint32_t> parse_wait_state(const char* text);
// Seconds >= 0 (decimals allowed) as milliseconds below OLSTATE_WAIT_INFINITE,
// or nothing when the text is not such a number.
std::optional<uint32_t> parse_wait_timeout(const char* text);

// Waits until the session reaches `state` (timeout_ms: OLSTATE_WAIT_INFINITE
// or a limit) and prints the outcome (text or one JSON object). Returns the
// exit code: 0 reached, 1 not reached (timeout, Ctrl-C/SIGTERM, or an olstate
// error, whose message goes to stderr). On the session's owner thread it
// runs the owner loop (`pump`) while it waits.
int run_wait(olstate_session* session, uint32_t state, uint32_t timeout_ms, bool json,
             const volatile std::sig_atomic_t& signalled, const OwnerPump& pump);

}  // namespace olstate_monitor
