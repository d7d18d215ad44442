// Windows-only tests of the Outlook provider, run under Wine. Run without
// arguments, this program is the driver: it lays out a temporary folder with
// a copy of itself named OUTLOOK.EXE, olstate.dll and copies of the
// simulator (as olmapi32.dll, Outlook's MAPI DLL), runs each scenario as a
// child process and checks what each printed and returned.
#include <objbase.h>
#include <olstate.h>
#include <windows.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

int failures = 0;
#define EXPECT(cond)                                                                     \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            std::printf("FAIL %s:%d: %s (%s)\n", __FILE__, __LINE__, #cond,              \
                        olstate_last_error_message());                                   \
            ++failures;                                                                  \
        }                                                                                \
    } while (0)

std::wstring self_path() {
    wchar_t buf[MAX_PATH];
    const DWORD n = GetModuleFileNameW(nullptr, buf, MAX_PATH);
    return std::wstring(buf, n);
}

std::wstring dir_of(const std::wstring& p) { return p.substr(0, p.find_last_of(L"\\/") + 1); }

std::string narrow(const std::wstring& w) {
    std::string s(static_cast<std::size_t>(WideCharToMultiByte(CP_UTF8, 0, w.c_str(), -1, nullptr, 0, nullptr, nullptr)), '\0');
    WideCharToMultiByte(CP_UTF8, 0, w.c_str(), -1, s.data(), static_cast<int>(s.size()), nullptr, nullptr);
    s.resize(s.size() - 1);
    return s;
}

unsigned events = 0;
void OLSTATE_CALL count_event(const olstate_event*, void*) { ++events; }

