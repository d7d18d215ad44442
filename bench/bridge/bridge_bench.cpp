// The bridge section's driver: starts the host and the clients (this same
// executable in another role, roles.h), tells them what to do one step at a
// time and turns the stamps they leave in the shared area into figures.
#include "bridge_bench.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "child.h"
#include "proc_stats.h"
#include "shared_area.h"
#include "../stats.h"

namespace bench_bridge {

namespace {

using std::chrono::milliseconds;

// Driver-side indexes of the clients in the shared area.
constexpr int kFanout = 16;      // clients 0..15
constexpr int kPolling = 16;     // the client that polls get_state
constexpr int kPushing = 17;     // the client subscribed next to it

using bench_stats::median;
using bench_stats::percentile;

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

// Waits until `value` differs from `before` (at most `timeout_s`); false on timeout.
bool wait_change(const std::atomic<std::int64_t>& value, std::int64_t before, double timeout_s) {
    const std::int64_t deadline = now_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
    while (value.load() == before) {
        if (now_ns() > deadline) return false;
        std::this_thread::sleep_for(milliseconds(1));
    }
    return true;
}

class Run {
public:
    explicit Run(bool quick) : quick_(quick) {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/olstate-bench-XXXXXX";
        if (!::mkdtemp(pattern.data())) {
            std::perror("bridge bench: mkdtemp");
            std::exit(1);
        }
        dir_ = pattern;
        area_ = map_shared_area(dir_ + "/shared", true);
    }
    ~Run() {
        clients_.clear();
        host_.reset();
        ::unlink((dir_ + "/shared").c_str());
        ::unlink((dir_ + "/bridge.sock").c_str());
        ::rmdir(dir_.c_str());
    }
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;

    void all(BridgeResults& r) {
        host_ = std::make_unique<Child>(std::vector<std::string>{"--bridge-role", "host", dir_});
        host_->command("start");
        sleep_s(0.2);
        r.rss_kb_0_clients = static_cast<double>(rss_kb(host_->pid()));
        // One hop fewer: an INLINE client runs its callback on the bridge
        // client's notifier thread instead of waking its session's dispatcher.
        socket_floor(r);
        client(0).command("open 0 1 1");
        latency_one(r.inline_p50, r.inline_p99, r.inline_p999, r.inline_max);
        r.cpu_client_us_inline = cpu_clients_1_;
        client(0).command("close");
        client(0).command("open 1 1 0");  // with OLSTATE_OPEN_RECONNECT: it waits in step 4
        latency_one(r.p50, r.p99, r.p999, r.max);
        open_close(r);
        idle(r);
        reconnect(r);
        for (int i = 1; i < kFanout; ++i) client(i).command("open 0 1");
        fanout(r);
        r.rss_kb_16_clients = static_cast<double>(rss_kb(host_->pid()));
        isolation(r);
        clients_.clear();  // the 16 leave
        polling_versus_push(r);
    }

private:
    Child& client(int index) {
        if (clients_.size() <= static_cast<std::size_t>(index)) clients_.resize(static_cast<std::size_t>(index) + 1);
        auto& c = clients_[static_cast<std::size_t>(index)];
        if (!c) c = std::make_unique<Child>(std::vector<std::string>{"--bridge-role", "client", dir_, std::to_string(index)});
        return *c;
    }

    // CPU the host's threads but its main one (the bench's pacing runs
    // there, besides the provider's Notify) and the clients spend, ns.
    std::pair<std::uint64_t, std::uint64_t> cpu_now(int clients) {
        auto tids = threads_of(host_->pid());
        tids.erase(std::remove(tids.begin(), tids.end(), host_->pid()), tids.end());
        std::uint64_t in_clients = 0;
        for (int c = 0; c < clients; ++c) in_clients += process_cpu_ns(client(c).pid());
        return {cpu_ns(host_->pid(), tids), in_clients};
    }

