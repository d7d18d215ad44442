// An online/offline notification as olstate keeps it between the provider's
// Notify and the callbacks: copied out of the provider's struct at once.
#pragma once

#include <cstdint>

namespace olstate {

struct QueuedEvent {
    std::uint32_t kind = 0;
    std::uint32_t old_state = 0;
    std::uint32_t new_state = 0;
    std::uint32_t flags = 0;
    std::uint64_t sequence = 0;
    std::uint64_t notify_time_us = 0;
    // Non-zero: for this subscription only (its OLSTATE_EVENT_CURRENT).
    std::uint64_t target = 0;
};

}  // namespace olstate
