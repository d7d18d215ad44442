// A stand-in for Outlook's MAPI DLL in the Windows provider tests, copied as
// olmapi32.dll: HrOpenOfflineObj forwards to the simulator (olstate_sim.dll
// in this DLL's own folder, loaded by full path), and the profile
// administration that the default-profile lookup uses (MAPIAdminProfiles,
// IProfAdmin::GetProfileTable, IMAPITable::QueryRows, MAPIFreeBuffer,
// FreeProws) is declared here from Microsoft's documentation, independently
// of the shim's own declarations, so that a wrong slot or layout in either
// shows up. x86 exports get MAPI's stdcall decoration (MAPIAdminProfiles@8).
#include <windows.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <cwchar>
#include <string>

#include "sim_forward.h"

namespace {

constexpr HRESULT kNoSupport = static_cast<HRESULT>(0x80040102u);      // MAPI_E_NO_SUPPORT
constexpr HRESULT kBadCharWidth = static_cast<HRESULT>(0x80040103u);   // MAPI_E_BAD_CHARWIDTH
constexpr ULONG kMapiUnicode = 0x80000000u;
constexpr ULONG kDefaultProfileTag = 0x3D04000Bu;  // PR_DEFAULT_PROFILE, PT_BOOLEAN
constexpr ULONG kDisplayNameW = 0x3001001Fu;       // PR_DISPLAY_NAME_W
constexpr ULONG kDisplayNameA = 0x3001001Eu;       // PR_DISPLAY_NAME_A

struct PropValue {  // SPropValue
    ULONG ulPropTag;
    ULONG dwAlignPad;
    union {
        unsigned short b;
        char* lpszA;
        wchar_t* lpszW;
        LONGLONG li;
    } Value;
};
struct Row {  // SRow
    ULONG ulAdrEntryPad;
    ULONG cValues;
    PropValue* lpProps;
};
struct RowSet {  // SRowSet
    ULONG cRows;
    Row aRow[1];
};
static_assert(sizeof(PropValue) == 16);
#if defined(_WIN64)
static_assert(sizeof(Row) == 16 && offsetof(RowSet, aRow) == 8);
#else
static_assert(sizeof(Row) == 12 && offsetof(RowSet, aRow) == 4);
#endif

// ---- buffers: MAPIAllocateBuffer's model, counted ----
std::atomic<long> live_buffers{0};
std::atomic<long> live_refs{0};
std::atomic<int> mode{0};  // 0 Unicode table; 1 MAPI_UNICODE refused (ANSI); 2 no default row

void* allocate(std::size_t bytes) {
    void* p = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, bytes);
    if (p) ++live_buffers;
    return p;
}
void release_buffer(void* p) {
    if (!p) return;
    HeapFree(GetProcessHeap(), 0, p);
    --live_buffers;
}

struct Profile {
    const wchar_t* wide;
    const char* ansi;
    bool is_default;
};
const Profile kProfiles[] = {
    {L"Alpha", "Alpha", false},
    {L"Tabell\u00e9 Default", "AnsiDefault", true},
    {L"Gamma", "Gamma", false},
};

// One row's properties in one buffer: [display name, default flag], then the string.
PropValue* make_props(const Profile& p, bool unicode) {
    const std::size_t chars = unicode ? std::wcslen(p.wide) + 1 : std::strlen(p.ansi) + 1;
    const std::size_t bytes = 2 * sizeof(PropValue) + chars * (unicode ? sizeof(wchar_t) : 1);
    auto* props = static_cast<PropValue*>(allocate(bytes));
    if (!props) return nullptr;
    void* text = props + 2;
    props[0].ulPropTag = unicode ? kDisplayNameW : kDisplayNameA;
    if (unicode) {
        props[0].Value.lpszW = static_cast<wchar_t*>(text);
        std::wmemcpy(props[0].Value.lpszW, p.wide, chars);
    } else {
        props[0].Value.lpszA = static_cast<char*>(text);
        std::memcpy(props[0].Value.lpszA, p.ansi, chars);
    }
    props[1].ulPropTag = kDefaultProfileTag;
    props[1].Value.b = (p.is_default && mode.load() != 2) ? 1 : 0;
    return props;
}

