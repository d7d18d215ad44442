// How work reaches a session's owner thread: one channel per session, made
// on the owner thread at open. Two kinds:
//   - owner_window_win.cpp: a message-only window of the owner thread (Windows,
//     a thread with a message queue; Outlook's main thread is one);
//   - owner_sim_inbox.cpp: the strict simulator's owner inbox, through the
//     seam the simulator library exports (olstate_sim.h, "The owner seam").
// Posting never blocks and never runs the work itself.
#pragma once

#include <cstdint>
#include <memory>

#include "loader.h"

namespace olstate::provider {

class OwnerChannel {
public:
    using Work = OwnerJobFn;  // one convention for both channels

    virtual ~OwnerChannel() = default;  // on the owner thread when it can be (see OwnerThread)
    // Any thread: queues work(context) for the owner thread. False when it
    // cannot be queued (the owner's window or thread is gone); the work then
    // never runs and the caller still owns context.
    virtual bool post(Work work, void* context) noexcept = 0;
    // OLSTATE_THREADING_* this channel gives a session.
    virtual std::uint32_t threading() const noexcept = 0;
};

// On the opening thread. A message-only window when this thread has a
// message queue (Windows' IsGUIThread), else nullptr (always, off Windows).
std::unique_ptr<OwnerChannel> open_owner_window();

// On the opening thread. The simulator's owner inbox when `library` exports
// the owner seam and the simulator is strict, else nullptr.
std::unique_ptr<OwnerChannel> open_owner_inbox(const ProviderLibrary& library);

}  // namespace olstate::provider