    // One run of `samples` notifications to clients [0, clients); per
    // notification each client's latency (all), the slowest one's (last),
    // and the CPU time the run cost per notification (cpu_*_us_).
    void latency_run(int samples, int clients, std::vector<double>& all, std::vector<double>& last) {
        std::memset(area_->recv_ns, 0, sizeof area_->recv_ns);
        const auto cpu0 = cpu_now(clients);
        const auto lost = numbers(host_->command("latency " + std::to_string(samples) + " " + std::to_string(clients)));
        const auto cpu1 = cpu_now(clients);
        cpu_host_us_.push_back(static_cast<double>(cpu1.first - cpu0.first) / 1000.0 / samples);
        cpu_clients_us_.push_back(static_cast<double>(cpu1.second - cpu0.second) / 1000.0 / samples);
        lost_ += lost.empty() ? 0 : lost[0];
        for (int i = 0; i < samples; ++i) {
            double slowest = 0;
            for (int c = 0; c < clients; ++c) {
                if (area_->recv_ns[c][i] == 0) continue;
                const double us = static_cast<double>(area_->recv_ns[c][i] - area_->sent_ns[i]) / 1000.0;
                all.push_back(us);
                slowest = std::max(slowest, us);
            }
            last.push_back(slowest);
        }
        std::sort(all.begin(), all.end());
        std::sort(last.begin(), last.end());
    }

    int reps() const { return quick_ ? 1 : 5; }

    void latency_one(double& p50_out, double& p99_out, double& p999_out, double& max_out) {
        std::vector<double> p50, p99, p999, pmax;
        for (int rep = 0; rep < reps(); ++rep) {
            std::vector<double> all, last;
            latency_run(quick_ ? 300 : 3000, 1, all, last);
            p50.push_back(percentile(all, 0.5));
            p99.push_back(percentile(all, 0.99));
            p999.push_back(percentile(all, 0.999));
            pmax.push_back(all.empty() ? 0 : all.back());
        }
        p50_out = median(p50);
        p99_out = median(p99);
        p999_out = median(p999);
        max_out = median(pmax);
        cpu_host_1_ = median(cpu_host_us_);
        cpu_clients_1_ = median(cpu_clients_us_);
        cpu_host_us_.clear();
        cpu_clients_us_.clear();
    }

    // One cross-process hop without olstate (a Unix socket write waking a
    // blocked read), stamped the same way: what any bridge pays at least once.
    void socket_floor(BridgeResults& r) {
        std::vector<double> p50, p99;
        const int samples = quick_ ? 300 : 3000;
        for (int rep = 0; rep < reps(); ++rep) {
            std::memset(area_->recv_ns, 0, sizeof area_->recv_ns);
            client(0).command("floor");
            host_->command("floor " + std::to_string(samples));
            std::vector<double> us;
            for (int i = 0; i < samples; ++i)
                if (area_->recv_ns[0][i]) us.push_back(static_cast<double>(area_->recv_ns[0][i] - area_->sent_ns[i]) / 1000.0);
            std::sort(us.begin(), us.end());
            p50.push_back(percentile(us, 0.5));
            p99.push_back(percentile(us, 0.99));
        }
        r.floor_p50 = median(p50);
        r.floor_p99 = median(p99);
    }

    void fanout(BridgeResults& r) {
        std::vector<double> p50, p99, p999, last99;
        for (int rep = 0; rep < reps(); ++rep) {
            std::vector<double> all, last;
            latency_run(quick_ ? 100 : 1000, kFanout, all, last);
            p50.push_back(percentile(all, 0.5));
            p99.push_back(percentile(all, 0.99));
            p999.push_back(percentile(all, 0.999));
            last99.push_back(percentile(last, 0.99));
        }
        r.fan_p50 = median(p50);
        r.fan_p99 = median(p99);
        r.fan_p999 = median(p999);
        r.fan_last_p99 = median(last99);
        r.cpu_host_us = cpu_host_1_;
        r.cpu_client_us = cpu_clients_1_;
        r.fan_cpu_host_us = median(cpu_host_us_);
        r.fan_cpu_clients_us = median(cpu_clients_us_);
        r.lost = lost_;
    }

    void open_close(BridgeResults& r) {
        const auto v = numbers(client(0).command("openclose " + std::to_string(quick_ ? 20 : 200)));
        r.open_us = v.at(0);
        r.close_us = v.at(1);
    }

