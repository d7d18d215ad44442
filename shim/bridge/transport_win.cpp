// The bridge transport on Windows: a named pipe in the user's namespace.
//
// Every handle is overlapped. The transport's model has one thread blocked
// in read_some() while another writes; on a synchronous pipe handle Windows
// serialises I/O per handle, so the write would wait for the read to end.
// Each operation therefore waits on its own completion event and on the
// connection's shutdown event; shutdown() signals the latter, the waiting
// thread cancels its own operation (CancelIoEx) and waits for the
// cancellation to land before its OVERLAPPED goes out of scope.
#include <windows.h>

#include <olstate.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>

#include "base/failure.h"
#include "base/win/win_util.h"
#include "transport.h"
#include "win/handle.h"
#include "win/pipe_name.h"
#include "win/pipe_security.h"
#include "win/pipe_server_check.h"

namespace olstate::bridge {
namespace {

using win::UniqueHandle;

constexpr DWORD kBufferSize = 64 * 1024;
// PIPE_REJECT_REMOTE_CLIENTS: the pipe is never reachable over SMB, whatever
// the DACL says.
constexpr DWORD kPipeMode = PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS;
static_assert((kPipeMode & PIPE_REJECT_REMOTE_CLIENTS) != 0, "Wine cannot show the flag at run time: keep it here");
// connect() waits for a free instance while all are busy, in slices of
// kCancelSlice so a cancel ends it promptly, until the caller's deadline. A
// serving host creates the next instance right after each accept, so "busy"
// lasts moments; one that stays busy is hung, or stopped listening while its
// last clients are still connected.

UniqueHandle manual_event() {
    UniqueHandle e(CreateEventW(nullptr, TRUE, FALSE, nullptr));
    if (!e) throw Failure(OLSTATE_E_OUT_OF_MEMORY, "bridge pipe: CreateEventW failed");
    return e;
}

std::string utf8(const std::wstring& s) { return provider::win::to_utf8(s); }

std::string win_error(DWORD error) { return "Windows error " + std::to_string(error); }

enum class Wait { done, shutdown };

// Waits for an overlapped operation or for shutdown. On shutdown the
// operation is cancelled and reaped, so `ov` may be destroyed afterwards.
Wait wait_for(HANDLE file, OVERLAPPED& ov, HANDLE shutdown_event) {
    const HANDLE events[2] = {ov.hEvent, shutdown_event};
    const DWORD r = WaitForMultipleObjects(2, events, FALSE, INFINITE);
    if (r == WAIT_OBJECT_0) return Wait::done;
    CancelIoEx(file, &ov);
    DWORD ignored = 0;
    GetOverlappedResult(file, &ov, &ignored, TRUE);  // the kernel is done with ov
    return Wait::shutdown;
}

bool peer_gone(DWORD error) {
    return error == ERROR_BROKEN_PIPE || error == ERROR_PIPE_NOT_CONNECTED || error == ERROR_NO_DATA;
}

class PipeConnection final : public Connection {
public:
    explicit PipeConnection(UniqueHandle pipe)
        : pipe_(std::move(pipe)),
          read_event_(manual_event()),
          write_event_(manual_event()),
          shutdown_event_(manual_event()) {}

    // Closing the handle ends the stream for the peer, which still reads
    // what was written before (DisconnectNamedPipe would discard it).
    ~PipeConnection() override = default;

    IoResult read_some(gsl::span<std::byte> buffer) noexcept override {
        if (buffer.empty()) return {IoStatus::ok, 0};
        for (;;) {
            if (stopped_.load()) return {IoStatus::broken, 0};
            OVERLAPPED ov{};
            ov.hEvent = read_event_.get();
            DWORD got = 0;
            const DWORD want = static_cast<DWORD>(buffer.size() < kBufferSize ? buffer.size() : kBufferSize);
            if (!ReadFile(pipe_.get(), buffer.data(), want, nullptr, &ov)) {
                const DWORD error = GetLastError();
                if (error != ERROR_IO_PENDING) return {peer_gone(error) ? IoStatus::closed : IoStatus::broken, 0};
                if (wait_for(pipe_.get(), ov, shutdown_event_.get()) == Wait::shutdown)
                    return {IoStatus::broken, 0};
            }
            if (!GetOverlappedResult(pipe_.get(), &ov, &got, FALSE)) {
                const DWORD error = GetLastError();
                return {peer_gone(error) ? IoStatus::closed : IoStatus::broken, 0};
            }
            if (got > 0) return {IoStatus::ok, got};
            // A zero-byte write by the peer completes a read with nothing: wait again.
        }
    }

