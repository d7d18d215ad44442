// OLSTATE_SUBSCRIBE_CURRENT_STATE: a subscription's first event is
// OLSTATE_EVENT_CURRENT and every later change comes after it.
//
// Until its CURRENT event has been delivered, a subscription is "priming":
// the session's ordinary deliveries do not call it. They are dropped when
// they are older than the state CURRENT carries (numbered at or below the
// floor) and held, in order, when newer; the thread that delivers CURRENT
// then delivers what was held and only then lets deliveries through.
//   QUEUED: CURRENT travels through the session's queue, so everything before
//           it is older and everything after it is delivered after it; no
//           floor is needed (nothing is held).
//   INLINE: CURRENT is delivered on the subscribing thread; the floor (0,
//           holding everything, until the state is read) is the session's
//           last sequence number before a read of the state during which no
//           notification arrived.
#pragma once

#include <olstate.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

namespace olstate {

class CurrentStatePrimer {
public:
    // Sets the floor: events numbered above it are held until CURRENT, those
    // at or below it (also among those held so far) are dropped.
    void hold_after(std::uint64_t sequence) noexcept;
    // For an ordinary delivery: true when the primer took the event (dropped
    // or held), false once CURRENT has gone through (call the callback).
    // Events at or below the floor are dropped even then.
    bool take(const olstate_event& event);
    // After CURRENT's callback: hands each held event to `call`, in order and
    // without the lock, then opens the way for ordinary deliveries.
    void release_held(const std::function<void(const olstate_event&)>& call);

private:
    std::mutex mutex_;
    bool primed_ = false;
    bool has_floor_ = false;
    std::uint64_t floor_ = 0;
    std::deque<olstate_event> held_;
};

// The CURRENT event for `state`, numbered after the session's `sequence`.
olstate_event current_state_event(std::uint32_t state, std::uint64_t sequence,
                                  std::uint64_t now_us) noexcept;

}  // namespace olstate
