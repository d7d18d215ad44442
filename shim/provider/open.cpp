// Choosing and opening the provider a session uses: OLSTATE_PROVIDER_* and
// provider_path per platform (see the table in the header's documentation
// and the README), then the COM provider or the bridge client.
#include <olstate.h>

#include "base/failure.h"
#include "base/module.h"
#include "bridge/transport.h"
#include "bridge_client/client.h"
#include "com/com_provider.h"
#include "com/outlook.h"
#include "provider.h"

namespace olstate::provider {

namespace {

// A provider behind HrOpenOfflineObj; the profile when the caller passed
// none: the simulator's default ("Outlook"), otherwise the platform's.
std::unique_ptr<Provider> open_library(std::uint32_t kind, ProviderLibrary library, const OpenRequest& request) {
    std::string profile;
    if (request.has_profile) profile = request.profile;
    else if (kind == OLSTATE_PROVIDER_SIMULATOR) profile = "Outlook";
    else profile = default_profile_name(library);
    return open_com_provider(kind, std::move(library), profile,
                             ObjectModelRequest{request.application, request.connection_poll_ms});
}

// The bridge: endpoint null = the transport's default endpoint; no profile =
// whatever the host serves.
std::unique_ptr<Provider> open_bridge(const char* endpoint_utf8, const OpenRequest& request) {
    const std::string endpoint = endpoint_utf8 ? std::string(endpoint_utf8) : bridge::default_endpoint();
    const std::string profile = request.has_profile ? request.profile : std::string();
    try {
        return bridge::open_bridge_provider(endpoint, (request.flags & OLSTATE_OPEN_RECONNECT) != 0, profile);
    } catch (const Failure& f) {
        throw Failure(f.result(),
                      "opening the bridge (provider '" + endpoint + "', profile '" + profile + "'): " + f.what(),
                      f.hresult());
    }
}

}  // namespace

std::unique_ptr<Provider> open(const OpenRequest& request) {
    const std::uint32_t requested = request.provider;
    const std::uint32_t open_flags = request.flags;
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
                return open_library(OLSTATE_PROVIDER_OUTLOOK, open_outlook_mapi(), request);
            }
            // The Offline State API answers only inside OUTLOOK.EXE: anywhere
            // else Outlook's state is reached through the bridge its add-in
            // serves for this user (PROVIDER_NOT_FOUND when none runs).
            if (request.application)
                throw Failure(OLSTATE_E_INVALID_ARGUMENT,
                              "application is for a session inside Outlook; AUTO outside OUTLOOK.EXE is the "
                              "bridge, which gets the connection from its host");
            return open_bridge(nullptr, request);
#else
            if (open_flags & OLSTATE_OPEN_RECONNECT)
                throw Failure(OLSTATE_E_INVALID_ARGUMENT,
                              "OLSTATE_OPEN_RECONNECT is only for the bridge, and AUTO is the "
                              "simulator on this platform");
            return open_library(OLSTATE_PROVIDER_SIMULATOR,
                                load_provider_library(olstate_module_dir() + simulator_file_name()), request);
#endif
        case OLSTATE_PROVIDER_OUTLOOK:
            return open_library(OLSTATE_PROVIDER_OUTLOOK, open_outlook_mapi(), request);
        case OLSTATE_PROVIDER_SIMULATOR:
            return open_library(OLSTATE_PROVIDER_SIMULATOR,
                                load_provider_library(olstate_module_dir() + simulator_file_name()), request);
        case OLSTATE_PROVIDER_LIBRARY:
            return open_library(OLSTATE_PROVIDER_LIBRARY, load_provider_library(request.provider_path), request);
        case OLSTATE_PROVIDER_BRIDGE:
            return open_bridge(request.provider_path, request);
        default:
            throw Failure(OLSTATE_E_INVALID_ARGUMENT, "unknown provider " + std::to_string(requested));
    }
}

}  // namespace olstate::provider
