// What the add-in does inside Outlook: open the Outlook provider session and
// publish it with olstate_bridge_start; stop both again. Idempotent, never
// throws, never shows UI. Called on Outlook's main thread only.
#pragma once

#include <oaidl.h>
#include <olstate.h>

#include <mutex>
#include <optional>
#include <string>

#include "../shim/base/win/thread_timer.h"
#include "../shim/com/com_ptr.h"

namespace olstate::addin {

// Retrying a session that could not be opened or a bridge that could not
// start: the first retry after kFirstRetryMs, each later one twice as late,
// at most kMaxRetryMs apart.
constexpr UINT kFirstRetryMs = 250;
constexpr UINT kMaxRetryMs = 8000;

class BridgeService {
public:
    BridgeService() = default;
    ~BridgeService() = default;  // the owner stops first (a destructor at process exit must not join)
    BridgeService(const BridgeService&) = delete;
    BridgeService& operator=(const BridgeService&) = delete;

    // Opens the session (OLSTATE_PROVIDER_OUTLOOK; `profile`, the one
    // Outlook has open, else the default profile; QUEUED delivery so no
    // client work ever runs on Outlook's thread; `application`, Outlook's
    // Application from OnConnection, when there is one: the session then
    // reads the Exchange connection from it on this thread, and the bridge
    // publishes it) and starts the bridge on
    // the user's default endpoint. Clients may change the state only when
    // HKCU\Software\olstate\Bridge AllowSetState is 1.
    //
    // When the session cannot be opened (early in Outlook's startup the
    // Offline State API may not be ready) or the bridge cannot start (BUSY:
    // the endpoint's name is still held, by the connections of this
    // add-in's own bridge stopped a moment ago while they say goodbye
    // (unloaded and loaded again), or by another bridge), it tries again
    // from a timer of the calling thread (Outlook's main thread, whose
    // message loop runs it), kFirstRetryMs later and then ever less often,
    // until it succeeds or stop() is called. Failures go to the debugger
    // output. Returns the first attempt's olstate result.
    olstate_result start(std::optional<std::string> profile, IDispatch* application) noexcept;
    // Stops the retries and the bridge (clients see PROVIDER_LOST), then
    // closes the session.
    void stop() noexcept;
    bool running() const noexcept;
    bool retrying() const noexcept;

private:
    // One attempt; on a session that cannot be opened or a bridge that
    // cannot start, schedules the next.
    olstate_result attempt() noexcept;
    // Reports `what` failed with `r` and schedules the next attempt; returns r.
    olstate_result retry_later(const char* what, olstate_result r) noexcept;

    mutable std::mutex mutex_;
    olstate_session* session_ = nullptr;
    olstate_bridge* bridge_ = nullptr;
    std::optional<std::string> profile_;
    // Kept only until a session opens (the session holds its own reference
    // from then on, released when it closes); released by stop().
    com::ComPtr<IDispatch> application_;
    win::ThreadTimer retry_;
    UINT next_retry_ms_ = kFirstRetryMs;
};

// Reads the per-user policy: true when AllowSetState is a DWORD equal to 1.
bool allow_set_state_policy() noexcept;

}  // namespace olstate::addin
