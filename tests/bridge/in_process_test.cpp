// The host's C API inside this process (a simulator session published with
// olstate_bridge_start): arguments, handles, endpoints and their security,
// stopping while clients are connected or stuck, stopping from a callback,
// closing the bridged session; and callbacks of bridge sessions that
// unsubscribe or close from inside.
#include <sys/stat.h>

#include "bridge_support.h"

using namespace bridge_test;
using test::Recorder;

namespace {

// A simulator session in this process, opened on an owner loop (Outlook's
// main thread, OwnedSession) and published on `endpoint` from this thread.
struct LocalHost {
    explicit LocalHost(const std::string& endpoint, uint32_t flags = 0, uint32_t delivery = OLSTATE_DELIVERY_QUEUED)
        : profile(test::fresh_profile("Local")), session(profile, delivery) {
        olstate_bridge_options o;
        olstate_bridge_options_init(&o);
        o.flags = flags;
        o.endpoint = endpoint.c_str();
        const olstate_result r = olstate_bridge_start(session.get(), &o, &bridge);
        REQUIRE_MESSAGE(r == OLSTATE_OK, olstate_result_name(r) << ": " << olstate_last_error_message());
    }
    ~LocalHost() {
        if (bridge) CHECK(olstate_bridge_stop(bridge) == OLSTATE_OK);
    }
    void toggle() {
        uint32_t s = 0;
        olstate_sim_get_state(profile.c_str(), &s);
        REQUIRE(olstate_sim_set_state(profile.c_str(), s == OLSTATE_ONLINE ? OLSTATE_OFFLINE : OLSTATE_ONLINE, 1) == 0);
    }
    std::string profile;
    OwnedSession session;
    olstate_bridge* bridge = nullptr;
};

uint32_t mode_of(const struct stat& st) { return st.st_mode & 07777; }

}  // namespace

