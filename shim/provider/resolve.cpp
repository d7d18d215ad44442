#include "resolve.h"

#include <olstate.h>

#include "../failure.h"
#include "outlook.h"

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

std::int32_t result_for_profile_not_found(const ResolvedProvider&) noexcept {
    return OLSTATE_E_PROFILE_NOT_FOUND;
}

}  // namespace olstate::provider
