// The profile olstate_get_session_info reports, read live from the provider:
// a bridge session reports the profile of the host it is connected to, so
// that it follows a reconnect (PROVIDER_BACK), also to a host that came up
// only after the session opened. Every name ever handed out stays alive
// until the session is freed: the contract keeps the strings valid until
// close, also after the profile changed.
#pragma once

#include <deque>
#include <mutex>
#include <string>

namespace olstate {

class LiveProfile {
public:
    // `asked`: the name asked for at open (or the provider's default), used
    // while the provider serves none (a bridge that never reached a host).
    void start(std::string asked);
    // The current name, given what the provider serves now (empty: none);
    // the pointer stays valid for the session's life.
    const char* current(const std::string& served) noexcept;

private:
    std::mutex mutex_;
    std::deque<std::string> names_;  // the last one is current; never shrinks
};

}  // namespace olstate
