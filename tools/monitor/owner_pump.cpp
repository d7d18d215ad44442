#include "owner_pump.h"

#include <string>
#include <thread>

#if defined(_WIN32)
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace olstate_monitor {
namespace {

// olstate_sim_pump of the already loaded simulator at `path` (UTF-8), or null.
void* find_sim_pump(const char* path) {
    if (!path || !*path) return nullptr;
#if defined(_WIN32)
    const int n = MultiByteToWideChar(CP_UTF8, 0, path, -1, nullptr, 0);
    if (n <= 0) return nullptr;
    std::wstring wide(static_cast<size_t>(n), L'\0');
    MultiByteToWideChar(CP_UTF8, 0, path, -1, wide.data(), n);
    HMODULE module = nullptr;
    // Already loaded by olstate (and pinned there): no new reference needed.
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT, wide.c_str(), &module)) return nullptr;
    return reinterpret_cast<void*>(GetProcAddress(module, "olstate_sim_pump"));
#else
    // RTLD_NOLOAD: only the instance olstate loaded, never a second one.
    void* module = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    return module ? dlsym(module, "olstate_sim_pump") : nullptr;
#endif
}

}  // namespace

OwnerPump::OwnerPump(olstate_session* session) {
    olstate_session_info info{};
    info.struct_size = sizeof info;
    if (olstate_get_session_info(session, &info) != OLSTATE_OK) return;
    threading_ = info.threading;
    if (threading_ == OLSTATE_THREADING_OWNER_LOOP)
        pump_ = reinterpret_cast<PumpFn>(find_sim_pump(info.provider_path));
#if defined(_WIN32)
    window_ = threading_ == OLSTATE_THREADING_OWNER_WINDOW;
#endif
}

void OwnerPump::run_for(std::chrono::milliseconds most) const {
    const auto ms = static_cast<uint32_t>(most.count());
    if (pump_) {
        pump_(ms, nullptr);
        return;
    }
#if defined(_WIN32)
    if (window_) {
        MsgWaitForMultipleObjects(0, nullptr, FALSE, ms, QS_ALLINPUT);
        MSG msg;
        while (PeekMessageW(&msg, nullptr, 0, 0, PM_REMOVE)) {
            TranslateMessage(&msg);
            DispatchMessageW(&msg);
        }
        return;
    }
#endif
    std::this_thread::sleep_for(most);
}

}  // namespace olstate_monitor
