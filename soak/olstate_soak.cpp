// olstate-soak: a bounded soak test. Several threads open sessions (QUEUED
// and INLINE, alternating), subscribe, let events flow while the state
// toggles, unsubscribe (from outside, and from inside callbacks) and close,
// over and over, until a time or cycle limit. It fails (exit 1) when
//   - a callback runs after its unsubscribe or close returned;
//   - a release did not run exactly once by the time unsubscribe/close
//     returned (or, for one made from inside a callback, by close);
//   - the simulator's counters exceed what the open sessions can hold while
//     it runs, or are not back at zero at the end (a leaked COM reference);
//   - the resident set (VmRSS from /proc/self/status, sampled over time)
//     keeps growing once warmed up.
//
// usage: olstate-soak [--seconds S] [--cycles N] [--threads T]
//                     [--delivery queued|inline|both] [--rss-slack-kb K]
//                     [--profile NAME] [--quiet]
#include <olstate.h>
#include <olstate_sim.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define OLSTATE_SOAK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define OLSTATE_SOAK_SANITIZED 1
#endif
#endif
#ifndef OLSTATE_SOAK_SANITIZED
#define OLSTATE_SOAK_SANITIZED 0
#endif

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Options {
    double seconds = 20;
    std::uint64_t cycles = 1'000'000'000;
    unsigned threads = 4;
    bool queued = true, inline_ = true;
    long rss_slack_kb = 8 * 1024;
    std::string profile = "soak";
    bool quiet = false;
};

std::atomic<std::uint64_t> g_failures{0};
std::mutex g_print;

void fail(const std::string& what) {
    ++g_failures;
    std::lock_guard lock(g_print);
    std::fprintf(stderr, "olstate-soak: FAIL: %s (last error: %s)\n", what.c_str(),
                 olstate_last_error_message());
}

struct Totals {
    std::atomic<std::uint64_t> cycles[2]{}, subscribes{0}, unsubscribes{0}, inside_unsubscribes{0},
        events{0}, releases{0}, set_calls{0}, busy{0};
} g_totals;

// A subscription's context. Kept (retired) for a while after its
// subscription ended, so that a late callback is caught, not a use after free.
struct Ctx {
    std::atomic<bool> dead{false};      // unsubscribe/close returned
    std::atomic<int> releases{0};
    std::atomic<std::uint64_t> events{0};
    olstate_session* session = nullptr;
    std::atomic<olstate_subscription> token{0};  // 0 until subscribe returned
    int unsubscribe_after = 0;          // > 0: unsubscribe itself from inside after that many events
    std::atomic<bool> unsubscribed_inside{false};
};

void OLSTATE_CALL on_event(const olstate_event* e, void* context) {
    auto* c = static_cast<Ctx*>(context);
    if (c->dead.load()) fail("callback after unsubscribe/close returned");
    if (c->releases.load() != 0) fail("callback after release");
    if (e->kind < OLSTATE_EVENT_CHANGE_START || e->kind > OLSTATE_EVENT_CHANGE_DONE)
        fail("bad event kind " + std::to_string(e->kind));
    ++g_totals.events;
    const auto n = ++c->events;
    if (c->unsubscribe_after > 0 && n == static_cast<std::uint64_t>(c->unsubscribe_after) &&
        !c->unsubscribed_inside.exchange(true)) {
        const olstate_result r = olstate_unsubscribe(c->session, c->token);
        // INVALID_HANDLE: the session is closing meanwhile.
        if (r != OLSTATE_OK && r != OLSTATE_E_INVALID_HANDLE)
            fail(std::string("unsubscribe from inside: ") + olstate_result_name(r));
        if (r == OLSTATE_OK) ++g_totals.inside_unsubscribes;
    }
}

void OLSTATE_CALL on_release(void* context) {
    auto* c = static_cast<Ctx*>(context);
    if (c->releases.fetch_add(1) != 0) fail("release ran twice");
    ++g_totals.releases;
}

long rss_kb() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return -1;
}

struct Sample {
    double t;
    long rss_kb;
    std::uint32_t live, refs, advised, held;
};

class Worker {
public:
    Worker(const Options& o, unsigned index, const std::atomic<bool>& stop,
           std::atomic<std::uint64_t>& cycles_left)
        : o_(o), index_(index), stop_(stop), cycles_left_(cycles_left), rng_(1234 + index) {}

    void run() {
        std::uint64_t n = 0;
        while (!stop_.load()) {
            if (cycles_left_.fetch_sub(1) == 0) {
                cycles_left_ = 0;
                break;
            }
            const bool inline_mode = o_.queued && o_.inline_ ? ((n + index_) % 2 == 1) : o_.inline_;
            cycle(inline_mode ? OLSTATE_DELIVERY_INLINE : OLSTATE_DELIVERY_QUEUED);
            ++g_totals.cycles[inline_mode ? 1 : 0];
            ++n;
        }
        retired_.clear();
    }

private:
    void retire(std::unique_ptr<Ctx> c) {
        c->dead = true;
        retired_.push_back(std::move(c));
        if (retired_.size() > 64) retired_.pop_front();
    }

