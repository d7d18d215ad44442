// A placeholder transport for builds without one (Windows until the
// named-pipe transport, shim/bridge/transport_win.cpp, is in the tree): the
// bridge builds and links, and says plainly that it cannot connect.
#include "transport.h"

#include <olstate.h>

#include "../failure.h"

namespace olstate::bridge {

std::string default_endpoint() { return "olstate-bridge"; }

std::unique_ptr<Listener> listen(const std::string&) {
    throw Failure(OLSTATE_E_NOT_SUPPORTED, "this build of olstate has no bridge transport for this platform");
}

std::unique_ptr<Connection> connect(const std::string& endpoint) {
    throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND, "no olstate bridge serves '" + endpoint +
                                                    "': this build has no bridge transport for this platform");
}

}  // namespace olstate::bridge
