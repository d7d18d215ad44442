// The bridge on Windows, under Wine, as separate processes (suites windows
// and bridge):
//   registration  olstate-monitor --install-addin writes the HKCU keys
//                 (64-bit DLL into the 64-bit view, a 32-bit DLL into
//                 Software\Classes\Wow6432Node), --uninstall-addin removes
//                 exactly what was added and nothing that was there before;
//   addin         a test host named OUTLOOK.EXE loads the registered add-in
//                 the way Outlook does (Wine ignores per-user COM
//                 registration, so the host reads InprocServer32 itself and
//                 calls DllGetClassObject), with the simulator as Outlook's
//                 MAPI DLL; a separate client (AUTO) sees state and events,
//                 then PROVIDER_LOST when the host shuts the add-in down;
//   fast-exit     the host exits without OnDisconnection (Outlook's fast
//                 shutdown): the process ends cleanly and the client sees
//                 PROVIDER_LOST;
//   killed        a simulator host publishing with olstate_bridge_start is
//                 killed: the client sees PROVIDER_LOST, later calls fail.
// Each child must exit 0 and print "scenario <name>: done, 0 failures"
// within its deadline, so a hang is a failure, never a stuck CI job.
#include <objbase.h>
#include <oleauto.h>
#include <olstate.h>
#include <windows.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "../../addin/addin_ids.h"
#include "../../addin/extensibility.h"
#include "win_child.h"

using namespace wintest;

namespace {

std::atomic<int> failures{0};
#define EXPECT(cond)                                                                                       \
    do {                                                                                                   \
        if (!(cond)) {                                                                                     \
            std::printf("FAIL %s:%d: %s (last error: %s)\n", __FILE__, __LINE__, #cond,                    \
                        olstate_last_error_message());                                                     \
            ++failures;                                                                                    \
        }                                                                                                  \
    } while (0)

constexpr DWORD kStepMs = 30000;  // any single wait; a healthy run takes milliseconds

const std::wstring kAddinsKey = std::wstring(L"Software\\Microsoft\\Office\\Outlook\\Addins\\") + olstate::addin::kProgId;
const std::wstring kClsidKey = std::wstring(L"Software\\Classes\\CLSID\\") + olstate::addin::kClsidText;
const std::wstring kProgIdKey = std::wstring(L"Software\\Classes\\") + olstate::addin::kProgId;

// ---- registry reading ----

std::wstring reg_string(REGSAM view, const std::wstring& path, const wchar_t* name) {
    wchar_t buf[2048] = {};
    DWORD bytes = sizeof buf - sizeof(wchar_t);
    if (RegGetValueW(HKEY_CURRENT_USER, path.c_str(), name, RRF_RT_REG_SZ | (view == KEY_WOW64_32KEY ? RRF_SUBKEY_WOW6432KEY : view == KEY_WOW64_64KEY ? RRF_SUBKEY_WOW6464KEY : 0),
                     nullptr, buf, &bytes) != ERROR_SUCCESS)
        return L"";
    return buf;
}

DWORD reg_dword(const std::wstring& path, const wchar_t* name) {
    DWORD v = 0, bytes = sizeof v;
    if (RegGetValueW(HKEY_CURRENT_USER, path.c_str(), name, RRF_RT_REG_DWORD, nullptr, &v, &bytes) != ERROR_SUCCESS)
        return 0xFFFFFFFF;
    return v;
}

bool key_exists(REGSAM view, const std::wstring& path) {
    HKEY k = nullptr;
    if (RegOpenKeyExW(HKEY_CURRENT_USER, path.c_str(), 0, KEY_READ | view, &k) != ERROR_SUCCESS) return false;
    RegCloseKey(k);
    return true;
}

// Every key and value under `path`, one per line, sorted as enumerated.
void dump(HKEY key, const std::wstring& path, std::string& out) {
    out += narrow(path) + "\n";
    for (DWORD i = 0;; ++i) {
        wchar_t name[16384];
        DWORD name_len = 16384, type = 0, bytes = 0;
        if (RegEnumValueW(key, i, name, &name_len, nullptr, &type, nullptr, &bytes) != ERROR_SUCCESS) break;
        std::vector<BYTE> data(bytes + 2);
        name_len = 16384;
        DWORD got = bytes;
        RegEnumValueW(key, i, name, &name_len, nullptr, &type, data.data(), &got);
        out += "  " + narrow(name) + " type " + std::to_string(type) + " bytes " + std::to_string(got) + " " +
               std::string(data.begin(), data.begin() + got) + "\n";
    }
    for (DWORD i = 0;; ++i) {
        wchar_t name[256];
        DWORD name_len = 256;
        if (RegEnumKeyExW(key, i, name, &name_len, nullptr, nullptr, nullptr, nullptr) != ERROR_SUCCESS) break;
        HKEY sub = nullptr;
        if (RegOpenKeyExW(key, name, 0, KEY_READ, &sub) == ERROR_SUCCESS) {
            dump(sub, path + L"\\" + name, out);
            RegCloseKey(sub);
        }
    }
}

std::string snapshot() {
    std::string out;
    for (const wchar_t* root : {L"Software\\Classes", L"Software\\Microsoft\\Office", L"Software\\olstate"}) {
        for (REGSAM view : {REGSAM(KEY_WOW64_64KEY), REGSAM(KEY_WOW64_32KEY)}) {
            HKEY k = nullptr;
            if (RegOpenKeyExW(HKEY_CURRENT_USER, root, 0, KEY_READ | view, &k) != ERROR_SUCCESS) {
                out += narrow(root) + " (absent)\n";
                continue;
            }
            dump(k, root, out);
            RegCloseKey(k);
        }
    }
    return out;
}

bool before_had(const std::string& snap, const wchar_t* path) {
    return snap.find("\n" + narrow(path) + "\n") != std::string::npos;
}

void delete_if_empty(const wchar_t* path) {
    HKEY k = nullptr;
    if (RegOpenKeyExW(HKEY_CURRENT_USER, path, 0, KEY_READ, &k) != ERROR_SUCCESS) return;
    DWORD subkeys = 1, values = 1;
    RegQueryInfoKeyW(k, nullptr, nullptr, nullptr, &subkeys, nullptr, nullptr, &values, nullptr, nullptr, nullptr,
                     nullptr);
    RegCloseKey(k);
    if (subkeys == 0 && values == 0) RegDeleteKeyW(HKEY_CURRENT_USER, path);
}

// ---- sessions ----

struct Events {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<olstate_event> seen;

