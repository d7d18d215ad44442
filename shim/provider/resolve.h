// Choosing the provider a session opens: turns OLSTATE_PROVIDER_* and
// provider_path into a loaded library, per platform (see the table in the
// header's documentation and the README).
#pragma once

#include <cstdint>
#include <string>

#include "loader.h"

namespace olstate::provider {

struct ResolvedProvider {
    std::uint32_t kind = 0;  // never OLSTATE_PROVIDER_AUTO
    ProviderLibrary library;
};

// Throws Failure with the contract's result for a provider that cannot serve.
ResolvedProvider resolve(std::uint32_t requested, const char* provider_path_utf8);

// The profile to open when the caller passed none: the simulator's default
// ("Outlook") for the simulator, otherwise the platform's default profile.
std::string default_profile(const ResolvedProvider& provider);

// Maps HrOpenOfflineObj's MAPI_E_NOT_FOUND for this provider (the profile is
// unknown, or - for Outlook's real DLL outside Outlook - the API is
// unavailable in this process).
std::int32_t result_for_profile_not_found(const ResolvedProvider& provider) noexcept;

}  // namespace olstate::provider
