// See addin_timing.h. Usage: olstate-win-addin-timing [CYCLES] (the driver);
// the driver starts itself as OUTLOOK.EXE ("host TAG CYCLES MAPI ADDIN") and
// the host starts its clients ("client TAG INDEX").
#include <objbase.h>
#include <olstate.h>
#include <psapi.h>
#include <windows.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../../addin/addin_ids.h"
#include "../../addin/extensibility.h"
#include "addin_timing.h"
#include "fake_object_model.h"
#include "win_child.h"

using namespace wintest;
using namespace olstate::addin;

namespace addintiming {

namespace {

int failures = 0;
void check(bool ok, const char* what) {
    if (!ok) {
        std::printf("FAIL: %s\n", what);
        ++failures;
    }
}

double now_us() {
    static const double freq = [] {
        LARGE_INTEGER f;
        QueryPerformanceFrequency(&f);
        return static_cast<double>(f.QuadPart);
    }();
    LARGE_INTEGER c;
    QueryPerformanceCounter(&c);
    return static_cast<double>(c.QuadPart) * 1e6 / freq;
}

// This process's commit charge (PagefileUsage: Wine leaves PrivateUsage 0)
// and working set, kB.
struct Memory {
    double commit_kb = 0, working_kb = 0;
};
Memory memory_now() {
    PROCESS_MEMORY_COUNTERS m{};
    m.cb = sizeof m;
    GetProcessMemoryInfo(GetCurrentProcess(), &m, sizeof m);
    return Memory{static_cast<double>(m.PagefileUsage) / 1024.0, static_cast<double>(m.WorkingSetSize) / 1024.0};
}

// The time one entry point took, per cycle.
struct Timings {
    const char* name;
    std::vector<double> us;
    template <class F>
    void time(F call) {
        const double t0 = now_us();
        const HRESULT hr = call();
        us.push_back(now_us() - t0);
        check(hr == S_OK, name);
    }
    void print() const {
        std::vector<double> v = us;
        std::sort(v.begin(), v.end());
        std::printf("  %-20s median %10.1f us   min %10.1f   max %10.1f   (%zu calls)\n", name, v[v.size() / 2], v.front(),
                    v.back(), v.size());
    }
};

// The five entry points, timed per cycle.
struct EntryPoints {
    Timings on_connection{"OnConnection", {}}, on_startup{"OnStartupComplete", {}}, on_update{"OnAddInsUpdate", {}},
        on_begin{"OnBeginShutdown", {}}, on_disconnection{"OnDisconnection", {}};
    void print() const {
        for (const Timings* t : {&on_connection, &on_startup, &on_update, &on_begin, &on_disconnection}) t->print();
    }
};

// The add-in's bridge answers a client of this process (bounded wait).
bool bridge_reachable() {
    for (int attempt = 0; attempt < 200; ++attempt) {
        olstate_open_options o;
        olstate_open_options_init(&o);
        o.provider = OLSTATE_PROVIDER_BRIDGE;
        olstate_session* probe = nullptr;
        if (olstate_open_ex(&o, &probe) == OLSTATE_OK) {
            olstate_close(probe);
            return true;
        }
        Sleep(50);
    }
    return false;
}

// Waits until `count` clients said they reached the host, running this
// thread's message loop meanwhile as Outlook's main thread does (the
// add-in's retries run from a timer of this thread).
bool wait_connected(HANDLE semaphore, int count) {
    for (int i = 0; i < count; ++i) {
        const ULONGLONG end = GetTickCount64() + 30000;
        for (;;) {
            const ULONGLONG now = GetTickCount64();
            if (now >= end) return false;
            const DWORD r =
                MsgWaitForMultipleObjects(1, &semaphore, FALSE, static_cast<DWORD>(end - now), QS_ALLINPUT);
            if (r == WAIT_OBJECT_0) break;
            MSG msg;
            while (PeekMessageW(&msg, nullptr, 0, 0, PM_REMOVE)) {
                TranslateMessage(&msg);
                DispatchMessageW(&msg);
            }
        }
    }
    return true;
}

using SimSetState = int32_t(OLSTATE_CALL*)(const char*, uint32_t, int32_t);
using GetClassObjectFn = HRESULT(STDAPICALLTYPE*)(REFCLSID, REFIID, void**);

// OUTLOOK.EXE: the MAPI DLL first (as in Outlook), then the add-in created
// through its class factory and driven through its cycles.
int host(const std::wstring& tag, int cycles, const std::wstring& mapi_path, const std::wstring& addin_path) {
    CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED);  // Outlook's UI thread is an STA
    const HMODULE mapi = LoadLibraryW(mapi_path.c_str());
    const HMODULE addin_dll = LoadLibraryW(addin_path.c_str());
    check(mapi && addin_dll, "loading the MAPI DLL and the add-in");
    if (!mapi || !addin_dll) return 1;
    const auto set_state =
        reinterpret_cast<SimSetState>(reinterpret_cast<void*>(GetProcAddress(mapi, "olstate_sim_set_state")));
    const auto get_class_object =
        reinterpret_cast<GetClassObjectFn>(reinterpret_cast<void*>(GetProcAddress(addin_dll, "DllGetClassObject")));
    CLSID clsid{};
    CLSIDFromString(olstate::addin::kClsidText, &clsid);
    IClassFactory* factory = nullptr;
    IDTExtensibility2* addin_object = nullptr;
    check(get_class_object && get_class_object(clsid, IID_IClassFactory, reinterpret_cast<void**>(&factory)) == S_OK,
          "DllGetClassObject");
    if (factory) {
        factory->CreateInstance(nullptr, IID_IDTExtensibility2, reinterpret_cast<void**>(&addin_object));
        factory->Release();
    }
    check(addin_object != nullptr && set_state != nullptr, "creating the add-in");
    if (!addin_object || !set_state) return 1;
    bridgetest::FakeObject* session = bridgetest::FakeObject::create(L"CurrentProfileName", nullptr, L"Bench");
    bridgetest::FakeObject* application = bridgetest::FakeObject::create(L"Session", session, L"");

