// An event as the session keeps it between the provider and the callbacks,
// the numbering every session event gets, and the QUEUED dispatcher's queue
// (the one bounded-queue policy of base/bounded_queue.h, for these events).
#pragma once

#include <olstate.h>

#include <atomic>
#include <cstdint>

#include "base/bounded_queue.h"

namespace olstate {

struct QueuedEvent {
    std::uint32_t kind = 0;
    std::uint32_t old_state = 0;
    std::uint32_t new_state = 0;
    std::uint32_t flags = 0;
    std::uint64_t sequence = 0;
    std::uint64_t notify_time_us = 0;
    // Non-zero: for this subscription only (its OLSTATE_EVENT_CURRENT,
    // current_state.h).
    std::uint64_t target = 0;
};

// The one place a session's sequence numbers are made: 1 for its first
// event, +1 for each one after, in both delivery modes (QUEUED takes its
// number under the queue's lock, so numbers enter the queue in order).
class EventNumbers {
public:
    std::uint64_t next() noexcept { return last_.fetch_add(1, std::memory_order_relaxed) + 1; }
    // The number of the last event numbered (0 before the first).
    std::uint64_t last() const noexcept { return last_.load(std::memory_order_acquire); }

private:
    std::atomic<std::uint64_t> last_{0};
};

struct QueuedEventTraits {
    // State changes give way at capacity; the bridge's PROVIDER_LOST/BACK
    // never do (a stuck callback still learns that the host went away), nor
    // does a subscription's CURRENT, which never carries the dropped flag
    // either (it leaves it to the next change).
    static bool droppable(const QueuedEvent& e) noexcept {
        return e.kind != OLSTATE_EVENT_PROVIDER_LOST && e.kind != OLSTATE_EVENT_PROVIDER_BACK &&
               e.target == 0;
    }
    static bool is_event(const QueuedEvent& e) noexcept { return e.target == 0; }
    static void mark_dropped(QueuedEvent& e) noexcept { e.flags |= OLSTATE_EVENT_FLAG_DROPPED; }
};

using EventQueue = BoundedQueue<QueuedEvent, QueuedEventTraits>;

}  // namespace olstate
