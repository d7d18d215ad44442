// The COM provider: an offline object opened through a library's
// HrOpenOfflineObj (Outlook's MAPI DLL, the simulator, a LIBRARY), its one
// advised notify sink, and the mapping of its HRESULTs to olstate results.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "loader.h"
#include "provider/provider.h"

namespace olstate::provider {

// Outlook's object model for the connection (olstate_open_options
// .application, ABI 1.3): with an Application the provider reads the
// connection from it on the owner thread (provider/object_model/owner_poll.h)
// instead of asking the offline object.
struct ObjectModelRequest {
    void* application = nullptr;  // IDispatch*; null: none
    std::uint32_t poll_ms = 0;    // checked by the ABI layer
};

// Opens `profile` (UTF-8) through `library`'s HrOpenOfflineObj and reads its
// capabilities. kind: OLSTATE_PROVIDER_OUTLOOK, SIMULATOR or LIBRARY.
// Throws Failure.
std::unique_ptr<Provider> open_com_provider(std::uint32_t kind, ProviderLibrary library,
                                            const std::string& profile, ObjectModelRequest object_model = {});

}  // namespace olstate::provider
