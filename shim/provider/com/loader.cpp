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

std::string last_error_text() {
    const DWORD code = GetLastError();
    wchar_t* buf = nullptr;
    const DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                       FORMAT_MESSAGE_IGNORE_INSERTS,
                                   nullptr, code, 0, reinterpret_cast<wchar_t*>(&buf), 0, nullptr);
    std::u16string text;
    if (n && buf) text.assign(reinterpret_cast<const char16_t*>(buf), n);
    if (buf) LocalFree(buf);
    while (!text.empty() && (text.back() == u'\n' || text.back() == u'\r' || text.back() == u'.'))
        text.pop_back();
    return "Windows error " + std::to_string(code) + (text.empty() ? "" : ": " + text::utf16_to_utf8(text));
}

ProviderLibrary load_uncached(const std::string& path) {
    const std::wstring wide = to_wide(path);
    // Full path only; dependencies from the DLL's own folder and System32,
    // never the current directory or PATH.
    HMODULE module = LoadLibraryExW(wide.c_str(), nullptr,
                                    LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (!module)
        throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND,
                      "cannot load provider library '" + path + "': " + last_error_text());
    HMODULE pinned = nullptr;
    GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_PIN | GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
                       reinterpret_cast<LPCWSTR>(module), &pinned);
    for (const char* name : kExportNames) {
        if (FARPROC fn = GetProcAddress(module, name)) {
            return {path, reinterpret_cast<com::HrOpenOfflineObjFn>(reinterpret_cast<void*>(fn))};
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
    for (const char* name : kExportNames) {
        if (void* fn = dlsym(module, name)) {
            return {path, reinterpret_cast<com::HrOpenOfflineObjFn>(fn)};
        }
    }
    throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND,
                  "provider library '" + path + "' does not export HrOpenOfflineObj");
}
#endif

// Any function of this module serves as "an address inside olstate".
[[maybe_unused]] void module_anchor() {}

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

std::string olstate_module_dir() {
#if defined(_WIN32)
    HMODULE self = nullptr;
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                                GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                            reinterpret_cast<LPCWSTR>(&module_anchor), &self))
        throw Failure(OLSTATE_E_INTERNAL, "cannot find olstate's own module: " + last_error_text());
    std::wstring buf(32768, L'\0');
    const DWORD n = GetModuleFileNameW(self, buf.data(), static_cast<DWORD>(buf.size()));
    if (n == 0 || n >= buf.size())
        throw Failure(OLSTATE_E_INTERNAL, "cannot read olstate's own path: " + last_error_text());
    buf.resize(n);
    const auto slash = buf.find_last_of(L"\\/");
    const std::u16string dir(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(slash + 1));
    return text::utf16_to_utf8(dir);
#else
    std::string file;
#if defined(OLSTATE_STATIC)
    // A static build has no module of its own: use the executable's folder.
    char exe[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) file.assign(exe, static_cast<std::size_t>(n));
#else
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&module_anchor), &info) && info.dli_fname) {
        char resolved[PATH_MAX];
        if (realpath(info.dli_fname, resolved)) file = resolved;
    }
#endif
    const auto slash = file.find_last_of('/');
    if (slash == std::string::npos)
        throw Failure(OLSTATE_E_INTERNAL, "cannot find the folder olstate was loaded from");
    return file.substr(0, slash + 1);
#endif
}

void pin_olstate_module() noexcept {
    static std::once_flag once;
    try {
        std::call_once(once, [] {
#if defined(_WIN32)
            HMODULE self = nullptr;
            GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                               reinterpret_cast<LPCWSTR>(&module_anchor), &self);
#elif !defined(OLSTATE_STATIC)
            Dl_info info{};
            if (dladdr(reinterpret_cast<void*>(&module_anchor), &info) && info.dli_fname)
                dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
#endif
        });
    } catch (...) {
        // Pinning is a safeguard against an early unload; failing to pin
        // changes nothing else.
    }
}

}  // namespace olstate::provider
