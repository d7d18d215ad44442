// The bridge transport on POSIX: a Unix domain socket in a folder only the
// current user can enter. Security rests on the folder (0700, owned by us,
// checked, never followed through a symlink), the socket's own mode (0600)
// and, on Linux, the peer's uid read from the kernel (SO_PEERCRED) on both
// ends: a connection from, or to, another user is refused.
#include "transport.h"

#include <olstate.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <fcntl.h>
#include <poll.h>
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

// The folder must be a real directory (not a symlink), ours, and closed to
// everyone else; otherwise another user could replace the socket.
void check_private_folder(const std::string& dir) {
    struct stat st {};
    if (lstat(dir.c_str(), &st) != 0)
        fail(OLSTATE_E_PROVIDER_FAILED, "bridge folder '" + dir + "': " + errno_text(errno));
    if (!S_ISDIR(st.st_mode))
        fail(OLSTATE_E_PROVIDER_FAILED, "bridge folder '" + dir + "' is not a directory (or is a symlink)");
    if (st.st_uid != geteuid())
        fail(OLSTATE_E_PROVIDER_FAILED, "bridge folder '" + dir + "' belongs to uid " +
                                            std::to_string(st.st_uid) + ", not to this user; refusing it");
    if (st.st_mode & 077)
        fail(OLSTATE_E_PROVIDER_FAILED, "bridge folder '" + dir +
                                            "' is accessible to other users (mode must be 0700); refusing it");
}

// Creates the folder 0700 when missing (its parent must exist), then checks it.
void ensure_private_folder(const std::string& dir) {
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        fail(OLSTATE_E_PROVIDER_FAILED, "cannot create bridge folder '" + dir + "': " + errno_text(errno));
    check_private_folder(dir);
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

class PosixListener final : public Listener {
public:
    PosixListener(std::string endpoint, Fd socket, Fd wake_read, Fd wake_write, ino_t inode) noexcept
        : endpoint_(std::move(endpoint)),
          socket_(std::move(socket)),
          wake_read_(std::move(wake_read)),
          wake_write_(std::move(wake_write)),
          inode_(inode) {}
    ~PosixListener() override { shutdown(); }

    std::unique_ptr<Connection> accept() noexcept override {
        for (;;) {
            if (down_.load()) return nullptr;
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
                if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN || errno == EMFILE ||
                    errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                    continue;  // that one client failed; keep serving
                return nullptr;
            }
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
        // newer host may have replaced a stale file meanwhile).
        struct stat st {};
        if (lstat(endpoint_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == inode_)
            ::unlink(endpoint_.c_str());
    }

    const std::string& endpoint() const noexcept override { return endpoint_; }

private:
    std::string endpoint_;
    Fd socket_;
    Fd wake_read_;
    Fd wake_write_;
    ino_t inode_;
    std::atomic<bool> down_{false};
};

// Connects a socket to `addr`; the errno on failure, 0 on success.
int connect_to(const Fd& fd, const sockaddr_un& addr) noexcept {
    for (;;) {
        if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return 0;
        if (errno != EINTR) return errno;
    }
}

Fd new_socket() {
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) fail(OLSTATE_E_PROVIDER_FAILED, "cannot create a Unix socket: " + errno_text(errno));
    return fd;
}

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
    const sockaddr_un addr = address_of(endpoint);
    ensure_private_folder(parent_of(endpoint));

    struct stat st {};
    if (lstat(endpoint.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            fail(OLSTATE_E_PROVIDER_FAILED, "bridge endpoint '" + endpoint + "' exists and is not a socket");
        // Someone listening there is a live host; nobody is a stale file
        // from a host that died, which we replace.
        const Fd probe = new_socket();
        const int e = connect_to(probe, addr);
        if (e == 0)
            fail(OLSTATE_E_BUSY, "another bridge host already serves '" + endpoint + "'");
        if (e != ECONNREFUSED && e != ENOENT)
            fail(OLSTATE_E_PROVIDER_FAILED, "cannot probe bridge endpoint '" + endpoint + "': " + errno_text(e));
        if (::unlink(endpoint.c_str()) != 0 && errno != ENOENT)
            fail(OLSTATE_E_PROVIDER_FAILED, "cannot remove the stale bridge endpoint '" + endpoint +
                                                "': " + errno_text(errno));
    }

    Fd sock = new_socket();
    if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int e = errno;
        fail(e == EADDRINUSE ? OLSTATE_E_BUSY : OLSTATE_E_PROVIDER_FAILED,
             "cannot bind bridge endpoint '" + endpoint + "': " + errno_text(e));
    }
    // The folder is already closed to others; the socket's own mode says the same.
    if (::chmod(endpoint.c_str(), 0600) != 0 || ::listen(sock.get(), 16) != 0) {
        const int e = errno;
        ::unlink(endpoint.c_str());
        fail(OLSTATE_E_PROVIDER_FAILED, "cannot listen on bridge endpoint '" + endpoint + "': " + errno_text(e));
    }
    struct stat bound {};
    lstat(endpoint.c_str(), &bound);

    int pipe_fds[2] = {-1, -1};
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        const int e = errno;
        ::unlink(endpoint.c_str());
        fail(OLSTATE_E_PROVIDER_FAILED, "cannot create a pipe: " + errno_text(e));
    }
    Fd wake_read(pipe_fds[0]), wake_write(pipe_fds[1]);
    return std::make_unique<PosixListener>(endpoint, std::move(sock), std::move(wake_read),
                                           std::move(wake_write), bound.st_ino);
}

std::unique_ptr<Connection> connect(const std::string& endpoint) {
    const sockaddr_un addr = address_of(endpoint);
    Fd sock = new_socket();
    const int e = connect_to(sock, addr);
    if (e == ENOENT || e == ECONNREFUSED)
        fail(OLSTATE_E_PROVIDER_NOT_FOUND, "no olstate bridge serves '" + endpoint + "' (" + errno_text(e) + ")");
    if (e != 0)
        fail(OLSTATE_E_PROVIDER_FAILED, "cannot connect to bridge endpoint '" + endpoint + "': " + errno_text(e));
    // Talk only to a host of this very user.
    const long uid = peer_uid(sock.get());
    if (uid != static_cast<long>(geteuid()))
        fail(OLSTATE_E_PROVIDER_FAILED, "the bridge at '" + endpoint + "' runs as uid " + std::to_string(uid) +
                                            ", not as this user; refusing it");
    return std::make_unique<PosixConnection>(std::move(sock));
}

}  // namespace olstate::bridge
