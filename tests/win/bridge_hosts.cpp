// The host processes of the bridge test: the add-in in a host named
// OUTLOOK.EXE, and plain simulator hosts.
#include "bridge_test.h"
#include "fake_object_model.h"

using namespace wintest;

namespace bridgetest {

namespace {

// True when a client of this user's default endpoint gets through.
bool bridge_serves() {
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = OLSTATE_PROVIDER_BRIDGE;
    olstate_session* s = nullptr;
    if (olstate_open_ex(&o, &s) != OLSTATE_OK) return false;
    olstate_close(s);
    return true;
}

// Outlook's main thread between two checks: its message loop.
void run_message_loop(DWORD ms) {
    const ULONGLONG end = GetTickCount64() + ms;
    for (ULONGLONG now = GetTickCount64(); now < end; now = GetTickCount64()) {
        MsgWaitForMultipleObjects(0, nullptr, FALSE, static_cast<DWORD>(end - now), QS_ALLINPUT);
        MSG msg;
        while (PeekMessageW(&msg, nullptr, 0, 0, PM_REMOVE)) {
            TranslateMessage(&msg);
            DispatchMessageW(&msg);
        }
    }
}

}  // namespace

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


// OUTLOOK.EXE with the add-in: connect, serve one change, then Outlook's
// orderly shutdown (OnBeginShutdown, OnDisconnection, Release).
void addin_host(const std::wstring& mapi_path, const std::wstring& tag) {
    const HMODULE mapi = load_mapi(mapi_path);
    LoadedAddin a = load_registered_addin();
    if (!a.addin || !mapi) return;
    // Outlook's object model: the add-in reads the Exchange connection from
    // it on this (Outlook's main) thread only.
    FakeOutlook outlook(kOpenProfileW);
    outlook.log.set_owner(GetCurrentThreadId());
    FakeObject* application = outlook.application;
    connect_addin(a, application);
    // The add-in itself kept no reference to Outlook's objects; its session
    // holds one to read the connection, until it closes.
    EXPECT(application->refs() == 2);
    EXPECT(outlook.log.count() > 0);  // read at open
    {
        // A bridge client gets the mode the add-in read from the object model.
        olstate_open_options o;
        olstate_open_options_init(&o);
        o.provider = OLSTATE_PROVIDER_BRIDGE;
        olstate_session* client = nullptr;
        EXPECT(olstate_open_ex(&o, &client) == OLSTATE_OK);
        uint32_t caps = 0, mode = 0;
        EXPECT(client && olstate_capabilities(client, &caps) == OLSTATE_OK &&
               (caps & OLSTATE_CAPABILITY_CONNECTION_MODE));
        EXPECT(client && olstate_get_connection_mode(client, &mode) == OLSTATE_OK &&
               mode == OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
        EXPECT(olstate_close(client) == OLSTATE_OK);
    }
    NamedEvent(tag + L"-connected").set();
    const NamedEvent change(tag + L"-change"), go_away(tag + L"-go-away");
    // Outlook's main thread between two steps: its message loop runs.
    EXPECT(change.wait_pumping(kStepMs));
    work_offline(mapi, kOpenProfile);
    EXPECT(go_away.wait_pumping(kStepMs));
    SAFEARRAY* custom = nullptr;
    EXPECT(a.addin->OnBeginShutdown(&custom) == S_OK);
    EXPECT(a.addin->OnDisconnection(ext_dm_HostShutdown, &custom) == S_OK);
    EXPECT(a.addin->OnDisconnection(ext_dm_HostShutdown, &custom) == S_OK);  // idempotent
    EXPECT(application->refs() == 1);  // the session's reference went with it
    // The user unloads and loads the add-in again (COM Add-ins dialog): it
    // serves again, with the state the profile has now. Here the endpoint's
    // name is taken when it loads (another bridge serves it, as a stopped
    // bridge's connections hold it for a moment while they say goodbye):
    // its start finds BUSY and it must try again from its timer on this
    // thread's message loop until the name is free.
    olstate_session* other = nullptr;
    olstate_bridge* other_bridge = nullptr;
    {
        olstate_open_options o = OLSTATE_OPEN_OPTIONS_INIT;
        o.provider = OLSTATE_PROVIDER_SIMULATOR;
        o.profile = "Other";
        EXPECT(olstate_open_ex(&o, &other) == OLSTATE_OK);
        olstate_bridge_options bo;
        olstate_bridge_options_init(&bo);  // the default endpoint, the add-in's
        EXPECT(other && olstate_bridge_start(other, &bo, &other_bridge) == OLSTATE_OK);
    }
    EXPECT(a.addin->OnConnection(application, ext_cm_AfterStartup, nullptr, &custom) == S_OK);
    run_message_loop(300);  // a retry or two meet the other bridge
    if (other_bridge) EXPECT(olstate_bridge_stop(other_bridge) == OLSTATE_OK);
    if (other) EXPECT(olstate_close(other) == OLSTATE_OK);
    bool served = false;
    const ULONGLONG freed = GetTickCount64();
    for (int i = 0; i < 200 && !served; ++i) {
        run_message_loop(50);  // the add-in's retry timer runs here
        served = bridge_serves();
    }
    std::printf("host: reloaded while another bridge held the endpoint: the add-in's bridge served %llu ms after "
                "the name was freed\n",
                static_cast<unsigned long long>(GetTickCount64() - freed));
    EXPECT(served);
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
    EXPECT(application->refs() == 1);
    std::printf("host: %zu calls into the object model, %d on another thread than Outlook's main thread\n",
                outlook.log.count(), outlook.log.violations());
    EXPECT(outlook.log.violations() == 0);
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
    // A client sets the state meanwhile: carried to this thread's loop.
    EXPECT(change.wait_pumping(kStepMs));
    work_offline(mapi, kDefaultProfile);
    EXPECT(go_away.wait_pumping(kStepMs));
    std::printf("host: exiting with the add-in connected\n");
}


// OUTLOOK.EXE whose Offline State API is not ready at startup: the
// simulator answers "not ready" to the first three HrOpenOfflineObj calls.
// OnConnection opens nothing, OnStartupComplete tries once and returns, and
// the add-in's timer retries on this thread while it runs its message loop,
// until the bridge serves.
void addin_not_ready(const std::wstring& mapi_path) {
    const HMODULE mapi = load_mapi(mapi_path);
    LoadedAddin a = load_registered_addin();
    if (!a.addin || !mapi) return;
    using SetNotReady = int32_t(OLSTATE_CALL*)(uint32_t);
    using Count = uint32_t(OLSTATE_CALL*)();
    const auto set_not_ready = reinterpret_cast<SetNotReady>(
        reinterpret_cast<void*>(GetProcAddress(mapi, "olstate_sim_set_not_ready")));
    const auto live_objects =
        reinterpret_cast<Count>(reinterpret_cast<void*>(GetProcAddress(mapi, "olstate_sim_live_objects")));
    EXPECT(set_not_ready && live_objects);
    if (!set_not_ready || !live_objects) return;
    EXPECT(set_not_ready(3) == 0);
    SAFEARRAY* custom = nullptr;
    EXPECT(a.addin->OnConnection(nullptr, ext_cm_Startup, nullptr, &custom) == S_OK);
    EXPECT(live_objects() == 0);  // nothing opened during Outlook's startup
    EXPECT(!bridge_serves());
    const ULONGLONG before = GetTickCount64();
    EXPECT(a.addin->OnStartupComplete(&custom) == S_OK);
    std::printf("host: OnStartupComplete returned in %llu ms (the first attempt: not ready)\n",
                GetTickCount64() - before);
    EXPECT(!bridge_serves());
    bool serves = false;
    const ULONGLONG start = GetTickCount64();
    while (!serves && GetTickCount64() - start < kStepMs) {
        run_message_loop(100);
        serves = bridge_serves();
    }
    EXPECT(serves);
    std::printf("host: the bridge serves %llu ms after OnStartupComplete (retried from the add-in's timer)\n",
                GetTickCount64() - start);
    EXPECT(live_objects() == 1);
    EXPECT(a.addin->OnBeginShutdown(&custom) == S_OK);
    EXPECT(a.addin->OnDisconnection(ext_dm_HostShutdown, &custom) == S_OK);
    EXPECT(!bridge_serves());
    EXPECT(a.addin->Release() == 0);
}

namespace {

// A simulator session of `profile` (the session a bridge host publishes).
olstate_session* open_simulator(const char* profile) {
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = OLSTATE_PROVIDER_SIMULATOR;
    o.profile = profile;
    olstate_session* s = nullptr;
    EXPECT(olstate_open_ex(&o, &s) == OLSTATE_OK);
    return s;
}

// olstate_bridge_start on `endpoint`, otherwise with the default options.
olstate_result start_bridge(olstate_session* s, const std::string& endpoint, olstate_bridge** out) {
    olstate_bridge_options b;
    olstate_bridge_options_init(&b);
    b.endpoint = endpoint.c_str();
    return olstate_bridge_start(s, &b, out);
}

}  // namespace

// A plain program publishing a simulator session (what olstate-monitor
// --serve does); killed by the client.
void sim_host(const std::string& endpoint, const std::wstring& tag) {
    olstate_session* s = open_simulator("bridge-killed");
    olstate_bridge* bridge = nullptr;
    EXPECT(start_bridge(s, endpoint, &bridge) == OLSTATE_OK);
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
    olstate_session* s = open_simulator("bridge-busy");
    olstate_bridge* first = nullptr;
    EXPECT(start_bridge(s, endpoint, &first) == OLSTATE_OK);
    olstate_bridge* second = nullptr;
    EXPECT(start_bridge(s, endpoint, &second) == OLSTATE_E_BUSY);
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

}  // namespace bridgetest
