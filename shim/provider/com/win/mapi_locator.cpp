#include "mapi_locator.h"

#include <olstate.h>

#include <algorithm>

#include "base/failure.h"
#include "base/win/win_util.h"

namespace olstate::provider::win {
namespace {

const wchar_t* const kMailClientKey = L"Software\\Clients\\Mail\\Microsoft Outlook";
const char* const kMailClientName = "HKLM\\Software\\Clients\\Mail\\Microsoft Outlook";
// Outlook's MAPI component (Outlook 2007 on), when the mail-client key names none.
const wchar_t* const kOutlookMapiComponent = L"{FF1D0740-D227-11D1-A4B0-006008AF820E}";

// Office 16 down to 11 (and 11's debug build), as MAPIStubLibrary lists them.
struct Category {
    const wchar_t* id;
    const char* office;
};
const Category kOfficeCategories[] = {
    {L"{5812C571-53F0-4467-BEFA-0A4F47A9437C}", "Office 16"},
    {L"{E83B4360-C208-4325-9504-0D23003A74A5}", "Office 15"},
    {L"{1E77DE88-BCAB-4C37-B9E5-073AF52DFD7A}", "Office 14"},
    {L"{24AAE126-0911-478F-A019-07B875EB9996}", "Office 12"},
    {L"{BC174BAD-2F53-4855-A1D5-0D575C19B1EA}", "Office 11"},
    {L"{BC174BAD-2F53-4855-A1D5-1D575C19B1EA}", "Office 11 debug"},
};

// The MSI qualifier of an Outlook of this process's bitness.
#if defined(_WIN64)
const wchar_t* const kOutlookQualifier = L"outlook.x64.exe";
#else
const wchar_t* const kOutlookQualifier = L"outlook.exe";
#endif

constexpr int kInstallModeExisting = -1;  // INSTALLMODE_EXISTING: never install or repair

// A system DLL loaded by full path from System32 (never a bare name, never
// the current directory), to call one function; freed on destruction.
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
    explicit operator bool() const noexcept { return module_ != nullptr; }
    template <class Fn>
    Fn find(const char* name, const char* decorated) const {
        if (!module_) return nullptr;
        FARPROC f = GetProcAddress(module_, name);
        if (!f && decorated) f = GetProcAddress(module_, decorated);
        return reinterpret_cast<Fn>(reinterpret_cast<void*>(f));
    }

private:
    HMODULE module_;
};

// Adds `path` unless an equal one is there already.
void add(Search& s, std::wstring path, std::string source) {
    for (const Candidate& c : s.candidates) {
        if (iequals(c.path, path)) return;
    }
    s.candidates.push_back({std::move(path), std::move(source)});
}

void add_registry_value(Search& s, const RegKey& client, REGSAM view, const wchar_t* value) {
    const std::string where = std::string(kMailClientName) + view_name(view) + " " + to_utf8(value);
    if (const auto p = client.string(value)) add(s, *p, where);
    else s.nothing.push_back(where + " (no value)");
}

// MsiProvideQualifiedComponentW for each Office's Outlook-MAPI category.
void add_msi(Search& s) {
    using Provide = UINT(WINAPI*)(LPCWSTR, LPCWSTR, DWORD, LPWSTR, LPDWORD);
    const SystemLibrary msi(L"msi.dll");
    const auto provide = msi.find<Provide>("MsiProvideQualifiedComponentW", nullptr);
    const std::string what = "MsiProvideQualifiedComponentW(" + to_utf8(kOutlookQualifier) + ")";
    if (!provide) {
        s.nothing.push_back(what + " (msi.dll unavailable)");
        return;
    }
    std::string none;
    for (const Category& category : kOfficeCategories) {
        std::wstring path(MAX_PATH + 1, L'\0');
        DWORD size = MAX_PATH;
        const UINT rc = provide(category.id, kOutlookQualifier, static_cast<DWORD>(kInstallModeExisting),
                                path.data(), &size);
        path.resize(wcsnlen(path.c_str(), path.size()));
        if (rc == ERROR_SUCCESS && !path.empty())
            add(s, directory_of(path) + L"olmapi32.dll", what + " " + category.office);
        else
            none += std::string(none.empty() ? "" : ", ") + category.office;
    }
    if (!none.empty()) s.nothing.push_back(what + " (not installed: " + none + ")");
}

// FGetComponentPath from the system's MAPI stub, with the component and the
// LCID qualifiers the mail-client key names (Sample Offline State Add-in).
void add_component_path(Search& s, const RegKey& client, REGSAM view) {
    // BOOL STDAPICALLTYPE FGetComponentPath(LPSTR, LPSTR, LPSTR, DWORD, BOOL)
    using GetPath = BOOL(WINAPI*)(LPSTR, LPSTR, LPSTR, DWORD, BOOL);
    std::wstring component = kOutlookMapiComponent;
    if (const auto id = client.string(L"MSIComponentID")) component = *id;
    std::vector<std::wstring> qualifiers;
    for (const wchar_t* v : {L"MSIApplicationLCID", L"MSIOfficeLCID"}) {
        if (const auto q = client.multi_string(v)) qualifiers.push_back(*q);
    }
    for (const wchar_t* dll : {L"mapistub.dll", L"mapi32.dll"}) {
        const SystemLibrary lib(dll);
        const auto get = lib.find<GetPath>("FGetComponentPath", "FGetComponentPath@20");
        const std::string what = "FGetComponentPath(" + to_utf8(component) + ") from " +
                                 to_utf8(system_directory()) + "\\" + to_utf8(dll) + view_name(view);
        if (!get) {
            s.nothing.push_back(what + (lib ? " (not exported)" : " (no such DLL)"));
            continue;
        }
        std::string ansi_component = to_ansi(component);
        std::vector<std::string> ansi_qualifiers;
        for (const auto& q : qualifiers) ansi_qualifiers.push_back(to_ansi(q));  // NULs kept
        ansi_qualifiers.emplace_back();  // finally no qualifier
        for (auto& q : ansi_qualifiers) {
            std::string path(MAX_PATH + 1, '\0');
            // fInstall = FALSE: never start an installer repair inside Outlook.
            if (get(ansi_component.data(), q.empty() ? nullptr : q.data(), path.data(), MAX_PATH, FALSE)) {
                path.resize(strnlen(path.c_str(), path.size()));
                if (!path.empty()) {
                    add(s, from_ansi(path), what);
                    return;
                }
            }
        }
        s.nothing.push_back(what + " (no path)");
        return;
    }
}

}  // namespace

