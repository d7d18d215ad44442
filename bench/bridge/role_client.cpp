#include <olstate.h>

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "child.h"
#include "roles.h"
#include "shared_area.h"
#include "../stats.h"

namespace bench_bridge {

namespace {

struct Client {
    SharedArea* area = nullptr;
    int index = 0;
    std::string endpoint;
    olstate_session* session = nullptr;
};

// The subscription's callback: stamps first, then does the bookkeeping.
void OLSTATE_CALL on_event(const olstate_event* e, void* context) {
    const std::int64_t t = now_ns();
    const auto* c = static_cast<const Client*>(context);
    SharedArea& a = *c->area;
    if (e->kind == OLSTATE_EVENT_PROVIDER_BACK) {
        a.back_ns[c->index].store(t);
        return;
    }
    if (e->kind == OLSTATE_EVENT_PROVIDER_LOST) {
        a.lost_ns[c->index].store(t);
        return;
    }
    switch (a.phase.load(std::memory_order_acquire)) {
        case kPhaseLatency: {
            const std::uint32_t i = a.current.load(std::memory_order_acquire);
            if (i < static_cast<std::uint32_t>(kMaxSamples)) a.recv_ns[c->index][i] = t;
            // The last client to count wakes the host (one futex wake per
            // notification, after this client's stamp).
            if (a.acks.fetch_add(1, std::memory_order_acq_rel) + 1 >= a.target.load(std::memory_order_acquire))
                futex_wake_all(a.acks);
            break;
        }
        case kPhaseDetect: {
            const std::uint32_t n = a.change_count.load(std::memory_order_acquire);
            if (n == 0) break;
            const std::uint32_t k = n - 1;
            if (e->new_state == a.change_state[k] && a.detect_ns[c->index][k] == 0) a.detect_ns[c->index][k] = t;
            break;
        }
        default: break;
    }
}

olstate_result open_bridge(const Client& c, bool reconnect, olstate_session** out, bool inline_delivery = false) {
    olstate_open_options o = OLSTATE_OPEN_OPTIONS_INIT;  // this header's struct, 1.3 fields zero
    o.provider = OLSTATE_PROVIDER_BRIDGE;
    o.provider_path = c.endpoint.c_str();
    o.flags = reconnect ? OLSTATE_OPEN_RECONNECT : 0;
    o.delivery = inline_delivery ? OLSTATE_DELIVERY_INLINE : OLSTATE_DELIVERY_QUEUED;
    return olstate_open_ex(&o, out);
}

std::string err(const char* what) { return std::string("err ") + what + ": " + olstate_last_error_message(); }

// Opens the client's session; with `subscribe`, subscribes on_event (a
// polling client does not subscribe).
std::string open_session(Client& c, bool reconnect, bool subscribe, bool inline_delivery) {
    const std::int64_t t0 = now_ns();
    if (open_bridge(c, reconnect, &c.session, inline_delivery) != OLSTATE_OK) return err("olstate_open_ex");
    const std::int64_t t1 = now_ns();
    olstate_subscription s = 0;
    if (subscribe && olstate_subscribe(c.session, on_event, &c, nullptr, &s) != OLSTATE_OK)
        return err("olstate_subscribe");
    return "ok " + std::to_string(static_cast<double>(t1 - t0) / 1000.0);
}

using bench_stats::median;

// `count` opens and closes of a second session to the running host.
std::string open_close(const Client& c, int count) {
    std::vector<double> open_us, close_us;
    for (int i = 0; i < count; ++i) {
        olstate_session* s = nullptr;
        const std::int64_t t0 = now_ns();
        if (open_bridge(c, false, &s) != OLSTATE_OK) return err("olstate_open_ex");
        const std::int64_t t1 = now_ns();
        olstate_close(s);
        const std::int64_t t2 = now_ns();
        open_us.push_back(static_cast<double>(t1 - t0) / 1000.0);
        close_us.push_back(static_cast<double>(t2 - t1) / 1000.0);
    }
    return "ok " + std::to_string(median(open_us)) + " " + std::to_string(median(close_us));
}

// Polls get_state every `interval_ms` (on a fixed schedule, as a timer
// would) for `seconds`; a changed state is a detection of the latest change.
std::string poll(Client& c, int interval_ms, int seconds) {
    SharedArea& a = *c.area;
    uint32_t last = 0;
    if (olstate_get_state(c.session, &last) != OLSTATE_OK) return err("olstate_get_state");
    const auto interval = std::chrono::milliseconds(interval_ms);
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    auto next = std::chrono::steady_clock::now() + interval;
    int polls = 0;
    while (next < end) {
        std::this_thread::sleep_until(next);
        next += interval;
        uint32_t state = 0;
        if (olstate_get_state(c.session, &state) != OLSTATE_OK) return err("olstate_get_state");
        const std::int64_t t = now_ns();
        ++polls;
        if (state == last) continue;
        last = state;
        const std::uint32_t n = a.change_count.load(std::memory_order_acquire);
        if (n > 0 && a.change_state[n - 1] == state && a.detect_ns[c.index][n - 1] == 0) a.detect_ns[c.index][n - 1] = t;
    }
    return "ok " + std::to_string(polls);
}

// The floor of one cross-process hop: a thread blocked in read() on a Unix
// socket, woken by the host's write (no olstate). Listens on DIR/floor.sock
// before answering; a thread of its own then stamps each 8-byte message
// (the sample's index) like the callback does.
std::string floor_listen(const Client& c, const std::string& dir) {
    const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string path = dir + "/floor.sock";
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 1) != 0)
        return "err floor socket";
    std::thread([listener, &c] {
        const int s = ::accept(listener, nullptr, nullptr);
        ::close(listener);
        std::uint64_t i = 0;
        while (s >= 0 && ::read(s, &i, sizeof i) == static_cast<ssize_t>(sizeof i)) {
            SharedArea& a = *c.area;
            if (i < static_cast<std::uint64_t>(kMaxSamples)) a.recv_ns[c.index][i] = now_ns();
            if (a.acks.fetch_add(1) + 1 >= a.target.load()) futex_wake_all(a.acks);
        }
        if (s >= 0) ::close(s);
    }).detach();
    return "ok";
}

}  // namespace

int run_client(const char* dir, int index) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the driver (also when stopped)
    Client c;
    c.area = map_shared_area(std::string(dir) + "/shared", false);
    c.index = index;
    c.endpoint = std::string(dir) + "/bridge.sock";
    std::string line;
    while (read_command(line)) {
        std::istringstream in(line);
        std::string cmd;
        int a = 0, b = 0, d = 0;
        in >> cmd >> a >> b >> d;
        if (cmd == "quit") break;
        else if (cmd == "open") reply(open_session(c, a != 0, b != 0, d != 0));  // open RECONNECT SUBSCRIBE INLINE
        else if (cmd == "openclose") reply(open_close(c, a));
        else if (cmd == "poll") reply(poll(c, a, b));
        else if (cmd == "floor") reply(floor_listen(c, dir));
        else if (cmd == "close") {
            olstate_close(c.session);
            c.session = nullptr;
            reply("ok");
        } else reply("err unknown command " + cmd);
    }
    olstate_close(c.session);
    return 0;
}

}  // namespace bench_bridge