    IoResult write_all(gsl::span<const std::byte> bytes) noexcept override {
        std::size_t done = 0;
        while (done < bytes.size()) {
            if (stopped_.load()) return {IoStatus::broken, done};
            OVERLAPPED ov{};
            ov.hEvent = write_event_.get();
            const std::size_t left = bytes.size() - done;
            const DWORD chunk = static_cast<DWORD>(left < kBufferSize ? left : kBufferSize);
            if (!WriteFile(pipe_.get(), bytes.data() + done, chunk, nullptr, &ov)) {
                const DWORD error = GetLastError();
                if (error != ERROR_IO_PENDING) return {peer_gone(error) ? IoStatus::closed : IoStatus::broken, done};
                if (wait_for(pipe_.get(), ov, shutdown_event_.get()) == Wait::shutdown)
                    return {IoStatus::broken, done};
            }
            DWORD put = 0;
            if (!GetOverlappedResult(pipe_.get(), &ov, &put, FALSE)) {
                const DWORD error = GetLastError();
                return {peer_gone(error) ? IoStatus::closed : IoStatus::broken, done};
            }
            done += put;
        }
        return {IoStatus::ok, done};
    }

    void shutdown() noexcept override {
        // The handle itself stays open until destruction: closing it here
        // could let a racing read or write use a recycled handle value.
        stopped_.store(true);
        SetEvent(shutdown_event_.get());
    }

private:
    UniqueHandle pipe_;
    UniqueHandle read_event_, write_event_, shutdown_event_;
    std::atomic<bool> stopped_{false};
};

class PipeListener final : public Listener {
public:
    explicit PipeListener(const std::string& endpoint)
        : endpoint_(endpoint),
          path_(win::pipe_path(provider::win::to_wide(endpoint))),
          connect_event_(manual_event()),
          shutdown_event_(manual_event()) {
        // A live host answers a connection attempt: BUSY. (Windows also
        // refuses the first instance below when the name exists; Wine does
        // not enforce FILE_FLAG_FIRST_PIPE_INSTANCE, so ask first.)
        {
            const UniqueHandle probe(CreateFileW(path_.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr,
                                                 OPEN_EXISTING, SECURITY_SQOS_PRESENT | SECURITY_ANONYMOUS, nullptr));
            if (probe || GetLastError() == ERROR_PIPE_BUSY)
                throw Failure(OLSTATE_E_BUSY, "another olstate bridge already serves " + endpoint_);
        }
        pending_ = create_instance(true);
    }

    std::unique_ptr<Connection> accept() noexcept override {
        try {
            for (;;) {
                UniqueHandle instance;
                {
                    std::lock_guard lock(mutex_);
                    if (stopped_) return nullptr;
                    instance = std::move(pending_);
                }
                if (!instance) instance = create_instance(false);
                if (!connect_instance(instance.get())) return nullptr;  // shutdown
                // The next client must find a listening instance at once.
                UniqueHandle next;
                try {
                    next = create_instance(false);
                } catch (...) {
                    // accept() creates one on its next call.
                }
                {
                    std::lock_guard lock(mutex_);
                    if (!stopped_) pending_ = std::move(next);
                }
                return std::make_unique<PipeConnection>(std::move(instance));
            }
        } catch (...) {
            return nullptr;
        }
    }

    void shutdown() noexcept override {
        {
            std::lock_guard lock(mutex_);
            stopped_ = true;
            pending_.reset();  // the name goes once no instance is left
        }
        SetEvent(shutdown_event_.get());
    }