    // Wake-ups per second of a process over `seconds` of nothing.
    static double wakeups_per_s(pid_t pid, double seconds, double* other_rate = nullptr, pid_t other = 0) {
        const std::uint64_t a0 = context_switches(pid), b0 = other ? context_switches(other) : 0;
        sleep_s(seconds);
        const std::uint64_t a1 = context_switches(pid), b1 = other ? context_switches(other) : 0;
        if (other_rate) *other_rate = static_cast<double>(b1 - b0) / seconds;
        return static_cast<double>(a1 - a0) / seconds;
    }

    void idle(BridgeResults& r) {
        r.idle_seconds = quick_ ? 1 : 10;
        sleep_s(0.5);  // the last open/close's threads have finished
        r.idle_host = wakeups_per_s(host_->pid(), r.idle_seconds, &r.idle_client, client(0).pid());
    }

    // Host stops its bridge; client 0 (OLSTATE_OPEN_RECONNECT) waits. Its
    // wake-ups once its backoff reached the cap, then the time from the
    // host's olstate_bridge_start to the client's PROVIDER_BACK, from
    // random points of the client's backoff.
    void reconnect(BridgeResults& r) {
        std::int64_t lost_before = area_->lost_ns[0].load();
        stop_1_.push_back(numbers(host_->command("stop")).at(0));
        if (!wait_change(area_->lost_ns[0], lost_before, 10)) fail("client 0 got no PROVIDER_LOST");
        // 50+100+...+1600 ms = 3.15 s: from then on one attempt per 2 s.
        sleep_s(quick_ ? 0.5 : 4.0);
        r.idle_waiting_client = wakeups_per_s(client(0).pid(), r.idle_seconds, &r.idle_host_no_bridge, host_->pid());
        std::mt19937 rng(4242);
        std::uniform_real_distribution<double> pause(0.1, 3.5);
        std::vector<double> ms;
        const int trials = quick_ ? 1 : 7;
        for (int t = 0; t < trials; ++t) {
            if (t > 0) {
                lost_before = area_->lost_ns[0].load();
                stop_1_.push_back(numbers(host_->command("stop")).at(0));
                if (!wait_change(area_->lost_ns[0], lost_before, 10)) fail("client 0 got no PROVIDER_LOST");
                sleep_s(pause(rng));
            }
            const std::int64_t back_before = area_->back_ns[0].load();
            host_->command("start");
            if (!wait_change(area_->back_ns[0], back_before, 10)) fail("client 0 got no PROVIDER_BACK");
            ms.push_back(static_cast<double>(area_->back_ns[0].load() - area_->listen_ns.load()) / 1e6);
        }
        std::sort(ms.begin(), ms.end());
        r.reconnect_ms = median(ms);
        r.reconnect_ms_max = ms.back();
        r.reconnect_trials = trials;
        r.stop_us_1_client = median(stop_1_);
    }

    void isolation(BridgeResults& r) {
        Child& stalled = client(kFanout - 1);
        stalled.pause();
        const int count = quick_ ? 10000 : 100000;
        // First the stream, so that the stalled client is far behind (its
        // socket buffer and its queue on the host full) for both figures.
        const auto s = numbers(host_->command("stream " + std::to_string(count) + " " + std::to_string(kFanout - 1)));
        r.stream_block_us = s.at(0);
        r.stream_block_p99 = s.at(1);
        r.stream_block_max = s.at(2);
        r.rss_kb_before = s.at(3);
        r.rss_kb_after = s.at(4);
        r.stream_count = count;
        r.stream_undelivered = s.at(5);
        const auto b = numbers(host_->command("block " + std::to_string(quick_ ? 100 : 1000) + " " +
                                              std::to_string(kFanout - 1)));
        r.block_us = b.at(0);
        r.block_p99 = b.at(1);
        r.block_max = b.at(2);
        stalled.resume();
        // olstate_bridge_stop with 16 clients that read (as Outlook's
        // shutdown does), then with the stalled one stopped again, which
        // costs the stop its grace for clients that do not read.
        const auto stop_and_wait_back = [&] {
            const double us = numbers(host_->command("stop")).at(0);
            const std::int64_t back_before = area_->back_ns[0].load();
            host_->command("start");
            if (!wait_change(area_->back_ns[0], back_before, 10)) fail("client 0 got no PROVIDER_BACK");
            return us;
        };
        sleep_s(1.0);  // the resumed client has read its backlog
        r.stop_us_16_clients = stop_and_wait_back();
        for (int i = 1; i < kFanout; ++i) {  // the 15 without RECONNECT come back
            client(i).command("close");
            client(i).command("open 0 1");
        }
        stalled.pause();
        // Fills the stopped client's socket (278 event frames here): its
        // writer blocks in send().
        host_->command("stream 3000 " + std::to_string(kFanout - 1));
        r.stop_us_16_clients_one_stalled = stop_and_wait_back();
        stalled.resume();
    }

