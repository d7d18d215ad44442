// The profile olstate_get_session_info reports. A bridge session reports the
// profile of the host it is connected to, read live from the bridge client,
// so that it follows a reconnect to a host (PROVIDER_BACK), also one that
// came up only after the session opened. Every name ever handed out stays
// alive until the session is freed: the contract keeps the strings valid
// until close, also after the profile changed.
#pragma once

#include <deque>
#include <mutex>
#include <string>

#include "com/com_ptr.h"
#include "com/olstate_private.h"

namespace olstate {

class LiveProfile {
public:
    // `initial`: the name asked for at open (or the provider's default).
    void start(std::string initial, com::ComPtr<com::IOlstateBridgeInfo> bridge);
    // The current name; the pointer stays valid for the session's life.
    const char* current() noexcept;
    // Lets go of the bridge client (at close); the names stay.
    void stop() noexcept;

private:
    static std::string served_by(com::IOlstateBridgeInfo& bridge);

    std::mutex mutex_;
    std::deque<std::string> names_;  // the last one is current; never shrinks
    com::ComPtr<com::IOlstateBridgeInfo> bridge_;
};

}  // namespace olstate
