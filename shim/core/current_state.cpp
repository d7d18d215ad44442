#include "current_state.h"

namespace olstate {

void CurrentStatePrimer::hold_after(std::uint64_t sequence) noexcept {
    std::lock_guard lock(mutex_);
    has_floor_ = true;
    floor_ = sequence;
    while (!held_.empty() && held_.front().sequence <= floor_) held_.pop_front();
}

bool CurrentStatePrimer::take(const olstate_event& event) {
    std::lock_guard lock(mutex_);
    // Older than CURRENT, also when a provider thread hands it over only
    // after CURRENT went through (INLINE numbers an event before delivering it).
    if (has_floor_ && event.sequence <= floor_) return true;
    if (primed_) return false;
    // Held events are few: only those notified while the subscribing thread
    // reads the state and runs CURRENT's callback. A failure to hold one
    // (no memory) loses it like a dropped event.
    if (has_floor_) {
        try {
            held_.push_back(event);
        } catch (...) {
        }
    }
    return true;
}

void CurrentStatePrimer::release_held(const std::function<void(const olstate_event&)>& call) {
    for (;;) {
        olstate_event next{};
        {
            std::lock_guard lock(mutex_);
            if (held_.empty()) {
                primed_ = true;
                return;
            }
            next = held_.front();
            held_.pop_front();
        }
        call(next);
    }
}

olstate_event current_state_event(std::uint32_t state, std::uint64_t sequence,
                                  std::uint64_t now_us) noexcept {
    olstate_event e{};
    e.struct_size = sizeof(olstate_event);
    e.kind = OLSTATE_EVENT_CURRENT;
    e.old_state = state;
    e.new_state = state;
    e.sequence = sequence;
    e.notify_time_us = now_us;
    return e;
}

}  // namespace olstate
