#include "resolve.h"

#include <olstate.h>

#include "../failure.h"
#include "outlook.h"
#if defined(_WIN32)
#include "win/mapi_locator.h"
#include "win/win_util.h"
#endif

namespace olstate::provider {

ResolvedProvider resolve(std::uint32_t requested, const char* provider_path_utf8) {
    switch (requested) {
        case OLSTATE_PROVIDER_AUTO:
#if defined(_WIN32)
            if (running_inside_outlook()) return {OLSTATE_PROVIDER_OUTLOOK, open_outlook_mapi()};
            throw Failure(OLSTATE_E_NOT_IN_OUTLOOK,
                          "this process is not Outlook, and the Offline State API works only "
                          "inside OUTLOOK.EXE; a separate program needs the olstate bridge, "
                          "which this version does not include yet");
#else
            return resolve(OLSTATE_PROVIDER_SIMULATOR, nullptr);
#endif
        case OLSTATE_PROVIDER_OUTLOOK:
            return {OLSTATE_PROVIDER_OUTLOOK, open_outlook_mapi()};
        case OLSTATE_PROVIDER_SIMULATOR:
            return {OLSTATE_PROVIDER_SIMULATOR,
                    load_provider_library(olstate_module_dir() + simulator_file_name())};
        case OLSTATE_PROVIDER_LIBRARY:
            return {OLSTATE_PROVIDER_LIBRARY, load_provider_library(provider_path_utf8)};
        case OLSTATE_PROVIDER_BRIDGE:
            throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND,
                          "no olstate bridge is available: this version does not include the "
                          "bridge yet");
        default:
            throw Failure(OLSTATE_E_INVALID_ARGUMENT,
                          "unknown provider " + std::to_string(requested));
    }
}

std::string default_profile(const ResolvedProvider& provider) {
    if (provider.kind == OLSTATE_PROVIDER_SIMULATOR) return "Outlook";
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