    const HANDLE connected = CreateSemaphoreW(nullptr, 0, 1024, connected_name(tag).c_str());
    const HANDLE quit = CreateEventW(nullptr, TRUE, FALSE, quit_name(tag).c_str());
    EntryPoints alone, with_clients;
    Memory memory0, memory16;
    std::vector<std::unique_ptr<Child>> clients;
    SAFEARRAY* custom = nullptr;
    uint32_t state = OLSTATE_ONLINE;
    // One Outlook session: start, two changes, orderly shutdown.
    const auto cycle = [&](EntryPoints& t, bool first, int waiting_clients, Memory* memory) {
        t.on_connection.time([&] {
            return addin_object->OnConnection(application, first ? ext_cm_Startup : ext_cm_AfterStartup, nullptr, &custom);
        });
        t.on_startup.time([&] { return addin_object->OnStartupComplete(&custom); });
        if (waiting_clients) check(wait_connected(connected, waiting_clients), "16 clients reached the bridge");
        else check(bridge_reachable(), "the add-in's bridge answers");
        if (memory) {
            Sleep(500);  // the threads that served the last connections have settled
            *memory = memory_now();
        }
        for (int k = 0; k < 2; ++k) {  // two changes the clients follow
            state = state == OLSTATE_ONLINE ? OLSTATE_OFFLINE : OLSTATE_ONLINE;
            check(set_state("Bench", state, 1) == 0, "olstate_sim_set_state");
        }
        Sleep(200);
        t.on_update.time([&] { return addin_object->OnAddInsUpdate(&custom); });
        t.on_begin.time([&] { return addin_object->OnBeginShutdown(&custom); });  // stops the bridge, tells the clients
        t.on_disconnection.time([&] { return addin_object->OnDisconnection(ext_dm_HostShutdown, &custom); });
    };
    for (int i = 0; i < cycles; ++i) cycle(alone, i == 0, 0, i == 0 ? &memory0 : nullptr);
    // The 16 clients wait (OLSTATE_OPEN_RECONNECT) while Outlook is started
    // again, as tray tools started before Outlook do; they stay for every
    // later cycle.
    const std::wstring self = self_path();
    for (int i = 0; i < kClients; ++i)
        clients.push_back(std::make_unique<Child>(dir_of(self) + L"client.exe",
                                                  L"client " + tag + L" " + std::to_wstring(i), dir_of(self)));
    for (int i = 0; i < cycles; ++i) cycle(with_clients, false, kClients, i == 0 ? &memory16 : nullptr);
    // What 32 bare threads cost here (the host starts two per client), to
    // tell the bridge's own memory from the threads' under Wine.
    const Memory before_threads = memory_now();
    const HANDLE release = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    std::vector<std::thread> bare;
    for (int i = 0; i < 2 * kClients; ++i) bare.emplace_back([release] { WaitForSingleObject(release, INFINITE); });
    Sleep(200);
    const Memory with_threads = memory_now();
    SetEvent(release);
    for (auto& t : bare) t.join();
    CloseHandle(release);
    SetEvent(quit);
    int client_failures = 0;
    for (auto& c : clients) {
        const int code = c->wait(30000);
        std::printf("%s", c->output().c_str());
        if (code != 0) ++client_failures;
    }
    check(client_failures == 0, "every client exited 0");
    addin_object->Release();
    application->Release();
    session->Release();
    std::printf("add-in entry points, %d cycles each (QueryPerformanceCounter, us):\n", cycles);
    std::printf(" no client:\n");
    alone.print();
    std::printf(" %d client processes connected (waiting with OLSTATE_OPEN_RECONNECT while the add-in starts):\n", kClients);
    with_clients.print();
    std::printf("host memory, bridge running: 0 clients: commit %.0f kB, working set %.0f kB; "
                "%d clients: commit %.0f kB, working set %.0f kB\n",
                memory0.commit_kb, memory0.working_kb, kClients, memory16.commit_kb, memory16.working_kb);
    std::printf("32 bare std::threads: commit +%.0f kB, working set +%.0f kB\n",
                with_threads.commit_kb - before_threads.commit_kb, with_threads.working_kb - before_threads.working_kb);
    std::printf("addin timing: %d failures\n", failures);
    CloseHandle(quit);
    CloseHandle(connected);
    return failures == 0 ? 0 : 1;
}

// Lays out OUTLOOK.EXE, client.exe, olstate.dll, the simulator as
// olmapi32.dll and the add-in in a temporary folder and runs the host.
int driver(int cycles) {
    const std::wstring self = self_path(), here = dir_of(self), build = here + L"..\\..\\";
    std::wstring tmp(MAX_PATH + 1, L'\0');
    tmp.resize(GetTempPathW(MAX_PATH, tmp.data()));
    const std::wstring root = tmp + L"olstate-addin-timing-" + std::to_wstring(GetCurrentProcessId()) + L"\\";
    const std::wstring app = root + L"app\\", mapi = root + L"mapi\\", addin = root + L"addin\\";
    for (const auto& d : {root, app, mapi, addin}) CreateDirectoryW(d.c_str(), nullptr);
    std::wstring olstate(MAX_PATH, L'\0');
    olstate.resize(GetModuleFileNameW(GetModuleHandleW(L"olstate.dll"), olstate.data(), MAX_PATH));
    const bool laid_out = copy(self, app + L"OUTLOOK.EXE") && copy(self, app + L"client.exe") &&
                          copy(olstate, app + L"olstate.dll") &&
                          copy(dir_of(olstate) + L"olstate_sim.dll", mapi + L"olmapi32.dll") &&
                          copy(build + L"addin\\olstate_addin.dll", addin + L"olstate_addin.dll");
    int code = 1;
    if (laid_out) {
        const std::wstring tag = L"olstate-addin-timing-" + std::to_wstring(GetCurrentProcessId());
        Child host(app + L"OUTLOOK.EXE",
                   L"host " + tag + L" " + std::to_wstring(cycles) + L" " + quote(mapi + L"olmapi32.dll") + L" " +
                       quote(addin + L"olstate_addin.dll"),
                   app);
        code = host.wait(600000);
        std::printf("%s", host.output().c_str());
    }
    remove_tree(root);
    return code;
}

}  // namespace

}  // namespace addintiming

int wmain(int argc, wchar_t** argv) {
    setvbuf(stdout, nullptr, _IONBF, 0);
    using namespace addintiming;
    const std::wstring mode = argc > 1 ? argv[1] : L"";
    if (mode == L"host" && argc == 6) return host(argv[2], _wtoi(argv[3]), argv[4], argv[5]);
    if (mode == L"client" && argc == 4) return run_client(argv[2], _wtoi(argv[3]));
    if (argc <= 2) return driver(argc == 2 ? std::max(1, _wtoi(argv[1])) : 5);
    std::printf("usage: olstate-win-addin-timing [CYCLES]\n");
    return 2;
}
