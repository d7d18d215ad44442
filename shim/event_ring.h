// The QUEUED dispatcher's queue: a FIFO of events in one buffer allocated up
// front, so that the provider's thread (Outlook's own, in production) never
// allocates to queue a state change. State events are bounded: at capacity
// the oldest one gives way. The bridge's link events (PROVIDER_LOST/BACK) are
// never dropped, nor is a subscription's OLSTATE_EVENT_CURRENT (counted with
// them); they have slots of their own, and only when more of them are
// waiting than those slots hold (a callback stuck while the host keeps
// coming and going) does the buffer grow, on the bridge client's thread,
// which is the only one that sends them.
#pragma once

#include <cstddef>
#include <vector>

#include "queued_event.h"

namespace olstate {

class EventRing {
public:
    static constexpr std::size_t kStateCapacity = 256;
    static constexpr std::size_t kLinkSlots = 16;

    // Allocates the buffer (kStateCapacity + kLinkSlots events).
    EventRing();

    bool empty() const noexcept { return count_ == 0; }
    std::size_t size() const noexcept { return count_; }
    std::size_t slots() const noexcept { return buffer_.size(); }

    // Appends an event. A state event at capacity first removes the oldest
    // state event and reports it through the return value (true: one was
    // dropped). A link event never drops anything; when the buffer is full
    // it grows, and if that fails (no memory) throws std::bad_alloc with the
    // queue unchanged.
    bool push(const QueuedEvent& event);
    // Removes and returns the oldest event. Precondition: !empty().
    QueuedEvent pop() noexcept;

    // Link events and CURRENT: never dropped.
    static bool is_link(const QueuedEvent& e) noexcept;

private:
    std::size_t at(std::size_t i) const noexcept { return (head_ + i) % buffer_.size(); }
    void drop_oldest_state_event() noexcept;
    void grow();

    std::vector<QueuedEvent> buffer_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
    std::size_t state_events_ = 0;
};

}  // namespace olstate