// ---- IMAPITable with every slot up to QueryRows, in the documented order ----
class Table {
public:
    virtual HRESULT STDMETHODCALLTYPE QueryInterface(REFIID, void** out) {
        *out = nullptr;
        return E_NOINTERFACE;
    }
    virtual ULONG STDMETHODCALLTYPE AddRef() { return static_cast<ULONG>(++live_refs); }
    virtual ULONG STDMETHODCALLTYPE Release() { return static_cast<ULONG>(--live_refs); }
    virtual HRESULT STDMETHODCALLTYPE GetLastError(HRESULT, ULONG, void**) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE Advise(ULONG, void*, ULONG_PTR*) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE Unadvise(ULONG_PTR) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE GetStatus(ULONG*, ULONG*) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE SetColumns(void*, ULONG) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE QueryColumns(ULONG, void**) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE GetRowCount(ULONG, ULONG*) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE SeekRow(ULONG, LONG, LONG*) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE SeekRowApprox(ULONG, ULONG) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE QueryPosition(ULONG*, ULONG*, ULONG*) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE FindRow(void*, ULONG, ULONG) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE Restrict(void*, ULONG) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE CreateBookmark(ULONG_PTR*) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE FreeBookmark(ULONG_PTR) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE SortTable(void*, ULONG) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE QuerySortOrder(void**) { return kNoSupport; }
    // Two rows per call at most, so the caller must ask again until none are left.
    virtual HRESULT STDMETHODCALLTYPE QueryRows(LONG count, ULONG, RowSet** out) {
        if (!out || count <= 0) return E_INVALIDARG;
        const ULONG total = sizeof kProfiles / sizeof kProfiles[0];
        ULONG n = total - cursor_;
        if (n > 2) n = 2;
        if (n > static_cast<ULONG>(count)) n = static_cast<ULONG>(count);
        auto* rows = static_cast<RowSet*>(allocate(offsetof(RowSet, aRow) + (n ? n : 1) * sizeof(Row)));
        if (!rows) return E_OUTOFMEMORY;
        rows->cRows = n;
        for (ULONG i = 0; i < n; ++i) {
            rows->aRow[i].cValues = 2;
            rows->aRow[i].lpProps = make_props(kProfiles[cursor_ + i], unicode_);
        }
        cursor_ += n;
        *out = rows;
        return S_OK;
    }
    virtual HRESULT STDMETHODCALLTYPE Abort() { return kNoSupport; }

    void rewind(bool unicode) {
        cursor_ = 0;
        unicode_ = unicode;
    }

protected:
    ~Table() = default;

private:
    ULONG cursor_ = 0;
    bool unicode_ = true;
};

class FakeTable final : public Table {};
FakeTable table;

// ---- IProfAdmin up to GetProfileTable ----
class ProfAdmin {
public:
    virtual HRESULT STDMETHODCALLTYPE QueryInterface(REFIID, void** out) {
        *out = nullptr;
        return E_NOINTERFACE;
    }
    virtual ULONG STDMETHODCALLTYPE AddRef() { return static_cast<ULONG>(++live_refs); }
    virtual ULONG STDMETHODCALLTYPE Release() { return static_cast<ULONG>(--live_refs); }
    virtual HRESULT STDMETHODCALLTYPE GetLastError(HRESULT, ULONG, void**) { return kNoSupport; }
    virtual HRESULT STDMETHODCALLTYPE GetProfileTable(ULONG flags, Table** out) {
        if (!out) return E_INVALIDARG;
        const bool unicode = (flags & kMapiUnicode) != 0;
        if (unicode && mode.load() == 1) return kBadCharWidth;
        table.rewind(unicode);
        table.AddRef();
        *out = &table;
        return S_OK;
    }
    virtual HRESULT STDMETHODCALLTYPE CreateProfile(void*, void*, ULONG_PTR, ULONG) { return kNoSupport; }

protected:
    ~ProfAdmin() = default;
};
class FakeProfAdmin final : public ProfAdmin {};
FakeProfAdmin admin;

}  // namespace

extern "C" {

__declspec(dllexport) HRESULT STDMETHODCALLTYPE HrOpenOfflineObj(ULONG reserved, LPCWSTR profile, const GUID* guid,
                                                                 const GUID* reserved2, void** out) {
    const OpenFn open = simulator_open();
    return open ? open(reserved, profile, guid, reserved2, out) : E_FAIL;
}

__declspec(dllexport) HRESULT STDMETHODCALLTYPE MAPIInitialize(void*) { return S_OK; }

__declspec(dllexport) HRESULT STDMETHODCALLTYPE MAPIAdminProfiles(ULONG, ProfAdmin** out) {
    if (!out) return E_INVALIDARG;
    admin.AddRef();
    *out = &admin;
    return S_OK;
}

__declspec(dllexport) ULONG STDMETHODCALLTYPE MAPIFreeBuffer(void* p) {
    release_buffer(p);
    return 0;
}

__declspec(dllexport) void STDMETHODCALLTYPE FreeProws(RowSet* rows) {
    if (!rows) return;
    for (ULONG i = 0; i < rows->cRows; ++i) release_buffer(rows->aRow[i].lpProps);
    release_buffer(rows);
}

// Test controls (cdecl).
__declspec(dllexport) void fake_mapi_set_mode(int m) { mode.store(m); }
__declspec(dllexport) long fake_mapi_live_buffers() { return live_buffers.load(); }
__declspec(dllexport) long fake_mapi_live_refs() { return live_refs.load(); }

}  // extern "C"
