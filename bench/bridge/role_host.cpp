#include <olstate.h>
#include <olstate_sim.h>

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
#include "proc_stats.h"
#include "roles.h"
#include "shared_area.h"
#include "../stats.h"

namespace bench_bridge {

namespace {

constexpr const char* kProfile = "bench-bridge";
constexpr std::uint32_t kChangeType = 2;     // MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE
constexpr std::uint32_t kOfflineMask = 0x3;  // MAPIOFFLINE_STATE_OFFLINE_MASK

// One raw CHANGE notification through the simulator: SYNC delivery runs the
// session's sink (the provider's Notify) on this thread.
void notify_once() { olstate_sim_send_raw(kProfile, kChangeType, kOfflineMask, OLSTATE_ONLINE, OLSTATE_OFFLINE, 0, 1); }

// Percentile of an unsorted sample.
double pct(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return bench_stats::percentile(v, p);
}

struct Host {
    SharedArea* area = nullptr;
    std::string endpoint;
    olstate_session* session = nullptr;
    olstate_bridge* bridge = nullptr;

    std::string start() {
        olstate_bridge_options o;
        olstate_bridge_options_init(&o);
        o.endpoint = endpoint.c_str();
        o.max_clients = 64;
        area->listen_ns.store(now_ns());
        if (olstate_bridge_start(session, &o, &bridge) != OLSTATE_OK)
            return std::string("err olstate_bridge_start: ") + olstate_last_error_message();
        return "ok";
    }
    // Answers how long olstate_bridge_stop took, µs.
    std::string stop() {
        const std::int64_t t0 = now_ns();
        olstate_bridge_stop(bridge);
        const std::int64_t t1 = now_ns();
        bridge = nullptr;
        return "ok " + std::to_string(static_cast<double>(t1 - t0) / 1000.0);
    }

    // Waits until the clients have counted `target` acks (or 2 s passed).
    // False on a timeout.
    bool wait_acks(std::uint32_t target) {
        const std::int64_t deadline = now_ns() + 2000000000;
        for (;;) {
            const std::uint32_t seen = area->acks.load(std::memory_order_acquire);
            if (seen >= target) return true;
            const std::int64_t left = deadline - now_ns();
            if (left <= 0) return false;
            futex_wait(area->acks, seen, left);
        }
    }

