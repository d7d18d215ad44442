// The no-add-in fallback provider (OLSTATE_PROVIDER_OBJECT_MODEL) under Wine
// following a fake Outlook served from ANOTHER process
// (olstate-win-fake-outlook-server.exe, fake_outlook_server.cpp, serving from
// a single-threaded apartment with a message loop, as Outlook's UI thread
// does): the running object table across processes (rpcss), IDispatch
// marshalled by oleaut32's proxy/stub, each change once and in order, PROVIDER_LOST when the server
// exits and when it is killed (TerminateProcess), PROVIDER_BACK when it runs
// again (OLSTATE_OPEN_RECONNECT).
#include <objbase.h>
#include <oleauto.h>
#include <windows.h>

#include <olstate.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fallback_test.h"
#include "win_child.h"

namespace {

using namespace fallbacktest;

// The fake Outlook's process: stdin for commands, stdout for its answers.
class Server {
public:
    Server() {
        SECURITY_ATTRIBUTES inherit{sizeof inherit, nullptr, TRUE};
        HANDLE child_in = nullptr, child_out = nullptr;
        if (!CreatePipe(&child_in, &to_child_, &inherit, 0) || !CreatePipe(&from_child_, &child_out, &inherit, 0)) {
            std::printf("FAIL: CreatePipe: %lu\n", GetLastError());
            return;
        }
        SetHandleInformation(to_child_, HANDLE_FLAG_INHERIT, 0);
        SetHandleInformation(from_child_, HANDLE_FLAG_INHERIT, 0);
        STARTUPINFOW si{};
        si.cb = sizeof si;
        si.dwFlags = STARTF_USESTDHANDLES;
        si.hStdInput = child_in;
        si.hStdOutput = child_out;
        si.hStdError = child_out;
        std::wstring command = wintest::quote(wintest::dir_of(wintest::self_path()) +
                                              L"olstate-win-fake-outlook-server.exe");
        PROCESS_INFORMATION pi{};
        if (!CreateProcessW(nullptr, command.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr, &si, &pi)) {
            std::printf("FAIL: cannot start the fake Outlook server: %lu\n", GetLastError());
        } else {
            AssignProcessToJobObject(wintest::children_job(), pi.hProcess);
            CloseHandle(pi.hThread);
            process_ = pi.hProcess;
        }
        CloseHandle(child_in);
        CloseHandle(child_out);
    }
    ~Server() {
        if (process_) {
            TerminateProcess(process_, 1);
            WaitForSingleObject(process_, 10000);
            CloseHandle(process_);
        }
        if (to_child_) CloseHandle(to_child_);
        if (from_child_) CloseHandle(from_child_);
    }
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // The server's next line (without its end); "" when it closed its output.
    std::string line() {
        std::string text;
        char c = 0;
        DWORD n = 0;
        while (ReadFile(from_child_, &c, 1, &n, nullptr) && n == 1 && c != '\n')
            if (c != '\r') text.push_back(c);
        return text;
    }
    bool ready() {
        if (!process_) return false;
        const std::string first = line();
        if (first != "ready") std::printf("FAIL: the fake Outlook server said \"%s\"\n", first.c_str());
        return first == "ready";
    }
    // Sends one command; true once the server answered "ok".
    bool command(const std::string& text) {
        const std::string sent = text + "\n";
        DWORD n = 0;
        if (!WriteFile(to_child_, sent.data(), static_cast<DWORD>(sent.size()), &n, nullptr)) return false;
        const std::string answer = line();
        if (answer != "ok") std::printf("FAIL: %s: the server said \"%s\"\n", text.c_str(), answer.c_str());
        return answer == "ok";
    }
    // "exit": the server revokes its registration and ends; true when it
    // said "bye 0" (no property on the object-model guard's list was read)
    // and exited with 0.
    bool exit() {
        const std::string sent = "exit\n";
        DWORD n = 0;
        WriteFile(to_child_, sent.data(), static_cast<DWORD>(sent.size()), &n, nullptr);
        const std::string answer = line();
        if (answer != "bye 0") std::printf("FAIL: exit: the server said \"%s\"\n", answer.c_str());
        return answer == "bye 0" && ended_with(0);
    }
    // Killed, as the user's task manager (or a crash) ends Outlook.
    bool kill() { return TerminateProcess(process_, 9) && ended_with(9); }

private:
    bool ended_with(DWORD expected) {
        DWORD code = 0;
        const bool ended = WaitForSingleObject(process_, 20000) == WAIT_OBJECT_0 && GetExitCodeProcess(process_, &code);
        CloseHandle(process_);
        process_ = nullptr;
        return ended && code == expected;
    }
    HANDLE process_ = nullptr;
    HANDLE to_child_ = nullptr;
    HANDLE from_child_ = nullptr;
};

// What a client of the running object table sees of Outlook right now (a
// fact for docs/windows.md, printed, not checked: the provider's events are).
void describe_running(const char* when) {
    CLSID clsid{};
    HRESULT hr = CLSIDFromProgID(L"Outlook.Application", &clsid);
    IUnknown* running = nullptr;
    if (SUCCEEDED(hr)) hr = GetActiveObject(clsid, nullptr, &running);
    std::printf("  %s: GetActiveObject 0x%08lx", when, static_cast<unsigned long>(hr));
    if (running) {
        IDispatch* application = nullptr;
        hr = running->QueryInterface(IID_IDispatch, reinterpret_cast<void**>(&application));
        std::printf(", QueryInterface(IDispatch) 0x%08lx", static_cast<unsigned long>(hr));
        if (application) {
            LPOLESTR name = const_cast<LPOLESTR>(L"Session");
            DISPID id = 0;
            hr = application->GetIDsOfNames(IID_NULL, &name, 1, LOCALE_USER_DEFAULT, &id);
            std::printf(", GetIDsOfNames(Session) 0x%08lx", static_cast<unsigned long>(hr));
            application->Release();
        }
        running->Release();
    }
    std::printf("\n");
}

// The running Application's proxy, held across a kill by describe_held.
IDispatch* held_application() {
    CLSID clsid{};
    IUnknown* running = nullptr;
    IDispatch* application = nullptr;
    if (SUCCEEDED(CLSIDFromProgID(L"Outlook.Application", &clsid)) &&
        SUCCEEDED(GetActiveObject(clsid, nullptr, &running)) && running) {
        running->QueryInterface(IID_IDispatch, reinterpret_cast<void**>(&application));
        running->Release();
    }
    if (!application) std::printf("  (no running Application to hold)\n");
    return application;
}

// How a call through a proxy whose server was killed fails (printed: the
// provider counts such errors as Outlook gone, see open_running_outlook_win.cpp).
void describe_held(IDispatch* application) {
    if (!application) return;
    LPOLESTR name = const_cast<LPOLESTR>(L"Session");
    DISPID id = 0;
    const HRESULT hr = application->GetIDsOfNames(IID_NULL, &name, 1, LOCALE_USER_DEFAULT, &id);
    std::printf("  a held proxy after TerminateProcess: GetIDsOfNames(Session) 0x%08lx\n",
                static_cast<unsigned long>(hr));
    application->Release();
}

// The ProgID the server registers, removed at the end unless it was there
// before (a machine's own registration is left alone).
bool progid_registered() {
    HKEY key = nullptr;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"Software\\Classes\\Outlook.Application", 0, KEY_READ, &key) !=
        ERROR_SUCCESS)
        return false;
    RegCloseKey(key);
    return true;
}

