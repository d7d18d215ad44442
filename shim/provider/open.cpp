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
#include "running_outlook/open_running_outlook.h"

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
std::unique_ptr<Provider> open_bridge(const char* endpoint_utf8, const OpenRequest& request,
                                      bool host_required_now = false) {
    const std::string endpoint = endpoint_utf8 ? std::string(endpoint_utf8) : bridge::default_endpoint();
    const std::string profile = request.has_profile ? request.profile : std::string();
    try {
        return bridge::open_bridge_provider(endpoint, (request.flags & OLSTATE_OPEN_RECONNECT) != 0, profile,
                                            host_required_now);
    } catch (const Failure& f) {
        throw Failure(f.result(),
                      "opening the bridge (provider '" + endpoint + "', profile '" + profile + "'): " + f.what(),
                      f.hresult());
    }
}

// The no-add-in fallback: a running Outlook's object model, polled.
std::unique_ptr<Provider> open_object_model(const OpenRequest& request, bool outlook_required_now = false) {
    running_outlook::PollOptions options;
    options.reconnect = (request.flags & OLSTATE_OPEN_RECONNECT) != 0;
    options.interval_ms = request.connection_poll_ms;
    if (request.has_profile) options.profile = request.profile;
    options.outlook_required_now = outlook_required_now;
    return running_outlook::open_running_outlook(std::move(options));
}

#if defined(_WIN32)
// AUTO outside OUTLOOK.EXE (the header's OLSTATE_OPEN_NO_FALLBACK): the
// bridge, which pushes every change, when a host answers now; else the
// object-model provider when Outlook runs without the add-in; else the
// bridge as in 1.1/1.2 (waiting for a host with RECONNECT).
std::unique_ptr<Provider> open_auto_outside_outlook(const OpenRequest& request) {
    if (request.flags & OLSTATE_OPEN_NO_FALLBACK) return open_bridge(nullptr, request);
    std::string no_bridge;
    try {
        return open_bridge(nullptr, request, true);
    } catch (const Failure& f) {
        if (f.result() != OLSTATE_E_PROVIDER_NOT_FOUND) throw;
        no_bridge = f.what();
    }
    try {
        return open_object_model(request, true);
    } catch (const Failure& f) {
        if (f.result() != OLSTATE_E_PROVIDER_NOT_FOUND) throw;
        if (!(request.flags & OLSTATE_OPEN_RECONNECT))
            throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND,
                          "AUTO found neither a bridge host nor a running Outlook: " + no_bridge + "; " + f.what());
    }
    return open_bridge(nullptr, request);
}
#endif

}  // namespace

std::unique_ptr<Provider> open(const OpenRequest& request) {
    const std::uint32_t requested = request.provider;
    const std::uint32_t open_flags = request.flags;
    // Reconnecting is for the providers that follow another process (the
    // bridge, the running Outlook); AUTO reaches here only where it is not one.
    if ((open_flags & OLSTATE_OPEN_RECONNECT) && requested != OLSTATE_PROVIDER_BRIDGE &&
        requested != OLSTATE_PROVIDER_OBJECT_MODEL && requested != OLSTATE_PROVIDER_AUTO)
        throw Failure(OLSTATE_E_INVALID_ARGUMENT,
                      "OLSTATE_OPEN_RECONNECT is only for the bridge and the object-model provider");
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
            // else through the bridge its add-in serves for this user, or
            // without the add-in through Outlook's object model.
            if (request.application)
                throw Failure(OLSTATE_E_INVALID_ARGUMENT,
                              "application is for a session inside Outlook; AUTO outside OUTLOOK.EXE is the "
                              "bridge or the object-model provider, which find Outlook themselves");
            return open_auto_outside_outlook(request);
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
        case OLSTATE_PROVIDER_OBJECT_MODEL:
            return open_object_model(request);
        default:
            throw Failure(OLSTATE_E_INVALID_ARGUMENT, "unknown provider " + std::to_string(requested));
    }
}

}  // namespace olstate::provider