    // One notification at a time; each waits for `clients` deliveries, so
    // every thread on the path is asleep when the next one starts. Stamps
    // go to the shared area; the answer is how many samples timed out.
    std::string latency(int samples, std::uint32_t clients) {
        samples = std::min(samples, kMaxSamples);
        area->phase.store(kPhaseLatency);
        int lost = 0;
        for (int i = 0; i < samples; ++i) {
            area->current.store(static_cast<std::uint32_t>(i));
            const std::uint32_t base = area->acks.load();
            area->target.store(base + clients);
            area->sent_ns[i] = now_ns();
            notify_once();
            if (!wait_acks(base + clients)) ++lost;
            // Let every thread of the path go back to sleep.
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        area->phase.store(kPhaseNone);
        return "ok " + std::to_string(lost);
    }

    // The floor of one cross-process hop (no olstate): `samples` 8-byte
    // writes on a Unix socket to a client thread blocked in read(), one at
    // a time, stamped like latency().
    std::string floor(const std::string& dir, int samples) {
        samples = std::min(samples, kMaxSamples);
        const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        (dir + "/floor.sock").copy(addr.sun_path, sizeof addr.sun_path - 1);
        if (s < 0 || ::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return "err floor connect";
        int lost = 0;
        for (int i = 0; i < samples; ++i) {
            const std::uint32_t base = area->acks.load();
            area->target.store(base + 1);
            const std::uint64_t index = static_cast<std::uint64_t>(i);
            area->sent_ns[i] = now_ns();
            if (::write(s, &index, sizeof index) != static_cast<ssize_t>(sizeof index)) break;
            if (!wait_acks(base + 1)) ++lost;
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        ::close(s);
        ::unlink((dir + "/floor.sock").c_str());
        return "ok " + std::to_string(lost);
    }

    // The provider's time in Notify, one notification at a time (the host's
    // dispatcher asleep when it arrives), waiting for `clients` deliveries.
    std::string block_idle(int samples, std::uint32_t clients) {
        area->phase.store(kPhaseLatency);
        std::vector<double> us;
        for (int i = 0; i < samples; ++i) {
            area->current.store(0);
            const std::uint32_t base = area->acks.load();
            area->target.store(base + clients);
            const std::int64_t t0 = now_ns();
            notify_once();
            us.push_back(static_cast<double>(now_ns() - t0) / 1000.0);
            wait_acks(base + clients);
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        area->phase.store(kPhaseNone);
        std::ostringstream o;
        o << "ok " << pct(us, 0.5) << ' ' << pct(us, 0.99) << ' ' << pct(us, 1.0);
        return o.str();
    }

    // `count` notifications in bursts of 64 (under the session's queue of
    // 256 and each client's 64 on the host, so none is dropped for a client
    // that reads), each burst sent back to back and then waited for by
    // `clients` readers: the provider's time in each notification, this
    // process's RSS before and after, and the deliveries that never came.
    std::string stream(int count, std::uint32_t clients) {
        constexpr int kBurst = 64;
        area->phase.store(kPhaseLatency);
        area->current.store(0);
        // The samples' own memory is touched before the first RSS reading,
        // so that only the host's growth shows.
        std::vector<double> us(static_cast<std::size_t>(count), 0.0);
        const long before = rss_kb(::getpid());
        const std::uint32_t start = area->acks.load();
        for (int i = 0; i < count; i += kBurst) {
            const int n = std::min(kBurst, count - i);
            const std::uint32_t base = area->acks.load();
            area->target.store(base + static_cast<std::uint32_t>(n) * clients);
            for (int k = 0; k < n; ++k) {
                const std::int64_t t0 = now_ns();
                notify_once();
                us[static_cast<std::size_t>(i + k)] = static_cast<double>(now_ns() - t0) / 1000.0;
            }
            wait_acks(base + static_cast<std::uint32_t>(n) * clients);
        }
        const long after = rss_kb(::getpid());
        const std::uint32_t delivered = area->acks.load() - start;
        area->phase.store(kPhaseNone);
        std::ostringstream o;
        o << "ok " << pct(us, 0.5) << ' ' << pct(us, 0.99) << ' ' << pct(us, 1.0) << ' ' << before << ' ' << after << ' '
          << static_cast<long long>(count) * clients - delivered;
        return o.str();
    }

    // `count` state changes `gap_ms` apart: stamp, then olstate_sim_set_state
    // (as if the user clicked Work Offline).
    std::string changes(int count, int gap_ms) {
        uint32_t state = 0;
        olstate_sim_get_state(kProfile, &state);
        area->phase.store(kPhaseDetect);
        for (int k = 0; k < std::min(count, kMaxChanges); ++k) {
            std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
            state = state == OLSTATE_ONLINE ? OLSTATE_OFFLINE : OLSTATE_ONLINE;
            area->change_state[k] = state;
            area->change_ns[k] = now_ns();
            area->change_count.store(static_cast<std::uint32_t>(k + 1), std::memory_order_release);
            if (olstate_sim_set_state(kProfile, state, 1) < 0) return "err olstate_sim_set_state failed";
        }
        // The last change must stay long enough for a 1 s poll to see it.
        std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
        area->phase.store(kPhaseNone);
        return "ok";
    }
};

}  // namespace

int run_host(const char* dir) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the driver
    Host h;
    h.area = map_shared_area(std::string(dir) + "/shared", false);
    h.endpoint = std::string(dir) + "/bridge.sock";
    olstate_sim_set_delivery(kProfile, OLSTATE_SIM_DELIVERY_SYNC, 0);
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = OLSTATE_PROVIDER_SIMULATOR;
    o.profile = kProfile;
    if (olstate_open_ex(&o, &h.session) != OLSTATE_OK) {
        reply(std::string("err open: ") + olstate_last_error_message());
        return 1;
    }
    std::string line;
    while (read_command(line)) {
        std::istringstream in(line);
        std::string cmd;
        int a = 0, b = 0, c = 0;
        in >> cmd >> a >> b >> c;
        if (cmd == "quit") break;
        else if (cmd == "start") reply(h.start());
        else if (cmd == "stop") reply(h.stop());
        else if (cmd == "latency") reply(h.latency(a, static_cast<std::uint32_t>(b)));
        else if (cmd == "block") reply(h.block_idle(a, static_cast<std::uint32_t>(b)));
        else if (cmd == "stream") reply(h.stream(a, static_cast<std::uint32_t>(b)));
        else if (cmd == "changes") reply(h.changes(a, b));
        else if (cmd == "floor") reply(h.floor(dir, a));
        else reply("err unknown command " + cmd);
    }
    if (h.bridge) olstate_bridge_stop(h.bridge);
    olstate_close(h.session);
    return 0;
}

}  // namespace bench_bridge