    void cycle(std::uint32_t delivery) {
        olstate_open_options opts;
        olstate_open_options_init(&opts);
        opts.profile = o_.profile.c_str();
        opts.provider = OLSTATE_PROVIDER_SIMULATOR;
        opts.delivery = delivery;
        olstate_session* s = nullptr;
        const olstate_result r = olstate_open_ex(&opts, &s);
        if (r != OLSTATE_OK) {
            fail(std::string("open: ") + olstate_result_name(r));
            return;
        }
        std::vector<std::unique_ptr<Ctx>> subs;
        const int count = 1 + static_cast<int>(rng_() % 4);
        for (int i = 0; i < count; ++i) {
            auto c = std::make_unique<Ctx>();
            c->session = s;
            // Every third subscription ends itself from inside a callback.
            if (rng_() % 3 == 0) c->unsubscribe_after = 1 + static_cast<int>(rng_() % 4);
            olstate_subscription t = 0;
            if (olstate_subscribe(s, on_event, c.get(), on_release, &t) != OLSTATE_OK) {
                fail("subscribe");
                retire(std::move(c));
                continue;
            }
            ++g_totals.subscribes;
            // A callback may run before this store (INLINE): it then
            // unsubscribes token 0, gets INVALID_HANDLE, and close ends it.
            c->token = t;
            subs.push_back(std::move(c));
        }
        // Let events flow while the state toggles; sometimes toggle it here.
        const auto until = Clock::now() + std::chrono::microseconds(200 + rng_() % 1500);
        while (Clock::now() < until) {
            if (rng_() % 4 == 0) {
                const std::uint32_t want = (rng_() % 2) ? OLSTATE_ONLINE : OLSTATE_OFFLINE;
                const olstate_result sr = olstate_set_state(s, want, OLSTATE_SET_DEFAULT);
                ++g_totals.set_calls;
                if (sr == OLSTATE_E_BUSY) ++g_totals.busy;
                else if (sr != OLSTATE_OK) fail(std::string("set_state: ") + olstate_result_name(sr));
            }
            uint32_t st = 0;
            if (olstate_get_state(s, &st) != OLSTATE_OK || (st != OLSTATE_ONLINE && st != OLSTATE_OFFLINE))
                fail("get_state");
            std::this_thread::sleep_for(100us);
        }
        // Unsubscribe about half from outside; close takes the rest.
        std::vector<std::unique_ptr<Ctx>> left;
        for (auto& c : subs) {
            if (rng_() % 2) {
                left.push_back(std::move(c));
                continue;
            }
            const olstate_result ur = olstate_unsubscribe(s, c->token);
            if (ur == OLSTATE_OK) {
                ++g_totals.unsubscribes;
                if (c->releases.load() != 1) fail("unsubscribe returned before release ran");
                retire(std::move(c));
            } else if (ur == OLSTATE_E_INVALID_HANDLE && c->unsubscribed_inside.load()) {
                left.push_back(std::move(c));  // it ended itself; close confirms the release
            } else {
                fail(std::string("unsubscribe: ") + olstate_result_name(ur));
                left.push_back(std::move(c));
            }
        }
        if (olstate_close(s) != OLSTATE_OK) fail("close");
        for (auto& c : left) {
            if (c->releases.load() != 1) fail("close returned before a release ran");
            retire(std::move(c));
        }
    }

    const Options& o_;
    unsigned index_;
    const std::atomic<bool>& stop_;
    std::atomic<std::uint64_t>& cycles_left_;
    std::minstd_rand rng_;
    std::deque<std::unique_ptr<Ctx>> retired_;
};

bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        const char* v = nullptr;
        if (a == "--quiet") {
            o.quiet = true;
            continue;
        }
        if (!(v = next())) return false;
        if (a == "--seconds") o.seconds = std::atof(v);
        else if (a == "--cycles") o.cycles = std::strtoull(v, nullptr, 10);
        else if (a == "--threads") o.threads = static_cast<unsigned>(std::atoi(v));
        else if (a == "--rss-slack-kb") o.rss_slack_kb = std::atol(v);
        else if (a == "--profile") o.profile = v;
        else if (a == "--delivery") {
            const std::string d = v;
            o.queued = d == "queued" || d == "both";
            o.inline_ = d == "inline" || d == "both";
            if (!o.queued && !o.inline_) return false;
        } else return false;
    }
    return o.threads > 0 && o.seconds > 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse(argc, argv, o)) {
        std::fprintf(stderr,
                     "usage: olstate-soak [--seconds S] [--cycles N] [--threads T]\n"
                     "                    [--delivery queued|inline|both] [--rss-slack-kb K]\n"
                     "                    [--profile NAME] [--quiet]\n");
        return 2;
    }
    olstate_sim_reset();
    const char* const p = o.profile.c_str();
    // Several provider threads at once: notifications overlap closes.
    olstate_sim_set_delivery(p, OLSTATE_SIM_DELIVERY_POOL, 3);

    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> cycles_left{o.cycles};
    const auto start = Clock::now();
    const auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };

    // The user clicking Work Offline and back, as fast as the provider lets.
    std::thread toggler([&] {
        std::uint32_t want = OLSTATE_OFFLINE;
        while (!stop.load()) {
            const std::int32_t hr = olstate_sim_set_state(p, want, 0);
            if (hr == 0) want = want == OLSTATE_OFFLINE ? OLSTATE_ONLINE : OLSTATE_OFFLINE;
            std::this_thread::sleep_for(300us);
        }
    });

    std::vector<std::unique_ptr<Worker>> workers;
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < o.threads; ++i) {
        workers.push_back(std::make_unique<Worker>(o, i, stop, cycles_left));
        threads.emplace_back([w = workers.back().get()] { w->run(); });
    }

    // Sample memory and the simulator's counters while it runs. Each worker
    // holds at most one session, so at most `threads` references and sinks.
    std::vector<Sample> samples;
    while (elapsed() < o.seconds && cycles_left.load() > 0) {
        std::this_thread::sleep_for(100ms);
        const Sample s{elapsed(), rss_kb(), olstate_sim_live_objects(),
                       olstate_sim_outstanding_refs(), olstate_sim_advised_sinks(),
                       olstate_sim_held_sinks()};
        samples.push_back(s);
        // A session holds three references (IMAPIOfflineMgr, IMAPIOffline
        // and, since ABI 1.3, olstate's connection interface) and one
        // advised sink.
        if (s.live > 1 || s.refs > 3 * o.threads || s.advised > o.threads || s.held > o.threads)
            fail("simulator counters beyond what the open sessions hold: live " +
                 std::to_string(s.live) + ", refs " + std::to_string(s.refs) + ", advised " +
                 std::to_string(s.advised) + ", held " + std::to_string(s.held));
    }
    stop = true;
    for (auto& t : threads) t.join();
    toggler.join();
    olstate_sim_wait_idle(p);
    const auto deadline = Clock::now() + 10s;
    while ((olstate_sim_outstanding_refs() || olstate_sim_live_objects() || olstate_sim_advised_sinks() ||
            olstate_sim_held_sinks()) &&
           Clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    if (olstate_sim_outstanding_refs() || olstate_sim_live_objects() || olstate_sim_advised_sinks() ||
        olstate_sim_held_sinks())
        fail("simulator counters not back at zero: refs " + std::to_string(olstate_sim_outstanding_refs()) +
             ", advised " + std::to_string(olstate_sim_advised_sinks()) + ", held " +
             std::to_string(olstate_sim_held_sinks()));
    if (g_totals.releases.load() != g_totals.subscribes.load())
        fail("releases " + std::to_string(g_totals.releases.load()) + " != subscribes " +
             std::to_string(g_totals.subscribes.load()));

    // Memory: after a warm-up (the first quarter of the samples), the
    // largest RSS of the last quarter may exceed the largest of the second
    // quarter by at most the slack.
    long base = 0, last = 0, first = samples.empty() ? 0 : samples.front().rss_kb;
    const std::size_t n = samples.size();
    if (n >= 8) {
        for (std::size_t i = n / 4; i < n / 2; ++i) base = std::max(base, samples[i].rss_kb);
        for (std::size_t i = n - n / 4; i < n; ++i) last = std::max(last, samples[i].rss_kb);
        if (OLSTATE_SOAK_SANITIZED) {
            if (!o.quiet) std::printf("olstate-soak: sanitizer build, RSS growth not judged\n");
        } else if (last > base + o.rss_slack_kb) {
            fail("RSS grew from " + std::to_string(base) + " kB to " + std::to_string(last) +
                 " kB after warm-up (slack " + std::to_string(o.rss_slack_kb) + " kB)");
        }
    }
    std::uint32_t max_refs = 0;
    for (const auto& s : samples) max_refs = std::max(max_refs, s.refs);

    std::printf("olstate-soak: %.1f s, %u threads, cycles queued %llu inline %llu, subscribes %llu "
                "(unsubscribed outside %llu, inside %llu), events %llu, releases %llu, set_state %llu "
                "(busy %llu); RSS kB first %ld, warm %ld, last %ld; max outstanding refs %u; failures %llu\n",
                elapsed(), o.threads, static_cast<unsigned long long>(g_totals.cycles[0].load()),
                static_cast<unsigned long long>(g_totals.cycles[1].load()),
                static_cast<unsigned long long>(g_totals.subscribes.load()),
                static_cast<unsigned long long>(g_totals.unsubscribes.load()),
                static_cast<unsigned long long>(g_totals.inside_unsubscribes.load()),
                static_cast<unsigned long long>(g_totals.events.load()),
                static_cast<unsigned long long>(g_totals.releases.load()),
                static_cast<unsigned long long>(g_totals.set_calls.load()),
                static_cast<unsigned long long>(g_totals.busy.load()), first, base, last, max_refs,
                static_cast<unsigned long long>(g_failures.load()));
    olstate_sim_reset();
    return g_failures.load() == 0 ? 0 : 1;
}
