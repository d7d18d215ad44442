// The bridge client as a provider: an in-process offline object
// (IMAPIOfflineMgr + IMAPIOffline) that forwards to a host in another
// process, so that a bridge session runs through exactly the same session
// code (sink, dispatcher, subscriptions) as Outlook and the simulator.
#pragma once

#include <string>

#include "com/mapi_offline.h"

namespace olstate::bridge {

// HrOpenOfflineObj's shape plus the endpoint and the reconnect flag.
// pwszProfileName empty or null: whatever profile the host serves.
// Failures return OLSTATE_HR_BRIDGE with the detail recorded for this thread
// (client_error.h): PROVIDER_NOT_FOUND when nobody serves the endpoint (only
// without `reconnect`: with it the object starts disconnected and keeps
// trying), PROFILE_NOT_FOUND when the host serves another profile, the
// host's own result when it refused.
com::HRESULT open_bridge_offline_obj(const std::string& endpoint, bool reconnect, com::ULONG ulReserved,
                                     const char16_t* pwszProfileName, const com::Guid* pGUID,
                                     const com::Guid* pReserved, com::IMAPIOfflineMgr** ppOfflineObj) noexcept;

}  // namespace olstate::bridge
