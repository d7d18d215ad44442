// The default MAPI profile on Windows: first the documented route (the MAPI
// DLL's MAPIAdminProfiles -> IProfAdmin::GetProfileTable -> the row whose
// PR_DEFAULT_PROFILE is TRUE -> PR_DISPLAY_NAME), then the registry as a
// fallback (undocumented, so second).
#include <olstate.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <type_traits>

#include "com/com_ptr.h"
#include "com/com_types.h"
#include "base/failure.h"
#include "../outlook.h"
#include "base/win/win_util.h"

namespace olstate::provider {
// Not in an anonymous namespace: GCC treats a class hierarchy local to this
// file as complete, finds no implementation of these interfaces here and
// compiles every call through them as unreachable.
namespace mapi {

using com::HRESULT;
using com::ULONG;

// The few MAPI declarations this needs, from Microsoft's documentation
// (mapidefs.h / mapitags.h), in the portable style of shim/com.
constexpr ULONG MAPI_UNICODE_ = 0x80000000;
constexpr ULONG PT_BOOLEAN_ = 0x000B;
constexpr ULONG PT_STRING8_ = 0x001E;
constexpr ULONG PT_UNICODE_ = 0x001F;
constexpr ULONG PR_DEFAULT_PROFILE_ = 0x3D040000 | PT_BOOLEAN_;
constexpr ULONG PR_DISPLAY_NAME_ID = 0x3001;

struct SPropValue {
    ULONG ulPropTag;
    ULONG dwAlignPad;
    union {
        unsigned short b;   // PT_BOOLEAN
        char* lpszA;        // PT_STRING8
        wchar_t* lpszW;     // PT_UNICODE
        std::int64_t li;    // (sets the union's size and alignment, as MAPI's _PV)
        double dbl;
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
// MAPI's layouts on both x86 and x64.
static_assert(sizeof(SPropValue) == 16 && offsetof(SPropValue, Value) == 8);
static_assert(sizeof(SRow) == 2 * sizeof(ULONG) + sizeof(void*));
static_assert(offsetof(SRowSet, aRow) == alignof(void*));

struct IMAPITable : com::IUnknown {
    virtual HRESULT OLSTATE_COM_CALL GetLastError(HRESULT, ULONG, void**) = 0;
    virtual HRESULT OLSTATE_COM_CALL Advise(ULONG, void*, void*) = 0;
    virtual HRESULT OLSTATE_COM_CALL Unadvise(void*) = 0;
    virtual HRESULT OLSTATE_COM_CALL GetStatus(ULONG*, ULONG*) = 0;
    virtual HRESULT OLSTATE_COM_CALL SetColumns(void*, ULONG) = 0;
    virtual HRESULT OLSTATE_COM_CALL QueryColumns(ULONG, void**) = 0;
    virtual HRESULT OLSTATE_COM_CALL GetRowCount(ULONG, ULONG*) = 0;
    virtual HRESULT OLSTATE_COM_CALL SeekRow(ULONG, std::int32_t, std::int32_t*) = 0;
    virtual HRESULT OLSTATE_COM_CALL SeekRowApprox(ULONG, ULONG) = 0;
    virtual HRESULT OLSTATE_COM_CALL QueryPosition(ULONG*, ULONG*, ULONG*) = 0;
    virtual HRESULT OLSTATE_COM_CALL FindRow(void*, ULONG, ULONG) = 0;
    virtual HRESULT OLSTATE_COM_CALL Restrict(void*, ULONG) = 0;
    virtual HRESULT OLSTATE_COM_CALL CreateBookmark(ULONG*) = 0;
    virtual HRESULT OLSTATE_COM_CALL FreeBookmark(ULONG) = 0;
    virtual HRESULT OLSTATE_COM_CALL SortTable(void*, ULONG) = 0;
    virtual HRESULT OLSTATE_COM_CALL QuerySortOrder(void**) = 0;
    virtual HRESULT OLSTATE_COM_CALL QueryRows(std::int32_t lRowCount, ULONG ulFlags, SRowSet** lppRows) = 0;
    // (Abort, ExpandRow, ... follow; never called.)

protected:
    ~IMAPITable() = default;
};

struct IProfAdmin : com::IUnknown {
    virtual HRESULT OLSTATE_COM_CALL GetLastError(HRESULT, ULONG, void**) = 0;
    virtual HRESULT OLSTATE_COM_CALL GetProfileTable(ULONG ulFlags, IMAPITable** lppTable) = 0;
    // (CreateProfile, DeleteProfile, ... follow; never called.)

protected:
    ~IProfAdmin() = default;
};

// The documented slots, checked at compile time on x86 where a missing
// __stdcall would corrupt the stack.
#if defined(__i386__)
static_assert(std::is_same_v<decltype(&IMAPITable::QueryRows),
                             HRESULT (__stdcall IMAPITable::*)(std::int32_t, ULONG, SRowSet**)>);
static_assert(std::is_same_v<decltype(&IProfAdmin::GetProfileTable),
                             HRESULT (__stdcall IProfAdmin::*)(ULONG, IMAPITable**)>);
#endif

}  // namespace mapi

namespace {

using namespace mapi;

using MAPIAdminProfilesFn = HRESULT(OLSTATE_COM_CALL*)(ULONG, IProfAdmin**);
using MAPIFreeBufferFn = ULONG(OLSTATE_COM_CALL*)(void*);
using FreeProwsFn = void(OLSTATE_COM_CALL*)(SRowSet*);

// `plain` on x64, `plain@bytes` (stdcall) on x86, each trying the other.
template <class Fn>
Fn find(HMODULE m, const char* plain, const char* decorated) {
#if defined(__i386__)
    FARPROC f = GetProcAddress(m, decorated);
    if (!f) f = GetProcAddress(m, plain);
#else
    FARPROC f = GetProcAddress(m, plain);
    if (!f) f = GetProcAddress(m, decorated);
#endif
    return reinterpret_cast<Fn>(reinterpret_cast<void*>(f));
}

std::string hex(HRESULT hr) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(hr));
    return buf;
}

// A row set from QueryRows, freed with the same DLL's FreeProws (or its
// MAPIFreeBuffer on each row's properties, then the set).
class Rows {
public:
    Rows(FreeProwsFn free_rows, MAPIFreeBufferFn free_buffer) : free_rows_(free_rows), free_buffer_(free_buffer) {}
    ~Rows() {
        if (!rows_) return;
        if (free_rows_) {
            free_rows_(rows_);
            return;
        }
        for (ULONG r = 0; r < rows_->cRows; ++r) free_buffer_(rows_->aRow[r].lpProps);
        free_buffer_(rows_);
    }
    Rows(const Rows&) = delete;
    Rows& operator=(const Rows&) = delete;
    SRowSet** put() { return &rows_; }
    const SRowSet* get() const { return rows_; }

private:
    SRowSet* rows_ = nullptr;
    FreeProwsFn free_rows_;
    MAPIFreeBufferFn free_buffer_;
};

// The name in a row whose PR_DEFAULT_PROFILE is TRUE, or empty.
std::wstring default_in(const SRow& row) {
    bool is_default = false;
    std::wstring name;
    for (ULONG i = 0; i < row.cValues; ++i) {
        const SPropValue& p = row.lpProps[i];
        if (p.ulPropTag == PR_DEFAULT_PROFILE_) is_default = p.Value.b != 0;
        if (p.ulPropTag == ((PR_DISPLAY_NAME_ID << 16) | PT_UNICODE_) && p.Value.lpszW) name = p.Value.lpszW;
        if (p.ulPropTag == ((PR_DISPLAY_NAME_ID << 16) | PT_STRING8_) && p.Value.lpszA)
            name = win::from_ansi(p.Value.lpszA);
    }
    return is_default ? name : std::wstring();
}

// The documented route; empty when the DLL cannot answer (for example
// olstate's simulator, which has no profile administration). Never starts
// an install: it only reads the profile table.
std::wstring from_profile_table(const ProviderLibrary& library, std::string& tried) {
    const HMODULE module = GetModuleHandleW(win::to_wide(library.path).c_str());  // pinned by the loader
    const std::string what = "MAPIAdminProfiles of " + library.path;
    if (!module) {
        tried += what + " (module not loaded)";
        return {};
    }
    const auto admin = find<MAPIAdminProfilesFn>(module, "MAPIAdminProfiles", "MAPIAdminProfiles@8");
    const auto free_buffer = find<MAPIFreeBufferFn>(module, "MAPIFreeBuffer", "MAPIFreeBuffer@4");
    const auto free_rows = find<FreeProwsFn>(module, "FreeProws", "FreeProws@4");
    if (!admin || !free_buffer) {
        tried += what + " (not exported)";
        return {};
    }
    com::ComPtr<IProfAdmin> profiles;
    if (const HRESULT hr = admin(0, profiles.put()); com::failed(hr) || !profiles) {
        tried += what + " (failed, " + hex(hr) + ")";
        return {};
    }
    // Unicode names; a profile table that refuses MAPI_UNICODE
    // (MAPI_E_BAD_CHARWIDTH) gives ANSI ones instead.
    com::ComPtr<IMAPITable> table;
    HRESULT hr = profiles->GetProfileTable(MAPI_UNICODE_, table.put());
    if (com::failed(hr) || !table) hr = profiles->GetProfileTable(0, table.put());
    if (com::failed(hr) || !table) {
        tried += what + " (GetProfileTable failed, " + hex(hr) + ")";
        return {};
    }
    for (int batch = 0; batch < 1000; ++batch) {  // bounded, whatever the table says
        Rows rows(free_rows, free_buffer);
        if (const HRESULT q = table->QueryRows(256, 0, rows.put()); com::failed(q) || !rows.get()) {
            tried += what + " (QueryRows failed, " + hex(q) + ")";
            return {};
        }
        if (rows.get()->cRows == 0) break;
        for (ULONG r = 0; r < rows.get()->cRows; ++r) {
            if (std::wstring name = default_in(rows.get()->aRow[r]); !name.empty()) return name;
        }
    }
    tried += what + " (no profile is marked default)";
    return {};
}

}  // namespace

std::string default_profile_name(const ProviderLibrary& library) {
    std::string tried;
    if (const std::wstring name = from_profile_table(library, tried); !name.empty()) return win::to_utf8(name);
    // Not documented as an interface, so only a fallback: Outlook 2016+/2013,
    // then the Windows Messaging Subsystem (Outlook 2010 and older).
    const wchar_t* const keys[] = {
        L"Software\\Microsoft\\Office\\16.0\\Outlook",
        L"Software\\Microsoft\\Office\\15.0\\Outlook",
        L"Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows Messaging Subsystem\\Profiles",
    };
    for (const wchar_t* key : keys) {
        tried += "; HKCU\\" + win::to_utf8(key) + " DefaultProfile";
        if (const auto v = win::RegKey(HKEY_CURRENT_USER, key).string(L"DefaultProfile")) return win::to_utf8(*v);
    }
    throw Failure(OLSTATE_E_PROFILE_NOT_FOUND,
                  "no default MAPI profile; tried " + tried +
                      ". Pass the profile name; inside Outlook, the one it has open (Namespace.CurrentProfileName)");
}

}  // namespace olstate::provider
