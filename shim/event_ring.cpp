#include "event_ring.h"

#include <olstate.h>

#include <utility>

namespace olstate {

EventRing::EventRing() : buffer_(kStateCapacity + kLinkSlots) {}

bool EventRing::is_link(const QueuedEvent& e) noexcept {
    return e.kind == OLSTATE_EVENT_PROVIDER_LOST || e.kind == OLSTATE_EVENT_PROVIDER_BACK ||
           e.kind == OLSTATE_EVENT_CURRENT;
}

bool EventRing::push(const QueuedEvent& event) {
    const bool link = is_link(event);
    bool dropped = false;
    if (!link && state_events_ == kStateCapacity) {
        drop_oldest_state_event();
        dropped = true;
    }
    // State events alone never fill the buffer (the link slots stay free for
    // them), so only a link event can get here with it full.
    if (count_ == buffer_.size()) grow();
    buffer_[at(count_)] = event;
    ++count_;
    if (!link) ++state_events_;
    return dropped;
}

QueuedEvent EventRing::pop() noexcept {
    QueuedEvent e = buffer_[head_];
    head_ = at(1);
    --count_;
    if (!is_link(e)) --state_events_;
    return e;
}

void EventRing::drop_oldest_state_event() noexcept {
    // Usually the oldest event of all; link events ahead of it stay, in order:
    // they move up one slot into the gap.
    std::size_t i = 0;
    while (is_link(buffer_[at(i)])) ++i;
    for (; i > 0; --i) buffer_[at(i)] = buffer_[at(i - 1)];
    head_ = at(1);
    --count_;
    --state_events_;
}

void EventRing::grow() {
    std::vector<QueuedEvent> bigger(buffer_.size() * 2);  // may throw: nothing changed yet
    for (std::size_t i = 0; i < count_; ++i) bigger[i] = buffer_[at(i)];
    buffer_ = std::move(bigger);
    head_ = 0;
}

}  // namespace olstate