    void polling_versus_push(BridgeResults& r) {
        const auto before = threads_of(host_->pid());
        client(kPolling).command("open 0 0");
        const auto with_polling = threads_of(host_->pid());
        client(kPushing).command("open 0 1");
        const auto with_push = threads_of(host_->pid());
        // The host's threads serving each client are the ones its open added.
        const auto added = [](const std::vector<pid_t>& a, const std::vector<pid_t>& b) {
            std::vector<pid_t> d;
            std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(d));
            return d;
        };
        const auto poll_tids = added(before, with_polling), push_tids = added(with_polling, with_push);
        const pid_t host = host_->pid(), poller = client(kPolling).pid(), pusher = client(kPushing).pid();
        // Changes 1 s + 1/K s apart: change k falls k/K of the way further
        // into the poller's 1 s period than the first one, so the K changes
        // sample every phase of the period evenly (the poller's expected
        // delay is half its interval), whatever the first one's phase.
        const int changes = quick_ ? 2 : 8, gap_ms = 1000 + 1000 / changes;
        const int poll_seconds = (changes + 1) * gap_ms / 1000 + 2;
        const std::uint64_t h0 = process_cpu_ns(host), hp0 = cpu_ns(host, poll_tids), hs0 = cpu_ns(host, push_tids);
        const std::uint64_t cp0 = process_cpu_ns(poller), cs0 = process_cpu_ns(pusher);
        const std::int64_t t0 = now_ns();
        client(kPolling).send("poll 1000 " + std::to_string(poll_seconds));
        host_->command("changes " + std::to_string(changes) + " " + std::to_string(gap_ms));
        client(kPolling).answer("poll");
        const std::int64_t t1 = now_ns();
        const auto ms = [](std::uint64_t a, std::uint64_t b) { return static_cast<double>(b - a) / 1e6; };
        r.host_cpu_ms_total = ms(h0, process_cpu_ns(host));
        r.host_cpu_ms_polling = ms(hp0, cpu_ns(host, poll_tids));
        r.host_cpu_ms_push = ms(hs0, cpu_ns(host, push_tids));
        r.client_cpu_ms_polling = ms(cp0, process_cpu_ns(poller));
        r.client_cpu_ms_push = ms(cs0, process_cpu_ns(pusher));
        r.compare_seconds = static_cast<double>(t1 - t0) / 1e9;
        std::vector<double> poll_ms, push_us;
        for (int k = 0; k < changes; ++k) {
            if (area_->detect_ns[kPolling][k]) poll_ms.push_back(static_cast<double>(area_->detect_ns[kPolling][k] - area_->change_ns[k]) / 1e6);
            if (area_->detect_ns[kPushing][k]) push_us.push_back(static_cast<double>(area_->detect_ns[kPushing][k] - area_->change_ns[k]) / 1e3);
        }
        r.changes = changes;
        r.detected_polling = static_cast<double>(poll_ms.size());
        r.detected_push = static_cast<double>(push_us.size());
        r.detect_ms_polling = median(poll_ms);
        r.detect_ms_polling_max = poll_ms.empty() ? 0 : *std::max_element(poll_ms.begin(), poll_ms.end());
        r.detect_us_push = median(push_us);
        r.detect_us_push_max = push_us.empty() ? 0 : *std::max_element(push_us.begin(), push_us.end());
    }

    [[noreturn]] static void fail(const char* what) {
        std::fprintf(stderr, "bridge bench: %s\n", what);
        std::exit(1);
    }

