// Issue 14, the red-team findings: a hung host (SIGSTOP, backlog full) never
// hangs open, close or start; connections that never say hello neither hold
// a slot nor stay forever; a host out of file descriptors does not spin;
// exactly one of several concurrent starts wins; a rogue host cannot hand
// undocumented results, grow the client without bound or turn a bye into a
// failed RECONNECT open. Every time limit is asserted as an upper bound with
// a wide margin (a loaded 2-core machine), never as a lower one.
#include <sys/resource.h>

#include <atomic>
#include <fstream>
#include <sstream>

#include "bridge_support.h"

using namespace bridge_test;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string last_error() { return olstate_last_error_message(); }

bool documented(olstate_result r) { return r <= OLSTATE_E_INVALID_ARGUMENT && r >= OLSTATE_E_WOULD_DEADLOCK; }

// Resumes a process stopped with SIGSTOP, whatever way the test ends.
struct Stopped {
    explicit Stopped(pid_t p) : pid(p) { REQUIRE(::kill(pid, SIGSTOP) == 0); }
    ~Stopped() { ::kill(pid, SIGCONT); }
    pid_t pid;
};

// Fills a listening socket's backlog with connections nobody accepts (the
// repro of the finding: 17 non-blocking connects, then closed; the kernel
// keeps them queued until accepted).
void fill_backlog(const std::string& endpoint, int n = 40) {
    for (int i = 0; i < n; ++i) {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, endpoint.c_str(), sizeof a.sun_path - 1);
        ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::close(fd);
    }
}

// A listening socket speaking the protocol by hand: a rogue or broken host.
class FakeHost {
public:
    explicit FakeHost(const std::string& endpoint, int backlog = 8) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, endpoint.c_str(), sizeof a.sun_path - 1);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd_, backlog) == 0);
    }
    ~FakeHost() {
        ::shutdown(fd_, SHUT_RDWR);
        if (thread_.joinable()) thread_.join();
        ::close(fd_);
    }
    // Runs `script` on each accepted connection, one after another, in a thread.
    void serve(std::function<void(RawClient&)> script) {
        thread_ = std::thread([this, script] {
            for (;;) {
                pollfd p{fd_, POLLIN, 0};
                if (::poll(&p, 1, 20000) <= 0 || (p.revents & ~POLLIN)) return;
                const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
                if (c < 0) return;
                RawClient conn(c);
                script(conn);
            }
        });
    }
    int fd() const { return fd_; }

private:
    int fd_ = -1;
    std::thread thread_;
};

// CPU time (user + system) a process used so far, in seconds.
double cpu_seconds(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::istringstream rest(all.substr(all.rfind(')') + 2));  // fields after "(comm)"
    std::string field;
    unsigned long long ut = 0, st = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) ut = std::stoull(field);
        if (i == 15) st = std::stoull(field);
    }
    return static_cast<double>(ut + st) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

