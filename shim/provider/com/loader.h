// Loading a provider library: by full path only, pinned for the life of the
// process (a late notification or a provider thread can never run unmapped
// code), and its HrOpenOfflineObj looked up by the name for this
// architecture (x86 "HrOpenOfflineObj@20", otherwise "HrOpenOfflineObj",
// each trying the other as a fallback), plus the strict simulator's owner
// seam when the library exports it.
#pragma once

#include <cstdint>
#include <string>

#include "com/mapi_offline.h"

namespace olstate::provider {

// The strict simulator's owner seam (olstate_sim.h, "The owner seam"),
// optional in a provider library; the simulator's own __cdecl convention.
#if defined(_WIN32)
#define OLSTATE_SEAM_CALL __cdecl
#else
#define OLSTATE_SEAM_CALL
#endif
using OwnerJobFn = void(OLSTATE_SEAM_CALL*)(void* context);
using OwnerCurrentFn = std::int32_t(OLSTATE_SEAM_CALL*)(void** out_owner);
using OwnerPostFn = std::int32_t(OLSTATE_SEAM_CALL*)(void* owner, OwnerJobFn job, void* context);

struct ProviderLibrary {
    std::string path;                               // UTF-8 full path actually loaded
    com::HrOpenOfflineObjFn open_offline = nullptr;  // never null
    OwnerCurrentFn owner_current = nullptr;          // both or neither
    OwnerPostFn owner_post = nullptr;
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
