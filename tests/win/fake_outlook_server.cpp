// A fake Outlook in a process of its own (fake_outlook.h's Application,
// registered in the running object table the way Outlook registers itself),
// for the cross-process test of the no-add-in fallback provider
// (object_model_cross_process.cpp). The test drives it through stdin, one
// command a line, each answered "ok" on stdout once the world has changed:
//   mode N      the session's and the first account's ExchangeConnectionMode
//   offline 0|1 Session.Offline
//   add NAME    a POP3 account NAME at olNoExchange
//   remove      the last account
//   stall       Application.Session stops answering (until the process ends)
//   exit        leaves the running object table, says "bye N" (N: reads of
//               properties on the object-model guard's list) and exits
// "ready" comes first, after RegisterActiveObject succeeded; "FAIL: ..." when
// something did not. stdin closing is "exit".
#include <objbase.h>
#include <oleauto.h>
#include <windows.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "fake_outlook.h"

namespace {

void say(const char* line) {
    std::printf("%s\n", line);
    std::fflush(stdout);
}

std::wstring widen_ascii(const char* s) {
    std::wstring w;
    for (; *s && *s != '\r' && *s != '\n'; ++s) w.push_back(static_cast<wchar_t>(*s));
    return w;
}

// Applies one command; false for "exit" (or an unknown command, which also
// says FAIL so the test sees it).
bool apply_command(const std::shared_ptr<fakeoutlook::World>& world, const char* line) {
    std::lock_guard lock(world->mutex);
    if (std::strncmp(line, "mode ", 5) == 0) {
        world->mode = std::atoi(line + 5);
        if (!world->accounts.empty()) world->accounts[0].mode = world->mode;
    } else if (std::strncmp(line, "offline ", 8) == 0) {
        world->offline = std::atoi(line + 8) != 0;
    } else if (std::strncmp(line, "add ", 4) == 0) {
        world->accounts.push_back(fakeoutlook::FakeAccount{widen_ascii(line + 4), 1, 0});  // olPop3, olNoExchange
    } else if (std::strncmp(line, "remove", 6) == 0) {
        if (!world->accounts.empty()) world->accounts.pop_back();
    } else if (std::strncmp(line, "stall", 5) == 0) {
        world->stalled = true;
    } else if (std::strncmp(line, "exit", 4) == 0) {
        return false;
    } else {
        std::printf("FAIL: unknown command %s", line);
        return false;
    }
    return true;
}

// The lines read from stdin, handed to the main thread; "exit" when stdin
// closes.
struct Commands {
    std::mutex mutex;
    std::deque<std::string> lines;
    void push(std::string line, DWORD main_thread) {
        {
            std::lock_guard lock(mutex);
            lines.push_back(std::move(line));
        }
        PostThreadMessageW(main_thread, WM_APP, 0, 0);
    }
    bool pop(std::string& line) {
        std::lock_guard lock(mutex);
        if (lines.empty()) return false;
        line = std::move(lines.front());
        lines.pop_front();
        return true;
    }
};

// Runs the main thread's message loop (which is how a single-threaded
// apartment receives calls from other processes, as Outlook's UI thread
// does) and applies each command there, until "exit".
void serve(const std::shared_ptr<fakeoutlook::World>& world, Commands& commands) {
    MSG msg;
    while (GetMessageW(&msg, nullptr, 0, 0) > 0) {
        if (msg.hwnd == nullptr && msg.message == WM_APP) {
            std::string line;
            while (commands.pop(line)) {
                if (!apply_command(world, line.c_str())) return;
                say("ok");
            }
            continue;
        }
        TranslateMessage(&msg);
        DispatchMessageW(&msg);
    }
}

}  // namespace

int main() {
    // A single-threaded apartment with a message loop, like Outlook's UI
    // thread: calls from other processes arrive as window messages. (The
    // fake's objects are free-threaded; the apartment decides the path.)
    HRESULT hr = CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED);
    if (FAILED(hr)) {
        std::printf("FAIL: CoInitializeEx: 0x%08lx\n", static_cast<unsigned long>(hr));
        return 1;
    }
    if (!fakeoutlook::register_progid()) {
        say("FAIL: cannot register the Outlook.Application ProgID");
        return 1;
    }
    auto world = std::make_shared<fakeoutlook::World>();
    world->accounts.push_back(fakeoutlook::FakeAccount{L"Work", 0, 700});  // olExchange, olCachedConnectedFull
    IDispatch* application = fakeoutlook::make_application(world);
    DWORD cookie = 0;
    hr = RegisterActiveObject(application, fakeoutlook::kApplicationClsid, ACTIVEOBJECT_STRONG, &cookie);
    if (FAILED(hr)) {
        std::printf("FAIL: RegisterActiveObject: 0x%08lx\n", static_cast<unsigned long>(hr));
        std::fflush(stdout);
        return 1;
    }
    MSG peek;
    PeekMessageW(&peek, nullptr, WM_USER, WM_USER, PM_NOREMOVE);  // this thread's message queue exists now
    Commands commands;
    const DWORD main_thread = GetCurrentThreadId();
    std::thread reader([&commands, main_thread] {
        char line[256];
        while (std::fgets(line, sizeof line, stdin)) commands.push(line, main_thread);
        commands.push("exit", main_thread);
    });
    reader.detach();  // blocked in fgets until the process ends
    say("ready");
    serve(world, commands);
    hr = RevokeActiveObject(cookie, nullptr);
    // Disconnect the stubs so a client's proxy fails at once instead of
    // keeping the object alive past the exit.
    CoDisconnectObject(application, 0);
    application->Release();
    CoUninitialize();
    if (FAILED(hr)) {
        std::printf("FAIL: RevokeActiveObject: 0x%08lx\n", static_cast<unsigned long>(hr));
        std::fflush(stdout);
        return 1;
    }
    std::printf("bye %d\n", world->guarded_reads.load());  // reads of guarded properties: 0 expected
    std::fflush(stdout);
    return 0;
}
