// The default MAPI profile on Windows: first the documented route (the MAPI
// DLL's MAPIAdminProfiles -> profile table -> the row whose
// PR_DEFAULT_PROFILE is TRUE), then the registry as a fallback.
#include <olstate.h>

#include <cstdint>

#include "../../com/com_ptr.h"
#include "../../com/mapi_offline.h"
#include "../../failure.h"
#include "../outlook.h"
#include "win_util.h"

namespace olstate::provider {
namespace {

using com::HRESULT;
using com::ULONG;

// The few MAPI declarations this needs, from Microsoft's documentation.
constexpr ULONG MAPI_UNICODE = 0x80000000;
constexpr ULONG PR_DEFAULT_PROFILE = 0x3D04000B;  // PT_BOOLEAN
constexpr ULONG PR_DISPLAY_NAME_W = 0x3001001F;   // PT_UNICODE

struct SPropValue {
    ULONG ulPropTag;
    ULONG dwAlignPad;
    union {
        unsigned short b;
        wchar_t* lpszW;
        std::int64_t li;
    } Value;
};
struct SRow {
    ULONG ulAdrEntryPad;
    ULONG cValues;
    SPropValue* lpProps;
};
struct SRowSet {
    ULONG cRows;
    SRow aRow[1];
};

struct IMAPITable : com::IUnknown {
    virtual HRESULT OLSTATE_COM_CALL GetLastError(HRESULT, ULONG, void**) = 0;
    virtual HRESULT OLSTATE_COM_CALL Advise(ULONG, void*, void*) = 0;
    virtual HRESULT OLSTATE_COM_CALL Unadvise(ULONG) = 0;
    virtual HRESULT OLSTATE_COM_CALL GetStatus(ULONG*, ULONG*) = 0;
    virtual HRESULT OLSTATE_COM_CALL SetColumns(void*, ULONG) = 0;
    virtual HRESULT OLSTATE_COM_CALL QueryColumns(ULONG, void**) = 0;
    virtual HRESULT OLSTATE_COM_CALL GetRowCount(ULONG, ULONG*) = 0;
    virtual HRESULT OLSTATE_COM_CALL SeekRow(ULONG, LONG, LONG*) = 0;
    virtual HRESULT OLSTATE_COM_CALL SeekRowApprox(ULONG, ULONG) = 0;
    virtual HRESULT OLSTATE_COM_CALL QueryPosition(ULONG*, ULONG*, ULONG*) = 0;
    virtual HRESULT OLSTATE_COM_CALL FindRow(void*, ULONG, ULONG) = 0;
    virtual HRESULT OLSTATE_COM_CALL Restrict(void*, ULONG) = 0;
    virtual HRESULT OLSTATE_COM_CALL CreateBookmark(ULONG*) = 0;
    virtual HRESULT OLSTATE_COM_CALL FreeBookmark(ULONG) = 0;
    virtual HRESULT OLSTATE_COM_CALL SortTable(void*, ULONG) = 0;
    virtual HRESULT OLSTATE_COM_CALL QuerySortOrder(void**) = 0;
    virtual HRESULT OLSTATE_COM_CALL QueryRows(LONG lRowCount, ULONG ulFlags, SRowSet** lppRows) = 0;

protected:
    ~IMAPITable() = default;
};

struct IProfAdmin : com::IUnknown {
    virtual HRESULT OLSTATE_COM_CALL GetLastError(HRESULT, ULONG, void**) = 0;
    virtual HRESULT OLSTATE_COM_CALL GetProfileTable(ULONG ulFlags, IMAPITable** lppTable) = 0;

protected:
    ~IProfAdmin() = default;
};

using MAPIAdminProfilesFn = HRESULT(OLSTATE_COM_CALL*)(ULONG, IProfAdmin**);
using MAPIFreeBufferFn = ULONG(OLSTATE_COM_CALL*)(void*);

FARPROC find(HMODULE m, const char* plain, const char* decorated) {
#if defined(__i386__)
    if (FARPROC f = GetProcAddress(m, decorated)) return f;
    return GetProcAddress(m, plain);
#else
    if (FARPROC f = GetProcAddress(m, plain)) return f;
    return GetProcAddress(m, decorated);
#endif
}

// The documented route; empty when the DLL cannot answer (e.g. olstate's
// simulator, which has no profile administration).
std::wstring from_profile_table(const ProviderLibrary& library, std::string& tried) {
    HMODULE module = GetModuleHandleW(win::to_wide(library.path).c_str());
    if (!module) return {};
    const auto admin = reinterpret_cast<MAPIAdminProfilesFn>(
        reinterpret_cast<void*>(find(module, "MAPIAdminProfiles", "MAPIAdminProfiles@8")));
    const auto free_buffer = reinterpret_cast<MAPIFreeBufferFn>(
        reinterpret_cast<void*>(find(module, "MAPIFreeBuffer", "MAPIFreeBuffer@4")));
    if (!admin || !free_buffer) {
        tried += "MAPIAdminProfiles (not exported by " + library.path + ")";
        return {};
    }
    tried += "MAPIAdminProfiles profile table";
    com::ComPtr<IProfAdmin> profiles;
    if (com::failed(admin(0, profiles.put())) || !profiles) return {};
    com::ComPtr<IMAPITable> table;
    if (com::failed(profiles->GetProfileTable(MAPI_UNICODE, table.put())) || !table) return {};
    SRowSet* rows = nullptr;
    if (com::failed(table->QueryRows(0x7FFF, 0, &rows)) || !rows) return {};
    std::wstring found;
    for (ULONG r = 0; r < rows->cRows; ++r) {
        const SRow& row = rows->aRow[r];
        bool is_default = false;
        const wchar_t* name = nullptr;
        for (ULONG i = 0; i < row.cValues; ++i) {
            if (row.lpProps[i].ulPropTag == PR_DEFAULT_PROFILE) is_default = row.lpProps[i].Value.b != 0;
            if (row.lpProps[i].ulPropTag == PR_DISPLAY_NAME_W) name = row.lpProps[i].Value.lpszW;
        }
        if (is_default && name && found.empty()) found = name;
    }
    // Free with the same DLL's MAPIFreeBuffer: each row's props, then the set.
    for (ULONG r = 0; r < rows->cRows; ++r) free_buffer(rows->aRow[r].lpProps);
    free_buffer(rows);
    return found;
}

}  // namespace

std::string default_profile_name(const ProviderLibrary& library) {
    std::string tried;
    if (const std::wstring name = from_profile_table(library, tried); !name.empty())
        return win::to_utf8(name);
    // Not documented as an interface, so only a fallback.
    const wchar_t* const keys[] = {
        L"Software\\Microsoft\\Office\\16.0\\Outlook",
        L"Software\\Microsoft\\Office\\15.0\\Outlook",
        L"Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows Messaging Subsystem\\Profiles",
    };
    for (const wchar_t* key : keys) {
        tried += std::string("; HKCU\\") + win::to_utf8(key) + " DefaultProfile";
        if (const auto v = win::RegKey(HKEY_CURRENT_USER, key).string(L"DefaultProfile"))
            return win::to_utf8(*v);
    }
    throw Failure(OLSTATE_E_PROFILE_NOT_FOUND,
                  "no default MAPI profile; tried " + tried +
                      ". Inside Outlook pass the profile it has open (Namespace.CurrentProfileName)");
}

}  // namespace olstate::provider