bool is_outlook_mapi_file(const std::wstring& path) {
    const std::wstring name = file_name_of(path);
    return iequals(name, L"olmapi32.dll") || iequals(name, L"msmapi32.dll");
}

bool looks_like_outlook_mapi(const ProviderLibrary& library) noexcept {
    try {
        const std::wstring path = to_wide(library.path);
        if (is_outlook_mapi_file(path)) return true;
        const HMODULE module = GetModuleHandleW(path.c_str());  // pinned by the loader
        return module &&
               (GetProcAddress(module, "MAPIInitialize") || GetProcAddress(module, "MAPIInitialize@4"));
    } catch (...) {
        return false;
    }
}

Search mapi_candidates() {
    Search s;
    // MAPIStubLibrary's order: DllPathEx, the MSI categories, DllPath, then
    // FGetComponentPath (the Sample Offline State Add-in's route); each
    // registry view this process can see, its own first.
    const auto views = registry_views();
    for (const REGSAM view : views) {
        const RegKey client(HKEY_LOCAL_MACHINE, kMailClientKey, view);
        if (!client) {
            s.nothing.push_back(std::string(kMailClientName) + view_name(view) + " (no such key)");
            continue;
        }
        add_registry_value(s, client, view, L"DllPathEx");
    }
    add_msi(s);
    for (const REGSAM view : views) {
        const RegKey client(HKEY_LOCAL_MACHINE, kMailClientKey, view);
        if (!client) continue;
        add_registry_value(s, client, view, L"DllPath");
    }
    {
        const RegKey client(HKEY_LOCAL_MACHINE, kMailClientKey);
        add_component_path(s, client, 0);
    }
    // Current Outlook's DLL is olmapi32.dll: try those first, keeping order.
    std::stable_partition(s.candidates.begin(), s.candidates.end(), [](const Candidate& c) {
        return iequals(file_name_of(c.path), L"olmapi32.dll");
    });
    return s;
}

ProviderLibrary locate_outlook_mapi() {
    // Inside Outlook its MAPI DLL is already loaded: take that one. The
    // reference taken here is kept: modules stay loaded for the life of the
    // process (load_provider_library pins it as well).
    for (const wchar_t* name : {L"olmapi32.dll", L"msmapi32.dll"}) {
        HMODULE loaded = nullptr;
        if (GetModuleHandleExW(0, name, &loaded) && loaded) {
            const std::wstring path = module_path(loaded);
            if (!path.empty()) return load_provider_library(to_utf8(path));
        }
    }
    std::string tried = "already-loaded olmapi32.dll and msmapi32.dll (neither is loaded)";
    const Search s = mapi_candidates();
    for (const std::string& n : s.nothing) tried += "; " + n;
    for (const Candidate& c : s.candidates) {
        tried += "; " + c.source + ": " + to_utf8(c.path);
        if (!is_full_path(c.path)) {
            tried += " (not a full path: skipped)";
            continue;
        }
        if (!file_exists(c.path)) {
            tried += " (no such file)";
            continue;
        }
        try {
            return load_provider_library(to_utf8(c.path));
        } catch (const Failure& f) {
            tried += std::string(" (") + f.what() + ")";
        }
    }
    throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND,
                  "Outlook's MAPI DLL was not found; tried " + tried +
                      ". Is this Outlook's process, with Outlook's bitness ("
#if defined(_WIN64)
                      "64-bit"
#else
                      "32-bit"
#endif
                      ")?");
}

}  // namespace olstate::provider::win
