// Child processes for the Windows driver tests: started with their output
// captured, waited for with a deadline (killed past it, so a hang fails the
// test instead of blocking CI), and small helpers shared by the drivers.
#pragma once

#include <windows.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace wintest {

inline std::string narrow(const std::wstring& w) {
    const int n = WideCharToMultiByte(CP_UTF8, 0, w.c_str(), static_cast<int>(w.size()), nullptr, 0, nullptr, nullptr);
    std::string s(static_cast<std::size_t>(n > 0 ? n : 0), '\0');
    if (n > 0) WideCharToMultiByte(CP_UTF8, 0, w.c_str(), static_cast<int>(w.size()), s.data(), n, nullptr, nullptr);
    return s;
}

inline std::wstring widen(const std::string& s) {
    const int n = MultiByteToWideChar(CP_UTF8, 0, s.c_str(), static_cast<int>(s.size()), nullptr, 0);
    std::wstring w(static_cast<std::size_t>(n > 0 ? n : 0), L'\0');
    if (n > 0) MultiByteToWideChar(CP_UTF8, 0, s.c_str(), static_cast<int>(s.size()), w.data(), n);
    return w;
}

inline std::wstring self_path() {
    std::wstring p(MAX_PATH, L'\0');
    p.resize(GetModuleFileNameW(nullptr, p.data(), MAX_PATH));
    return p;
}

inline std::wstring dir_of(const std::wstring& p) { return p.substr(0, p.find_last_of(L"\\/") + 1); }

inline std::wstring quote(const std::wstring& arg) {
    return L"\"" + arg + (!arg.empty() && arg.back() == L'\\' ? L"\\" : L"") + L"\"";
}

// Copies a file, saying which one failed.
inline bool copy(const std::wstring& from, const std::wstring& to) {
    if (CopyFileW(from.c_str(), to.c_str(), FALSE)) return true;
    std::printf("FAIL: cannot copy %s to %s (%lu)\n", narrow(from).c_str(), narrow(to).c_str(), GetLastError());
    return false;
}

