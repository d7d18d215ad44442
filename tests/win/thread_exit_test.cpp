// Threads that call olstate and then exit must leave the heap as it was.
// MinGW-w64 runs the destructors of thread_local objects after it has freed
// their storage, so a thread_local std::string in olstate.dll freed garbage
// at every such thread's exit: heap corruption, seen as rare crashes of the
// stress suite under Wine. run_thread_exit_test.py runs this program with
// Wine's heap checks on and fails on any complaint; the program itself
// fails when a thread missed its error or the process heap no longer
// validates (what real Windows can check).
#include <windows.h>

#include <olstate.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 48;

// One thread's use of olstate: failures that store a long message (a
// provider path that does not exist) and a bridge failure (an endpoint
// nobody serves), read back on the same thread.
bool use_olstate_and_exit(int i) {
    const std::string missing = "C:\\olstate-thread-exit-test\\" + std::string(300, 'x') + std::to_string(i) + ".dll";
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = OLSTATE_PROVIDER_LIBRARY;
    o.provider_path = missing.c_str();
    olstate_session* s = nullptr;
    bool ok = olstate_open_ex(&o, &s) != OLSTATE_OK && std::strstr(olstate_last_error_message(), "xxx") != nullptr;
    const std::string endpoint = "\\\\.\\pipe\\olstate-thread-exit-test-nobody-" + std::to_string(i);
    olstate_open_options_init(&o);
    o.provider = OLSTATE_PROVIDER_BRIDGE;
    o.provider_path = endpoint.c_str();
    ok = ok && olstate_open_ex(&o, &s) == OLSTATE_E_PROVIDER_NOT_FOUND && olstate_last_error_message()[0] != '\0';
    return ok;
}

struct NativeThread {
    int index;
    bool ok;
};

DWORD WINAPI native_thread(void* arg) {
    auto* t = static_cast<NativeThread*>(arg);
    t->ok = use_olstate_and_exit(t->index);
    return 0;
}

int run() {
    // Half the threads are std::threads (winpthreads), half plain Win32
    // threads, as Outlook's own threads are.
    std::vector<std::thread> threads;
    std::vector<char> ok(kThreads, 0);
    for (int i = 0; i < kThreads / 2; ++i) threads.emplace_back([&ok, i] { ok[i] = use_olstate_and_exit(i); });
    for (auto& t : threads) t.join();
    std::vector<NativeThread> natives(kThreads / 2);
    std::vector<HANDLE> handles;
    for (int i = 0; i < kThreads / 2; ++i) {
        natives[i] = NativeThread{kThreads / 2 + i, false};
        if (const HANDLE h = CreateThread(nullptr, 0, native_thread, &natives[i], 0, nullptr)) handles.push_back(h);
    }
    for (const HANDLE h : handles) {
        WaitForSingleObject(h, INFINITE);
        CloseHandle(h);
    }
    for (int i = 0; i < kThreads / 2; ++i) ok[kThreads / 2 + i] = natives[i].ok;
    int good = 0;
    for (char c : ok) good += c;
    const BOOL valid = HeapValidate(GetProcessHeap(), 0, nullptr);
    std::printf("threads: %d of %d saw their errors; process heap %s\n", good, kThreads, valid ? "valid" : "CORRUPT");
    std::fflush(stdout);
    return good == kThreads && valid ? 0 : 1;
}

}  // namespace

int main() { return run(); }
