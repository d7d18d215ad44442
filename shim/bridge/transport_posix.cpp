// The bridge transport on POSIX: a Unix domain socket in a folder only the
// current user can enter. Security rests on the folder (0700, owned by us,
// checked, never followed through a symlink), the socket's own mode (0600)
// and, on Linux, the peer's uid read from the kernel (SO_PEERCRED) on both
// ends: a connection from, or to, another user is refused.
//
// The folder is checked through a descriptor and everything after the check
// (lock, probe, unlink, bind, chmod) goes through that same descriptor, so
// what was checked is what is used even if someone swaps the folder's path.
// A lock file next to the socket, held for the listener's life, lets exactly
// one of several concurrent starts win.
#include "transport.h"

#include <olstate.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/failure.h"

namespace olstate::bridge {
namespace {

// An owned file descriptor.
class Fd {
public:
    Fd() noexcept = default;
    explicit Fd(int fd) noexcept : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    ~Fd() { reset(); }
    void reset() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }

private:
    int fd_ = -1;
};

std::string errno_text(int e) { return std::string(std::strerror(e)) + " (errno " + std::to_string(e) + ")"; }

[[noreturn]] void fail(std::int32_t result, const std::string& what) { throw Failure(result, what); }

// The uid of the process at the other end, or -1 when unknown.
long peer_uid(int fd) noexcept {
#if defined(SO_PEERCRED)
    struct ucred cred {};
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) return static_cast<long>(cred.uid);
#else
    uid_t uid = 0;
    gid_t gid = 0;
    if (getpeereid(fd, &uid, &gid) == 0) return static_cast<long>(uid);
#endif
    return -1;
}

sockaddr_un address_of(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path[0] != '/')
        fail(OLSTATE_E_INVALID_ARGUMENT, "bridge endpoint '" + path + "' is not an absolute path");
    if (path.size() >= sizeof addr.sun_path)
        fail(OLSTATE_E_INVALID_ARGUMENT, "bridge endpoint '" + path + "' is longer than " +
                                             std::to_string(sizeof addr.sun_path - 1) +
                                             " bytes (a Unix socket path limit)");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == 0 ? std::string("/") : path.substr(0, slash);
}

std::string name_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// The endpoint's folder, opened (never through a symlink) and checked: a real
// directory, ours, closed to everyone else; otherwise another user could
// replace the socket. Creates it 0700 when missing (its parent must exist).
Fd open_private_folder(const std::string& dir) {
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        fail(OLSTATE_E_PROVIDER_FAILED, "cannot create bridge folder '" + dir + "': " + errno_text(errno));
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        const int e = errno;
        if (e == ELOOP || e == ENOTDIR)
            fail(OLSTATE_E_PROVIDER_FAILED, "bridge folder '" + dir + "' is not a directory (or is a symlink)");
        fail(OLSTATE_E_PROVIDER_FAILED, "bridge folder '" + dir + "': " + errno_text(e));
    }
    struct stat st {};
    if (fstat(fd.get(), &st) != 0)
        fail(OLSTATE_E_PROVIDER_FAILED, "bridge folder '" + dir + "': " + errno_text(errno));
    if (!S_ISDIR(st.st_mode))
        fail(OLSTATE_E_PROVIDER_FAILED, "bridge folder '" + dir + "' is not a directory (or is a symlink)");
    if (st.st_uid != geteuid())
        fail(OLSTATE_E_PROVIDER_FAILED, "bridge folder '" + dir + "' belongs to uid " +
                                            std::to_string(st.st_uid) + ", not to this user; refusing it");
    if (st.st_mode & 077)
        fail(OLSTATE_E_PROVIDER_FAILED, "bridge folder '" + dir +
                                            "' is accessible to other users (mode must be 0700); refusing it");
    return fd;
}