// Removes a folder (path ending in a backslash) and everything in it.
inline void remove_tree(const std::wstring& dir) {
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

// Every child joins one job that ends them all when the driver's handle to
// it closes, so a driver killed at its own deadline leaves no process behind
// (a stray bridge host would answer the next test's clients).
inline HANDLE children_job() {
    static const HANDLE job = [] {
        const HANDLE j = CreateJobObjectW(nullptr, nullptr);
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        if (j) SetInformationJobObject(j, JobObjectExtendedLimitInformation, &limits, sizeof limits);
        return j;
    }();
    return job;
}

// What a child printed, filled by a reader thread. Shared, so the reader
// can be left behind safely when something else keeps the pipe open.
struct Capture {
    std::mutex mutex;
    std::condition_variable ended;
    std::string text;
    bool done = false;
};

// Reads `read_end` to its end into `capture` (on a thread of its own).
inline void read_all(const std::shared_ptr<Capture>& capture, HANDLE read_end) {
    char buf[4096];
    DWORD n = 0;
    while (ReadFile(read_end, buf, sizeof buf, &n, nullptr) && n) {
        std::lock_guard lock(capture->mutex);
        capture->text.append(buf, n);
    }
    CloseHandle(read_end);
    std::lock_guard lock(capture->mutex);
    capture->done = true;
    capture->ended.notify_all();
}

// Waits up to `ms` for the end of the output; returns it. When a process
// the child started (or the crash debugger) still holds the pipe, the reader
// is left behind instead of blocking the test forever.
inline std::string collect(std::thread& reader, const std::shared_ptr<Capture>& capture, DWORD ms) {
    std::unique_lock lock(capture->mutex);
    const bool ended = capture->ended.wait_for(lock, std::chrono::milliseconds(ms), [&] { return capture->done; });
    std::string text = capture->text;
    lock.unlock();
    if (ended) {
        reader.join();
    } else {
        reader.detach();
        text += "\n(the output pipe stayed open after the process ended: something it started holds it)\n";
    }
    return text;
}

// A process started with stdout and stderr captured.
class Child {
public:
    Child(const std::wstring& exe, const std::wstring& args, const std::wstring& cwd) {
        SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, TRUE};
        HANDLE read_end = nullptr, write_end = nullptr;
        if (!CreatePipe(&read_end, &write_end, &sa, 0)) {
            output_ = "cannot create a pipe";
            return;
        }
        SetHandleInformation(read_end, HANDLE_FLAG_INHERIT, 0);
        STARTUPINFOW si{};
        si.cb = sizeof si;
        si.dwFlags = STARTF_USESTDHANDLES;
        si.hStdOutput = write_end;
        si.hStdError = write_end;
        si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
        PROCESS_INFORMATION pi{};
        std::wstring cmd = quote(exe) + L" " + args;
        const BOOL started =
            CreateProcessW(exe.c_str(), cmd.data(), nullptr, nullptr, TRUE, 0, nullptr, cwd.c_str(), &si, &pi);
        CloseHandle(write_end);  // only the child writes now: EOF when it exits
        if (!started) {
            output_ = "cannot start " + narrow(exe) + " (error " + std::to_string(GetLastError()) + ")";
            CloseHandle(read_end);
            return;
        }
        CloseHandle(pi.hThread);
        if (const HANDLE job = children_job()) AssignProcessToJobObject(job, pi.hProcess);  // best effort
        process_ = pi.hProcess;
        pid_ = pi.dwProcessId;
        reader_ = std::thread([capture = capture_, read_end] { read_all(capture, read_end); });
    }
    ~Child() {
        wait(1000);
        if (process_) CloseHandle(process_);
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    DWORD pid() const { return pid_; }
    // Ends the child at once (exit code 9).
    void kill() {
        if (process_ && !done_) TerminateProcess(process_, 9);
    }
    // Waits for the exit (killing the child past the deadline); returns its
    // exit code, or -1 when it had to be killed or never started.
    int wait(DWORD ms) {
        if (!process_) return -1;
        if (!done_) {
            if (WaitForSingleObject(process_, ms) != WAIT_OBJECT_0) {
                TerminateProcess(process_, 99);
                WaitForSingleObject(process_, INFINITE);
                killed_ = true;
            }
            output_ = collect(reader_, capture_, 10000);
            done_ = true;
        }
        DWORD code = 1;
        GetExitCodeProcess(process_, &code);
        return killed_ ? -1 : static_cast<int>(code);
    }
    const std::string& output() const { return output_; }  // complete after wait()

private:
    HANDLE process_ = nullptr;
    DWORD pid_ = 0;
    std::shared_ptr<Capture> capture_ = std::make_shared<Capture>();
    std::thread reader_;
    std::string output_;
    bool done_ = false, killed_ = false;
};

// How many rules of Outlook's a child broke: the strict simulator
// (OLSTATE_SIM_STRICT, tests/meson.build) prints one line with this prefix
// per violation in the process that broke it. Any is a failure of the
// scenario, whatever the child reported itself.
inline std::size_t strict_violations_in(const std::string& output) {
    static const std::string prefix = "olstate_sim: strict violation";
    std::size_t n = 0;
    for (auto at = output.find(prefix); at != std::string::npos; at = output.find(prefix, at + prefix.size())) ++n;
    return n;
}

// A named manual-reset event shared by the driver and its children.
class NamedEvent {
public:
    explicit NamedEvent(const std::wstring& name) : h_(CreateEventW(nullptr, TRUE, FALSE, name.c_str())) {}
    ~NamedEvent() {
        if (h_) CloseHandle(h_);
    }
    NamedEvent(const NamedEvent&) = delete;
    NamedEvent& operator=(const NamedEvent&) = delete;
    void set() const { SetEvent(h_); }
    bool wait(DWORD ms) const { return h_ && WaitForSingleObject(h_, ms) == WAIT_OBJECT_0; }
    // Waits as Outlook's main thread waits: running its message loop, which
    // runs the calls carried to a session's owner thread (the header's
    // "Threading") and the add-in's timers. A host that waited with wait()
    // would leave a client's set unanswered until it timed out.
    bool wait_pumping(DWORD ms) const {
        if (!h_) return false;
        const ULONGLONG end = GetTickCount64() + ms;
        for (;;) {
            const ULONGLONG now = GetTickCount64();
            const DWORD left = now >= end ? 0 : static_cast<DWORD>(end - now);
            const DWORD r = MsgWaitForMultipleObjects(1, &h_, FALSE, left, QS_ALLINPUT);
            if (r == WAIT_OBJECT_0) return true;
            if (r != WAIT_OBJECT_0 + 1) return false;  // timed out (or failed)
            MSG msg;
            while (PeekMessageW(&msg, nullptr, 0, 0, PM_REMOVE)) {
                TranslateMessage(&msg);
                DispatchMessageW(&msg);
            }
        }
    }

private:
    HANDLE h_;
};

}  // namespace wintest
