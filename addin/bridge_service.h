// What the add-in does inside Outlook: open the Outlook provider session and
// publish it with olstate_bridge_start; stop both again. Idempotent and
// thread-safe, never throws, never shows UI.
#pragma once

#include <oaidl.h>
#include <olstate.h>

#include <mutex>

namespace olstate::addin {

class BridgeService {
public:
    BridgeService() = default;
    ~BridgeService() = default;  // the owner stops first (a destructor at process exit must not join)
    BridgeService(const BridgeService&) = delete;
    BridgeService& operator=(const BridgeService&) = delete;

    // Opens the session (OLSTATE_PROVIDER_OUTLOOK; the profile Outlook has
    // open, from `application`, else the default profile; QUEUED delivery so
    // no client work ever runs on Outlook's thread) and starts the bridge on
    // the user's default endpoint. Clients may change the state only when
    // HKCU\Software\olstate\Bridge AllowSetState is 1. Failures leave
    // nothing running and are written to the debugger output. Returns the
    // olstate result.
    olstate_result start(IDispatch* application) noexcept;
    // Stops the bridge (clients see PROVIDER_LOST), then closes the session.
    void stop() noexcept;
    bool running() const noexcept;

private:
    mutable std::mutex mutex_;
    olstate_session* session_ = nullptr;
    olstate_bridge* bridge_ = nullptr;
};

// Reads the per-user policy: true when AllowSetState is a DWORD equal to 1.
bool allow_set_state_policy() noexcept;

}  // namespace olstate::addin
