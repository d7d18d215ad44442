// Polling Outlook's object model from the owner thread (ABI 1.3): what a COM
// provider opened with an Application object (olstate_open_options
// .application) runs. Made on the owner thread - Outlook's main thread, the
// thread the Application belongs to - it reads once at once and then from a
// timer of that thread (SetTimer without a window: the read runs inside the
// thread's own message loop, one read per tick, never from another thread).
// Windows; elsewhere start_owner_poll fails with NOT_SUPPORTED.
#pragma once

#include <cstdint>
#include <memory>

#include "poller.h"

namespace olstate::provider::object_model {

class OwnerPoll {
public:
    // On the owner thread: stops the timer, stops the poller and releases
    // the Application.
    virtual ~OwnerPoll() = default;
    virtual Poller& poller() noexcept = 0;
};

// On the owner thread. application: an IDispatch* (Outlook's Application);
// interval_ms: between two timer reads; owner_has_window: the session's
// calls are carried to this thread through its message loop (the timer
// needs that loop too). The add-in's (trusted) Application is read with
// Account.SmtpAddress (reader.h). Throws Failure: NOT_SUPPORTED off
// Windows, INVALID_ARGUMENT without the owner window (a thread with no
// message queue), PROVIDER_FAILED when Windows refuses a timer.
std::shared_ptr<OwnerPoll> start_owner_poll(void* application, std::uint32_t interval_ms, bool owner_has_window);

}  // namespace olstate::provider::object_model
