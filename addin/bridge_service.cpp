#include "bridge_service.h"

#include <windows.h>

#include <cstdio>

#include "addin_ids.h"
#include "outlook_profile.h"

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

olstate_result BridgeService::start(IDispatch* application) noexcept {
    std::lock_guard lock(mutex_);
    if (bridge_) return OLSTATE_OK;
    const auto profile = current_profile_name(application);
    olstate_open_options options;
    olstate_open_options_init(&options);
    options.provider = OLSTATE_PROVIDER_OUTLOOK;
    options.profile = profile ? profile->c_str() : nullptr;  // nullptr: the default profile
    options.delivery = OLSTATE_DELIVERY_QUEUED;
    olstate_session* session = nullptr;
    if (const olstate_result r = olstate_open_ex(&options, &session)) {
        debug_report("opening the Outlook session", r);
        return r;
    }
    olstate_bridge_options bridge_options;
    olstate_bridge_options_init(&bridge_options);
    if (allow_set_state_policy()) bridge_options.flags |= OLSTATE_BRIDGE_ALLOW_SET_STATE;
    olstate_bridge* bridge = nullptr;
    if (const olstate_result r = olstate_bridge_start(session, &bridge_options, &bridge)) {
        debug_report("starting the bridge", r);
        olstate_close(session);
        return r;
    }
    session_ = session;
    bridge_ = bridge;
    OutputDebugStringA("olstate add-in: bridge started\n");
    return OLSTATE_OK;
}

void BridgeService::stop() noexcept {
    std::lock_guard lock(mutex_);
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

}  // namespace olstate::addin