    bool wait_for(uint32_t kind, uint32_t new_state, DWORD ms) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::milliseconds(ms), [&] {
            for (const auto& e : seen)
                if (e.kind == kind && (new_state == 0 || e.new_state == new_state)) return true;
            return false;
        });
    }
};

void OLSTATE_CALL record(const olstate_event* e, void* context) {
    auto* events = static_cast<Events*>(context);
    std::lock_guard lock(events->mutex);
    events->seen.push_back(*e);
    events->changed.notify_all();
}

// open (AUTO or BRIDGE) -> state online -> subscribe -> ask the host for a
// change -> CHANGE_DONE offline -> ask the host to go away -> PROVIDER_LOST
// -> calls fail with PROVIDER_NOT_FOUND.
void follow(uint32_t provider, const char* endpoint, const char* profile, bool may_set, const NamedEvent& change,
            const NamedEvent& go_away, const std::function<void()>& end_host = {}) {
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = provider;
    o.provider_path = endpoint;
    olstate_session* s = nullptr;
    const olstate_result r = olstate_open_ex(&o, &s);
    std::printf("client: open provider %u -> %s %s\n", provider, olstate_result_name(r),
                r ? olstate_last_error_message() : "");
    EXPECT(r == OLSTATE_OK);
    if (r != OLSTATE_OK) return;
    olstate_session_info info{};
    info.struct_size = sizeof info;
    EXPECT(olstate_get_session_info(s, &info) == OLSTATE_OK);
    EXPECT(info.provider == OLSTATE_PROVIDER_BRIDGE);
    std::printf("client: provider %u, endpoint %s, profile '%s'\n", info.provider,
                info.provider_path ? info.provider_path : "", info.profile ? info.profile : "");
    EXPECT(info.profile && std::strcmp(info.profile, profile) == 0);  // the profile the host serves
    uint32_t state = 0;
    EXPECT(olstate_get_state(s, &state) == OLSTATE_OK && state == OLSTATE_ONLINE);
    Events events;
    olstate_subscription token = 0;
    EXPECT(olstate_subscribe(s, record, &events, nullptr, &token) == OLSTATE_OK);
    change.set();
    const bool done = events.wait_for(OLSTATE_EVENT_CHANGE_DONE, OLSTATE_OFFLINE, kStepMs);
    EXPECT(done);
    EXPECT(olstate_get_state(s, &state) == OLSTATE_OK && state == OLSTATE_OFFLINE);
    std::printf("client: saw the change to offline: %s\n", done ? "yes" : "no");
    // Changing the state from here: only where the host allows it.
    const olstate_result set = olstate_set_state(s, OLSTATE_ONLINE, OLSTATE_SET_BLOCK);
    std::printf("client: set online -> %s %s\n", olstate_result_name(set), set ? olstate_last_error_message() : "");
    if (may_set) {
        EXPECT(set == OLSTATE_OK);
        EXPECT(events.wait_for(OLSTATE_EVENT_CHANGE_DONE, OLSTATE_ONLINE, kStepMs));
    } else {
        EXPECT(set == OLSTATE_E_NOT_SUPPORTED);
    }
    go_away.set();
    if (end_host) end_host();
    const bool lost = events.wait_for(OLSTATE_EVENT_PROVIDER_LOST, 0, kStepMs);
    EXPECT(lost);
    std::printf("client: PROVIDER_LOST: %s\n", lost ? "yes" : "no");
    if (lost) EXPECT(olstate_get_state(s, &state) == OLSTATE_E_PROVIDER_NOT_FOUND);
    EXPECT(olstate_unsubscribe(s, token) == OLSTATE_OK);
    EXPECT(olstate_close(s) == OLSTATE_OK);
}

void kill_process(DWORD pid) {
    const HANDLE p = OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE, FALSE, pid);
    EXPECT(p != nullptr);
    if (!p) return;
    EXPECT(TerminateProcess(p, 9));
    WaitForSingleObject(p, kStepMs);
    CloseHandle(p);
}

// OLSTATE_OPEN_RECONNECT over the pipe: the host is killed (PROVIDER_LOST),
// a new host starts on the same endpoint (PROVIDER_BACK with its state), and
// its events arrive on the same subscription.
void follow_reconnect(const std::string& endpoint, const std::wstring& tag, DWORD first_host) {
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = OLSTATE_PROVIDER_BRIDGE;
    o.provider_path = endpoint.c_str();
    o.flags = OLSTATE_OPEN_RECONNECT;
    olstate_session* s = nullptr;
    EXPECT(olstate_open_ex(&o, &s) == OLSTATE_OK);
    if (!s) return;
    Events events;
    olstate_subscription token = 0;
    EXPECT(olstate_subscribe(s, record, &events, nullptr, &token) == OLSTATE_OK);
    kill_process(first_host);
    EXPECT(events.wait_for(OLSTATE_EVENT_PROVIDER_LOST, 0, kStepMs));
    uint32_t state = 0;
    EXPECT(olstate_get_state(s, &state) == OLSTATE_E_PROVIDER_NOT_FOUND);
    // A second host on the same endpoint (a fresh simulator: online).
    const std::wstring tag2 = tag + L"-second";
    const NamedEvent up(tag2 + L"-connected"), change(tag2 + L"-change");
    Child second(self_path(), L"sim-host " + tag2 + L" reconnect-second " + widen(endpoint), dir_of(self_path()));
    EXPECT(up.wait(kStepMs));
    const bool back = events.wait_for(OLSTATE_EVENT_PROVIDER_BACK, OLSTATE_ONLINE, kStepMs);
    EXPECT(back);
    std::printf("client: PROVIDER_BACK: %s\n", back ? "yes" : "no");
    change.set();
    EXPECT(events.wait_for(OLSTATE_EVENT_CHANGE_DONE, OLSTATE_OFFLINE, kStepMs));
    EXPECT(olstate_get_state(s, &state) == OLSTATE_OK && state == OLSTATE_OFFLINE);
    second.kill();
    EXPECT(second.wait(kStepMs) == 9);
    EXPECT(olstate_unsubscribe(s, token) == OLSTATE_OK);
    EXPECT(olstate_close(s) == OLSTATE_OK);
}

