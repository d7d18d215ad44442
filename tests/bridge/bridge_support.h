// Helpers for the bridge suite: a host in another process driven over its
// stdin/stdout, a raw socket client that speaks (or breaks) the protocol by
// hand, per-test temporary folders for endpoints, and a watchdog that fails
// a test that hangs instead of letting CI wait for meson's timeout.
#pragma once

#include "../api/support.h"
#include "../common/owner_loop.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bridge_test {

using namespace std::chrono_literals;

// Ends the process with a message when a guarded step takes longer than
// `limit`: a hang is a failure, reported at once.
class Watchdog {
public:
    Watchdog(std::string what, std::chrono::seconds limit) : what_(std::move(what)) {
        thread_ = std::thread([this, limit] {
            std::unique_lock lock(mutex_);
            if (!cv_.wait_for(lock, limit, [&] { return done_; })) {
                std::fprintf(stderr, "WATCHDOG: '%s' did not finish within %llds: a hang\n", what_.c_str(),
                             static_cast<long long>(limit.count()));
                std::fflush(stderr);
                std::_Exit(3);
            }
        });
    }
    ~Watchdog() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }

private:
    std::string what_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

// A simulator session opened on a thread of its own that keeps running the
// simulator's owner loop (test::OwnerLoop), the way Outlook's main thread
// runs its message loop while the add-in's bridge serves. Under the strict
// simulator the calls the bridge carries to the session's owner thread
// (reading the state at olstate_bridge_start, a client's set) run there; a
// test thread that opened the session itself and then waits, joins or
// sleeps would never run them, and they would fail with OLSTATE_E_TIMEOUT.
// Opened and closed on its owner thread; everything else on any thread.
class OwnedSession {
public:
    explicit OwnedSession(std::string profile, uint32_t delivery = OLSTATE_DELIVERY_QUEUED)
        : profile_(std::move(profile)) {
        // The last error is per thread: read where the open failed.
        const auto [r, message] = owner_.run([&] {
            const auto o = test::options(profile_, delivery);
            const olstate_result result = olstate_open_ex(&o, &s_);
            return std::make_pair(result, std::string(olstate_last_error_message()));
        });
        REQUIRE_MESSAGE(r == OLSTATE_OK, olstate_result_name(r) << ": " << message);
    }
    ~OwnedSession() { close(); }
    OwnedSession(const OwnedSession&) = delete;
    OwnedSession& operator=(const OwnedSession&) = delete;

    void close() {
        if (olstate_session* s = std::exchange(s_, nullptr))
            CHECK(owner_.run([s] { return olstate_close(s); }) == OLSTATE_OK);
    }
    olstate_session* get() const { return s_; }
    const std::string& profile() const { return profile_; }
    test::OwnerLoop& owner() { return owner_; }
    // The test closed the session itself (on the owner thread).
    void release_closed() { s_ = nullptr; }

private:
    test::OwnerLoop owner_;  // first: it outlives the session it owns
    std::string profile_;
    olstate_session* s_ = nullptr;
};

// A private temporary folder (0700, like a runtime folder), removed at the end.
class TempDir {
public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/olstate-bridge-test-XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        REQUIRE(mkdtemp(buf.data()) != nullptr);
        path_ = buf.data();
    }
    ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
    const std::string& path() const { return path_; }
    std::string endpoint() const { return path_ + "/bridge.sock"; }

private:
    std::string path_;
};

inline std::string build_file(const char* env, const char* fallback) {
    const char* p = std::getenv(env);
    return p && *p ? p : fallback;
}

// A child process with pipes to its stdin and from its stdout.
class Child {
public:
    explicit Child(const std::vector<std::string>& argv) {
        int in[2], out[2];
        REQUIRE(pipe2(in, O_CLOEXEC) == 0);
        REQUIRE(pipe2(out, O_CLOEXEC) == 0);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        const int e = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        ::close(in[0]);
        ::close(out[1]);
        to_ = in[1];
        from_ = out[0];
        REQUIRE_MESSAGE(e == 0, "cannot start " << argv[0]);
    }
    ~Child() {
        if (to_ >= 0) ::close(to_);
        if (pid_ > 0) {
            // Closing stdin asks it to quit; a child that does not is killed.
            for (int i = 0; i < 500 && !reap(false); ++i) std::this_thread::sleep_for(10ms);
            if (pid_ > 0) {
                ::kill(pid_, SIGKILL);
                reap(true);
            }
        }
        if (from_ >= 0) ::close(from_);
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    // One line of output (without the newline); nullopt at EOF or timeout.
    std::optional<std::string> line(std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string l = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return l;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            pollfd p{from_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char chunk[4096];
            const ssize_t n = ::read(from_, chunk, sizeof chunk);
            if (n <= 0) return std::nullopt;
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }
    // Sends a command line and returns the answer line ("" when none came).
    std::string command(const std::string& cmd, std::chrono::milliseconds timeout = 20s) {
        const std::string l = cmd + "\n";
        if (::write(to_, l.data(), l.size()) != static_cast<ssize_t>(l.size())) return "";
        return line(timeout).value_or("");
    }
    void kill9() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            reap(true);
        }
    }
    // The exit status (waits), or -1.
    int wait_exit() {
        if (pid_ <= 0) return status_;
        reap(true);
        return status_;
    }
    bool running() { return pid_ > 0 && !reap(false); }
    pid_t pid() const { return pid_; }

private:
    bool reap(bool block) {
        int st = 0;
        const pid_t r = ::waitpid(pid_, &st, block ? 0 : WNOHANG);
        if (r == pid_) {
            status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
            pid_ = -1;
            return true;
        }
        return false;
    }
    pid_t pid_ = -1;
    int to_ = -1;
    int from_ = -1;
    int status_ = -1;
    std::string buffer_;
};

