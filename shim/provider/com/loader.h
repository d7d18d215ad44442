// Loading a provider library: by full path only, pinned for the life of the
// process (a late notification or a provider thread can never run unmapped
// code), and its HrOpenOfflineObj looked up by the name for this
// architecture (x86 "HrOpenOfflineObj@20", otherwise "HrOpenOfflineObj",
// each trying the other as a fallback).
#pragma once

#include <string>

#include "com/mapi_offline.h"

namespace olstate::provider {

struct ProviderLibrary {
    std::string path;                               // UTF-8 full path actually loaded
    com::HrOpenOfflineObjFn open_offline = nullptr;  // never null
};

// Loads (or finds already loaded) the library at `path_utf8`, which must be an
// absolute path. Throws Failure(OLSTATE_E_PROVIDER_NOT_FOUND) naming the path
// and the system's reason, or Failure(OLSTATE_E_INVALID_ARGUMENT) for a
// relative path.
ProviderLibrary load_provider_library(const std::string& path_utf8);

// The simulator's file name on this platform ("libolstate_sim.so",
// "olstate_sim.dll", ...).
const char* simulator_file_name();

}  // namespace olstate::provider