// ---- the add-in, loaded as Outlook loads it ----

using namespace olstate::addin;
using GetClassObjectFn = HRESULT(STDAPICALLTYPE*)(REFCLSID, REFIID, void**);
using CanUnloadFn = HRESULT(STDAPICALLTYPE*)();

struct LoadedAddin {
    HMODULE module = nullptr;
    GetClassObjectFn get_class_object = nullptr;
    CanUnloadFn can_unload = nullptr;
    IDTExtensibility2* addin = nullptr;
};

// What Outlook does at startup for HKCU\...\Outlook\Addins\<ProgID> with
// LoadBehavior 3: ProgID -> CLSID -> InprocServer32 -> DllGetClassObject ->
// IClassFactory::CreateInstance -> OnConnection. Wine's COM ignores HKCU
// classes, so the lookup is done here, in this process's registry view.
LoadedAddin load_registered_addin() {
    LoadedAddin out;
    EXPECT(reg_dword(kAddinsKey, L"LoadBehavior") == 3);
    const std::wstring clsid_text = reg_string(0, kProgIdKey + L"\\CLSID", nullptr);
    EXPECT(clsid_text == kClsidText);
    const std::wstring path = reg_string(0, L"Software\\Classes\\CLSID\\" + clsid_text + L"\\InprocServer32", nullptr);
    std::printf("host: InprocServer32 = %s\n", narrow(path).c_str());
    EXPECT(!path.empty());
    CLSID clsid{};
    EXPECT(CLSIDFromString(clsid_text.c_str(), &clsid) == S_OK);
    out.module = LoadLibraryExW(path.c_str(), nullptr, LOAD_WITH_ALTERED_SEARCH_PATH);
    EXPECT(out.module != nullptr);
    if (!out.module) return out;
    out.get_class_object = reinterpret_cast<GetClassObjectFn>(
        reinterpret_cast<void*>(GetProcAddress(out.module, "DllGetClassObject")));
    out.can_unload =
        reinterpret_cast<CanUnloadFn>(reinterpret_cast<void*>(GetProcAddress(out.module, "DllCanUnloadNow")));
    EXPECT(out.get_class_object && out.can_unload);
    if (!out.get_class_object || !out.can_unload) return out;
    EXPECT(out.can_unload() == S_OK);  // nothing alive yet

    IClassFactory* factory = nullptr;
    CLSID other = clsid;
    other.Data1 ^= 1;
    EXPECT(out.get_class_object(other, IID_IClassFactory, reinterpret_cast<void**>(&factory)) ==
           CLASS_E_CLASSNOTAVAILABLE);
    EXPECT(out.get_class_object(clsid, IID_IClassFactory, reinterpret_cast<void**>(&factory)) == S_OK);
    if (!factory) return out;
    EXPECT(out.can_unload() == S_FALSE);  // the factory is held
    void* aggregated = nullptr;
    EXPECT(factory->CreateInstance(static_cast<IUnknown*>(factory), IID_IUnknown, &aggregated) ==
           CLASS_E_NOAGGREGATION);
    EXPECT(factory->CreateInstance(nullptr, IID_IDTExtensibility2, reinterpret_cast<void**>(&out.addin)) == S_OK);
    EXPECT(factory->LockServer(TRUE) == S_OK);
    factory->Release();
    EXPECT(out.can_unload() == S_FALSE);  // locked, and an object lives
    IClassFactory* again = nullptr;
    EXPECT(out.get_class_object(clsid, IID_IClassFactory, reinterpret_cast<void**>(&again)) == S_OK);
    if (again) {
        EXPECT(again->LockServer(FALSE) == S_OK);
        again->Release();
    }
    if (!out.addin) return out;
    IDispatch* dispatch = nullptr;
    EXPECT(out.addin->QueryInterface(IID_IDispatch, reinterpret_cast<void**>(&dispatch)) == S_OK);
    if (dispatch) {
        UINT count = 99;
        EXPECT(dispatch->GetTypeInfoCount(&count) == S_OK && count == 0);
        dispatch->Release();
    }
    IUnknown* unknown_iface = nullptr;
    EXPECT(out.addin->QueryInterface(IID_IClassFactory, reinterpret_cast<void**>(&unknown_iface)) == E_NOINTERFACE);
    return out;
}