TEST_CASE("olstate_bridge_start: arguments") {
    TempDir dir;
    test::Session s(test::fresh_profile("Args"));
    olstate_bridge* b = nullptr;
    olstate_bridge_options o;
    olstate_bridge_options_init(&o);
    CHECK(o.struct_size == sizeof o);
    CHECK(o.flags == 0);  // least privilege: read-only clients
    CHECK(o.max_clients == 0);
    CHECK(o.queue_length == 0);
    CHECK(o.endpoint == nullptr);
    olstate_bridge_options_init(nullptr);
    const std::string ep = dir.endpoint();
    o.endpoint = ep.c_str();

    CHECK(olstate_bridge_start(nullptr, &o, &b) == OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_bridge_start(reinterpret_cast<olstate_session*>(0x7777777), &o, &b) == OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_bridge_start(s.get(), &o, nullptr) == OLSTATE_E_INVALID_ARGUMENT);
    auto bad = o;
    bad.struct_size = 4;
    CHECK(olstate_bridge_start(s.get(), &bad, &b) == OLSTATE_E_INVALID_ARGUMENT);
    bad = o;
    bad.flags = 2;
    CHECK(olstate_bridge_start(s.get(), &bad, &b) == OLSTATE_E_INVALID_ARGUMENT);
    bad = o;
    bad.max_clients = 100000;
    CHECK(olstate_bridge_start(s.get(), &bad, &b) == OLSTATE_E_INVALID_ARGUMENT);
    bad = o;
    bad.queue_length = 1u << 30;
    CHECK(olstate_bridge_start(s.get(), &bad, &b) == OLSTATE_E_INVALID_ARGUMENT);
    bad = o;
    bad.endpoint = "/tmp/\xFF.sock";
    CHECK(olstate_bridge_start(s.get(), &bad, &b) == OLSTATE_E_INVALID_ARGUMENT);
    bad.endpoint = "";
    CHECK(olstate_bridge_start(s.get(), &bad, &b) == OLSTATE_E_INVALID_ARGUMENT);
    bad.endpoint = "relative/bridge.sock";
    CHECK(olstate_bridge_start(s.get(), &bad, &b) == OLSTATE_E_INVALID_ARGUMENT);
    const std::string too_long = dir.path() + "/" + std::string(120, 'x');
    bad.endpoint = too_long.c_str();
    CHECK(olstate_bridge_start(s.get(), &bad, &b) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(b == nullptr);

    // A larger struct with a zero tail is a newer caller at the defaults.
    struct {
        olstate_bridge_options o;
        unsigned char tail[8];
    } big{};
    big.o = o;
    big.o.struct_size = sizeof big;
    REQUIRE(olstate_bridge_start(s.get(), &big.o, &b) == OLSTATE_OK);
    const char* endpoint = nullptr;
    REQUIRE(olstate_bridge_endpoint(b, &endpoint) == OLSTATE_OK);
    CHECK(std::string(endpoint) == ep);
    CHECK(olstate_bridge_endpoint(b, nullptr) == OLSTATE_E_INVALID_ARGUMENT);

    // One host per endpoint.
    olstate_bridge* second = nullptr;
    CHECK(olstate_bridge_start(s.get(), &o, &second) == OLSTATE_E_BUSY);
    CHECK(second == nullptr);

    CHECK(olstate_bridge_stop(b) == OLSTATE_OK);
    CHECK(olstate_bridge_stop(b) == OLSTATE_E_INVALID_HANDLE);  // detected, never dereferenced
    CHECK(olstate_bridge_endpoint(b, &endpoint) == OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_bridge_stop(nullptr) == OLSTATE_OK);
    CHECK(olstate_bridge_stop(reinterpret_cast<olstate_bridge*>(0x5555)) == OLSTATE_E_INVALID_HANDLE);
    // The endpoint is gone with the bridge, and can be served again.
    struct stat st {};
    CHECK(lstat(ep.c_str(), &st) != 0);
    REQUIRE(olstate_bridge_start(s.get(), nullptr, &b) == OLSTATE_OK);  // NULL options: the defaults
    CHECK(olstate_bridge_stop(b) == OLSTATE_OK);
}

TEST_CASE("endpoints: the default under XDG_RUNTIME_DIR, modes 0700/0600, stale sockets, foreign folders") {
    Watchdog dog("endpoints", 60s);
    TempDir dir;
    const char* saved = std::getenv("XDG_RUNTIME_DIR");
    const std::string saved_value = saved ? saved : "";
    setenv("XDG_RUNTIME_DIR", dir.path().c_str(), 1);
    const std::string expected = dir.path() + "/olstate/bridge.sock";
    {
        test::Session s(test::fresh_profile("Default"));
        olstate_bridge* b = nullptr;
        REQUIRE(olstate_bridge_start(s.get(), nullptr, &b) == OLSTATE_OK);
        const char* endpoint = nullptr;
        REQUIRE(olstate_bridge_endpoint(b, &endpoint) == OLSTATE_OK);
        CHECK(std::string(endpoint) == expected);
        struct stat st {};
        REQUIRE(lstat((dir.path() + "/olstate").c_str(), &st) == 0);
        CHECK(mode_of(st) == 0700);
        REQUIRE(lstat(expected.c_str(), &st) == 0);
        CHECK(S_ISSOCK(st.st_mode));
        CHECK(mode_of(st) == 0600);
        // A client with no endpoint finds it.
        olstate_open_options o;
        olstate_open_options_init(&o);
        o.provider = OLSTATE_PROVIDER_BRIDGE;
        olstate_session* c = nullptr;
        REQUIRE(olstate_open_ex(&o, &c) == OLSTATE_OK);
        olstate_session_info info{};
        info.struct_size = sizeof info;
        REQUIRE(olstate_get_session_info(c, &info) == OLSTATE_OK);
        CHECK(std::string(info.provider_path) == expected);
        CHECK(olstate_close(c) == OLSTATE_OK);
        CHECK(olstate_bridge_stop(b) == OLSTATE_OK);
    }
    if (saved) setenv("XDG_RUNTIME_DIR", saved_value.c_str(), 1);
    else unsetenv("XDG_RUNTIME_DIR");

    test::Session s(test::fresh_profile("Endpoints"));
    olstate_bridge* b = nullptr;
    olstate_bridge_options o;
    olstate_bridge_options_init(&o);

    SUBCASE("a stale socket file (its host died) is replaced") {
        const std::string ep = dir.endpoint();
        {
            const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
            sockaddr_un a{};
            a.sun_family = AF_UNIX;
            std::strncpy(a.sun_path, ep.c_str(), sizeof a.sun_path - 1);
            REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
            ::close(fd);  // the file stays; nobody listens
        }
        o.endpoint = ep.c_str();
        REQUIRE(olstate_bridge_start(s.get(), &o, &b) == OLSTATE_OK);
        BridgeSession c(ep);
        CHECK(olstate_bridge_stop(b) == OLSTATE_OK);
    }
    SUBCASE("something that is not a socket is left alone") {
        const std::string ep = dir.path() + "/not-a-socket";
        std::fclose(std::fopen(ep.c_str(), "w"));
        o.endpoint = ep.c_str();
        CHECK(olstate_bridge_start(s.get(), &o, &b) == OLSTATE_E_PROVIDER_FAILED);
        CHECK(std::string(olstate_last_error_message()).find("not a socket") != std::string::npos);
    }
    SUBCASE("a folder other users can enter is refused") {
        const std::string sub = dir.path() + "/open";
        REQUIRE(::mkdir(sub.c_str(), 0755) == 0);
        REQUIRE(::chmod(sub.c_str(), 0755) == 0);
        const std::string ep = sub + "/bridge.sock";
        o.endpoint = ep.c_str();
        CHECK(olstate_bridge_start(s.get(), &o, &b) == OLSTATE_E_PROVIDER_FAILED);
        CHECK(std::string(olstate_last_error_message()).find("0700") != std::string::npos);
    }
    SUBCASE("a symlink in place of the folder is refused") {
        const std::string real = dir.path() + "/real";
        const std::string link = dir.path() + "/link";
        REQUIRE(::mkdir(real.c_str(), 0700) == 0);
        REQUIRE(::symlink(real.c_str(), link.c_str()) == 0);
        const std::string ep = link + "/bridge.sock";
        o.endpoint = ep.c_str();
        CHECK(olstate_bridge_start(s.get(), &o, &b) == OLSTATE_E_PROVIDER_FAILED);
    }
}

TEST_CASE("olstate_bridge_stop disconnects every client (PROVIDER_LOST), even a stuck one, and never hangs") {
    for (const uint32_t mode : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(mode);
        Watchdog dog("bridge_stop with clients", 60s);
        TempDir dir;
        auto host = std::make_unique<LocalHost>(dir.endpoint(), 0, mode);
        Recorder ra, rb;
        BridgeSession a(dir.endpoint(), OLSTATE_DELIVERY_QUEUED);
        BridgeSession b(dir.endpoint(), OLSTATE_DELIVERY_INLINE);
        test::subscribe(a.get(), ra);
        test::subscribe(b.get(), rb);
        // A client that said hello and then never reads, with its socket full.
        RawClient stuck(dir.endpoint());
        REQUIRE(stuck.send(hello()));
        REQUIRE(stuck.read_frame());
        for (int i = 0; i < 200; ++i)
            REQUIRE(olstate_sim_storm(host->profile.c_str(), 1, 5) == 0);
        REQUIRE(ra.wait_for(1));
        REQUIRE(rb.wait_for(1));
        host.reset();  // olstate_bridge_stop, then close
        CHECK(wait_kind(ra, OLSTATE_EVENT_PROVIDER_LOST));
        CHECK(wait_kind(rb, OLSTATE_EVENT_PROVIDER_LOST));
        uint32_t state = 0;
        CHECK(olstate_get_state(a.get(), &state) == OLSTATE_E_PROVIDER_NOT_FOUND);
        CHECK(stuck.closed_by_host());
    }
}

TEST_CASE("olstate_bridge_stop from a callback of the bridged session is WOULD_DEADLOCK") {
    for (const uint32_t mode : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(mode);
        Watchdog dog("stop from a callback", 30s);
        TempDir dir;
        Recorder rec;
        LocalHost host(dir.endpoint(), 0, mode);
        std::atomic<olstate_result> inside{OLSTATE_OK};
        rec.on_event = [&](const olstate_event&) { inside = olstate_bridge_stop(host.bridge); };
        test::subscribe(host.session.get(), rec);
        host.toggle();
        REQUIRE(rec.wait_for(3));
        CHECK(inside.load() == OLSTATE_E_WOULD_DEADLOCK);
        // The handle is still valid: the bridge still serves.
        BridgeSession c(dir.endpoint());
        const char* ep = nullptr;
        CHECK(olstate_bridge_endpoint(host.bridge, &ep) == OLSTATE_OK);
        rec.on_event = nullptr;
    }
}

TEST_CASE("a bridged event carries the host's notify time; sequence numbers stay per session") {
    for (const uint32_t mode : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(mode);
        Watchdog dog("bridged notify time", 30s);
        // Declared before the sessions that call them, so that every session
        // is closed (and its callbacks over) before a recorder goes.
        Recorder at_host, at_client, at_late;
        TempDir dir;
        LocalHost host(dir.endpoint());
        test::subscribe(host.session.get(), at_host);
        BridgeSession c(dir.endpoint(), mode);
        test::subscribe(c.get(), at_client);
        // An event the client never sees makes the two sessions' numbers differ.
        host.toggle();
        REQUIRE(at_host.wait_for(3));
        REQUIRE(at_client.wait_for(3));
        BridgeSession late(dir.endpoint(), mode);
        test::subscribe(late.get(), at_late);
        host.toggle();
        REQUIRE(at_host.wait_for(6));
        REQUIRE(at_late.wait_for(3));
        const auto h = at_host.seen();
        const auto l = at_late.seen();
        for (std::size_t k = 0; k < 3; ++k) {
            CAPTURE(k);
            CHECK(l[k].event.kind == h[3 + k].event.kind);
            CHECK(l[k].event.notify_time_us == h[3 + k].event.notify_time_us);
            CHECK(l[k].event.sequence == k + 1);  // the late session's own numbers
            CHECK(h[3 + k].event.sequence == 4 + k);
        }
    }
}

TEST_CASE("closing the bridged session while its bridge runs: clients get PROVIDER_LOST; stop still works") {
    Watchdog dog("close bridged session", 30s);
    TempDir dir;
    const std::string profile = test::fresh_profile("Closed");
    auto o = test::options(profile);
    olstate_session* s = nullptr;
    REQUIRE(olstate_open_ex(&o, &s) == OLSTATE_OK);
    olstate_bridge_options bo;
    olstate_bridge_options_init(&bo);
    const std::string ep = dir.endpoint();
    bo.endpoint = ep.c_str();
    olstate_bridge* b = nullptr;
    REQUIRE(olstate_bridge_start(s, &bo, &b) == OLSTATE_OK);
    Recorder rec;
    BridgeSession c(ep, OLSTATE_DELIVERY_QUEUED, OLSTATE_OPEN_RECONNECT);
    test::subscribe(c.get(), rec);
    REQUIRE(olstate_close(s) == OLSTATE_OK);
    REQUIRE(wait_kind(rec, OLSTATE_EVENT_PROVIDER_LOST));
    // The endpoint was withdrawn: the reconnecting client finds nobody.
    uint32_t state = 0;
    CHECK(olstate_get_state(c.get(), &state) == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(olstate_bridge_stop(b) == OLSTATE_OK);
}

TEST_CASE("bridge sessions: unsubscribe and close from inside their own callbacks") {
    for (const uint32_t mode : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(mode);
        Watchdog dog("callbacks on a bridge session", 30s);
        TempDir dir;
        LocalHost host(dir.endpoint(), OLSTATE_BRIDGE_ALLOW_SET_STATE);

        SUBCASE("unsubscribe itself: no call after, release once") {
            Recorder rec;
            BridgeSession c(dir.endpoint(), mode);
            test::ReleaseCounter rel;
            struct Ctx {
                olstate_session* s;
                olstate_subscription token;
                std::atomic<int> calls{0};
                std::atomic<olstate_result> result{1};
                test::ReleaseCounter* rel;
            } ctx{c.get(), 0, {0}, {1}, &rel};
            const auto cb = [](const olstate_event*, void* p) {
                auto* x = static_cast<Ctx*>(p);
                ++x->calls;
                x->result = olstate_unsubscribe(x->s, x->token);
            };
            const auto release = [](void* p) { test::ReleaseCounter::release(static_cast<Ctx*>(p)->rel); };
            REQUIRE(olstate_subscribe(c.get(), cb, &ctx, release, &ctx.token) == OLSTATE_OK);
            test::subscribe(c.get(), rec);
            host.toggle();
            host.toggle();
            REQUIRE(rec.wait_for(6));
            CHECK(test::eventually([&] { return rel.releases.load() == 1; }));
            CHECK(ctx.calls.load() == 1);
            CHECK(ctx.result.load() == OLSTATE_OK);
        }
        SUBCASE("close the session from its callback, and set the state from one") {
            olstate_session* c = nullptr;
            REQUIRE(open_bridge(dir.endpoint(), &c, mode) == OLSTATE_OK);
            struct Ctx {
                olstate_session* s;
                std::atomic<olstate_result> set{1};
                std::atomic<olstate_result> closed{1};
            } ctx{c, {1}, {1}};
            const auto cb = [](const olstate_event* e, void* p) {
                auto* x = static_cast<Ctx*>(p);
                if (e->kind == OLSTATE_EVENT_CHANGE_START && x->set.load() == 1) {
                    // A request to the host from inside a callback (never the
                    // thread that reads replies): no deadlock.
                    uint32_t st = 0;
                    x->set = olstate_get_state(x->s, &st);
                }
                if (e->kind == OLSTATE_EVENT_CHANGE_DONE) x->closed = olstate_close(x->s);
            };
            olstate_subscription t = 0;
            REQUIRE(olstate_subscribe(c, cb, &ctx, nullptr, &t) == OLSTATE_OK);
            host.toggle();
            CHECK(test::eventually([&] { return ctx.closed.load() == OLSTATE_OK; }));
            CHECK(ctx.set.load() == OLSTATE_OK);
            CHECK(olstate_close(c) == OLSTATE_E_INVALID_HANDLE);
        }
    }
}
