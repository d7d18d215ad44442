// Choosing the provider a session opens: turns OLSTATE_PROVIDER_* and
// provider_path into a loaded library, per platform (see the table in the
// header's documentation and the README).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "provider/com/loader.h"

namespace olstate::provider {

// HrOpenOfflineObj's shape: what a session calls to open the offline object,
// whatever the provider (a loaded library's export, or the bridge client).
using OfflineOpener = std::function<com::HRESULT(com::ULONG, const char16_t*, const com::Guid*,
                                                 const com::Guid*, com::IMAPIOfflineMgr**)>;

struct ResolvedProvider {
    std::uint32_t kind = 0;  // never OLSTATE_PROVIDER_AUTO
    ProviderLibrary library;  // for the bridge: path = the endpoint, open_offline unused
    OfflineOpener open;       // never empty
};

// Throws Failure with the contract's result for a provider that cannot serve.
// provider_path_utf8: LIBRARY's library, or BRIDGE's endpoint (null = the
// current user's). open_flags: OLSTATE_OPEN_* (RECONNECT only for the bridge).
ResolvedProvider resolve(std::uint32_t requested, const char* provider_path_utf8,
                         std::uint32_t open_flags = 0);

// The bridge's resolution, for AUTO where it means the bridge (Windows
// outside OUTLOOK.EXE): endpoint null = the transport's default endpoint.
ResolvedProvider resolve_bridge(const char* endpoint_utf8, std::uint32_t open_flags);

// The profile to open when the caller passed none: the simulator's default
// ("Outlook") for the simulator, empty (whatever the host serves) for the
// bridge, otherwise the platform's default profile.
std::string default_profile(const ResolvedProvider& provider);

// Maps HrOpenOfflineObj's MAPI_E_NOT_FOUND for this provider (the profile is
// unknown, or - for Outlook's real DLL outside Outlook - the API is
// unavailable in this process).
std::int32_t result_for_profile_not_found(const ResolvedProvider& provider) noexcept;

}  // namespace olstate::provider