// The test host program (tests/bridge/test_host.cpp) serving `endpoint`.
class Host {
public:
    Host(const std::string& endpoint, std::vector<std::string> extra = {}, const std::string& profile = "BridgeTest") {
        std::vector<std::string> argv = {build_file("OLSTATE_BRIDGE_TEST_HOST", "olstate-bridge-test-host"),
                                         "--endpoint", endpoint, "--profile", profile};
        argv.insert(argv.end(), extra.begin(), extra.end());
        child_ = std::make_unique<Child>(argv);
        const auto ready = child_->line(20s);
        REQUIRE_MESSAGE((ready && ready->rfind("ready ", 0) == 0), "host did not start: " << ready.value_or("(nothing)"));
    }
    // A host still running is asked how many rules of the strict simulator
    // it broke: any is a failure of the test that ran it (a host killed or
    // ended by the test has nothing left to ask).
    ~Host() {
        if (!child_ || !child_->running()) return;
        const std::string answer = command("violations");
        if (!answer.empty()) CHECK_MESSAGE(answer == "violations 0", "the bridge test host: " << answer);
    }
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;
    std::string command(const std::string& c) { return child_->command(c); }
    void toggle() { REQUIRE(command("toggle") == "ok"); }
    void kill9() { child_->kill9(); }
    Child& child() { return *child_; }

private:
    std::unique_ptr<Child> child_;
};

// Opens a bridge session on `endpoint`.
inline olstate_result open_bridge(const std::string& endpoint, olstate_session** out,
                                  uint32_t delivery = OLSTATE_DELIVERY_QUEUED, uint32_t flags = 0,
                                  const char* profile = nullptr) {
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = OLSTATE_PROVIDER_BRIDGE;
    o.provider_path = endpoint.c_str();
    o.delivery = delivery;
    o.flags = flags;
    o.profile = profile;
    return olstate_open_ex(&o, out);
}

// An open bridge session, closed at the end of the scope.
class BridgeSession {
public:
    BridgeSession(const std::string& endpoint, uint32_t delivery = OLSTATE_DELIVERY_QUEUED, uint32_t flags = 0,
                  const char* profile = nullptr) {
        const olstate_result r = open_bridge(endpoint, &s_, delivery, flags, profile);
        REQUIRE_MESSAGE(r == OLSTATE_OK, olstate_result_name(r) << ": " << olstate_last_error_message());
    }
    ~BridgeSession() {
        if (s_) CHECK(olstate_close(s_) == OLSTATE_OK);
    }
    BridgeSession(const BridgeSession&) = delete;
    BridgeSession& operator=(const BridgeSession&) = delete;
    olstate_session* get() const { return s_; }
    olstate_session* release() { return std::exchange(s_, nullptr); }

private:
    olstate_session* s_ = nullptr;
};

inline std::size_t count_kind(test::Recorder& r, uint32_t kind) {
    std::size_t n = 0;
    for (const auto& s : r.seen())
        if (s.event.kind == kind) ++n;
    return n;
}

inline bool wait_kind(test::Recorder& r, uint32_t kind, std::size_t n = 1) {
    return test::eventually([&] { return count_kind(r, kind) >= n; });
}

// ---- Raw protocol, written by hand (independent of the library's encoder) ----

