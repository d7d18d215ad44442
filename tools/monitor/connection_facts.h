// The monitor's view of the Exchange connection (ABI 1.3): the names it
// prints for modes and account types, and the connection facts, as text or
// one JSON line.
#pragma once

#include <olstate.h>

#include <string>

namespace olstate_monitor {

// "cached_connected_full" ...; "none" for OLSTATE_CONNECTION_UNKNOWN.
const char* mode_name(uint32_t mode);
const char* account_type_name(uint32_t type);
// Prints the mode, Offline and the accounts when the session reports them
// (OLSTATE_CAPABILITY_CONNECTION_MODE); nothing otherwise.
// json_string: the monitor's JSON quoting.
void print_connection(olstate_session* session, bool json, std::string (*json_string)(const char*));

}  // namespace olstate_monitor
