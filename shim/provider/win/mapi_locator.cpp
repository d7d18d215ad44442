#include "mapi_locator.h"

#include <olstate.h>

#include <algorithm>

#include "../../failure.h"
#include "win_util.h"

namespace olstate::provider::win {
namespace {

const wchar_t* const kMailClientKey = L"Software\\Clients\\Mail\\Microsoft Outlook";
// Outlook's MAPI component, used when the mail-client key names none.
const char* const kOutlookMapiComponent = "{FF1D0740-D227-11D1-A4B0-006008AF820E}";

// Office 16 down to 11 (and 11's debug build), as MAPIStubLibrary lists them.
const wchar_t* const kOfficeCategories[] = {
    L"{5812C571-53F0-4467-BEFA-0A4F47A9437C}", L"{E83B4360-C208-4325-9504-0D23003A74A5}",
    L"{1E77DE88-BCAB-4C37-B9E5-073AF52DFD7A}", L"{24AAE126-0911-478F-A019-07B875EB9996}",
    L"{BC174BAD-2F53-4855-A1D5-0D575C19B1EA}", L"{BC174BAD-2F53-4855-A1D5-1D575C19B1EA}",
};

#if defined(_WIN64)
const wchar_t* const kOutlookQualifier = L"outlook.x64.exe";
#else
const wchar_t* const kOutlookQualifier = L"outlook.exe";
#endif

// A system DLL by full path from System32: never a bare name, never the
// current directory. Loaded only to call one function, then freed.
class SystemLibrary {
public:
    explicit SystemLibrary(const wchar_t* name)
        : module_(LoadLibraryExW((system_directory() + L"\\" + name).c_str(), nullptr,
                                 LOAD_LIBRARY_SEARCH_SYSTEM32)) {}
    ~SystemLibrary() {
        if (module_) FreeLibrary(module_);
    }
    SystemLibrary(const SystemLibrary&) = delete;
    SystemLibrary& operator=(const SystemLibrary&) = delete;
    FARPROC find(const char* a, const char* b = nullptr) const {
        if (!module_) return nullptr;
        if (FARPROC f = GetProcAddress(module_, a)) return f;
        return b ? GetProcAddress(module_, b) : nullptr;
    }

private:
    HMODULE module_;
};

void add_msi_candidates(std::vector<Candidate>& out) {
    using Provide = UINT(WINAPI*)(LPCWSTR, LPCWSTR, DWORD, LPWSTR, LPDWORD);
    const SystemLibrary msi(L"msi.dll");
    const auto provide = reinterpret_cast<Provide>(
        reinterpret_cast<void*>(msi.find("MsiProvideQualifiedComponentW")));
    if (!provide) return;
    for (const wchar_t* category : kOfficeCategories) {
        wchar_t path[MAX_PATH + 1] = {};
        DWORD size = MAX_PATH;
        // INSTALLMODE_EXISTING: never start an install or a repair.
        if (provide(category, kOutlookQualifier, static_cast<DWORD>(-1), path, &size) == ERROR_SUCCESS &&
            path[0])
            out.push_back({directory_of(path) + L"olmapi32.dll",
                           "MSI component " + to_utf8(category) + " (" + to_utf8(kOutlookQualifier) + ")"});
    }
}

void add_component_path_candidates(std::vector<Candidate>& out, const RegKey& client) {
    // BOOL STDAPICALLTYPE FGetComponentPath(LPSTR, LPSTR, LPSTR, DWORD, BOOL)
    using GetPath = BOOL(WINAPI*)(LPSTR, LPSTR, LPSTR, DWORD, BOOL);
    for (const wchar_t* dll : {L"mapistub.dll", L"mapi32.dll"}) {
        const SystemLibrary lib(dll);
        const auto get = reinterpret_cast<GetPath>(
            reinterpret_cast<void*>(lib.find("FGetComponentPath", "FGetComponentPath@20")));
        if (!get) continue;
        std::string component = kOutlookMapiComponent;
        if (const auto id = client.string(L"MSIComponentID")) component = to_utf8(*id);
        std::vector<std::string> qualifiers;
        for (const wchar_t* v : {L"MSIApplicationLCID", L"MSIOfficeLCID"}) {
            if (const auto q = client.string(v)) qualifiers.push_back(to_utf8(*q));
        }
        qualifiers.push_back("");
        for (auto& q : qualifiers) {
            char path[MAX_PATH + 1] = {};
            // fInstall = FALSE: never trigger an installer repair inside Outlook.
            if (get(component.data(), q.empty() ? nullptr : q.data(), path, MAX_PATH, FALSE) && path[0]) {
                out.push_back({to_wide(path), "FGetComponentPath from " + to_utf8(dll)});
                break;
            }
        }
        return;
    }
}

}  // namespace

bool is_outlook_mapi_file(const std::wstring& path) {
    const std::wstring name = file_name_of(path);
    return iequals(name, L"olmapi32.dll") || iequals(name, L"msmapi32.dll");
}

std::vector<Candidate> mapi_candidates() {
    std::vector<Candidate> out;
    const RegKey client(HKEY_LOCAL_MACHINE, kMailClientKey);
    if (const auto p = client.string(L"DllPathEx")) out.push_back({*p, "HKLM\\...\\Microsoft Outlook DllPathEx"});
    add_msi_candidates(out);
    if (const auto p = client.string(L"DllPath")) out.push_back({*p, "HKLM\\...\\Microsoft Outlook DllPath"});
    add_component_path_candidates(out, client);
    // Current Outlook's DLL is olmapi32.dll: try those first, keeping order.
    std::stable_partition(out.begin(), out.end(), [](const Candidate& c) {
        return iequals(file_name_of(c.path), L"olmapi32.dll");
    });
    return out;
}

ProviderLibrary locate_outlook_mapi() {
    // Inside Outlook its MAPI DLL is already loaded: take that one.
    for (const wchar_t* name : {L"olmapi32.dll", L"msmapi32.dll"}) {
        HMODULE loaded = nullptr;
        if (GetModuleHandleExW(0, name, &loaded) && loaded) {
            const std::wstring path = module_path(loaded);
            FreeLibrary(loaded);  // load_provider_library pins its own reference
            if (!path.empty()) return load_provider_library(to_utf8(path));
        }
    }
    std::string tried = "already-loaded olmapi32.dll and msmapi32.dll (neither is loaded)";
    for (const Candidate& c : mapi_candidates()) {
        tried += "; " + c.source + ": " + to_utf8(c.path);
        if (c.path.size() < 3 || c.path[1] != L':' || !file_exists(c.path)) {
            tried += " (no such file)";
            continue;
        }
        try {
            return load_provider_library(to_utf8(c.path));
        } catch (const Failure& f) {
            tried += std::string(" (") + f.what() + ")";
        }
    }
    throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND, "Outlook's MAPI DLL was not found; tried " + tried);
}

}  // namespace olstate::provider::win