inline void put_u16(std::vector<unsigned char>& b, uint16_t v) {
    b.push_back(static_cast<unsigned char>(v & 0xFF));
    b.push_back(static_cast<unsigned char>(v >> 8));
}
inline void put_u32(std::vector<unsigned char>& b, uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<unsigned char>((v >> (8 * i)) & 0xFF));
}
inline std::vector<unsigned char> frame(uint16_t type, const std::vector<unsigned char>& payload) {
    std::vector<unsigned char> f;
    put_u32(f, static_cast<uint32_t>(2 + payload.size()));
    put_u16(f, type);
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
}
inline std::vector<unsigned char> hello_payload(const std::string& profile = "", uint16_t min = 1, uint16_t max = 1,
                                                const char* magic = "OLSB") {
    std::vector<unsigned char> p(magic, magic + 4);
    put_u16(p, min);
    put_u16(p, max);
    put_u16(p, static_cast<uint16_t>(profile.size()));
    p.insert(p.end(), profile.begin(), profile.end());
    return p;
}
inline std::vector<unsigned char> hello(const std::string& profile = "") { return frame(1, hello_payload(profile)); }
// A welcome for profile "BridgeTest": version 1, both capabilities, online.
inline std::vector<unsigned char> welcome() {
    std::vector<unsigned char> p;
    put_u16(p, 1);
    put_u32(p, 3);
    put_u32(p, 2);
    put_u32(p, 0);
    const std::string profile = "BridgeTest";
    put_u16(p, static_cast<uint16_t>(profile.size()));
    p.insert(p.end(), profile.begin(), profile.end());
    return frame(2, p);
}
inline std::vector<unsigned char> refusal(int32_t result) {
    std::vector<unsigned char> p;
    put_u32(p, static_cast<uint32_t>(result));
    put_u16(p, 0);
    return frame(3, p);
}
inline std::vector<unsigned char> reply(uint32_t id, int32_t result, uint32_t value = 0,
                                        const std::string& message = "") {
    std::vector<unsigned char> p;
    put_u32(p, id);
    put_u32(p, static_cast<uint32_t>(result));
    put_u32(p, 0);
    put_u32(p, value);
    put_u16(p, static_cast<uint16_t>(message.size()));
    p.insert(p.end(), message.begin(), message.end());
    return frame(8, p);
}
inline std::vector<unsigned char> bye(uint32_t reason) {
    std::vector<unsigned char> p;
    put_u32(p, reason);
    return frame(9, p);
}
inline std::vector<unsigned char> get_state(uint32_t id) {
    std::vector<unsigned char> p;
    put_u32(p, id);
    return frame(5, p);
}
inline std::vector<unsigned char> set_state(uint32_t id, uint32_t state, uint32_t flags) {
    std::vector<unsigned char> p;
    put_u32(p, id);
    put_u32(p, state);
    put_u32(p, flags);
    return frame(6, p);
}

struct RawFrame {
    uint16_t type = 0;
    std::vector<unsigned char> payload;
    uint32_t u32(std::size_t at) const {
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(payload.at(at + static_cast<std::size_t>(i))) << (8 * i);
        return v;
    }
    int32_t i32(std::size_t at) const { return static_cast<int32_t>(u32(at)); }
};

class RawClient {
public:
    explicit RawClient(const std::string& endpoint) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, endpoint.c_str(), sizeof a.sun_path - 1);
        REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    }
    // The host's end of an accepted connection (a fake host speaks through it).
    explicit RawClient(int accepted) : fd_(accepted) {}
    ~RawClient() {
        if (fd_ >= 0) ::close(fd_);
    }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    bool send(const std::vector<unsigned char>& bytes) {
        return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
    }
    // The next frame; nullopt at EOF, error or timeout.
    std::optional<RawFrame> read_frame(std::chrono::milliseconds timeout = 10s) {
        std::vector<unsigned char> head;
        if (!read_exact(head, 6, timeout)) return std::nullopt;
        const uint32_t len = static_cast<uint32_t>(head[0]) | (static_cast<uint32_t>(head[1]) << 8) |
                             (static_cast<uint32_t>(head[2]) << 16) | (static_cast<uint32_t>(head[3]) << 24);
        RawFrame f;
        f.type = static_cast<uint16_t>(head[4] | (head[5] << 8));
        // The protocol's limits: 4096, a connection frame (type 10) 20480.
        if (len < 2 || len > (f.type == 10 ? 20480u : 4096u)) return std::nullopt;
        if (!read_exact(f.payload, len - 2, timeout)) return std::nullopt;
        return f;
    }
    // Reads until the host closes the connection; true when it did within the timeout.
    bool closed_by_host(std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char buf[4096];
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return true;
        }
    }
    int fd() const { return fd_; }

private:
    bool read_exact(std::vector<unsigned char>& out, std::size_t n, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        out.clear();
        while (out.size() < n) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            unsigned char buf[4096];
            const ssize_t r = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
            if (r <= 0) return false;
            out.insert(out.end(), buf, buf + r);
        }
        return true;
    }
    int fd_ = -1;
};

}  // namespace bridge_test