    const bool quick_;
    std::string dir_;
    SharedArea* area_ = nullptr;
    std::unique_ptr<Child> host_;
    std::vector<std::unique_ptr<Child>> clients_;
    double lost_ = 0;
    std::vector<double> cpu_host_us_, cpu_clients_us_;  // per notification, per run
    double cpu_host_1_ = 0, cpu_clients_1_ = 0;          // the last latency_one's medians
    std::vector<double> stop_1_;  // olstate_bridge_stop with client 0 alone, µs
};

}  // namespace

void run(BridgeResults& r, bool quick) {
    Run run(quick);
    run.all(r);
}

void print_json(const BridgeResults& r) {
    const std::pair<const char*, double> keys[] = {
        {"bridge_p50_us", r.p50}, {"bridge_p99_us", r.p99}, {"bridge_p999_us", r.p999}, {"bridge_max_us", r.max},
        {"bridge_p50_us_inline_client", r.inline_p50}, {"bridge_p99_us_inline_client", r.inline_p99},
        {"bridge_p999_us_inline_client", r.inline_p999}, {"bridge_max_us_inline_client", r.inline_max},
        {"bridge_floor_socket_p50_us", r.floor_p50}, {"bridge_floor_socket_p99_us", r.floor_p99},
        {"bridge_fanout16_p50_us", r.fan_p50}, {"bridge_fanout16_p99_us", r.fan_p99},
        {"bridge_fanout16_p999_us", r.fan_p999}, {"bridge_fanout16_last_p99_us", r.fan_last_p99},
        {"bridge_lost_samples", r.lost},
        {"bridge_cpu_us_per_notification_host", r.cpu_host_us}, {"bridge_cpu_us_per_notification_client", r.cpu_client_us},
        {"bridge_cpu_us_per_notification_inline_client", r.cpu_client_us_inline},
        {"bridge_fanout16_cpu_us_per_notification_host", r.fan_cpu_host_us},
        {"bridge_fanout16_cpu_us_per_notification_clients", r.fan_cpu_clients_us},
        {"bridge_provider_block_us", r.block_us}, {"bridge_provider_block_p99_us", r.block_p99},
        {"bridge_provider_block_max_us", r.block_max},
        {"bridge_provider_block_us_stream", r.stream_block_us}, {"bridge_provider_block_p99_us_stream", r.stream_block_p99},
        {"bridge_provider_block_max_us_stream", r.stream_block_max}, {"bridge_stream_notifications", r.stream_count},
        {"bridge_stream_undelivered", r.stream_undelivered},
        {"bridge_host_rss_kb_before_stream", r.rss_kb_before}, {"bridge_host_rss_kb_after_stream", r.rss_kb_after},
        {"bridge_host_rss_kb_0_clients", r.rss_kb_0_clients}, {"bridge_host_rss_kb_16_clients", r.rss_kb_16_clients},
        {"bridge_idle_seconds", r.idle_seconds},
        {"bridge_idle_wakeups_per_s_host", r.idle_host}, {"bridge_idle_wakeups_per_s_client", r.idle_client},
        {"bridge_idle_wakeups_per_s_waiting_client", r.idle_waiting_client},
        {"bridge_idle_wakeups_per_s_host_stopped", r.idle_host_no_bridge},
        {"bridge_reconnect_ms", r.reconnect_ms}, {"bridge_reconnect_ms_max", r.reconnect_ms_max},
        {"bridge_reconnect_trials", r.reconnect_trials},
        {"bridge_open_us", r.open_us}, {"bridge_close_us", r.close_us},
        {"bridge_stop_us_1_client", r.stop_us_1_client}, {"bridge_stop_us_16_clients", r.stop_us_16_clients},
        {"bridge_stop_us_16_clients_one_stalled", r.stop_us_16_clients_one_stalled},
        {"bridge_changes", r.changes}, {"bridge_detected_polling_1s", r.detected_polling},
        {"bridge_detected_push", r.detected_push},
        {"bridge_detect_ms_polling_1s", r.detect_ms_polling}, {"bridge_detect_ms_polling_1s_max", r.detect_ms_polling_max},
        {"bridge_detect_us_push", r.detect_us_push}, {"bridge_detect_us_push_max", r.detect_us_push_max},
        {"bridge_compare_seconds", r.compare_seconds},
        {"bridge_host_cpu_ms_polling_1s", r.host_cpu_ms_polling}, {"bridge_host_cpu_ms_push", r.host_cpu_ms_push},
        {"bridge_host_cpu_ms_total", r.host_cpu_ms_total},
        {"bridge_client_cpu_ms_polling_1s", r.client_cpu_ms_polling}, {"bridge_client_cpu_ms_push", r.client_cpu_ms_push},
    };
    for (const auto& [key, value] : keys) std::printf("\"%s\":%.3f,", key, value);
}

