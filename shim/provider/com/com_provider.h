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

// Opens `profile` (UTF-8) through `library`'s HrOpenOfflineObj and reads its
// capabilities. kind: OLSTATE_PROVIDER_OUTLOOK, SIMULATOR or LIBRARY.
// Throws Failure.
std::unique_ptr<Provider> open_com_provider(std::uint32_t kind, ProviderLibrary library,
                                            const std::string& profile);

}  // namespace olstate::provider