// A stand-in for one object of Outlook's object model, read through
// IDispatch: one property, answering another object or a string.
class FakeObject final : public IDispatch {
public:
    static FakeObject* create(const wchar_t* property, IDispatch* child, const wchar_t* text) {
        return new FakeObject(property, child, text);  // the only place these are made
    }
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID iid, void** out) override {
        if (IsEqualIID(iid, IID_IUnknown) || IsEqualIID(iid, IID_IDispatch)) {
            *out = static_cast<IDispatch*>(this);
            AddRef();
            return S_OK;
        }
        *out = nullptr;
        return E_NOINTERFACE;
    }
    ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }
    ULONG STDMETHODCALLTYPE Release() override {
        const ULONG left = --refs_;
        if (left == 0) delete this;
        return left;
    }
    HRESULT STDMETHODCALLTYPE GetTypeInfoCount(UINT* n) override {
        *n = 0;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetTypeInfo(UINT, LCID, ITypeInfo**) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetIDsOfNames(REFIID, LPOLESTR* names, UINT count, LCID, DISPID* ids) override {
        if (count != 1 || _wcsicmp(names[0], property_.c_str()) != 0) return DISP_E_UNKNOWNNAME;
        ids[0] = 7;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE Invoke(DISPID id, REFIID, LCID, WORD flags, DISPPARAMS*, VARIANT* result, EXCEPINFO*,
                                     UINT*) override {
        if (id != 7 || !(flags & DISPATCH_PROPERTYGET) || !result) return DISP_E_MEMBERNOTFOUND;
        if (child_) {
            child_->AddRef();
            result->vt = VT_DISPATCH;
            result->pdispVal = child_;
        } else {
            result->vt = VT_BSTR;
            result->bstrVal = SysAllocString(text_.c_str());
        }
        return S_OK;
    }
    ULONG refs() const { return refs_; }

private:
    FakeObject(const wchar_t* property, IDispatch* child, const wchar_t* text)
        : property_(property), child_(child), text_(text) {
        if (child_) child_->AddRef();
    }
    ~FakeObject() {
        if (child_) child_->Release();
    }
    std::atomic<ULONG> refs_{1};
    std::wstring property_;
    IDispatch* child_;
    std::wstring text_;
};

// OnConnection with `application` (null: as if Outlook passed no object
// model, the add-in then serves the default profile).
void connect_addin(const LoadedAddin& a, IDispatch* application) {
    SAFEARRAY* custom = nullptr;
    EXPECT(a.addin->OnConnection(application, ext_cm_Startup, nullptr, &custom) == S_OK);
    EXPECT(a.addin->OnStartupComplete(&custom) == S_OK);
}

// Outlook's MAPI DLL is loaded before any add-in: here, the simulator
// under Outlook's file name.
HMODULE load_mapi(const std::wstring& path) {
    const HMODULE m = LoadLibraryW(path.c_str());
    EXPECT(m != nullptr);
    return m;
}

using SimSetState = int32_t(OLSTATE_CALL*)(const char*, uint32_t, int32_t);

// Switches the simulator's profile offline, as a user clicking Work Offline.
void work_offline(HMODULE mapi, const char* profile) {
    const auto set_state = reinterpret_cast<SimSetState>(
        reinterpret_cast<void*>(GetProcAddress(mapi, "olstate_sim_set_state")));
    EXPECT(set_state != nullptr);
    if (set_state) EXPECT(set_state(profile, OLSTATE_OFFLINE, 1) == 0);
}

// The profile Outlook "has open" in the addin scenario (not the default one).
const wchar_t* const kOpenProfileW = L"Br\u00fccke";
const char* const kOpenProfile = "Br\xc3\xbc" "cke";
const char* const kDefaultProfile = "Outlook";

// OUTLOOK.EXE with the add-in: connect, serve one change, then Outlook's
// orderly shutdown (OnBeginShutdown, OnDisconnection, Release).
void addin_host(const std::wstring& mapi_path, const std::wstring& tag) {
    const HMODULE mapi = load_mapi(mapi_path);
    LoadedAddin a = load_registered_addin();
    if (!a.addin || !mapi) return;
    FakeObject* session = FakeObject::create(L"CurrentProfileName", nullptr, kOpenProfileW);
    FakeObject* application = FakeObject::create(L"Session", session, L"");
    connect_addin(a, application);
    // The add-in kept no reference to Outlook's objects.
    EXPECT(application->refs() == 1);
    EXPECT(session->refs() == 2);  // ours and the application's
    NamedEvent(tag + L"-connected").set();
    const NamedEvent change(tag + L"-change"), go_away(tag + L"-go-away");
    EXPECT(change.wait(kStepMs));
    work_offline(mapi, kOpenProfile);
    EXPECT(go_away.wait(kStepMs));
    SAFEARRAY* custom = nullptr;
    EXPECT(a.addin->OnBeginShutdown(&custom) == S_OK);
    EXPECT(a.addin->OnDisconnection(ext_dm_HostShutdown, &custom) == S_OK);
    EXPECT(a.addin->OnDisconnection(ext_dm_HostShutdown, &custom) == S_OK);  // idempotent
    // The user unloads and loads the add-in again (COM Add-ins dialog): it
    // serves again, with the state the profile has now.
    EXPECT(a.addin->OnConnection(application, ext_cm_AfterStartup, nullptr, &custom) == S_OK);
    {
        olstate_open_options o;
        olstate_open_options_init(&o);
        o.provider = OLSTATE_PROVIDER_BRIDGE;
        olstate_session* again = nullptr;
        EXPECT(olstate_open_ex(&o, &again) == OLSTATE_OK);
        uint32_t state = 0;
        EXPECT(again && olstate_get_state(again, &state) == OLSTATE_OK && state == OLSTATE_OFFLINE);
        EXPECT(olstate_close(again) == OLSTATE_OK);
    }
    EXPECT(a.addin->OnDisconnection(ext_dm_UserClosed, &custom) == S_OK);
    EXPECT(a.can_unload() == S_FALSE);  // the object still lives
    EXPECT(a.addin->Release() == 0);
    EXPECT(a.can_unload() == S_OK);
    application->Release();
    session->Release();
    // COM may now unload the DLL; olstate pinned it when its first thread
    // started, so code that thread ran stays mapped.
    wchar_t path[MAX_PATH] = {};
    GetModuleFileNameW(a.module, path, MAX_PATH);
    FreeLibrary(a.module);
    EXPECT(GetModuleHandleW(path) != nullptr);
}

// OUTLOOK.EXE with the add-in, then fast shutdown: the process ends with
// the bridge running, no OnDisconnection, no Release.
void addin_fast_exit(const std::wstring& mapi_path, const std::wstring& tag) {
    const HMODULE mapi = load_mapi(mapi_path);
    LoadedAddin a = load_registered_addin();
    if (!a.addin || !mapi) return;
    connect_addin(a, nullptr);
    NamedEvent(tag + L"-connected").set();
    const NamedEvent change(tag + L"-change"), go_away(tag + L"-go-away");
    EXPECT(change.wait(kStepMs));
    work_offline(mapi, kDefaultProfile);
    EXPECT(go_away.wait(kStepMs));
    std::printf("host: exiting with the add-in connected\n");
}

// A plain program publishing a simulator session (what olstate-monitor
// --serve does); killed by the client.
void sim_host(const std::string& endpoint, const std::wstring& tag) {
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = OLSTATE_PROVIDER_SIMULATOR;
    o.profile = "bridge-killed";
    olstate_session* s = nullptr;
    EXPECT(olstate_open_ex(&o, &s) == OLSTATE_OK);
    olstate_bridge_options b;
    olstate_bridge_options_init(&b);
    b.endpoint = endpoint.c_str();
    olstate_bridge* bridge = nullptr;
    EXPECT(olstate_bridge_start(s, &b, &bridge) == OLSTATE_OK);
    NamedEvent(tag + L"-connected").set();
    const NamedEvent change(tag + L"-change");
    EXPECT(change.wait(kStepMs));
    EXPECT(olstate_set_state(s, OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    Sleep(kStepMs);  // killed long before this ends
    std::printf("host: was not killed\n");
    ++failures;
}

// A second bridge on an endpoint a live bridge serves is BUSY, and the
// first one keeps serving.
void sim_busy(const std::string& endpoint) {
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = OLSTATE_PROVIDER_SIMULATOR;
    o.profile = "bridge-busy";
    olstate_session* s = nullptr;
    EXPECT(olstate_open_ex(&o, &s) == OLSTATE_OK);
    olstate_bridge_options b;
    olstate_bridge_options_init(&b);
    b.endpoint = endpoint.c_str();
    olstate_bridge* first = nullptr;
    EXPECT(olstate_bridge_start(s, &b, &first) == OLSTATE_OK);
    olstate_bridge* second = nullptr;
    EXPECT(olstate_bridge_start(s, &b, &second) == OLSTATE_E_BUSY);
    std::printf("second bridge: %s\n", olstate_last_error_message());
    olstate_open_options c;
    olstate_open_options_init(&c);
    c.provider = OLSTATE_PROVIDER_BRIDGE;
    c.provider_path = endpoint.c_str();
    olstate_session* client = nullptr;
    EXPECT(olstate_open_ex(&c, &client) == OLSTATE_OK);
    uint32_t state = 0;
    EXPECT(olstate_get_state(client, &state) == OLSTATE_OK && state == OLSTATE_ONLINE);
    EXPECT(olstate_close(client) == OLSTATE_OK);
    EXPECT(olstate_bridge_stop(first) == OLSTATE_OK);
    EXPECT(olstate_close(s) == OLSTATE_OK);
}

// ---- the driver ----

bool copy(const std::wstring& from, const std::wstring& to) {
    if (CopyFileW(from.c_str(), to.c_str(), FALSE)) return true;
    std::printf("FAIL: cannot copy %s to %s (%lu)\n", narrow(from).c_str(), narrow(to).c_str(), GetLastError());
    return false;
}

void remove_tree(const std::wstring& dir) {
    WIN32_FIND_DATAW f;
    const HANDLE h = FindFirstFileW((dir + L"*").c_str(), &f);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            const std::wstring name = f.cFileName;
            if (name == L"." || name == L"..") continue;
            if (f.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) remove_tree(dir + name + L"\\");
            else DeleteFileW((dir + name).c_str());
        } while (FindNextFileW(h, &f));
        FindClose(h);
    }
    RemoveDirectoryW(dir.c_str());
}

bool scenario_ok(const char* name, Child& child, DWORD ms) {
    const int code = child.wait(ms);
    const bool done = child.output().find("scenario " + std::string(name) + ": done, 0 failures") != std::string::npos;
    std::printf("--- %s\n%s", name, child.output().c_str());
    const bool ok = code == 0 && done;
    std::printf("--- %s: %s (exit %d%s)\n", name, ok ? "ok" : "FAILED", code,
                code == -1 ? ", killed at its deadline" : done ? "" : ", no completion line");
    return ok;
}

int run_monitor(const std::wstring& monitor, const std::wstring& args, const std::wstring& cwd, std::string* out = nullptr) {
    Child c(monitor, args, cwd);
    const int code = c.wait(kStepMs);
    std::printf("$ olstate-monitor %s -> %d\n%s", narrow(args).c_str(), code, c.output().c_str());
    if (out) *out = c.output();
    return code;
}

// Whether a key created in the 32-bit view of HKCU\Software\Classes\CLSID
// stays out of the 64-bit view (Windows 7 and later: yes; Wine 8: no).
bool clsid_is_redirected() {
    const std::wstring probe = L"Software\\Classes\\CLSID\\{0D5E3A4C-1B2F-4E6A-8C7D-olstateprobe}";
    HKEY k = nullptr;
    if (RegCreateKeyExW(HKEY_CURRENT_USER, probe.c_str(), 0, nullptr, 0, KEY_WRITE | KEY_WOW64_32KEY, nullptr, &k,
                        nullptr) != ERROR_SUCCESS)
        return false;
    RegCloseKey(k);
    const bool shared = key_exists(KEY_WOW64_64KEY, probe);
    RegDeleteKeyExW(HKEY_CURRENT_USER, probe.c_str(), KEY_WOW64_32KEY, 0);
    return !shared;
}

// A file holding only the headers of a DLL for `machine`: all the
// registration reads to pick the registry view.
void write_dll_header(const std::wstring& path, WORD machine) {
    HANDLE f = CreateFileW(path.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, 0, nullptr);
    std::vector<BYTE> image(512, 0);
    auto* dos = reinterpret_cast<IMAGE_DOS_HEADER*>(image.data());
    dos->e_magic = IMAGE_DOS_SIGNATURE;
    dos->e_lfanew = 0x80;
    *reinterpret_cast<DWORD*>(image.data() + 0x80) = IMAGE_NT_SIGNATURE;
    auto* file = reinterpret_cast<IMAGE_FILE_HEADER*>(image.data() + 0x84);
    file->Machine = machine;
    file->Characteristics = IMAGE_FILE_DLL | IMAGE_FILE_EXECUTABLE_IMAGE;
    DWORD put = 0;
    WriteFile(f, image.data(), static_cast<DWORD>(image.size()), &put, nullptr);
    CloseHandle(f);
}

// Registration alone: keys, values, views, and an exact uninstall.
int registration(const std::wstring& monitor, const std::wstring& addin, const std::wstring& root) {
    int failed = 0;
    const auto check = [&](bool ok, const char* what) {
        std::printf("registration: %s: %s\n", what, ok ? "ok" : "FAILED");
        if (!ok) ++failed;
    };
    // 1. The 64-bit add-in, on a registry without any Office key.
    const std::string before = snapshot();
    std::string said;
    check(run_monitor(monitor, L"--install-addin --addin-path " + quote(addin), root, &said) == 0, "install exits 0");
    // The view is chosen from the DLL's PE header (what Wine's shared
    // CLSID key cannot show): the monitor says which one it wrote.
    check(said.find("(64-bit view)") != std::string::npos, "the x64 DLL goes to the 64-bit view");
    check(reg_dword(kAddinsKey, L"LoadBehavior") == 3, "LoadBehavior is 3");
    check(reg_string(0, kAddinsKey, L"FriendlyName") == kFriendlyName, "FriendlyName");
    check(!reg_string(0, kAddinsKey, L"Description").empty(), "Description");
    check(reg_string(0, kProgIdKey + L"\\CLSID", nullptr) == kClsidText, "ProgID -> CLSID");
    check(_wcsicmp(reg_string(KEY_WOW64_64KEY, kClsidKey + L"\\InprocServer32", nullptr).c_str(), addin.c_str()) == 0,
          "InprocServer32 (64-bit view) names the DLL");
    check(reg_string(KEY_WOW64_64KEY, kClsidKey + L"\\InprocServer32", L"ThreadingModel") == L"Apartment",
          "ThreadingModel Apartment");
    check(reg_string(KEY_WOW64_64KEY, kClsidKey + L"\\ProgID", nullptr) == kProgId, "CLSID -> ProgID");
    // Windows keeps a 32-bit HKCU\Software\Classes\CLSID apart (Wow6432Node);
    // Wine 8 shares one, so what can be checked depends on the registry.
    const bool redirected = clsid_is_redirected();
    std::printf("registration: this registry %s HKCU\\Software\\Classes\\CLSID per bitness\n",
                redirected ? "redirects" : "does not redirect (Wine)");
    if (redirected) check(!key_exists(KEY_WOW64_32KEY, kClsidKey), "nothing in the 32-bit view");
    check(run_monitor(monitor, L"--install-addin --addin-path " + quote(addin), root) == 0, "installing twice");
    check(run_monitor(monitor, L"--uninstall-addin", root) == 0, "uninstall exits 0");
    const std::string after = snapshot();
    check(before == after, "uninstall leaves the registry as it was");
    if (before != after) std::printf("before:\n%s\nafter:\n%s\n", before.c_str(), after.c_str());

    // 2. A 32-bit DLL next to another add-in's key: the CLSID lands where
    // 32-bit Outlook reads it, and the other add-in survives the uninstall.
    HKEY other = nullptr;
    const std::wstring other_key = L"Software\\Microsoft\\Office\\Outlook\\Addins\\Other.Addin";
    RegCreateKeyExW(HKEY_CURRENT_USER, other_key.c_str(), 0, nullptr, 0, KEY_WRITE, nullptr, &other, nullptr);
    const DWORD three = 3;
    RegSetValueExW(other, L"LoadBehavior", 0, REG_DWORD, reinterpret_cast<const BYTE*>(&three), sizeof three);
    RegCloseKey(other);
    const std::wstring dll32 = root + L"olstate_addin32.dll";
    write_dll_header(dll32, IMAGE_FILE_MACHINE_I386);
    const std::string before32 = snapshot();
    check(run_monitor(monitor, L"--install-addin --addin-path " + quote(dll32), root, &said) == 0, "install (x86 DLL)");
    check(said.find("(32-bit view)") != std::string::npos, "the x86 DLL goes to the 32-bit view");
    check(_wcsicmp(reg_string(KEY_WOW64_32KEY, kClsidKey + L"\\InprocServer32", nullptr).c_str(), dll32.c_str()) == 0,
          "InprocServer32 in the 32-bit view names the x86 DLL");
    if (redirected) {
        check(key_exists(KEY_WOW64_64KEY, L"Software\\Classes\\Wow6432Node\\CLSID\\" + std::wstring(kClsidText)),
              "the 32-bit view is Software\\Classes\\Wow6432Node\\CLSID");
        check(!key_exists(KEY_WOW64_64KEY, kClsidKey), "nothing in the 64-bit view");
    }
    check(run_monitor(monitor, L"--uninstall-addin", root) == 0, "uninstall (x86 DLL)");
    check(before32 == snapshot(), "uninstall leaves the other add-in and everything else");
    check(reg_dword(other_key, L"LoadBehavior") == 3, "the other add-in's key is untouched");
    RegDeleteTreeW(HKEY_CURRENT_USER, other_key.c_str());
    for (const wchar_t* parent : {L"Software\\Microsoft\\Office\\Outlook\\Addins", L"Software\\Microsoft\\Office\\Outlook",
                                  L"Software\\Microsoft\\Office"})
        if (!before_had(before, parent)) delete_if_empty(parent);
    check(before == snapshot(), "registry back to the start");

    // 3. Without --addin-path: olstate_addin.dll next to the monitor.
    const std::wstring beside = dir_of(monitor) + kDllName;
    check(CopyFileW(addin.c_str(), beside.c_str(), FALSE) != 0, "add-in copied next to the monitor");
    check(run_monitor(monitor, L"--install-addin", root) == 0, "install with the default path");
    check(_wcsicmp(reg_string(0, kClsidKey + L"\\InprocServer32", nullptr).c_str(), beside.c_str()) == 0,
          "the default path is next to olstate-monitor.exe");
    check(run_monitor(monitor, L"--uninstall-addin", root) == 0 && before == snapshot(), "and uninstalled");
    DeleteFileW(beside.c_str());

    // 4. Refusals and usage errors: the registry stays untouched.
    std::string out;
    const std::wstring arm = root + L"olstate_addin_arm64.dll";
    write_dll_header(arm, 0xAA64 /* IMAGE_FILE_MACHINE_ARM64 */);
    check(run_monitor(monitor, L"--install-addin --addin-path " + quote(arm), root, &out) == 1 &&
              out.find("ARM64") != std::string::npos,
          "an ARM64 DLL is refused");
    check(run_monitor(monitor, L"--install-addin --addin-path " + quote(monitor), root, &out) == 1 &&
              out.find("not a Windows DLL") != std::string::npos,
          "an EXE is refused");
    check(before == snapshot(), "refusals write nothing");
    check(run_monitor(monitor, L"--install-addin --addin-path " + quote(root + L"missing.dll"), root, &out) == 1 &&
              out.find("does not exist") != std::string::npos,
          "a missing DLL is refused");
    check(run_monitor(monitor, L"--uninstall-addin --addin-path x", root) == 2, "--addin-path with uninstall");
    check(run_monitor(monitor, L"--install-addin --uninstall-addin", root) == 2, "both at once");
    check(run_monitor(monitor, L"--uninstall-addin", root, &out) == 0 &&
              out.find("was not registered") != std::string::npos,
          "uninstall with nothing registered");
    return failed;
}

// The BUSY case alone, in a child (a crash there must fail this test only).
int busy_driver() {
    const std::wstring endpoint = L"olstate-test-busy-" + std::to_wstring(GetCurrentProcessId());
    Child child(self_path(), L"sim-busy x busy " + endpoint, dir_of(self_path()));
    return scenario_ok("busy", child, 2 * kStepMs) ? 0 : 1;
}

int driver() {
    const std::wstring self = self_path();
    const std::wstring here = dir_of(self);        // the build folder's tests/win
    const std::wstring build = here + L"..\\..\\";  // the build folder
    std::wstring tmp(MAX_PATH + 1, L'\0');
    tmp.resize(GetTempPathW(MAX_PATH, tmp.data()));
    const std::wstring root = tmp + L"olstate-bridge-" + std::to_wstring(GetCurrentProcessId()) + L"\\";
    const std::wstring app = root + L"app\\", mapi = root + L"mapi\\", addin_dir = root + L"addin\\";
    for (const auto& d : {root, app, mapi, addin_dir}) CreateDirectoryW(d.c_str(), nullptr);
    std::wstring olstate(MAX_PATH, L'\0');
    olstate.resize(GetModuleFileNameW(GetModuleHandleW(L"olstate.dll"), olstate.data(), MAX_PATH));
    const std::wstring sim = dir_of(olstate) + L"olstate_sim.dll";
    // The add-in alone in its folder: it needs no olstate.dll beside it.
    const bool laid_out = copy(self, app + L"OUTLOOK.EXE") && copy(self, app + L"client.exe") &&
                          copy(olstate, app + L"olstate.dll") && copy(sim, app + L"olstate_sim.dll") &&
                          copy(build + L"tools\\monitor\\olstate-monitor.exe", app + L"olstate-monitor.exe") &&
                          copy(build + L"addin\\olstate_addin.dll", addin_dir + L"olstate_addin.dll") &&
                          copy(sim, mapi + L"olmapi32.dll");
    if (!laid_out) return 1;
    const std::wstring monitor = app + L"olstate-monitor.exe", addin = addin_dir + L"olstate_addin.dll";
    std::printf("test folder %s\n", narrow(root).c_str());
    int failed = 0, passed = 0;

    // A run killed half-way (its deadline) leaves its registry values in the
    // shared Wine prefix: clear them first, so this run starts from the state
    // a finished run leaves.
    run_monitor(monitor, L"--uninstall-addin", root);
    RegDeleteKeyValueW(HKEY_CURRENT_USER, L"Software\\Microsoft\\Office\\16.0\\Outlook", L"DefaultProfile");
    RegDeleteTreeW(HKEY_CURRENT_USER, L"Software\\olstate");
    for (const wchar_t* k : {L"Software\\Microsoft\\Office\\16.0\\Outlook", L"Software\\Microsoft\\Office\\16.0",
                             L"Software\\Microsoft\\Office"})
        delete_if_empty(k);

    const int reg_failed = registration(monitor, addin, root);
    (reg_failed ? failed : passed)++;
    std::printf("--- registration: %s\n", reg_failed ? "FAILED" : "ok");

    // The add-in opens the default profile: the simulator has no profile
    // table, so the registry names it.
    const std::wstring profile_key = L"Software\\Microsoft\\Office\\16.0\\Outlook";
    const bool had_office = key_exists(0, L"Software\\Microsoft\\Office");
    RegSetKeyValueW(HKEY_CURRENT_USER, profile_key.c_str(), L"DefaultProfile", REG_SZ, L"Outlook", 16);
    run_monitor(monitor, L"--install-addin --addin-path " + quote(addin), root);

    // Child arguments: MODE TAG NAME EXTRA [HOST_PID]; NAME is what its
    // completion line says.
    const auto pair = [&](const std::string& name, const wchar_t* host_mode, const wchar_t* host_exe,
                          const std::wstring& host_extra, const wchar_t* client_mode, const std::wstring& extra) {
        const std::wstring tag = L"olstate-bridge-test-" + std::to_wstring(GetCurrentProcessId()) + L"-" + widen(name);
        const NamedEvent connected(tag + L"-connected");
        Child host(app + host_exe,
                   std::wstring(host_mode) + L" " + tag + L" " + widen(name) + L"-host " + quote(host_extra), app);
        const bool up = connected.wait(kStepMs);
        if (!up) std::printf("%s: the host never signalled\n", name.c_str());
        Child client(app + L"client.exe", std::wstring(client_mode) + L" " + tag + L" " + widen(name) + L"-client " +
                                              quote(extra) + L" " + std::to_wstring(host.pid()),
                     app);
        const bool client_ok = up && scenario_ok((name + "-client").c_str(), client, 2 * kStepMs);
        bool host_ok = false;
        if (name == "killed" || name == "reconnect") {
            const int code = host.wait(2 * kStepMs);
            std::printf("--- %s-host (exit %d, 9 = killed by the client)\n%s", name.c_str(), code,
                        host.output().c_str());
            host_ok = code == 9;
        } else {
            host_ok = scenario_ok((name + "-host").c_str(), host, 2 * kStepMs) &&
                      host.output().find("Unhandled") == std::string::npos;  // nothing crashed at exit
        }
        const bool ok = client_ok && host_ok;
        std::printf("--- %s: %s\n", name.c_str(), ok ? "ok" : "FAILED");
        (ok ? passed : failed)++;
    };
    pair("addin", L"addin-host", L"OUTLOOK.EXE", mapi + L"olmapi32.dll", L"follow-auto", L"open");
    {
        // The user lets clients change the state (read at OnConnection).
        const bool had_policy_root = key_exists(0, L"Software\\olstate");
        const DWORD one = 1;
        RegSetKeyValueW(HKEY_CURRENT_USER, olstate::addin::kPolicyKey, olstate::addin::kAllowSetStateValue, REG_DWORD,
                        &one, sizeof one);
        pair("fast-exit", L"addin-fast-exit", L"OUTLOOK.EXE", mapi + L"olmapi32.dll", L"follow-auto",
             L"default-allow");
        RegDeleteTreeW(HKEY_CURRENT_USER, had_policy_root ? olstate::addin::kPolicyKey : L"Software\\olstate");
    }
    const std::wstring killed_endpoint = L"olstate-test-killed-" + std::to_wstring(GetCurrentProcessId());
    pair("killed", L"sim-host", L"client.exe", killed_endpoint, L"follow-kill", killed_endpoint);
    const std::wstring again_endpoint = L"olstate-test-reconnect-" + std::to_wstring(GetCurrentProcessId());
    pair("reconnect", L"sim-host", L"client.exe", again_endpoint, L"follow-reconnect", again_endpoint);

    // olstate-monitor on both ends: --serve over the simulator, and
    // --provider bridge changing the state through it.
    {
        const std::wstring endpoint = L"olstate-test-monitor-" + std::to_wstring(GetCurrentProcessId());
        Child host(monitor, L"--provider simulator --profile mon-serve --serve --allow-set --endpoint " + endpoint, app);
        std::string out;
        int code = -1;
        // The host is up once a client gets through: retry until then (bounded).
        for (int attempt = 0; attempt < 50 && code != 0; ++attempt) {
            Child client(monitor, L"--provider bridge --endpoint " + endpoint + L" --set offline --block", app);
            code = client.wait(kStepMs);
            out = client.output();
            if (code != 0) Sleep(100);
        }
        std::printf("$ olstate-monitor --provider bridge --set offline --block -> %d\n%s", code, out.c_str());
        host.kill();
        host.wait(kStepMs);
        std::printf("$ olstate-monitor --serve (killed)\n%s", host.output().c_str());
        const bool ok = code == 0 && out.find("state: offline") != std::string::npos &&
                        host.output().find("serving:") != std::string::npos &&
                        host.output().find("change_done  online -> offline") != std::string::npos;
        std::printf("--- monitor: %s\n", ok ? "ok" : "FAILED");
        (ok ? passed : failed)++;
    }

    run_monitor(monitor, L"--uninstall-addin", root);
    if (had_office) RegDeleteKeyValueW(HKEY_CURRENT_USER, profile_key.c_str(), L"DefaultProfile");
    else RegDeleteTreeW(HKEY_CURRENT_USER, L"Software\\Microsoft\\Office");
    remove_tree(root);
    std::printf("windows bridge: %d passed, %d failed of 6\n", passed, failed);
    return failed == 0 && passed == 6 ? 0 : 1;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
    setvbuf(stdout, nullptr, _IONBF, 0);
    if (argc < 2) return driver();
    if (argc == 2 && std::wstring(argv[1]) == L"busy") return busy_driver();
    if (argc < 5) {
        std::printf("usage: MODE TAG NAME EXTRA [HOST_PID]\n");
        return 2;
    }
    const std::wstring mode = argv[1], tag = argv[2], extra = argv[4];
    const std::string name = narrow(argv[3]);
    const DWORD host_pid = argc > 5 ? static_cast<DWORD>(std::wcstoul(argv[5], nullptr, 10)) : 0;
    const NamedEvent change(tag + L"-change"), go_away(tag + L"-go-away");
    if (mode == L"addin-host") addin_host(extra, tag);
    else if (mode == L"addin-fast-exit") addin_fast_exit(extra, tag);
    else if (mode == L"sim-host") sim_host(narrow(extra), tag);
    else if (mode == L"sim-busy") sim_busy(narrow(extra));
    else if (mode == L"follow-auto")  // EXTRA: "open" (the add-in got an object model) or "default-allow"
        follow(OLSTATE_PROVIDER_AUTO, nullptr, extra == L"open" ? kOpenProfile : kDefaultProfile,
               extra == L"default-allow", change, go_away);
    else if (mode == L"follow-reconnect") follow_reconnect(narrow(extra), tag, host_pid);
    else if (mode == L"follow-kill") {
        const std::string endpoint = narrow(extra);
        follow(OLSTATE_PROVIDER_BRIDGE, endpoint.c_str(), "bridge-killed", false, change, go_away, [host_pid] {
            const HANDLE host = OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE, FALSE, host_pid);
            EXPECT(host != nullptr);
            if (!host) return;
            EXPECT(TerminateProcess(host, 9));
            WaitForSingleObject(host, kStepMs);
            CloseHandle(host);
            std::printf("client: killed the host\n");
        });
    } else {
        std::printf("unknown scenario %s\n", narrow(mode).c_str());
        return 2;
    }
    std::printf("scenario %s: done, %d failures\n", name.c_str(), failures.load());
    return failures.load() == 0 ? 0 : 1;
}