void print_table(const BridgeResults& r) {
    std::printf("8 bridge: host process over the simulator, clients in other processes (us unless said)\n");
    std::printf("    1 client (QUEUED), Notify -> callback p50 %.1f   p99 %.1f   p99.9 %.1f   max %.1f\n", r.p50, r.p99, r.p999, r.max);
    std::printf("    1 client (INLINE)                     p50 %.1f   p99 %.1f   p99.9 %.1f   max %.1f\n", r.inline_p50, r.inline_p99,
                r.inline_p999, r.inline_max);
    std::printf("    floor: a Unix socket write waking a blocked read in another process, p50 %.1f   p99 %.1f\n",
                r.floor_p50, r.floor_p99);
    std::printf("    16 clients  p50 %.1f   p99 %.1f   p99.9 %.1f   slowest of 16 p99 %.1f   (lost %.0f)\n", r.fan_p50,
                r.fan_p99, r.fan_p999, r.fan_last_p99, r.lost);
    std::printf("    CPU per notification: 1 client: host %.1f, client %.1f (INLINE %.1f); 16 clients: host %.1f, the 16 clients %.1f\n",
                r.cpu_host_us, r.cpu_client_us, r.cpu_client_us_inline, r.fan_cpu_host_us, r.fan_cpu_clients_us);
    std::printf("    provider blocked per notification, 16 clients, one stopped: %.2f (p99 %.2f, max %.1f)\n",
                r.block_us, r.block_p99, r.block_max);
    std::printf("      in bursts of 64, %.0f in all: %.2f (p99 %.2f, max %.1f); host RSS %.0f kB -> %.0f kB; "
                "undelivered to the 15 that read: %.0f\n",
                r.stream_count, r.stream_block_us, r.stream_block_p99, r.stream_block_max, r.rss_kb_before,
                r.rss_kb_after, r.stream_undelivered);
    std::printf("    host RSS with 0 / 16 clients: %.0f / %.0f kB\n", r.rss_kb_0_clients, r.rss_kb_16_clients);
    std::printf("    idle wake-ups/s over %.0f s: host %.2f, connected client %.2f; waiting client %.2f (host, bridge stopped, %.2f)\n",
                r.idle_seconds, r.idle_host, r.idle_client, r.idle_waiting_client, r.idle_host_no_bridge);
    std::printf("    reconnect (host listens -> PROVIDER_BACK) %.1f ms median of %.0f (max %.1f); open %.1f, close %.1f\n",
                r.reconnect_ms, r.reconnect_trials, r.reconnect_ms_max, r.open_us, r.close_us);
    std::printf("    olstate_bridge_stop: 1 client %.0f, 16 clients %.0f, 16 clients of which one stopped %.0f\n",
                r.stop_us_1_client, r.stop_us_16_clients, r.stop_us_16_clients_one_stalled);
    std::printf("    %.0f changes in %.1f s: polling at 1 s detects %.0f, median %.1f ms (max %.1f); push %.0f, median %.1f us (max %.1f)\n",
                r.changes, r.compare_seconds, r.detected_polling, r.detect_ms_polling, r.detect_ms_polling_max,
                r.detected_push, r.detect_us_push, r.detect_us_push_max);
    std::printf("      host CPU ms: serving the poller %.2f, the subscriber %.2f, whole host %.2f; client CPU ms: poller %.2f, subscriber %.2f\n",
                r.host_cpu_ms_polling, r.host_cpu_ms_push, r.host_cpu_ms_total, r.client_cpu_ms_polling, r.client_cpu_ms_push);
}

}  // namespace bench_bridge