void follows_outlook_in_another_process() {
    std::printf("== the provider follows a fake Outlook in another process\n");
    auto server = std::make_unique<Server>();
    if (!server->ready()) {
        ++failures;
        return;
    }
    olstate_open_options o = object_model_options(OLSTATE_PROVIDER_OBJECT_MODEL, OLSTATE_OPEN_RECONNECT);
    olstate_session* s = nullptr;
    if (olstate_open_ex(&o, &s) != OLSTATE_OK) {
        std::printf("FAIL: open OBJECT_MODEL: %s (HRESULT 0x%08lx)\n", olstate_last_error_message(),
                    static_cast<unsigned long>(olstate_last_error_hresult()));
        ++failures;
        return;
    }
    EXPECT(provider_of(s) == OLSTATE_PROVIDER_OBJECT_MODEL);
    std::uint32_t mode = 0, state = 0;
    EXPECT(olstate_get_connection_mode(s, &mode) == OLSTATE_OK && mode == OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
    EXPECT(olstate_get_state(s, &state) == OLSTATE_OK && state == OLSTATE_ONLINE);
    olstate_account accounts[4]{};
    accounts[0].struct_size = sizeof accounts[0];
    std::uint32_t count = 0;
    EXPECT(olstate_get_accounts(s, accounts, 4, &count) == OLSTATE_OK && count == 1);
    EXPECT(std::string(accounts[0].display_name) == "Work");

    Recorder recorder;
    olstate_subscription sub = 0;
    EXPECT(olstate_subscribe(s, &Recorder::on_event, &recorder, nullptr, &sub) == OLSTATE_OK);

    // Each change waited for before the next, so each poll sees one change.
    EXPECT(server->command("mode 400"));  // olCachedConnectedFull -> olCachedDisconnected
    recorder.wait_for(2);
    EXPECT(server->command("add Home"));
    recorder.wait_for(3);
    EXPECT(server->command("remove"));
    recorder.wait_for(4);
    EXPECT(server->command("offline 1"));  // Work Offline
    recorder.wait_for(7);
    EXPECT(server->command("offline 0"));
    recorder.wait_for(10);
    EXPECT(server->command("mode 700"));
    recorder.wait_for(12);
    // Outlook exits: it leaves the running object table.
    EXPECT(server->exit());
    describe_running("after the server exited");
    recorder.wait_for(13);
    EXPECT(olstate_get_state(s, &state) == OLSTATE_E_PROVIDER_NOT_FOUND);
    // Outlook starts again.
    server = std::make_unique<Server>();
    EXPECT(server->ready());
    recorder.wait_for(14);
    // Outlook is killed: its registration stays in the running object table
    // until rpcss notices, and calls into it fail.
    EXPECT(server->kill());
    describe_running("right after TerminateProcess");
    recorder.wait_for(15);
    describe_running("after PROVIDER_LOST");
    EXPECT(olstate_get_state(s, &state) == OLSTATE_E_PROVIDER_NOT_FOUND);
    server = std::make_unique<Server>();
    EXPECT(server->ready());
    recorder.wait_for(16);
    // Outlook hangs in the middle of a read (its UI thread stuck inside
    // Application.Session) and is then killed: the call the provider's
    // thread is blocked in fails, and Outlook is lost.
    // A second session is closed meanwhile: its close waits at most 2 s for
    // its poll thread, stuck in the call, then returns and leaves the thread
    // to end by itself when the call fails (printed for docs/windows.md).
    IDispatch* held = held_application();
    olstate_session* closing = nullptr;
    EXPECT(olstate_open_ex(&o, &closing) == OLSTATE_OK);
    EXPECT(server->command("stall"));
    Sleep(500);  // five poll intervals: the poll threads are inside Application.Session
    const HANDLE closed = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    const ULONGLONG close_started = GetTickCount64();
    std::thread closer([closing, closed] {
        olstate_close(closing);
        SetEvent(closed);
    });
    // Generous: the bound is 2 s; without it the close waits for Outlook.
    const bool returned = WaitForSingleObject(closed, 15000) == WAIT_OBJECT_0;
    EXPECT(returned);
    std::printf("  olstate_close while Outlook hangs: %s after %llu ms\n", returned ? "returned" : "still blocked",
                static_cast<unsigned long long>(GetTickCount64() - close_started));
    EXPECT(server->kill());
    EXPECT(WaitForSingleObject(closed, 20000) == WAIT_OBJECT_0);
    closer.join();
    CloseHandle(closed);
    describe_held(held);
    recorder.wait_for(17);
    server = std::make_unique<Server>();
    EXPECT(server->ready());
    recorder.wait_for(18);
    EXPECT(server->command("mode 400"));
    recorder.wait_for(20);
    Sleep(1000);  // ten more polls: nothing may come twice
    const std::vector<Seen> e = recorder.wait_for(20);
    constexpr std::uint32_t on = OLSTATE_ONLINE, off = OLSTATE_OFFLINE, none = OLSTATE_CONNECTION_UNKNOWN;
    EXPECT(is_sequence(e, {
        {OLSTATE_EVENT_CONNECTION_CHANGED, 700, 400},
        {OLSTATE_EVENT_ACCOUNT_CHANGED, 700, 400},
        {OLSTATE_EVENT_ACCOUNT_CHANGED, none, 0},
        {OLSTATE_EVENT_ACCOUNT_CHANGED, 0, none},
        {OLSTATE_EVENT_CHANGE_START, on, off},
        {OLSTATE_EVENT_CHANGE, on, off},
        {OLSTATE_EVENT_CHANGE_DONE, on, off},
        {OLSTATE_EVENT_CHANGE_START, off, on},
        {OLSTATE_EVENT_CHANGE, off, on},
        {OLSTATE_EVENT_CHANGE_DONE, off, on},
        {OLSTATE_EVENT_CONNECTION_CHANGED, 400, 700},
        {OLSTATE_EVENT_ACCOUNT_CHANGED, 400, 700},
        {OLSTATE_EVENT_PROVIDER_LOST, on, on},
        {OLSTATE_EVENT_PROVIDER_BACK, on, on},
        {OLSTATE_EVENT_PROVIDER_LOST, on, on},
        {OLSTATE_EVENT_PROVIDER_BACK, on, on},
        {OLSTATE_EVENT_PROVIDER_LOST, on, on},
        {OLSTATE_EVENT_PROVIDER_BACK, on, on},
        {OLSTATE_EVENT_CONNECTION_CHANGED, 700, 400},
        {OLSTATE_EVENT_ACCOUNT_CHANGED, 700, 400},
    }));
    EXPECT(olstate_get_connection_mode(s, &mode) == OLSTATE_OK && mode == OLSTATE_CONNECTION_CACHED_DISCONNECTED);
    EXPECT(olstate_close(s) == OLSTATE_OK);
    EXPECT(server->exit());
}

}  // namespace

int wmain() {
    if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) {
        std::printf("FAIL: CoInitializeEx\n");
        return 1;
    }
    const bool had_progid = progid_registered();
    follows_outlook_in_another_process();
    if (!had_progid) RegDeleteTreeW(HKEY_LOCAL_MACHINE, L"Software\\Classes\\Outlook.Application");
    CoUninitialize();
    std::printf(failures ? "FAILED: %d\n" : "OK\n", failures);
    return failures ? 1 : 0;
}