TEST_CASE("a stopped host with a full backlog: open gives up within its 10 s limit, close never waits on a connect") {
    Watchdog dog("stopped host", 90s);
    TempDir dir;
    Host host(dir.endpoint());
    Stopped stopped(host.child().pid());
    fill_backlog(dir.endpoint());

    auto t0 = Clock::now();
    olstate_session* s = nullptr;
    CHECK(open_bridge(dir.endpoint(), &s) == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(seconds_since(t0) < 25.0);  // the handshake's limit is 10 s
    // Whether the kernel still completed this one connection or not, the
    // host never answered: the connect or the hello ran out of time.
    INFO(last_error());
    CHECK((last_error().find("in time") != std::string::npos || last_error().find("within 10 s") != std::string::npos));

    // Reconnecting: the open starts lost after the same limit; its link
    // thread then sits in a connect, and close cuts that short.
    t0 = Clock::now();
    REQUIRE(open_bridge(dir.endpoint(), &s, OLSTATE_DELIVERY_QUEUED, OLSTATE_OPEN_RECONNECT) == OLSTATE_OK);
    CHECK(seconds_since(t0) < 25.0);
    std::this_thread::sleep_for(500ms);
    t0 = Clock::now();
    CHECK(olstate_close(s) == OLSTATE_OK);
    CHECK(seconds_since(t0) < 3.0);  // one cancel slice (50 ms), far from any connect limit

    // A second host on the same endpoint: BUSY at once (the stopped host
    // holds the endpoint's lock), never a blocked probe.
    test::Session local(test::fresh_profile("Busy"));
    olstate_bridge_options o;
    olstate_bridge_options_init(&o);
    const std::string ep = dir.endpoint();
    o.endpoint = ep.c_str();
    olstate_bridge* b = nullptr;
    t0 = Clock::now();
    CHECK(olstate_bridge_start(local.get(), &o, &b) == OLSTATE_E_BUSY);
    CHECK(seconds_since(t0) < 6.0);
}

TEST_CASE("start next to a listener that never accepts (no lock): its probe gives up within 0.1 s, BUSY") {
    Watchdog dog("probe of a hung listener", 30s);
    TempDir dir;
    FakeHost hung(dir.endpoint(), 0);
    fill_backlog(dir.endpoint());
    test::Session local(test::fresh_profile("Probe"));
    olstate_bridge_options o;
    olstate_bridge_options_init(&o);
    const std::string ep = dir.endpoint();
    o.endpoint = ep.c_str();
    olstate_bridge* b = nullptr;
    const auto t0 = Clock::now();
    CHECK(olstate_bridge_start(local.get(), &o, &b) == OLSTATE_E_BUSY);
    const double took = seconds_since(t0);
    MESSAGE("olstate_bridge_start next to a hung listener: " << took << " s");
    // A hang bound with a wide margin over the 0.1 s probe, yet under the
    // 2 s the probe used to wait on an application's UI thread.
    CHECK(took < 1.5);
}

TEST_CASE("connections that never say hello hold no slot and are closed after the 5 s hello limit, without a bye") {
    Watchdog dog("silent connections", 60s);
    TempDir dir;
    Host host(dir.endpoint(), {"--max-clients", "2"});
    std::vector<std::unique_ptr<RawClient>> silent;
    for (int i = 0; i < 12; ++i) silent.push_back(std::make_unique<RawClient>(dir.endpoint()));
    std::this_thread::sleep_for(200ms);
    {
        // Welcomed clients are not locked out by the silent ones.
        BridgeSession a(dir.endpoint());
        BridgeSession b(dir.endpoint());
        olstate_session* third = nullptr;
        CHECK(open_bridge(dir.endpoint(), &third) == OLSTATE_E_BUSY);  // max_clients still holds
    }
    // A silent connection is closed by the host, with no frame at all.
    RawClient late(dir.endpoint());
    const auto t0 = Clock::now();
    CHECK_FALSE(late.read_frame(20s).has_value());
    CHECK(seconds_since(t0) < 15.0);
    // Stopping the host sends no bye to a connection it never welcomed.
    RawClient quiet(dir.endpoint());
    std::this_thread::sleep_for(100ms);
    REQUIRE(host.command("stop") == "stopped");
    CHECK_FALSE(quiet.read_frame(5s).has_value());
}

TEST_CASE("a host out of file descriptors sheds the pending client instead of spinning, and recovers") {
    Watchdog dog("EMFILE", 60s);
    TempDir dir;
    Host host(dir.endpoint());
    REQUIRE(host.command("fill-fds") == "ok");
    RawClient pending(dir.endpoint());
    CHECK(pending.closed_by_host(10s));
    RawClient second(dir.endpoint());
    const double before = cpu_seconds(host.child().pid());
    std::this_thread::sleep_for(2s);
    const double used = cpu_seconds(host.child().pid()) - before;
    CHECK_MESSAGE(used < 1.0, "the host used " << used << " s of CPU in 2 s out of descriptors");
    REQUIRE(host.command("free-fds") == "ok");
    BridgeSession works(dir.endpoint());
    uint32_t state = 0;
    CHECK(olstate_get_state(works.get(), &state) == OLSTATE_OK);
}

TEST_CASE("concurrent starts on one endpoint: exactly one succeeds, the others are BUSY") {
    Watchdog dog("concurrent starts", 120s);
    TempDir dir;
    // Opened on an owner loop: each start, on a thread of its own, reads the
    // session on the owner thread (carried there), as an add-in's would.
    OwnedSession local(test::fresh_profile("Race"));
    const std::string ep = dir.endpoint();
    constexpr int kThreads = 8;
    const int rounds = 300;  // the finding: 42 of 300 rounds had more than one winner
    for (int round = 0; round < rounds; ++round) {
        std::atomic<int> ready{0};
        std::vector<olstate_bridge*> bridges(kThreads, nullptr);
        std::vector<olstate_result> results(kThreads, OLSTATE_OK);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&, t] {
                olstate_bridge_options o;
                olstate_bridge_options_init(&o);
                o.endpoint = ep.c_str();
                ++ready;
                while (ready.load() < kThreads) std::this_thread::yield();
                results[static_cast<std::size_t>(t)] = olstate_bridge_start(local.get(), &o, &bridges[static_cast<std::size_t>(t)]);
            });
        for (auto& t : threads) t.join();
        int ok = 0;
        for (int t = 0; t < kThreads; ++t) {
            if (results[static_cast<std::size_t>(t)] == OLSTATE_OK) ++ok;
            else CHECK(results[static_cast<std::size_t>(t)] == OLSTATE_E_BUSY);
        }
        CHECK(ok == 1);
        {
            BridgeSession reachable(ep);  // the winner really serves the endpoint
        }
        for (auto* b : bridges)
            if (b) CHECK(olstate_bridge_stop(b) == OLSTATE_OK);
        if (ok != 1) break;
    }
}

