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
//   addin-not-ready  the Offline State API answers "not ready" at first:
//                 the add-in opens nothing in OnConnection, tries in
//                 OnStartupComplete and retries from its timer while the
//                 host runs a message loop, until the bridge serves;
//   killed        a simulator host publishing with olstate_bridge_start is
//                 killed: the client sees PROVIDER_LOST, later calls fail;
//   reconnect     OLSTATE_OPEN_RECONNECT: the host killed, a new one on the
//                 same pipe, PROVIDER_BACK and its events;
//   monitor       olstate-monitor --serve and --provider bridge;
//   busy          (argument "busy", test windows-bridge-busy) a second
//                 bridge on a served endpoint is BUSY.
// Each child must exit 0 and print "scenario <name>: done, 0 failures"
// within its deadline, so a hang is a failure, never a stuck CI job.
//
// This file is the driver and the entry point; the roles live in
// bridge_hosts.cpp and bridge_clients.cpp, the registration checks in
// bridge_registration.cpp and bridge_registry.cpp.
#include "bridge_test.h"

using namespace wintest;
using namespace bridgetest;

namespace bridgetest {
std::atomic<int> failures{0};
}  // namespace bridgetest

namespace {



// Every child's strict violations (win_child.h), for the driver's summary.
std::size_t violations_seen = 0;

// The child broke none of Outlook's rules; says how many it broke otherwise.
bool kept_rules(const char* name, const Child& child) {
    const std::size_t n = strict_violations_in(child.output());
    violations_seen += n;
    if (n) std::printf("--- %s: %zu strict simulator violation(s) (above)\n", name, n);
    return n == 0;
}

bool scenario_ok(const char* name, Child& child, DWORD ms) {
    const int code = child.wait(ms);
    const bool done = child.output().find("scenario " + std::string(name) + ": done, 0 failures") != std::string::npos;
    std::printf("--- %s\n%s", name, child.output().c_str());
    const bool ok = kept_rules(name, child) && code == 0 && done;
    std::printf("--- %s: %s (exit %d%s)\n", name, ok ? "ok" : "FAILED", code,
                code == -1 ? ", killed at its deadline" : done ? "" : ", no completion line");
    return ok;
}


int busy_driver() {
    const std::wstring endpoint = L"olstate-test-busy-" + std::to_wstring(GetCurrentProcessId());
    Child child(self_path(), L"sim-busy x busy " + endpoint, dir_of(self_path()));
    const bool ok = scenario_ok("busy", child, 2 * kStepMs);
    std::printf("windows bridge busy: %s; %zu strict simulator violations\n", ok ? "ok" : "FAILED", violations_seen);
    return ok ? 0 : 1;
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
            host_ok = kept_rules((name + "-host").c_str(), host) && code == 9;
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
    {
        // Outlook's Offline State API not ready at startup: the add-in
        // retries from its timer (the host runs a message loop).
        Child host(app + L"OUTLOOK.EXE",
                   L"addin-not-ready x addin-not-ready " + quote(mapi + L"olmapi32.dll"), app);
        const bool ok = scenario_ok("addin-not-ready", host, 2 * kStepMs);
        (ok ? passed : failed)++;
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
        const bool ok = kept_rules("monitor --serve", host) && code == 0 && out.find("state: offline") != std::string::npos &&
                        host.output().find("serving:") != std::string::npos &&
                        host.output().find("change_done  online -> offline") != std::string::npos;
        std::printf("--- monitor: %s\n", ok ? "ok" : "FAILED");
        (ok ? passed : failed)++;
    }

    run_monitor(monitor, L"--uninstall-addin", root);
    if (had_office) RegDeleteKeyValueW(HKEY_CURRENT_USER, profile_key.c_str(), L"DefaultProfile");
    else RegDeleteTreeW(HKEY_CURRENT_USER, L"Software\\Microsoft\\Office");
    remove_tree(root);
    std::printf("windows bridge: %d passed, %d failed of 7; %zu strict simulator violations\n", passed, failed,
                violations_seen);
    return failed == 0 && passed == 7 ? 0 : 1;
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
    else if (mode == L"addin-not-ready") addin_not_ready(extra);
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
