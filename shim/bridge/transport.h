// The bridge's byte pipe between the host (inside Outlook) and a client
// process of the same user: a Unix domain socket on POSIX, a named pipe on
// Windows. Everything above this interface (frames, sessions, queues) is
// the same on every platform.
//
// The model is blocking I/O with one reader and one writer thread per
// connection: read() and write() may run at the same time on two threads
// (on Windows this needs an overlapped pipe handle: a synchronous handle
// serialises them), and shutdown() from any third thread wakes both.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <gsl/span>

namespace olstate::bridge {

enum class IoStatus {
    ok,      // the whole request was transferred (read: at least one byte)
    closed,  // the peer closed the connection (read: orderly end of stream)
    broken,  // an error, or shutdown() was called
};

struct IoResult {
    IoStatus status = IoStatus::broken;
    std::size_t bytes = 0;
};

class Connection {
public:
    virtual ~Connection() = default;
    // Blocks until at least one byte arrives, the peer closes, or shutdown().
    virtual IoResult read_some(gsl::span<std::byte> buffer) noexcept = 0;
    // Blocks until every byte is written, the peer is gone, or shutdown().
    virtual IoResult write_all(gsl::span<const std::byte> bytes) noexcept = 0;
    // Writes what fits now, never blocking: ok with the bytes written (0
    // when nothing fits), closed/broken when the connection is gone. Not
    // concurrently with write_all. A transport without non-blocking writes
    // keeps this answer (nothing written: the caller's writer thread does a
    // write_all).
    virtual IoResult write_now(gsl::span<const std::byte>) noexcept { return {IoStatus::ok, 0}; }
    // Wakes blocked reads and writes; later ones return broken. Idempotent,
    // callable from any thread, also concurrently with read/write.
    virtual void shutdown() noexcept = 0;
};

class Listener {
public:
    virtual ~Listener() = default;
    // Blocks for the next client; null after shutdown() (or on a fatal error).
    virtual std::unique_ptr<Connection> accept() noexcept = 0;
    // Wakes a blocked accept(); later ones return null. Removes the endpoint.
    virtual void shutdown() noexcept = 0;
    virtual const std::string& endpoint() const noexcept = 0;
};

// The current user's endpoint: on POSIX a socket in $XDG_RUNTIME_DIR/olstate/
// (else a 0700 folder in the temp directory named after the uid); on Windows
// a pipe name derived from the user's SID and logon session.
std::string default_endpoint();

// Creates the endpoint, reachable only by the current user (socket 0600 in a
// 0700 folder; pipe with a DACL for the user alone and
// PIPE_REJECT_REMOTE_CLIENTS). Throws Failure: BUSY when a live host already
// serves it or another start holds it (a stale socket file is replaced),
// PROVIDER_FAILED otherwise. Never blocks on a hung host: its probe of an
// existing endpoint gives up after kProbeTimeout (the host is then BUSY).
std::unique_ptr<Listener> listen(const std::string& endpoint);

// How long a connect() may wait for a host that does not accept (hung, or
// its backlog / pipe instances full) when the caller gives no deadline.
constexpr std::chrono::seconds kConnectTimeout{5};
// How long listen() probes an existing POSIX endpoint. A Unix socket answers
// a connect at once: connected or EAGAIN (its backlog is full) both mean a
// listener is alive (BUSY), refused means a stale file; waiting longer could
// only turn EAGAIN into connected, the same answer. So the probe is short:
// olstate_bridge_start may run on an application's UI thread. (The Windows
// probe opens the pipe once and does not wait.)
constexpr std::chrono::milliseconds kProbeTimeout{100};

// The bounds of one connect(): it gives up at `deadline`, and within
// kCancelSlice of `*cancel` turning true (so a closing session never waits
// on a connect in progress).
struct ConnectLimits {
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::now() + kConnectTimeout;
    const std::atomic<bool>* cancel = nullptr;
};
constexpr std::chrono::milliseconds kCancelSlice{50};

// Connects to a host. Throws Failure: PROVIDER_NOT_FOUND when nobody serves
// the endpoint, nobody accepts before the deadline, or the connect was
// cancelled; PROVIDER_FAILED for other errors.
std::unique_ptr<Connection> connect(const std::string& endpoint, const ConnectLimits& limits = {});

}  // namespace olstate::bridge
