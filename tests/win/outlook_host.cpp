// Windows-only tests of the Outlook provider, run under Wine.
//
// Run without arguments this program is the driver: it lays out a temporary
// folder with copies of itself named OUTLOOK.EXE and other.exe, olstate.dll,
// the simulator (also copied as olmapi32.dll / msmapi32.dll, Outlook's MAPI
// DLL names) and fake_mapi.dll (a MAPI DLL with a profile table), runs each
// scenario as a child process and checks both its exit code and that it
// printed "scenario <name>: done" - so a child that exits 0 without running
// (as 32-bit programs do under a 64-bit-only Wine) never counts as a pass.
#include <objbase.h>
#include <olstate.h>
#include <windows.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "win_child.h"
#include "expect.h"

using namespace wintest;

namespace {

std::atomic<int> failures{0};
#define EXPECT(cond) WINTEST_EXPECT_IN(failures, cond)

// ---- RAII and strings ----

class Handle {
public:
    explicit Handle(HANDLE h = nullptr) : h_(h == INVALID_HANDLE_VALUE ? nullptr : h) {}
    ~Handle() {
        if (h_) CloseHandle(h_);
    }
    Handle(Handle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    Handle& operator=(Handle&&) = delete;
    HANDLE get() const { return h_; }
    HANDLE* put() { return &h_; }

private:
    HANDLE h_;
};

class Key {
public:
    Key(HKEY root, const std::wstring& path, REGSAM access = KEY_READ | KEY_WRITE) {
        if (RegCreateKeyExW(root, path.c_str(), 0, nullptr, 0, access, nullptr, &key_, nullptr) != ERROR_SUCCESS)
            key_ = nullptr;
    }
    ~Key() {
        if (key_) RegCloseKey(key_);
    }
    Key(const Key&) = delete;
    Key& operator=(const Key&) = delete;
    HKEY get() const { return key_; }

private:
    HKEY key_ = nullptr;
};

bool key_exists(HKEY root, const std::wstring& path) {
    HKEY k = nullptr;
    if (RegOpenKeyExW(root, path.c_str(), 0, KEY_READ, &k) != ERROR_SUCCESS) return false;
    RegCloseKey(k);
    return true;
}

// A registry value set for one scenario, removed afterwards together with
// every key the test had to create for it (Wine's registry outlives the test).
class ScopedValue {
public:
    ScopedValue(HKEY root, const std::wstring& path, const wchar_t* name, DWORD type, const std::wstring& data)
        : root_(root), path_(path), name_(name) {
        // The first component of `path` that does not exist yet.
        for (std::size_t pos = 0;;) {
            pos = path.find(L'\\', pos + 1);
            const std::wstring prefix = path.substr(0, pos);
            if (!key_exists(root, prefix)) {
                created_ = prefix;
                break;
            }
            if (pos == std::wstring::npos) break;
        }
        const Key key(root, path);
        ok_ = key.get() && RegSetValueExW(key.get(), name, 0, type, reinterpret_cast<const BYTE*>(data.c_str()),
                                          static_cast<DWORD>((data.size() + 1) * sizeof(wchar_t))) == ERROR_SUCCESS;
    }
    ~ScopedValue() {
        if (!created_.empty()) {
            RegDeleteTreeW(root_, created_.c_str());
        } else {
            const Key key(root_, path_);
            if (key.get()) RegDeleteValueW(key.get(), name_.c_str());
        }
    }
    ScopedValue(const ScopedValue&) = delete;
    ScopedValue& operator=(const ScopedValue&) = delete;
    bool ok() const { return ok_; }

private:
    HKEY root_;
    std::wstring path_, name_, created_;
    bool ok_ = false;
};

const wchar_t* const kMailClient = L"Software\\Clients\\Mail\\Microsoft Outlook";
const wchar_t* const kOffice16 = L"Software\\Microsoft\\Office\\16.0\\Outlook";
const wchar_t* const kMessaging =
    L"Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows Messaging Subsystem\\Profiles";

// ---- sessions ----

struct Recorder {
    std::atomic<unsigned> events{0};
    std::atomic<DWORD> thread{0};
};
void OLSTATE_CALL record(const olstate_event*, void* context) {
    auto* r = static_cast<Recorder*>(context);
    r->thread.store(GetCurrentThreadId());
    ++r->events;
}

olstate_open_options options(uint32_t provider, uint32_t delivery = OLSTATE_DELIVERY_INLINE) {
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = provider;
    o.delivery = delivery;
    return o;
}

struct Info {
    uint32_t provider = 0;
    std::string profile, path;
    DWORD callback_thread = 0;
};

// open -> subscribe -> set state (blocking) -> three events -> close.
Info round_trip(const olstate_open_options& o, const char* what) {
    Info out;
    olstate_session* s = nullptr;
    const olstate_result r = olstate_open_ex(&o, &s);
    std::printf("%s: open -> %s %s\n", what, olstate_result_name(r), r ? olstate_last_error_message() : "");
    EXPECT(r == OLSTATE_OK);
    if (r != OLSTATE_OK) return out;
    Recorder rec;
    olstate_subscription token = 0;
    EXPECT(olstate_subscribe(s, record, &rec, nullptr, &token) == OLSTATE_OK);
    uint32_t state = 0;
    EXPECT(olstate_get_state(s, &state) == OLSTATE_OK);
    const uint32_t target = state == OLSTATE_ONLINE ? OLSTATE_OFFLINE : OLSTATE_ONLINE;
    EXPECT(olstate_set_state(s, target, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (rec.events.load() < 3 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT(rec.events.load() == 3);
    uint32_t now = 0;
    EXPECT(olstate_get_state(s, &now) == OLSTATE_OK && now == target);
    olstate_session_info info{};
    info.struct_size = sizeof info;
    EXPECT(olstate_get_session_info(s, &info) == OLSTATE_OK);
    out = {info.provider, info.profile ? info.profile : "", info.provider_path ? info.provider_path : "",
           rec.thread.load()};
    std::printf("%s: provider %u, profile '%s', library %s, %u events\n", what, out.provider, out.profile.c_str(),
                out.path.c_str(), rec.events.load());
    EXPECT(olstate_unsubscribe(s, token) == OLSTATE_OK);
    EXPECT(olstate_close(s) == OLSTATE_OK);
    return out;
}

bool same_file(const std::string& a, const std::wstring& b) { return _stricmp(a.c_str(), narrow(b).c_str()) == 0; }

template <class Fn>
Fn symbol(HMODULE m, const char* name) {
    return reinterpret_cast<Fn>(reinterpret_cast<void*>(GetProcAddress(m, name)));
}

// ---- scenarios (each runs in a child process) ----

// OUTLOOK.EXE with Outlook's MAPI DLL already loaded (as Outlook loads it
// before any add-in): the provider takes that module, for OUTLOOK and AUTO.
void outlook_loaded(const std::wstring& mapi) {
    const HMODULE m = LoadLibraryW(mapi.c_str());  // the test plays Outlook here
    EXPECT(m != nullptr);
    for (uint32_t delivery : {OLSTATE_DELIVERY_INLINE, OLSTATE_DELIVERY_QUEUED}) {
        auto o = options(OLSTATE_PROVIDER_OUTLOOK, delivery);
        o.profile = "Outlook";
        const Info i = round_trip(o, delivery == OLSTATE_DELIVERY_INLINE ? "outlook, inline" : "outlook, queued");
        EXPECT(i.provider == OLSTATE_PROVIDER_OUTLOOK);
        EXPECT(same_file(i.path, mapi));
    }
    auto a = options(OLSTATE_PROVIDER_AUTO);
    a.profile = "Outlook";
    const Info i = round_trip(a, "auto inside OUTLOOK.EXE");
    EXPECT(i.provider == OLSTATE_PROVIDER_OUTLOOK);
    EXPECT(same_file(i.path, mapi));
}

// Under another name: OUTLOOK refuses and AUTO goes to the bridge (none
// runs here: PROVIDER_NOT_FOUND), loading no MAPI DLL either way.
void not_outlook() {
    for (uint32_t provider : {OLSTATE_PROVIDER_OUTLOOK, OLSTATE_PROVIDER_AUTO}) {
        olstate_session* s = nullptr;
        auto o = options(provider);
        EXPECT(olstate_open_ex(&o, &s) ==
               (provider == OLSTATE_PROVIDER_AUTO ? OLSTATE_E_PROVIDER_NOT_FOUND : OLSTATE_E_NOT_IN_OUTLOOK));
        EXPECT(std::strstr(olstate_last_error_message(), "bridge") != nullptr);
        std::printf("not outlook, provider %u: %s\n", provider, olstate_last_error_message());
    }
    EXPECT(GetModuleHandleW(L"olmapi32.dll") == nullptr);
    EXPECT(GetModuleHandleW(L"msmapi32.dll") == nullptr);
    EXPECT(GetModuleHandleW(L"olstate_sim.dll") == nullptr);
}

// OUTLOOK.EXE, nothing loaded: the locator finds the DLL through the
// mail-client key's DllPathEx.
void locator(const std::wstring& mapi) {
    const ScopedValue v(HKEY_LOCAL_MACHINE, kMailClient, L"DllPathEx", REG_SZ, mapi);
    EXPECT(v.ok());
    auto o = options(OLSTATE_PROVIDER_OUTLOOK);
    o.profile = "Outlook";
    const Info i = round_trip(o, "outlook, located through DllPathEx");
    EXPECT(same_file(i.path, mapi));
}

// OUTLOOK.EXE, nothing loaded: DllPathEx names a missing olmapi32.dll, DllPath
// (REG_EXPAND_SZ) an older msmapi32.dll: olmapi32 paths are tried first, a
// missing file is skipped, the expanded DllPath loads.
void locator_fallback(const std::wstring& dir) {
    SetEnvironmentVariableW(L"OLSTATE_TEST_MAPI_DIR", dir.c_str());
    const ScopedValue ex(HKEY_LOCAL_MACHINE, kMailClient, L"DllPathEx", REG_SZ, dir + L"missing\\olmapi32.dll");
    const ScopedValue path(HKEY_LOCAL_MACHINE, kMailClient, L"DllPath", REG_EXPAND_SZ,
                           L"%OLSTATE_TEST_MAPI_DIR%msmapi32.dll");
    EXPECT(ex.ok() && path.ok());
    auto o = options(OLSTATE_PROVIDER_OUTLOOK);
    o.profile = "Outlook";
    const Info i = round_trip(o, "outlook, located through DllPath");
    EXPECT(same_file(i.path, dir + L"msmapi32.dll"));
}

// OUTLOOK.EXE, nothing loaded, nothing registered: olmapi32.dll planted in the
// current directory and on PATH is never loaded, and the error lists every
// place tried.
void planted(const std::wstring& cwd) {
    const std::wstring path = cwd + L";" + [] {
        std::wstring p(32768, L'\0');
        p.resize(GetEnvironmentVariableW(L"PATH", p.data(), static_cast<DWORD>(p.size())));
        return p;
    }();
    SetEnvironmentVariableW(L"PATH", path.c_str());
    // A bare-name value must be skipped, not searched for.
    const ScopedValue bare(HKEY_LOCAL_MACHINE, kMailClient, L"DllPath", REG_SZ, L"olmapi32.dll");
    olstate_session* s = nullptr;
    auto o = options(OLSTATE_PROVIDER_OUTLOOK);
    o.profile = "Outlook";
    const olstate_result r = olstate_open_ex(&o, &s);
    const std::string message = olstate_last_error_message();
    std::printf("planted: open -> %s: %s\n", olstate_result_name(r), message.c_str());
    EXPECT(r == OLSTATE_E_PROVIDER_NOT_FOUND);
    for (const char* place : {"already-loaded", "DllPathEx", "MsiProvideQualifiedComponentW", "DllPath",
                              "FGetComponentPath", "not a full path"})
        EXPECT(message.find(place) != std::string::npos);
    EXPECT(GetModuleHandleW(L"olmapi32.dll") == nullptr);
}

// The default profile from the registry (the simulator has no profile
// table): Office 16.0 first, then the Windows Messaging Subsystem; none gives
// PROFILE_NOT_FOUND naming what was tried.
void default_profile(const std::wstring& sim) {
    const std::string path = narrow(sim);
    auto o = options(OLSTATE_PROVIDER_LIBRARY);
    o.provider_path = path.c_str();
    const auto open_name = [&]() -> std::string {
        olstate_session* s = nullptr;
        if (olstate_open_ex(&o, &s) != OLSTATE_OK) return "error " + std::string(olstate_last_error_message());
        olstate_session_info info{};
        info.struct_size = sizeof info;
        std::string name = olstate_get_session_info(s, &info) == OLSTATE_OK ? info.profile : "?";
        EXPECT(olstate_close(s) == OLSTATE_OK);
        return name;
    };
    {
        const ScopedValue old(HKEY_CURRENT_USER, kMessaging, L"DefaultProfile", REG_SZ, L"Messaging Default");
        {
            const ScopedValue v(HKEY_CURRENT_USER, kOffice16, L"DefaultProfile", REG_SZ, L"Registry D\u00e9fault");
            const std::string name = open_name();
            std::printf("default profile (16.0): '%s'\n", name.c_str());
            EXPECT(name == "Registry D\xc3\xa9" "fault");
        }
        const std::string name = open_name();
        std::printf("default profile (Windows Messaging Subsystem): '%s'\n", name.c_str());
        EXPECT(name == "Messaging Default");
    }
    olstate_session* s = nullptr;
    EXPECT(olstate_open_ex(&o, &s) == OLSTATE_E_PROFILE_NOT_FOUND);
    const std::string message = olstate_last_error_message();
    std::printf("no default profile: %s\n", message.c_str());
    EXPECT(message.find("MAPIAdminProfiles") != std::string::npos);
    EXPECT(message.find("16.0") != std::string::npos);
    EXPECT(message.find("Windows Messaging Subsystem") != std::string::npos);
}

// OUTLOOK.EXE with a MAPI DLL that has a profile table: the documented route
// wins over the registry; names are UTF-8; a table that refuses MAPI_UNICODE
// gives ANSI names; without a default row the registry answers. Every
// buffer is freed with the DLL's own functions and every reference released.
void profile_table(const std::wstring& mapi) {
    const HMODULE m = LoadLibraryW(mapi.c_str());
    EXPECT(m != nullptr);
    if (!m) return;
    const auto set_mode = symbol<void (*)(int)>(m, "fake_mapi_set_mode");
    const auto buffers = symbol<long (*)()>(m, "fake_mapi_live_buffers");
    const auto refs = symbol<long (*)()>(m, "fake_mapi_live_refs");
    EXPECT(set_mode && buffers && refs);
    if (!set_mode || !buffers || !refs) return;
    const ScopedValue v(HKEY_CURRENT_USER, kOffice16, L"DefaultProfile", REG_SZ, L"RegistryDefault");
    const char* expected[] = {"Tabell\xc3\xa9 Default", "AnsiDefault", "RegistryDefault"};
    for (int mode = 0; mode < 3; ++mode) {
        set_mode(mode);
        auto o = options(OLSTATE_PROVIDER_OUTLOOK);  // profile NULL: the default
        const std::string what = "profile table, mode " + std::to_string(mode);
        const Info i = round_trip(o, what.c_str());
        EXPECT(i.profile == expected[mode]);
        EXPECT(same_file(i.path, mapi));
        std::printf("%s: default '%s', live buffers %ld, live references %ld\n", what.c_str(), i.profile.c_str(),
                    buffers(), refs());
        EXPECT(buffers() == 0);
        EXPECT(refs() == 0);
    }
}

// OLSTATE_PROVIDER_LIBRARY outside Outlook: Outlook's MAPI DLL answering
// MAPI_E_NOT_FOUND means "not in Outlook"; another library's answer means an
// unknown profile.
void library_outside_outlook(const std::wstring& mapi, const std::wstring& sim) {
    for (const std::wstring* file : {&mapi, &sim}) {
        const HMODULE m = LoadLibraryW(file->c_str());  // the instance the session will use
        EXPECT(m != nullptr);
        if (!m) continue;
        using Known = int32_t(__cdecl*)(const char*, int32_t);
        const auto set_known = symbol<Known>(m, "olstate_sim_set_profile_known");
        EXPECT(set_known != nullptr);
        if (!set_known) continue;
        set_known("Outlook", 0);
        const std::string path = narrow(*file);
        auto o = options(OLSTATE_PROVIDER_LIBRARY);
        o.provider_path = path.c_str();
        o.profile = "Outlook";
        olstate_session* s = nullptr;
        const olstate_result r = olstate_open_ex(&o, &s);
        std::printf("library %s answering MAPI_E_NOT_FOUND -> %s\n", path.c_str(), olstate_result_name(r));
        EXPECT(r == (file == &mapi ? OLSTATE_E_NOT_IN_OUTLOOK : OLSTATE_E_PROFILE_NOT_FOUND));
        set_known("Outlook", 1);
    }
}

// A provider exporting HrOpenOfflineObj only under the other architecture's
// name (x64: "HrOpenOfflineObj@20", x86: "HrOpenOfflineObj"): the loader's
// fallback finds it.
void other_export_name(const std::wstring& dll) {
    const std::string path = narrow(dll);
    auto o = options(OLSTATE_PROVIDER_LIBRARY);
    o.provider_path = path.c_str();
    o.profile = "Outlook";
    const Info i = round_trip(o, "provider exporting the other architecture's name");
    EXPECT(i.provider == OLSTATE_PROVIDER_LIBRARY);
    EXPECT(same_file(i.path, dll));
}

// The simulator olstate loads (next to olstate.dll), and one of its exports.
template <class Fn>
Fn sim_symbol(const char* name) {
    const HMODULE m = GetModuleHandleW(L"olstate_sim.dll");
    return m ? symbol<Fn>(m, name) : nullptr;
}

bool strict_simulator() {
    const auto strict = sim_symbol<uint32_t(__cdecl*)()>("olstate_sim_strict");
    return strict && strict() != 0;
}

// A thread with a message loop opens the session (as Outlook's main thread
// does): olstate posts the calls of other threads to a message-only window
// of that thread, and the strict simulator counts no violation.
void message_loop_owner() {
    const HMODULE sim = LoadLibraryW((dir_of(self_path()) + L"olstate_sim.dll").c_str());
    EXPECT(sim != nullptr);
    const auto set_strict = sim_symbol<int32_t(__cdecl*)(uint32_t)>("olstate_sim_set_strict");
    const auto violations = sim_symbol<uint32_t(__cdecl*)(uint32_t)>("olstate_sim_violations");
    EXPECT(set_strict && violations);
    if (!set_strict || !violations) return;
    set_strict(1);  // OLSTATE_SIM_STRICT_ON
    const uint32_t before = violations(0);

    std::atomic<olstate_session*> session{nullptr};
    std::atomic<DWORD> owner_id{0};
    std::atomic<uint32_t> threading{~0u};
    std::atomic<bool> opened{false};
    std::thread owner([&] {
        MSG msg;
        PeekMessageW(&msg, nullptr, 0, 0, PM_NOREMOVE);  // gives this thread its message queue
        owner_id = GetCurrentThreadId();
        auto o = options(OLSTATE_PROVIDER_SIMULATOR, OLSTATE_DELIVERY_QUEUED);
        o.profile = "message-loop";
        olstate_session* s = nullptr;
        EXPECT(olstate_open_ex(&o, &s) == OLSTATE_OK);
        olstate_session_info info{};
        info.struct_size = sizeof info;
        if (s && olstate_get_session_info(s, &info) == OLSTATE_OK) threading = info.threading;
        session = s;
        opened = true;
        while (GetMessageW(&msg, nullptr, 0, 0) > 0) {  // until WM_QUIT
            TranslateMessage(&msg);
            DispatchMessageW(&msg);
        }
        if (s) EXPECT(olstate_close(s) == OLSTATE_OK);  // on the owner: runs Unadvise and the Releases now
    });
    while (!opened) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    olstate_session* s = session.load();
    std::printf("message loop owner: threading %u (owner window is %u)\n", threading.load(),
                OLSTATE_THREADING_OWNER_WINDOW);
    EXPECT(threading == OLSTATE_THREADING_OWNER_WINDOW);
    if (s) {
        // From this thread (not the owner): carried through the window.
        Recorder rec;
        olstate_subscription token = 0;
        EXPECT(olstate_subscribe(s, record, &rec, nullptr, &token) == OLSTATE_OK);
        uint32_t state = 0;
        EXPECT(olstate_get_state(s, &state) == OLSTATE_OK);
        const uint32_t target = state == OLSTATE_ONLINE ? OLSTATE_OFFLINE : OLSTATE_ONLINE;
        const olstate_result set = olstate_set_state(s, target, OLSTATE_SET_BLOCK);
        std::printf("message loop owner: blocking set from thread %lu -> %s %s\n", GetCurrentThreadId(),
                    olstate_result_name(set), set ? olstate_last_error_message() : "");
        EXPECT(set == OLSTATE_OK);
        EXPECT(olstate_wait_state(s, target, 10000) == OLSTATE_OK);
        uint32_t now = 0;
        EXPECT(olstate_get_state(s, &now) == OLSTATE_OK && now == target);
        EXPECT(olstate_unsubscribe(s, token) == OLSTATE_OK);
        EXPECT(rec.events.load() == 3);
    }
    PostThreadMessageW(owner_id, WM_QUIT, 0, 0);
    owner.join();
    const uint32_t counted = violations(0) - before;
    std::printf("message loop owner: %u strict violations\n", counted);
    EXPECT(counted == 0);
}

// From STA, MTA and no-apartment threads, with either delivery mode: the
// shim needs no COM initialisation. Prints where callbacks ran.
void apartments() {
    struct Model {
        DWORD coinit;
        const char* name;
    };
    for (const Model model : {Model{COINIT_APARTMENTTHREADED, "STA"}, Model{COINIT_MULTITHREADED, "MTA"},
                              Model{~0u, "no COM"}}) {
        std::thread([model] {
            if (model.coinit != ~0u) EXPECT(SUCCEEDED(CoInitializeEx(nullptr, model.coinit)));
            for (uint32_t delivery : {OLSTATE_DELIVERY_INLINE, OLSTATE_DELIVERY_QUEUED}) {
                auto o = options(OLSTATE_PROVIDER_SIMULATOR, delivery);
                o.profile = "apartments";
                const std::string what =
                    std::string(model.name) + (delivery == OLSTATE_DELIVERY_INLINE ? ", inline" : ", queued");
                const Info i = round_trip(o, what.c_str());
                std::printf("%s: caller thread %lu, callbacks on thread %lu\n", what.c_str(), GetCurrentThreadId(),
                            i.callback_thread);
                EXPECT(i.callback_thread != 0);
                // QUEUED: always the dispatcher. INLINE: the forgiving simulator
                // notifies on its own provider thread; the strict one (like
                // Outlook) on the owner thread, this one, which ran them inside
                // its blocking SetCurrentState.
                if (delivery == OLSTATE_DELIVERY_INLINE && strict_simulator())
                    EXPECT(i.callback_thread == GetCurrentThreadId());
                else
                    EXPECT(i.callback_thread != GetCurrentThreadId());
            }
            if (model.coinit != ~0u) CoUninitialize();
        }).join();
    }
}

// ---- the driver ----


// Runs `exe args` in `cwd`, returning its exit code and everything it printed.
std::pair<int, std::string> run(const std::wstring& exe, const std::wstring& args, const std::wstring& cwd,
                                DWORD deadline_ms) {
    SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, TRUE};
    Handle read_end, write_end;
    if (!CreatePipe(read_end.put(), write_end.put(), &sa, 0)) return {1, "cannot create a pipe"};
    SetHandleInformation(read_end.get(), HANDLE_FLAG_INHERIT, 0);
    STARTUPINFOW si{};
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdOutput = write_end.get();
    si.hStdError = write_end.get();
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    PROCESS_INFORMATION pi{};
    std::wstring cmd = L"\"" + exe + L"\" " + args;
    if (!CreateProcessW(exe.c_str(), cmd.data(), nullptr, nullptr, TRUE, 0, nullptr, cwd.c_str(), &si, &pi))
        return {1, "cannot start " + narrow(exe) + " (error " + std::to_string(GetLastError()) + ")"};
    const Handle process(pi.hProcess), thread(pi.hThread);
    { Handle drop(std::move(write_end)); }  // only the child writes now: EOF when it exits
    // The reader owns the read end; collect() stops waiting for it when a
    // process the child started (the crash debugger, say) keeps the pipe
    // open, instead of hanging the whole suite.
    auto capture = std::make_shared<wintest::Capture>();
    const HANDLE raw_read_end = std::exchange(*read_end.put(), nullptr);
    std::thread reader([capture, raw_read_end] { wintest::read_all(capture, raw_read_end); });
    bool timed_out = false;
    if (WaitForSingleObject(process.get(), deadline_ms) != WAIT_OBJECT_0) {
        TerminateProcess(process.get(), 99);
        timed_out = true;
    }
    std::string output = wintest::collect(reader, capture, 10000);
    if (timed_out) output += "\nFAIL: timed out after " + std::to_string(deadline_ms / 1000) + " s\n";
    DWORD code = 1;
    GetExitCodeProcess(process.get(), &code);
    return {static_cast<int>(code), output};
}

int driver() {
    const std::wstring self = self_path();
    const std::wstring here = dir_of(self);
    std::wstring tmp(MAX_PATH + 1, L'\0');
    tmp.resize(GetTempPathW(MAX_PATH, tmp.data()));
    const std::wstring root = tmp + L"olstate-win-" + std::to_wstring(GetCurrentProcessId()) + L"\\";
    const std::wstring app = root + L"app\\", mapi = root + L"mapi\\", fake = root + L"fake\\", cwd = root + L"cwd\\";
    for (const auto& d : {root, app, mapi, fake, cwd}) CreateDirectoryW(d.c_str(), nullptr);
    // olstate.dll (and the simulator next to it) come from the build, found
    // through PATH by this very process: copy what it loaded.
    std::wstring olstate(MAX_PATH, L'\0');
    olstate.resize(GetModuleFileNameW(GetModuleHandleW(L"olstate.dll"), olstate.data(), MAX_PATH));
    const std::wstring sim = dir_of(olstate) + L"olstate_sim.dll";
    const bool laid_out = copy(self, app + L"OUTLOOK.EXE") && copy(self, app + L"other.exe") &&
                          copy(olstate, app + L"olstate.dll") && copy(sim, app + L"olstate_sim.dll") &&
                          copy(sim, mapi + L"olmapi32.dll") && copy(sim, mapi + L"msmapi32.dll") &&
                          copy(here + L"fake_mapi.dll", fake + L"olmapi32.dll") &&
                          copy(here + L"other_export_name.dll", app + L"other_export_name.dll") &&
                          copy(sim, fake + L"olstate_sim.dll") && copy(sim, cwd + L"olmapi32.dll");
    if (!laid_out) return 1;
    std::printf("test folder %s\n", narrow(root).c_str());

    struct Scenario {
        const wchar_t* exe;
        const char* name;
        std::wstring args;
        std::wstring dir;
    };
    const Scenario scenarios[] = {
        {L"OUTLOOK.EXE", "outlook-loaded", quote(mapi + L"olmapi32.dll"), app},
        {L"other.exe", "not-outlook", L"", app},
        {L"OUTLOOK.EXE", "locator", quote(mapi + L"olmapi32.dll"), app},
        {L"OUTLOOK.EXE", "locator-fallback", quote(mapi), app},
        {L"OUTLOOK.EXE", "planted", quote(cwd), cwd},
        {L"other.exe", "default-profile", quote(app + L"olstate_sim.dll"), app},
        {L"OUTLOOK.EXE", "profile-table", quote(fake + L"olmapi32.dll"), app},
        {L"other.exe", "library-outside-outlook", quote(mapi + L"olmapi32.dll") + L" " + quote(app + L"olstate_sim.dll"),
         app},
        {L"other.exe", "other-export-name", quote(app + L"other_export_name.dll"), app},
        {L"other.exe", "apartments", L"", app},
        {L"other.exe", "message-loop-owner", L"", app},
    };
    int failed = 0, passed = 0;
    // The whole run stays inside meson's 300 s: each scenario gets at most
    // 60 s (a healthy one takes about a second), and once 200 s are spent
    // the rest are reported as not run, so a hang fails with names instead
    // of a bare TIMEOUT.
    const ULONGLONG started = GetTickCount64();
    for (const auto& sc : scenarios) {
        const ULONGLONG spent = GetTickCount64() - started;
        if (spent > 200000) {
            std::printf("--- %s: FAILED (not run: the driver's time budget is spent)\n", sc.name);
            ++failed;
            continue;
        }
        const std::wstring mode(sc.name, sc.name + std::strlen(sc.name));
        const DWORD deadline = static_cast<DWORD>(std::min<ULONGLONG>(60000, 200000 - spent + 1000));
        const auto [code, output] = run(app + sc.exe, mode + L" " + sc.args, sc.dir, deadline);
        const bool done = output.find("scenario " + std::string(sc.name) + ": done, 0 failures") != std::string::npos;
        std::printf("--- %s as %s\n%s", sc.name, narrow(sc.exe).c_str(), output.c_str());
        const bool clean = strict_violations_in(output) == 0;
        const bool ok = code == 0 && done && clean;
        std::printf("--- %s: %s (exit %d%s%s)\n", sc.name, ok ? "ok" : "FAILED", code,
                    done ? "" : ", no completion line", clean ? "" : ", strict violations");
        (ok ? passed : failed)++;
    }
    remove_tree(root);
    const int expected = static_cast<int>(sizeof scenarios / sizeof scenarios[0]);
    std::printf("windows provider: %d passed, %d failed of %d scenarios\n", passed, failed, expected);
    return failed == 0 && passed == expected ? 0 : 1;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
    setvbuf(stdout, nullptr, _IONBF, 0);
    if (argc < 2) return driver();
    const std::wstring mode = argv[1];
    const std::wstring a = argc > 2 ? argv[2] : L"", b = argc > 3 ? argv[3] : L"";
    if (mode == L"outlook-loaded") outlook_loaded(a);
    else if (mode == L"not-outlook") not_outlook();
    else if (mode == L"locator") locator(a);
    else if (mode == L"locator-fallback") locator_fallback(a);
    else if (mode == L"planted") planted(a);
    else if (mode == L"default-profile") default_profile(a);
    else if (mode == L"profile-table") profile_table(a);
    else if (mode == L"library-outside-outlook") library_outside_outlook(a, b);
    else if (mode == L"other-export-name") other_export_name(a);
    else if (mode == L"apartments") apartments();
    else if (mode == L"message-loop-owner") message_loop_owner();
    else {
        std::printf("unknown scenario %s\n", narrow(mode).c_str());
        return 2;
    }
    std::printf("scenario %s: done, %d failures\n", narrow(mode).c_str(), failures.load());
    return failures.load() == 0 ? 0 : 1;
}