// The socket's address through the checked folder's descriptor: Linux
// resolves /proc/self/fd/N to the very folder that descriptor holds, so a
// folder swapped in under the same path is never used. Elsewhere (no /proc)
// the plain path, re-checked against the descriptor after the bind.
sockaddr_un address_in(const Fd& dir, const std::string& endpoint) {
    const std::string via_fd = "/proc/self/fd/" + std::to_string(dir.get());
    struct stat through {}, held {};
    if (stat(via_fd.c_str(), &through) == 0 && fstat(dir.get(), &held) == 0 && through.st_ino == held.st_ino &&
        through.st_dev == held.st_dev)
        return address_of(via_fd + "/" + name_of(endpoint));
    return address_of(endpoint);
}

// True when `path` still names the folder `dir` holds.
bool still_the_folder(const Fd& dir, const std::string& path) {
    struct stat now {}, held {};
    return lstat(path.c_str(), &now) == 0 && fstat(dir.get(), &held) == 0 && now.st_ino == held.st_ino &&
           now.st_dev == held.st_dev;
}

Fd new_socket(int extra_flags = 0) {
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | extra_flags, 0));
    if (!fd) fail(OLSTATE_E_PROVIDER_FAILED, "cannot create a Unix socket: " + errno_text(errno));
    return fd;
}

enum class Reach { connected, refused, timed_out, cancelled, failed };
struct Attempt {
    Reach reach = Reach::failed;
    int error = 0;  // errno when refused / failed
    Fd socket;      // blocking again, when connected
};

bool cancelled(const ConnectLimits& limits) noexcept { return limits.cancel && limits.cancel->load(); }

// Waits at most one slice, or less when the deadline is nearer; false when
// the deadline passed or the connect was cancelled.
bool wait_slice(const ConnectLimits& limits, int fd_for_pollout) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(limits.deadline -
                                                                            std::chrono::steady_clock::now());
    if (left.count() <= 0 || cancelled(limits)) return false;
    const int ms = static_cast<int>(std::min(left, kCancelSlice).count());
    if (fd_for_pollout >= 0) {
        pollfd p{fd_for_pollout, POLLOUT, 0};
        ::poll(&p, 1, ms);
    } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
    return true;
}

// A non-blocking connect with a bounded wait. A Unix socket whose listener
// does not accept (a hung host with a full backlog) answers EAGAIN at once
// instead of blocking; that is retried until the deadline.
Attempt connect_bounded(const sockaddr_un& addr, const ConnectLimits& limits) {
    for (;;) {
        Attempt a;
        a.socket = new_socket(SOCK_NONBLOCK);
        const int fd = a.socket.get();
        int e = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 ? 0 : errno;
        if (e == EINPROGRESS || e == EINTR) {
            // Connecting: wait until writable, then read the outcome.
            for (;;) {
                pollfd p{fd, POLLOUT, 0};
                if (::poll(&p, 1, 0) > 0) break;
                if (!wait_slice(limits, fd)) {
                    a.reach = cancelled(limits) ? Reach::cancelled : Reach::timed_out;
                    return a;
                }
            }
            socklen_t len = sizeof e;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0) e = errno;
        }
        if (e == 0) {
            const int fl = fcntl(fd, F_GETFL);
            if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
                a.reach = Reach::failed;
                a.error = errno;
                return a;
            }
            a.reach = Reach::connected;
            return a;
        }
        if (e == EAGAIN) {
            if (!wait_slice(limits, -1)) {
                a.reach = cancelled(limits) ? Reach::cancelled : Reach::timed_out;
                return a;
            }
            continue;  // a fresh socket for the next attempt
        }
        a.reach = e == ECONNREFUSED || e == ENOENT ? Reach::refused : Reach::failed;
        a.error = e;
        a.socket.reset();
        return a;
    }
}

class PosixConnection final : public Connection {
public:
    explicit PosixConnection(Fd fd) noexcept : fd_(std::move(fd)) {}
    ~PosixConnection() override = default;

