#include "module.h"

#include <olstate.h>

#include <mutex>

#include "failure.h"

#if defined(_WIN32)
#include <windows.h>

#include "utf.h"
#include "win/win_util.h"
#else
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#endif

namespace olstate {
namespace {

// Any function of this module serves as "an address inside olstate".
[[maybe_unused]] void module_anchor() {}

}  // namespace

std::string olstate_module_dir() {
#if defined(_WIN32)
    HMODULE self = nullptr;
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                                GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                            reinterpret_cast<LPCWSTR>(&module_anchor), &self))
        throw Failure(OLSTATE_E_INTERNAL, "cannot find olstate's own module: " + provider::win::last_error_text());
    std::wstring buf(32768, L'\0');
    const DWORD n = GetModuleFileNameW(self, buf.data(), static_cast<DWORD>(buf.size()));
    if (n == 0 || n >= buf.size())
        throw Failure(OLSTATE_E_INTERNAL, "cannot read olstate's own path: " + provider::win::last_error_text());
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

}  // namespace olstate
