// For the test DLLs that stand in for a MAPI DLL: HrOpenOfflineObj
// forwarded to the simulator, olstate_sim.dll in the calling DLL's own
// folder, loaded by full path and kept loaded.
#pragma once

#include <windows.h>

#include <string>

namespace {

using OpenFn = HRESULT(STDMETHODCALLTYPE*)(ULONG, LPCWSTR, const GUID*, const GUID*, void**);

OpenFn simulator_open() {
    static const OpenFn open = [] {
        HMODULE self = nullptr;
        GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                           reinterpret_cast<LPCWSTR>(&simulator_open), &self);
        std::wstring path(MAX_PATH, L'\0');
        path.resize(GetModuleFileNameW(self, path.data(), MAX_PATH));
        path = path.substr(0, path.find_last_of(L'\\') + 1) + L"olstate_sim.dll";
        // Full path only; kept loaded for the life of the process.
        const HMODULE sim = LoadLibraryExW(path.c_str(), nullptr, LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR |
                                                                    LOAD_LIBRARY_SEARCH_SYSTEM32);
        if (!sim) return OpenFn{};
        FARPROC f = GetProcAddress(sim, "HrOpenOfflineObj");
        if (!f) f = GetProcAddress(sim, "HrOpenOfflineObj@20");
        return reinterpret_cast<OpenFn>(reinterpret_cast<void*>(f));
    }();
    return open;
}

}  // namespace