    const std::string& endpoint() const noexcept override { return endpoint_; }

private:
    UniqueHandle create_instance(bool first) {
        const DWORD open_mode =
            PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
        UniqueHandle pipe(CreateNamedPipeW(path_.c_str(), open_mode, kPipeMode, PIPE_UNLIMITED_INSTANCES, kBufferSize,
                                           kBufferSize, 0, security_.attributes()));
        if (!pipe) {
            const DWORD error = GetLastError();
            // FIRST_PIPE_INSTANCE refused: an instance of that name exists
            // (a bridge that did not answer our probe, or another user's pipe).
            if (first && error == ERROR_ACCESS_DENIED)
                throw Failure(OLSTATE_E_BUSY, "the pipe " + endpoint_ +
                                                  " already exists (another olstate bridge, or a pipe this user "
                                                  "cannot open)");
            throw Failure(OLSTATE_E_PROVIDER_FAILED,
                          "cannot create the bridge pipe " + utf8(path_) + " (" + win_error(error) + ")",
                          static_cast<std::int32_t>(HRESULT_FROM_WIN32(error)));
        }
        return pipe;
    }

    // True once a client is connected to `instance`; false on shutdown or a
    // fatal error.
    bool connect_instance(HANDLE instance) {
        for (;;) {
            OVERLAPPED ov{};
            ov.hEvent = connect_event_.get();
            if (ConnectNamedPipe(instance, &ov)) return true;
            DWORD error = GetLastError();
            if (error == ERROR_PIPE_CONNECTED) return true;  // connected before we asked
            if (error == ERROR_IO_PENDING) {
                if (wait_for(instance, ov, shutdown_event_.get()) == Wait::shutdown) return false;
                DWORD ignored = 0;
                if (GetOverlappedResult(instance, &ov, &ignored, FALSE)) return true;
                error = GetLastError();
            }
            // A client that came and went before we looked: recycle the instance.
            if (error == ERROR_NO_DATA || error == ERROR_BROKEN_PIPE) {
                DisconnectNamedPipe(instance);
                continue;
            }
            return false;
        }
    }

    std::string endpoint_;
    std::wstring path_;
    win::PipeSecurity security_;
    UniqueHandle connect_event_, shutdown_event_;
    std::mutex mutex_;
    UniqueHandle pending_;  // the listening instance while no accept() holds it
    bool stopped_ = false;
};

}  // namespace

std::string default_endpoint() {
    const auto user = win::current_user_sid();
    return utf8(win::default_pipe_name(user.text, win::logon_session_id()));
}

std::unique_ptr<Listener> listen(const std::string& endpoint) { return std::make_unique<PipeListener>(endpoint); }

std::unique_ptr<Connection> connect(const std::string& endpoint, const ConnectLimits& limits) {
    const std::wstring path = win::pipe_path(provider::win::to_wide(endpoint));
    for (;;) {
        // SECURITY_ANONYMOUS: the host never needs to know who we are (the
        // pipe's DACL already admits only our user), so it learns nothing.
        UniqueHandle pipe(CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                                      FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_ANONYMOUS, nullptr));
        if (pipe) {
            win::require_trusted_pipe_server(pipe.get(), endpoint);
            return std::make_unique<PipeConnection>(std::move(pipe));
        }
        const DWORD error = GetLastError();
        if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND)
            throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND,
                          "no olstate bridge serves " + endpoint +
                              " (is Outlook running with the olstate add-in, or olstate-monitor --serve?)");
        if (error == ERROR_PIPE_BUSY) {
            if (limits.cancel && limits.cancel->load())
                throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND, "the session is closing");
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                limits.deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND,
                              "the olstate bridge at " + endpoint +
                                  " did not accept the connection in time (every pipe instance is busy: the host "
                                  "is hung or stopping)");
            // WaitNamedPipe cannot be cancelled: never wait longer than a slice.
            WaitNamedPipeW(path.c_str(), static_cast<DWORD>(std::min(left, kCancelSlice).count()) + 1);
            continue;
        }
        if (error == ERROR_ACCESS_DENIED)
            throw Failure(OLSTATE_E_PROVIDER_FAILED,
                          "access to the bridge pipe " + endpoint + " was denied: it belongs to another user",
                          static_cast<std::int32_t>(HRESULT_FROM_WIN32(error)));
        throw Failure(OLSTATE_E_PROVIDER_FAILED,
                      "cannot connect to the bridge pipe " + endpoint + " (" + win_error(error) + ")",
                      static_cast<std::int32_t>(HRESULT_FROM_WIN32(error)));
    }
}

}  // namespace olstate::bridge