TEST_CASE("a rogue host: undocumented results never reach the caller") {
    Watchdog dog("rogue results", 60s);
    TempDir dir;
    FakeHost rogue(dir.endpoint());
    std::atomic<int> step{0};
    rogue.serve([&](RawClient& c) {
        c.read_frame();
        const int n = step++;
        if (n == 0) {
            c.send(refusal(-1000));
        } else if (n == 1) {
            c.send(refusal(INT32_MIN));
        } else {
            c.send(welcome());
            if (auto req = c.read_frame()) c.send(reply(req->u32(0), INT32_MIN));
            c.closed_by_host(5s);
        }
    });
    olstate_session* s = nullptr;
    for (int i = 0; i < 2; ++i) {
        const olstate_result r = open_bridge(dir.endpoint(), &s);
        CHECK_MESSAGE(documented(r), olstate_result_name(r) << " (" << r << ")");
        CHECK(last_error().find("documented error code") != std::string::npos);
    }
    BridgeSession session(dir.endpoint());
    uint32_t state = 0;
    const olstate_result r = olstate_get_state(session.get(), &state);
    CHECK_MESSAGE(documented(r), olstate_result_name(r) << " (" << r << ")");
}

TEST_CASE("a rogue host: unsolicited replies are not kept") {
    Watchdog dog("unsolicited replies", 120s);
    TempDir dir;
    FakeHost rogue(dir.endpoint());
    const int count = 300000;
    rogue.serve([&](RawClient& c) {
        c.read_frame();
        c.send(welcome());
        // Each with its own id: a client that kept them would hold them all.
        for (int b = 0; b < count / 1000; ++b) {
            std::vector<unsigned char> batch;
            for (int i = 0; i < 1000; ++i) {
                const auto f = reply(static_cast<uint32_t>(1000000 + b * 1000 + i), OLSTATE_E_BUSY, 0,
                                     std::string(200, 'm'));
                batch.insert(batch.end(), f.begin(), f.end());
            }
            if (!c.send(batch)) return;
        }
        if (auto req = c.read_frame(30s)) c.send(reply(req->u32(0), OLSTATE_OK, OLSTATE_OFFLINE));
        c.closed_by_host(5s);
    });
    const auto rss_kb = [] {
        std::ifstream f("/proc/self/status");
        std::string line;
        while (std::getline(f, line))
            if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
        return 0L;
    };
    BridgeSession session(dir.endpoint());
    const long before = rss_kb();
    // Answered after every unsolicited reply: all of them were read first.
    uint32_t state = 0;
    REQUIRE(olstate_get_state(session.get(), &state) == OLSTATE_OK);
    CHECK(state == OLSTATE_OFFLINE);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    // (Sanitizers keep freed memory in quarantine: RSS says nothing there.)
    const long grown_mb = (rss_kb() - before) / 1024;
    CHECK_MESSAGE(grown_mb < 20, "the client grew by " << grown_mb << " MB");
#else
    (void)before;
#endif
}

TEST_CASE("a host answering the hello with a bye: a RECONNECT open waits for the next host instead of failing") {
    Watchdog dog("bye to hello", 60s);
    TempDir dir;
    FakeHost leaving(dir.endpoint());
    leaving.serve([](RawClient& c) {
        c.read_frame();
        c.send(bye(1));
    });
    olstate_session* s = nullptr;
    CHECK(open_bridge(dir.endpoint(), &s) == OLSTATE_E_PROVIDER_NOT_FOUND);
    REQUIRE(open_bridge(dir.endpoint(), &s, OLSTATE_DELIVERY_QUEUED, OLSTATE_OPEN_RECONNECT) == OLSTATE_OK);
    uint32_t state = 0;
    CHECK(olstate_get_state(s, &state) == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(olstate_close(s) == OLSTATE_OK);
}

TEST_CASE("in one process: start/stop racing with clients opening and closing never deadlocks") {
    Watchdog dog("start/stop/reopen race", 120s);
    TempDir dir;
    const std::string ep = dir.endpoint();
    OwnedSession local(test::fresh_profile("Churn"));  // starts and stops from this thread, not the owner
    std::atomic<bool> done{false};
    std::vector<std::thread> clients;
    for (const uint32_t flags : {0u, static_cast<uint32_t>(OLSTATE_OPEN_RECONNECT), 0u}) {
        clients.emplace_back([&, flags] {
            while (!done.load()) {
                olstate_session* s = nullptr;
                if (open_bridge(ep, &s, OLSTATE_DELIVERY_QUEUED, flags) == OLSTATE_OK) {
                    uint32_t state = 0;
                    olstate_get_state(s, &state);
                    CHECK(olstate_close(s) == OLSTATE_OK);
                }
            }
        });
    }
    for (int i = 0; i < 40; ++i) {
        olstate_bridge_options o;
        olstate_bridge_options_init(&o);
        o.endpoint = ep.c_str();
        olstate_bridge* b = nullptr;
        if (olstate_bridge_start(local.get(), &o, &b) == OLSTATE_OK) {
            std::this_thread::sleep_for(20ms);
            CHECK(olstate_bridge_stop(b) == OLSTATE_OK);
        }
    }
    done = true;
    for (auto& t : clients) t.join();
}