    IoResult read_some(gsl::span<std::byte> buffer) noexcept override {
        for (;;) {
            if (down_.load()) return {IoStatus::broken, 0};
            const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), 0);
            if (n > 0) return {IoStatus::ok, static_cast<std::size_t>(n)};
            if (n == 0) return {down_.load() ? IoStatus::broken : IoStatus::closed, 0};
            if (errno == EINTR) continue;
            return {IoStatus::broken, 0};
        }
    }

    IoResult write_all(gsl::span<const std::byte> bytes) noexcept override {
        std::size_t done = 0;
        while (done < bytes.size()) {
            if (down_.load()) return {IoStatus::broken, done};
            // MSG_NOSIGNAL: a peer that went away is an error result, never
            // SIGPIPE killing the host process (which may be Outlook).
            const ssize_t n = ::send(fd_.get(), bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
            if (n > 0) {
                done += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            return {n < 0 && (errno == EPIPE || errno == ECONNRESET) ? IoStatus::closed : IoStatus::broken, done};
        }
        return {IoStatus::ok, done};
    }

    IoResult write_now(gsl::span<const std::byte> bytes) noexcept override {
        std::size_t done = 0;
        while (done < bytes.size()) {
            if (down_.load()) return {IoStatus::broken, done};
            const ssize_t n =
                ::send(fd_.get(), bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                done += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;  // full: the rest waits
            return {n < 0 && (errno == EPIPE || errno == ECONNRESET) ? IoStatus::closed : IoStatus::broken, done};
        }
        return {IoStatus::ok, done};
    }

    // shutdown(2) wakes a recv or send blocked on another thread; the
    // descriptor itself is closed only by the destructor, so no other
    // thread can ever use a number the system has handed out again.
    void shutdown() noexcept override {
        if (!down_.exchange(true)) ::shutdown(fd_.get(), SHUT_RDWR);
    }

private:
    Fd fd_;
    std::atomic<bool> down_{false};
};

// One line on stderr, at most once per episode: a library has no log of its
// own, and a host out of descriptors must say why clients are turned away.
void note_out_of_descriptors(int e) noexcept {
    std::fprintf(stderr, "olstate bridge: cannot accept a client: %s; shedding connections until descriptors "
                 "are free\n", std::strerror(e));
}

class PosixListener final : public Listener {
public:
    PosixListener(std::string endpoint, Fd dir, Fd lock, Fd socket, Fd wake_read, Fd wake_write, ino_t inode) noexcept
        : endpoint_(std::move(endpoint)),
          name_(name_of(endpoint_)),
          dir_(std::move(dir)),
          lock_(std::move(lock)),
          socket_(std::move(socket)),
          wake_read_(std::move(wake_read)),
          wake_write_(std::move(wake_write)),
          reserve_(::open("/dev/null", O_RDONLY | O_CLOEXEC)),
          inode_(inode) {}
    ~PosixListener() override { shutdown(); }

    std::unique_ptr<Connection> accept() noexcept override {
        bool back_off = false;  // after running out of descriptors
        for (;;) {
            if (down_.load()) return nullptr;
            if (back_off) {
                // Only the wake pipe: shutdown() still ends the pause.
                pollfd wake{wake_read_.get(), POLLIN, 0};
                ::poll(&wake, 1, kFullBackoffMs);
                back_off = false;
                continue;
            }
            // Poll the socket and the wake pipe: shutdown() writes to the
            // pipe, which wakes this call on every POSIX system.
            pollfd fds[2] = {{socket_.get(), POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
            const int ready = ::poll(fds, 2, -1);
            if (ready < 0) {
                if (errno == EINTR) continue;
                return nullptr;
            }
            if (down_.load() || fds[1].revents) return nullptr;
            if (!(fds[0].revents & POLLIN)) {
                if (fds[0].revents & (POLLERR | POLLNVAL)) return nullptr;
                continue;
            }
            Fd client(::accept4(socket_.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (!client) {
                const int e = errno;
                if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
                    // poll() keeps reporting the pending client, so retrying
                    // at once spins. Shed it with the reserve descriptor, and
                    // wait a little before the next poll.
                    shed_pending(e);
                    back_off = true;
                    continue;
                }
                if (e == EINTR || e == ECONNABORTED || e == EAGAIN) continue;  // that one client failed
                return nullptr;
            }
            out_of_fds_noted_ = false;
            // Defence in depth behind the folder's mode: only this user.
            if (peer_uid(client.get()) != static_cast<long>(geteuid())) continue;
            try {
                return std::make_unique<PosixConnection>(std::move(client));
            } catch (...) {
                continue;  // no memory for this client; it is closed
            }
        }
    }

    void shutdown() noexcept override {
        if (down_.exchange(true)) return;
        const char byte = 1;
        [[maybe_unused]] const ssize_t n = ::write(wake_write_.get(), &byte, 1);
        // Remove the socket file only if it is still the one we created (a
        // newer host may have replaced a stale file meanwhile); through the
        // folder's descriptor, like everything else. The lock goes with the
        // listener (the lock file stays: removing it would race a new start).
        struct stat st {};
        if (fstatat(dir_.get(), name_.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode) &&
            st.st_ino == inode_)
            ::unlinkat(dir_.get(), name_.c_str(), 0);
    }

    const std::string& endpoint() const noexcept override { return endpoint_; }

private:
    static constexpr int kFullBackoffMs = 100;

    void shed_pending(int e) noexcept {
        if (!out_of_fds_noted_) note_out_of_descriptors(e);
        out_of_fds_noted_ = true;
        if (!reserve_) return;
        reserve_.reset();
        Fd doomed(::accept4(socket_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        doomed.reset();  // the client sees its connection closed, not a hang
        reserve_ = Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    }

    std::string endpoint_;
    std::string name_;
    Fd dir_;
    Fd lock_;
    Fd socket_;
    Fd wake_read_;
    Fd wake_write_;
    Fd reserve_;  // given up to accept and close a client when out of descriptors
    ino_t inode_;
    bool out_of_fds_noted_ = false;  // accept() thread only
    std::atomic<bool> down_{false};
};

}  // namespace

std::string default_endpoint() {
    // $XDG_RUNTIME_DIR is the per-user runtime folder (0700, owned by the
    // user, removed at logout) where it exists; otherwise a folder of our
    // own in the temp directory, named after the uid.
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    if (runtime && runtime[0] == '/') return std::string(runtime) + "/olstate/bridge.sock";
    const char* tmp = std::getenv("TMPDIR");
    const std::string base = tmp && tmp[0] == '/' ? tmp : "/tmp";
    return base + "/olstate-" + std::to_string(geteuid()) + "/bridge.sock";
}

std::unique_ptr<Listener> listen(const std::string& endpoint) {
    address_of(endpoint);  // checks the path itself
    const std::string name = name_of(endpoint);
    const Fd dir = open_private_folder(parent_of(endpoint));
    const sockaddr_un addr = address_in(dir, endpoint);

    // Exactly one start wins: the lock is held for the listener's life and
    // dropped by the kernel when its process dies.
    const std::string lock_name = name + ".lock";
    Fd lock(::openat(dir.get(), lock_name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!lock)
        fail(OLSTATE_E_PROVIDER_FAILED, "cannot open the bridge lock '" + parent_of(endpoint) + "/" + lock_name +
                                            "': " + errno_text(errno));
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) fail(OLSTATE_E_BUSY, "another bridge host already serves '" + endpoint + "'");
        fail(OLSTATE_E_PROVIDER_FAILED, "cannot lock the bridge endpoint '" + endpoint + "': " + errno_text(errno));
    }

    struct stat st {};
    if (fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISSOCK(st.st_mode))
            fail(OLSTATE_E_PROVIDER_FAILED, "bridge endpoint '" + endpoint + "' exists and is not a socket");
        // Someone listening there is a live host (one that does not take the
        // lock); nobody is a stale file from a host that died, which we
        // replace. A host that does not answer within the probe's limit is
        // alive but hung: still BUSY, never a wait without end.
        ConnectLimits limits;
        limits.deadline = std::chrono::steady_clock::now() + kProbeTimeout;
        const Attempt probe = connect_bounded(addr, limits);
        if (probe.reach == Reach::connected || probe.reach == Reach::timed_out)
            fail(OLSTATE_E_BUSY, "another bridge host already serves '" + endpoint + "'" +
                                     (probe.reach == Reach::timed_out ? " (it does not accept connections)" : ""));
        if (probe.reach != Reach::refused)
            fail(OLSTATE_E_PROVIDER_FAILED, "cannot probe bridge endpoint '" + endpoint + "': " +
                                                errno_text(probe.error));
        if (::unlinkat(dir.get(), name.c_str(), 0) != 0 && errno != ENOENT)
            fail(OLSTATE_E_PROVIDER_FAILED, "cannot remove the stale bridge endpoint '" + endpoint +
                                                "': " + errno_text(errno));
    }

    Fd sock = new_socket();
    if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int e = errno;
        fail(e == EADDRINUSE ? OLSTATE_E_BUSY : OLSTATE_E_PROVIDER_FAILED,
             "cannot bind bridge endpoint '" + endpoint + "': " + errno_text(e));
    }
    struct stat bound {};
    const auto undo = [&] {
        if (bound.st_ino == 0 || (fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                                  st.st_ino == bound.st_ino))
            ::unlinkat(dir.get(), name.c_str(), 0);
    };
    // Bound by path (no /proc): the folder must still be the one checked.
    if (std::strncmp(addr.sun_path, "/proc/", 6) != 0 && !still_the_folder(dir, parent_of(endpoint))) {
        fail(OLSTATE_E_PROVIDER_FAILED, "the bridge folder '" + parent_of(endpoint) +
                                            "' was replaced while the host started; refusing it");
    }
    // The folder is already closed to others; the socket's own mode says the same.
    if (fstatat(dir.get(), name.c_str(), &bound, AT_SYMLINK_NOFOLLOW) != 0 ||
        ::fchmodat(dir.get(), name.c_str(), 0600, 0) != 0 || ::listen(sock.get(), 16) != 0) {
        const int e = errno;
        undo();
        fail(OLSTATE_E_PROVIDER_FAILED, "cannot listen on bridge endpoint '" + endpoint + "': " + errno_text(e));
    }

    int pipe_fds[2] = {-1, -1};
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        const int e = errno;
        undo();
        fail(OLSTATE_E_PROVIDER_FAILED, "cannot create a pipe: " + errno_text(e));
    }
    Fd wake_read(pipe_fds[0]), wake_write(pipe_fds[1]);
    Fd dir_copy(::fcntl(dir.get(), F_DUPFD_CLOEXEC, 0));
    if (!dir_copy) {
        const int e = errno;
        undo();
        fail(OLSTATE_E_PROVIDER_FAILED, "cannot keep the bridge folder open: " + errno_text(e));
    }
    return std::make_unique<PosixListener>(endpoint, std::move(dir_copy), std::move(lock), std::move(sock),
                                           std::move(wake_read), std::move(wake_write), bound.st_ino);
}

std::unique_ptr<Connection> connect(const std::string& endpoint, const ConnectLimits& limits) {
    const sockaddr_un addr = address_of(endpoint);
    Attempt a = connect_bounded(addr, limits);
    switch (a.reach) {
        case Reach::connected: break;
        case Reach::refused:
            fail(OLSTATE_E_PROVIDER_NOT_FOUND,
                 "no olstate bridge serves '" + endpoint + "' (" + errno_text(a.error) + ")");
        case Reach::timed_out:
            fail(OLSTATE_E_PROVIDER_NOT_FOUND, "the bridge host at '" + endpoint +
                                                   "' did not accept the connection in time (it is hung or "
                                                   "overloaded)");
        case Reach::cancelled: fail(OLSTATE_E_PROVIDER_NOT_FOUND, "the session is closing");
        case Reach::failed:
            fail(OLSTATE_E_PROVIDER_FAILED,
                 "cannot connect to bridge endpoint '" + endpoint + "': " + errno_text(a.error));
    }
    // Talk only to a host of this very user.
    const long uid = peer_uid(a.socket.get());
    if (uid != static_cast<long>(geteuid()))
        fail(OLSTATE_E_PROVIDER_FAILED, "the bridge at '" + endpoint + "' runs as uid " + std::to_string(uid) +
                                            ", not as this user; refusing it");
    return std::make_unique<PosixConnection>(std::move(a.socket));
}

}  // namespace olstate::bridge
