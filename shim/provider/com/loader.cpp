#include "loader.h"

#include <olstate.h>

#include <map>
#include <mutex>

#include "base/failure.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#endif

#include "base/utf.h"
#if defined(_WIN32)
#include "base/win/win_util.h"
#endif

namespace olstate::provider {
namespace {

// The x86 stdcall export is decorated; try the native name first, the other
// as a fallback (a hand-built provider may export either).
#if defined(_WIN32) && defined(__i386__)
constexpr const char* kExportNames[] = {"HrOpenOfflineObj@20", "HrOpenOfflineObj"};
#else
constexpr const char* kExportNames[] = {"HrOpenOfflineObj", "HrOpenOfflineObj@20"};
#endif

// Loaded libraries by path. Leaked on purpose: modules stay loaded for the
// life of the process, and no static destructor may run while provider
// threads still call into them.
struct Cache {
    std::mutex mutex;
    std::map<std::string, ProviderLibrary> by_path;
};
Cache& cache() {
    static Cache* c = new Cache;  // never destroyed (see above)
    return *c;
}

// The optional owner seam: both functions, or neither.
template <class Lookup>
ProviderLibrary with_owner_seam(ProviderLibrary lib, const Lookup& symbol) {
    void* current = symbol("olstate_sim_owner_current");
    void* post = symbol("olstate_sim_owner_post");
    if (current && post) {
        lib.owner_current = reinterpret_cast<OwnerCurrentFn>(current);
        lib.owner_post = reinterpret_cast<OwnerPostFn>(post);
    }
    return lib;
}

bool is_absolute(const std::string& p) {
#if defined(_WIN32)
    return (p.size() >= 3 && ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) &&
            p[1] == ':' && (p[2] == '\\' || p[2] == '/')) ||
           (p.size() >= 2 && (p[0] == '\\' || p[0] == '/') && (p[1] == '\\' || p[1] == '/'));
#else
    return !p.empty() && p[0] == '/';
#endif
}

#if defined(_WIN32)
std::wstring to_wide(const std::string& utf8) {
    const auto u16 = text::utf8_to_utf16(utf8);
    if (!u16) throw Failure(OLSTATE_E_INVALID_ARGUMENT, "path is not valid UTF-8");
    return std::wstring(u16->begin(), u16->end());
}

ProviderLibrary load_uncached(const std::string& path) {
    const std::wstring wide = to_wide(path);
    // Full path only; dependencies from the DLL's own folder and System32,
    // never the current directory or PATH.
    HMODULE module = LoadLibraryExW(wide.c_str(), nullptr,
                                    LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (!module)
        throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND,
                      "cannot load provider library '" + path + "': " + win::last_error_text());
    HMODULE pinned = nullptr;
    GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_PIN | GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
                       reinterpret_cast<LPCWSTR>(module), &pinned);
    const auto symbol = [module](const char* name) {
        return reinterpret_cast<void*>(GetProcAddress(module, name));
    };
    for (const char* name : kExportNames) {
        if (void* fn = symbol(name)) {
            return with_owner_seam({path, reinterpret_cast<com::HrOpenOfflineObjFn>(fn)}, symbol);
        }
    }
    throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND,
                  "provider library '" + path + "' does not export HrOpenOfflineObj");
}
#else
ProviderLibrary load_uncached(const std::string& path) {
    // RTLD_NODELETE: the module stays mapped for the life of the process.
    void* module = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!module) {
        const char* why = dlerror();
        throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND, "cannot load provider library '" + path +
                                                        "': " + (why ? why : "unknown reason"));
    }
    const auto symbol = [module](const char* name) { return dlsym(module, name); };
    for (const char* name : kExportNames) {
        if (void* fn = symbol(name)) {
            return with_owner_seam({path, reinterpret_cast<com::HrOpenOfflineObjFn>(fn)}, symbol);
        }
    }
    throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND,
                  "provider library '" + path + "' does not export HrOpenOfflineObj");
}
#endif

}  // namespace

ProviderLibrary load_provider_library(const std::string& path) {
    if (!text::is_valid_utf8(path))
        throw Failure(OLSTATE_E_INVALID_ARGUMENT, "provider path is not valid UTF-8");
    if (!is_absolute(path))
        throw Failure(OLSTATE_E_INVALID_ARGUMENT,
                      "provider path '" + path +
                          "' is not a full path; olstate never loads a provider through a "
                          "search path or the current directory");
    Cache& c = cache();
    std::lock_guard lock(c.mutex);
    if (const auto it = c.by_path.find(path); it != c.by_path.end()) return it->second;
    ProviderLibrary lib = load_uncached(path);
    c.by_path.emplace(path, lib);
    return lib;
}

const char* simulator_file_name() {
#if defined(_WIN32)
    return "olstate_sim.dll";
#elif defined(__APPLE__)
    return "libolstate_sim.dylib";
#else
    return "libolstate_sim.so";
#endif
}

}  // namespace olstate::provider
