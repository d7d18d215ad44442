// The time stamp of an event: microseconds since the Unix epoch (UTC), as
// olstate_event.notify_time_us carries it.
#pragma once

#include <chrono>
#include <cstdint>

namespace olstate {

inline std::uint64_t now_us() noexcept {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

}  // namespace olstate
