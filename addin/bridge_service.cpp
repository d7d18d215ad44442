#include "bridge_service.h"

#include <windows.h>

#include <cstdio>

#include "addin_ids.h"

namespace olstate::addin {
namespace {

void debug_report(const char* what, olstate_result r) noexcept {
    char line[1024];
    std::snprintf(line, sizeof line, "olstate add-in: %s failed: %s: %s\n", what, olstate_result_name(r),
                  olstate_last_error_message());
    OutputDebugStringA(line);
}

}  // namespace

bool allow_set_state_policy() noexcept {
    DWORD value = 0, bytes = sizeof value, type = 0;
    const LSTATUS rc = RegGetValueW(HKEY_CURRENT_USER, kPolicyKey, kAllowSetStateValue, RRF_RT_REG_DWORD, &type,
                                    &value, &bytes);
    return rc == ERROR_SUCCESS && value == 1;
}

olstate_result BridgeService::start(std::optional<std::string> profile, IDispatch* application) noexcept {
    std::lock_guard lock(mutex_);
    if (bridge_ || retry_.active()) return OLSTATE_OK;
    profile_ = std::move(profile);
    application_ = com::ComPtr<IDispatch>::share(application);
    next_retry_ms_ = kFirstRetryMs;
    return attempt();
}

olstate_result BridgeService::attempt() noexcept {
    retry_.stop();
    olstate_open_options options = OLSTATE_OPEN_OPTIONS_INIT;  // with the 1.3 fields
    options.provider = OLSTATE_PROVIDER_OUTLOOK;
    options.application = application_.get();  // null: no connection model, as before 1.3
    options.profile = profile_ ? profile_->c_str() : nullptr;  // nullptr: the default profile
    options.delivery = OLSTATE_DELIVERY_QUEUED;
    olstate_session* session = nullptr;
    if (const olstate_result r = olstate_open_ex(&options, &session)) return retry_later("opening the Outlook session", r);
    olstate_bridge_options bridge_options;
    olstate_bridge_options_init(&bridge_options);
    if (allow_set_state_policy()) bridge_options.flags |= OLSTATE_BRIDGE_ALLOW_SET_STATE;
    olstate_bridge* bridge = nullptr;
    if (const olstate_result r = olstate_bridge_start(session, &bridge_options, &bridge)) {
        olstate_close(session);
        return retry_later("starting the bridge", r);
    }
    session_ = session;
    bridge_ = bridge;
    application_.reset();  // the session holds its own
    OutputDebugStringA("olstate add-in: bridge started\n");
    return OLSTATE_OK;
}

olstate_result BridgeService::retry_later(const char* what, olstate_result r) noexcept {
    char line[256];
    std::snprintf(line, sizeof line, "%s (retrying in %u ms)", what, next_retry_ms_);
    debug_report(line, r);
    const UINT delay = next_retry_ms_;
    next_retry_ms_ = delay >= kMaxRetryMs / 2 ? kMaxRetryMs : delay * 2;
    if (!retry_.start(delay, [this] {
            std::lock_guard lock(mutex_);
            attempt();
        }))
        OutputDebugStringA("olstate add-in: no timer for retrying; the bridge stays off\n");
    return r;
}

void BridgeService::stop() noexcept {
    std::lock_guard lock(mutex_);
    retry_.stop();
    application_.reset();
    if (bridge_) {
        if (const olstate_result r = olstate_bridge_stop(bridge_)) debug_report("stopping the bridge", r);
        bridge_ = nullptr;
    }
    if (session_) {
        if (const olstate_result r = olstate_close(session_)) debug_report("closing the session", r);
        session_ = nullptr;
    }
}

bool BridgeService::running() const noexcept {
    std::lock_guard lock(mutex_);
    return bridge_ != nullptr;
}

bool BridgeService::retrying() const noexcept {
    std::lock_guard lock(mutex_);
    return retry_.active();
}

}  // namespace olstate::addin