// One simulator session through `o`: subscribe, change the state, three events.
void round_trip(olstate_open_options& o, const char* what) {
    olstate_session* s = nullptr;
    const olstate_result r = olstate_open_ex(&o, &s);
    std::printf("%s: open -> %s\n", what, olstate_result_name(r));
    EXPECT(r == OLSTATE_OK);
    if (r != OLSTATE_OK) return;
    events = 0;
    olstate_subscription t = 0;
    EXPECT(olstate_subscribe(s, count_event, nullptr, nullptr, &t) == OLSTATE_OK);
    uint32_t state = 0;
    EXPECT(olstate_get_state(s, &state) == OLSTATE_OK);
    EXPECT(olstate_set_state(s, state == OLSTATE_ONLINE ? OLSTATE_OFFLINE : OLSTATE_ONLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    EXPECT(events == 3);
    olstate_session_info info{};
    info.struct_size = sizeof info;
    EXPECT(olstate_get_session_info(s, &info) == OLSTATE_OK);
    std::printf("%s: provider %u, profile '%s', library %s, %u events\n", what, info.provider, info.profile,
                info.provider_path, events);
    EXPECT(olstate_close(s) == OLSTATE_OK);
}

olstate_open_options inline_options(uint32_t provider) {
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = provider;
    o.delivery = OLSTATE_DELIVERY_INLINE;
    return o;
}

// ---- scenarios (run as child processes) ----

// As OUTLOOK.EXE with Outlook's MAPI DLL already loaded: the provider takes it.
int outlook_loaded(const std::wstring& mapi) {
    HMODULE m = LoadLibraryW(mapi.c_str());
    EXPECT(m != nullptr);
    auto o = inline_options(OLSTATE_PROVIDER_OUTLOOK);
    o.profile = "Outlook";
    round_trip(o, "outlook (already loaded)");
    auto a = inline_options(OLSTATE_PROVIDER_AUTO);
    a.profile = "Outlook";
    round_trip(a, "auto inside OUTLOOK.EXE");
    return failures;
}

// Under another name: the Outlook provider refuses, loading nothing.
int not_outlook() {
    olstate_session* s = nullptr;
    auto o = inline_options(OLSTATE_PROVIDER_OUTLOOK);
    EXPECT(olstate_open_ex(&o, &s) == OLSTATE_E_NOT_IN_OUTLOOK);
    EXPECT(std::strstr(olstate_last_error_message(), "bridge") != nullptr);
    auto a = inline_options(OLSTATE_PROVIDER_AUTO);
    EXPECT(olstate_open_ex(&a, &s) == OLSTATE_E_NOT_IN_OUTLOOK);
    EXPECT(GetModuleHandleW(L"olmapi32.dll") == nullptr);
    std::printf("not outlook: NOT_IN_OUTLOOK, nothing loaded\n");
    return failures;
}

// As OUTLOOK.EXE, nothing loaded: the locator finds the DLL from the registry.
int locator(const std::wstring& mapi) {
    HKEY key = nullptr;
    EXPECT(RegCreateKeyExW(HKEY_LOCAL_MACHINE, L"Software\\Clients\\Mail\\Microsoft Outlook", 0, nullptr, 0,
                           KEY_WRITE, nullptr, &key, nullptr) == ERROR_SUCCESS);
    EXPECT(RegSetValueExW(key, L"DllPathEx", 0, REG_SZ, reinterpret_cast<const BYTE*>(mapi.c_str()),
                          static_cast<DWORD>((mapi.size() + 1) * sizeof(wchar_t))) == ERROR_SUCCESS);
    auto o = inline_options(OLSTATE_PROVIDER_OUTLOOK);
    o.profile = "Outlook";
    round_trip(o, "outlook (located through DllPathEx)");
    RegDeleteValueW(key, L"DllPathEx");
    RegCloseKey(key);
    return failures;
}

// As OUTLOOK.EXE, nothing loaded, no registry: an olmapi32.dll planted in the
// current directory must never be loaded.
int planted() {
    olstate_session* s = nullptr;
    auto o = inline_options(OLSTATE_PROVIDER_OUTLOOK);
    o.profile = "Outlook";
    const olstate_result r = olstate_open_ex(&o, &s);
    std::printf("planted: open -> %s\n", olstate_result_name(r));
    EXPECT(r == OLSTATE_E_PROVIDER_NOT_FOUND);
    EXPECT(std::strstr(olstate_last_error_message(), "tried") != nullptr);
    EXPECT(GetModuleHandleW(L"olmapi32.dll") == nullptr);
    return failures;
}

// The default profile from the registry (the simulator has no profile table).
int default_profile(const std::wstring& sim) {
    HKEY key = nullptr;
    EXPECT(RegCreateKeyExW(HKEY_CURRENT_USER, L"Software\\Microsoft\\Office\\16.0\\Outlook", 0, nullptr, 0,
                           KEY_WRITE, nullptr, &key, nullptr) == ERROR_SUCCESS);
    const wchar_t name[] = L"RegistryDefault";
    EXPECT(RegSetValueExW(key, L"DefaultProfile", 0, REG_SZ, reinterpret_cast<const BYTE*>(name), sizeof name) ==
           ERROR_SUCCESS);
    const std::string path = narrow(sim);
    auto o = inline_options(OLSTATE_PROVIDER_LIBRARY);
    o.provider_path = path.c_str();
    olstate_session* s = nullptr;
    EXPECT(olstate_open_ex(&o, &s) == OLSTATE_OK);
    olstate_session_info info{};
    info.struct_size = sizeof info;
    EXPECT(olstate_get_session_info(s, &info) == OLSTATE_OK);
    EXPECT(std::strcmp(info.profile, "RegistryDefault") == 0);
    std::printf("default profile: '%s'\n", info.profile);
    olstate_close(s);
    RegDeleteValueW(key, L"DefaultProfile");
    // Without any value: PROFILE_NOT_FOUND naming what was tried.
    EXPECT(olstate_open_ex(&o, &s) == OLSTATE_E_PROFILE_NOT_FOUND);
    EXPECT(std::strstr(olstate_last_error_message(), "DefaultProfile") != nullptr);
    RegCloseKey(key);
    return failures;
}

// From STA, MTA and no-apartment threads, with either delivery mode.
int apartments() {
    for (DWORD model : {DWORD(COINIT_APARTMENTTHREADED), DWORD(COINIT_MULTITHREADED), DWORD(~0u)}) {
        std::thread([model] {
            if (model != DWORD(~0u)) CoInitializeEx(nullptr, model);
            auto o = inline_options(OLSTATE_PROVIDER_SIMULATOR);
            o.profile = "apartments";
            round_trip(o, model == COINIT_APARTMENTTHREADED ? "STA" : model == COINIT_MULTITHREADED ? "MTA" : "no COM");
            o.delivery = OLSTATE_DELIVERY_QUEUED;
            olstate_session* s = nullptr;
            EXPECT(olstate_open_ex(&o, &s) == OLSTATE_OK);
            EXPECT(olstate_close(s) == OLSTATE_OK);
            if (model != DWORD(~0u)) CoUninitialize();
        }).join();
    }
    return failures;
}

// ---- the driver ----

bool copy(const std::wstring& from, const std::wstring& to) { return CopyFileW(from.c_str(), to.c_str(), FALSE) != 0; }

int run(const std::wstring& exe, const std::wstring& args, const std::wstring& cwd) {
    std::wstring cmd = L"\"" + exe + L"\" " + args;
    STARTUPINFOW si{};
    si.cb = sizeof si;
    PROCESS_INFORMATION pi{};
    if (!CreateProcessW(exe.c_str(), cmd.data(), nullptr, nullptr, FALSE, 0, nullptr, cwd.c_str(), &si, &pi)) {
        std::printf("FAIL: cannot start %s (%lu)\n", narrow(exe).c_str(), GetLastError());
        return 1;
    }
    WaitForSingleObject(pi.hProcess, 60000);
    DWORD code = 1;
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return static_cast<int>(code);
}

int driver() {
    const std::wstring self = self_path();
    const std::wstring here = dir_of(self);
    wchar_t tmp[MAX_PATH];
    GetTempPathW(MAX_PATH, tmp);
    const std::wstring root = std::wstring(tmp) + L"olstate-win-" + std::to_wstring(GetCurrentProcessId()) + L"\\";
    const std::wstring app = root + L"app\\", mapi = root + L"mapi\\", cwd = root + L"cwd\\";
    for (const auto& d : {root, app, mapi, cwd}) CreateDirectoryW(d.c_str(), nullptr);
    // olstate.dll and olstate_sim.dll come from the build (PATH), found by
    // this very process: copy what it loaded.
    const std::wstring olstate = [] {
        wchar_t b[MAX_PATH];
        GetModuleFileNameW(GetModuleHandleW(L"olstate.dll"), b, MAX_PATH);
        return std::wstring(b);
    }();
    const std::wstring sim = dir_of(olstate) + L"olstate_sim.dll";
    bool ok = copy(self, app + L"OUTLOOK.EXE") && copy(self, app + L"other.exe") && copy(olstate, app + L"olstate.dll") &&
              copy(sim, app + L"olstate_sim.dll") && copy(sim, mapi + L"olmapi32.dll") && copy(sim, cwd + L"olmapi32.dll");
    if (!ok) {
        std::printf("FAIL: cannot lay out %s\n", narrow(root).c_str());
        return 1;
    }
    struct Scenario {
        const wchar_t* exe;
        std::wstring args;
        const std::wstring* dir;
    };
    const Scenario scenarios[] = {
        {L"OUTLOOK.EXE", L"outlook-loaded \"" + mapi + L"olmapi32.dll\"", &app},
        {L"other.exe", L"not-outlook", &app},
        {L"OUTLOOK.EXE", L"locator \"" + mapi + L"olmapi32.dll\"", &app},
        {L"OUTLOOK.EXE", L"planted", &cwd},
        {L"other.exe", L"default-profile \"" + app + L"olstate_sim.dll\"", &app},
        {L"other.exe", L"apartments", &app},
    };
    int failed = 0, passed = 0;
    for (const auto& sc : scenarios) {
        const int code = run(app + sc.exe, sc.args, *sc.dir);
        std::printf("%-12s %-60s -> %s\n", narrow(sc.exe).c_str(), narrow(sc.args).substr(0, 60).c_str(),
                    code == 0 ? "ok" : "FAILED");
        (code == 0 ? passed : failed)++;
    }
    std::printf("windows provider: %d passed, %d failed\n", passed, failed);
    return failed == 0 && passed == 6 ? 0 : 1;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
    setvbuf(stdout, nullptr, _IONBF, 0);
    if (argc < 2) return driver();
    const std::wstring mode = argv[1];
    const std::wstring arg = argc > 2 ? argv[2] : L"";
    if (mode == L"outlook-loaded") return outlook_loaded(arg);
    if (mode == L"not-outlook") return not_outlook();
    if (mode == L"locator") return locator(arg);
    if (mode == L"planted") return planted();
    if (mode == L"default-profile") return default_profile(arg);
    if (mode == L"apartments") return apartments();
    std::printf("unknown mode\n");
    return 2;
}
