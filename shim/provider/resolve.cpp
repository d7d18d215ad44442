#include "resolve.h"

#include <olstate.h>

#include "provider/bridge_client/client.h"
#include "../bridge/transport.h"
#include "base/failure.h"
#include "provider/com/outlook.h"
#if defined(_WIN32)
#include "provider/com/win/mapi_locator.h"
#include "base/win/win_util.h"
#endif

namespace olstate::provider {

namespace {

ResolvedProvider from_library(std::uint32_t kind, ProviderLibrary library) {
    ResolvedProvider r;
    r.kind = kind;
    r.open = library.open_offline;
    r.library = std::move(library);
    return r;
}

}  // namespace

ResolvedProvider resolve_bridge(const char* endpoint_utf8, std::uint32_t open_flags) {
    ResolvedProvider r;
    r.kind = OLSTATE_PROVIDER_BRIDGE;
    r.library.path = endpoint_utf8 ? std::string(endpoint_utf8) : bridge::default_endpoint();
    const bool reconnect = (open_flags & OLSTATE_OPEN_RECONNECT) != 0;
    r.open = [endpoint = r.library.path, reconnect](com::ULONG reserved, const char16_t* profile,
                                                    const com::Guid* guid, const com::Guid* reserved2,
                                                    com::IMAPIOfflineMgr** out) {
        return bridge::open_bridge_offline_obj(endpoint, reconnect, reserved, profile, guid, reserved2, out);
    };
    return r;
}

ResolvedProvider resolve(std::uint32_t requested, const char* provider_path_utf8, std::uint32_t open_flags) {
    // Reconnecting is the bridge's alone; AUTO reaches here only where it is
    // not the bridge.
    if ((open_flags & OLSTATE_OPEN_RECONNECT) && requested != OLSTATE_PROVIDER_BRIDGE &&
        requested != OLSTATE_PROVIDER_AUTO)
        throw Failure(OLSTATE_E_INVALID_ARGUMENT, "OLSTATE_OPEN_RECONNECT is only for the bridge provider");
    switch (requested) {
        case OLSTATE_PROVIDER_AUTO:
#if defined(_WIN32)
            if (running_inside_outlook()) {
                if (open_flags & OLSTATE_OPEN_RECONNECT)
                    throw Failure(OLSTATE_E_INVALID_ARGUMENT,
                                  "OLSTATE_OPEN_RECONNECT is only for the bridge, and AUTO inside "
                                  "OUTLOOK.EXE is the Outlook provider");
                return from_library(OLSTATE_PROVIDER_OUTLOOK, open_outlook_mapi());
            }
            // The Offline State API answers only inside OUTLOOK.EXE: anywhere
            // else Outlook's state is reached through the bridge its add-in
            // serves for this user (PROVIDER_NOT_FOUND when none runs).
            return resolve_bridge(nullptr, open_flags);
#else
            if (open_flags & OLSTATE_OPEN_RECONNECT)
                throw Failure(OLSTATE_E_INVALID_ARGUMENT,
                              "OLSTATE_OPEN_RECONNECT is only for the bridge, and AUTO is the "
                              "simulator on this platform");
            return resolve(OLSTATE_PROVIDER_SIMULATOR, nullptr, 0);
#endif
        case OLSTATE_PROVIDER_OUTLOOK:
            return from_library(OLSTATE_PROVIDER_OUTLOOK, open_outlook_mapi());
        case OLSTATE_PROVIDER_SIMULATOR:
            return from_library(OLSTATE_PROVIDER_SIMULATOR,
                                load_provider_library(olstate_module_dir() + simulator_file_name()));
        case OLSTATE_PROVIDER_LIBRARY:
            return from_library(OLSTATE_PROVIDER_LIBRARY, load_provider_library(provider_path_utf8));
        case OLSTATE_PROVIDER_BRIDGE:
            return resolve_bridge(provider_path_utf8, open_flags);
        default:
            throw Failure(OLSTATE_E_INVALID_ARGUMENT,
                          "unknown provider " + std::to_string(requested));
    }
}

std::string default_profile(const ResolvedProvider& provider) {
    if (provider.kind == OLSTATE_PROVIDER_SIMULATOR) return "Outlook";
    if (provider.kind == OLSTATE_PROVIDER_BRIDGE) return {};
    return default_profile_name(provider.library);
}

std::int32_t result_for_profile_not_found(const ResolvedProvider& provider) noexcept {
#if defined(_WIN32)
    // Outlook's real MAPI DLL answers MAPI_E_NOT_FOUND to every profile
    // outside OUTLOOK.EXE: the API is unavailable here, not the profile.
    try {
        if (!running_inside_outlook() &&
            win::is_outlook_mapi_file(win::to_wide(provider.library.path)))
            return OLSTATE_E_NOT_IN_OUTLOOK;
    } catch (...) {
    }
#else
    (void)provider;
#endif
    return OLSTATE_E_PROFILE_NOT_FOUND;
}

}  // namespace olstate::provider
