// olstate-bench: what olstate costs against the physical limit, a
// hand-written IMAPIOfflineNotify sink advised on the same simulator that
// calls the same user function. Timed sections use the simulator with
// synchronous delivery, so the provider's notifying thread is this one and
// timings contain no scheduling except where a measurement is about
// scheduling (queued latency, isolation).
//
//   olstate-bench [--json] [--quick] [--bridge-only | --no-bridge]
//   olstate-bench --callgrind     (only the dispatch loops, for valgrind --tool=callgrind)
//
// Section 8 (bridge/) runs this executable again as a bridge host and as
// bridge clients (--bridge-role, internal).
//
// See BENCHMARKS.md for what each number means and the figures measured.
#include <olstate.h>
#include <olstate_sim.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bridge/bridge_bench.h"
#include "bridge/roles.h"
#include "com/mapi_offline.h"
#include "plain_notify_sink.h"
#include "stats.h"  // tests/common: the hand-written sink's COM plumbing

// The simulator's export (the bench links libolstate_sim, the very file
// olstate loads for OLSTATE_PROVIDER_SIMULATOR: one instance per process).
extern "C" olstate::com::HRESULT OLSTATE_COM_CALL HrOpenOfflineObj(
    olstate::com::ULONG, const char16_t*, const olstate::com::Guid*, const olstate::com::Guid*,
    olstate::com::IMAPIOfflineMgr**);

// ---- allocation counting: a replaced global allocator. libolstate is a
// separate shared library, but its calls to operator new/delete bind to this
// executable's definitions (ELF symbol interposition: the executable comes
// first in the lookup scope); memory() verifies that with an allocation that
// only the library makes.
static std::atomic<long long> g_live_bytes{0};
static std::atomic<long long> g_allocations{0};
static std::atomic<bool> g_counting{false};

// Each block carries its size in a 16-byte header (integer arithmetic on the
// addresses keeps GCC's bounds checker from guessing at the layout).
void* operator new(std::size_t n) {
    void* p = std::malloc(n + 16);
    if (!p) throw std::bad_alloc();
    std::memcpy(p, &n, sizeof n);
    if (g_counting.load(std::memory_order_relaxed)) {
        g_live_bytes += static_cast<long long>(n);
        ++g_allocations;
    }
    return reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(p) + 16);
}
void operator delete(void* p) noexcept {
    if (!p) return;
    void* base = reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(p) - 16);
    if (g_counting.load(std::memory_order_relaxed)) {
        std::size_t n = 0;
        std::memcpy(&n, base, sizeof n);
        g_live_bytes -= static_cast<long long>(n);
    }
    std::free(base);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }

namespace {

using Clock = std::chrono::steady_clock;
using namespace olstate::com;

bool quick = false;
volatile std::uint64_t g_keep = 0;  // keeps measured loops from being optimised away

// ---- the user function both paths call: count the event in the context.
// Single-threaded in every timed dispatch loop, so a plain counter.
struct Counter {
    std::uint64_t calls = 0;
};
void OLSTATE_CALL user_function(const olstate_event* event, void* context) {
    static_cast<Counter*>(context)->calls += event->kind != 0 ? 1 : 0;
}

// ---- the physical limit: what a careful hand-written client does with the
// COM API directly (the documented checks, an olstate_event-shaped copy, a
// sequence number), then calls its targets in a loop. No clock read, no
// re-entrancy bookkeeping, no protection against unsubscribe races: it is
// the floor, not an equivalent.
class DirectSink final : public olstate::test_support::PlainNotifySink {
public:
    void OLSTATE_COM_CALL Notify(const MAPIOFFLINE_NOTIFY* n) override {
        if (!n || n->ulSize < sizeof *n) return;
        const auto type = static_cast<std::uint32_t>(n->NotifyType);
        if (type < MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START || type > MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE ||
            n->Info.StateChange.ulMask != MAPIOFFLINE_STATE_OFFLINE_MASK)
            return;
        olstate_event e{};
        e.struct_size = sizeof e;
        e.kind = type;
        e.old_state = n->Info.StateChange.ulStateOld & MAPIOFFLINE_STATE_OFFLINE_MASK;
        e.new_state = n->Info.StateChange.ulStateNew & MAPIOFFLINE_STATE_OFFLINE_MASK;
        e.sequence = ++sequence_;
        for (const auto& [callback, context] : targets_) callback(&e, context);
    }
    void add_target(olstate_callback callback, void* context) { targets_.emplace_back(callback, context); }
    std::size_t targets() const { return targets_.size(); }

private:
    std::uint64_t sequence_ = 0;
    std::vector<std::pair<olstate_callback, void*>> targets_;
};

// A simulator object opened directly (no olstate), with helpers to advise.
struct RawObject {
    IMAPIOfflineMgr* mgr = nullptr;
    explicit RawObject(const char16_t* profile) {
        if (HrOpenOfflineObj(0, profile, &GUID_GlobalState, nullptr, &mgr) != S_OK_ || !mgr) {
            std::fprintf(stderr, "HrOpenOfflineObj on the simulator failed\n");
            std::exit(1);
        }
    }
    ~RawObject() { mgr->Release(); }
    RawObject(const RawObject&) = delete;
    RawObject& operator=(const RawObject&) = delete;
    ULONG advise(IMAPIOfflineNotify* sink) {
        MAPIOFFLINE_ADVISEINFO info = olstate::test_support::make_advise_info(sink, 1);
        ULONG token = 0;
        if (mgr->Advise(MAPIOFFLINE_ADVISE_DEFAULT, &info, &token) != S_OK_) {
            std::fprintf(stderr, "Advise on the simulator failed\n");
            std::exit(1);
        }
        return token;
    }
    void unadvise(ULONG token) { mgr->Unadvise(MAPIOFFLINE_UNADVISE_DEFAULT, token); }
};

using bench_stats::median;
using bench_stats::percentile;

olstate_session* open(const char* profile, uint32_t delivery) {
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = OLSTATE_PROVIDER_SIMULATOR;
    o.profile = profile;
    o.delivery = delivery;
    olstate_session* s = nullptr;
    if (olstate_open_ex(&o, &s) != OLSTATE_OK) {
        std::fprintf(stderr, "open %s: %s\n", profile, olstate_last_error_message());
        std::exit(1);
    }
    return s;
}

olstate_subscription subscribe(olstate_session* s, olstate_callback cb, void* ctx) {
    olstate_subscription t = 0;
    if (olstate_subscribe(s, cb, ctx, nullptr, &t) != OLSTATE_OK) {
        std::fprintf(stderr, "subscribe: %s\n", olstate_last_error_message());
        std::exit(1);
    }
    return t;
}

// One valid online→offline CHANGE notification, `count` times, through the
// simulator's send path (SYNC: on this thread).
void send(const char* profile, unsigned count) {
    olstate_sim_send_raw(profile, MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE, MAPIOFFLINE_STATE_OFFLINE_MASK,
                         MAPIOFFLINE_STATE_ONLINE, MAPIOFFLINE_STATE_OFFLINE, 0, count);
}

// ns per notification of `count` raw notifications sent through `profile`.
double ns_per_notify(const char* profile, unsigned count) {
    const auto t0 = Clock::now();
    send(profile, count);
    const auto t1 = Clock::now();
    return std::chrono::duration<double, std::nano>(t1 - t0).count() / count;
}

struct Results {
    double dispatch_inline = 0, dispatch_direct = 0, dispatch_empty = 0;
    double clock_ns = 0;
    static constexpr unsigned kFan[4] = {1, 10, 100, 1000};
    double fan_olstate[4] = {}, fan_direct[4] = {};  // ns per notification (all subscribers)
    double q50 = 0, q99 = 0, q999 = 0, qmax = 0;
    double burst50 = 0, burst99 = 0;
    double block_queued = 0, block_queued_max = 0, block_queued_fast = 0, block_bare_handoff = 0, block_inline = 0;
    double churn = 0, churn_storm = 0, churn_raw = 0;
    double open_close_queued = 0, open_close_inline = 0;
    double bytes_sub = 0, allocs_sub = 0, bytes_session = 0, bytes_session_inline = 0;
    bool interposed = false;
};

// Profiles, one simulator object each, all SYNC. "bench-empty" has no sink:
// the simulator's own cost of sending to nobody.
constexpr const char* kOlstate = "bench-olstate";
constexpr const char* kDirect = "bench-direct";
constexpr const char* kEmpty = "bench-empty";

void dispatch(Results& r) {
    for (const char* p : {kOlstate, kDirect, kEmpty}) olstate_sim_set_delivery(p, OLSTATE_SIM_DELIVERY_SYNC, 0);
    // olstate: one INLINE session on its own profile; the direct sink on
    // another profile of the same simulator library. Each object has exactly
    // one sink, so both pay the same simulator cost (snapshot + one virtual
    // Notify) and neither pays for the other.
    Counter olstate_counter, direct_counter;
    olstate_session* s = open(kOlstate, OLSTATE_DELIVERY_INLINE);
    std::vector<olstate_subscription> subs{subscribe(s, user_function, &olstate_counter)};
    RawObject empty(u"bench-empty");
    RawObject direct(u"bench-direct");
    DirectSink sink;
    sink.add_target(user_function, &direct_counter);
    const ULONG token = direct.advise(&sink);

    const unsigned n = quick ? 20000 : 200000;
    std::vector<double> a, b, c, clk;
    for (int rep = 0; rep < (quick ? 3 : 11); ++rep) {  // interleaved repetitions
        a.push_back(ns_per_notify(kOlstate, n));
        b.push_back(ns_per_notify(kDirect, n));
        c.push_back(ns_per_notify(kEmpty, n));
        // What olstate's notify_time_us costs: one system_clock read.
        const auto t0 = Clock::now();
        std::uint64_t sum = 0;
        for (unsigned i = 0; i < n / 10; ++i)
            sum += static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
        clk.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / (n / 10));
        g_keep = sum;
    }
    r.dispatch_inline = median(a);
    r.dispatch_direct = median(b);
    r.dispatch_empty = median(c);
    r.clock_ns = median(clk);

    // Fan-out: N olstate subscriptions on the one session, versus the
    // hand-written sink calling N targets in a loop.
    for (int i = 0; i < 4; ++i) {
        const unsigned want = Results::kFan[i];
        while (subs.size() < want) subs.push_back(subscribe(s, user_function, &olstate_counter));
        while (sink.targets() < want) sink.add_target(user_function, &direct_counter);
        std::vector<double> fo, fd;
        for (int rep = 0; rep < (quick ? 3 : 7); ++rep) {
            const unsigned count = std::max(100u, n / want);
            fo.push_back(ns_per_notify(kOlstate, count));
            fd.push_back(ns_per_notify(kDirect, count));
        }
        r.fan_olstate[i] = median(fo);
        r.fan_direct[i] = median(fd);
    }
    direct.unadvise(token);
    olstate_close(s);
    if (olstate_counter.calls == 0 || direct_counter.calls == 0) {
        std::fprintf(stderr, "a dispatch path delivered nothing: the figures would be meaningless\n");
        std::exit(1);
    }
}

// ---- queued latency: steady_clock stamped right before the provider's
// Notify (send) and in the callback on the dispatcher thread.
std::atomic<long long> g_latency_end{0};
void OLSTATE_CALL stamp(const olstate_event*, void*) {
    g_latency_end.store(Clock::now().time_since_epoch().count(), std::memory_order_release);
}

// Burst: sequence-indexed stamps (event->sequence is per session, 1-based).
struct BurstStamps {
    std::vector<long long> sent, received;
    std::uint64_t base = 0;  // sequence of the burst's first event - 1
    std::atomic<unsigned> got{0};
};
void OLSTATE_CALL stamp_burst(const olstate_event* e, void* ctx) {
    auto* b = static_cast<BurstStamps*>(ctx);
    const std::uint64_t i = e->sequence - b->base - 1;
    if (i < b->received.size()) b->received[i] = Clock::now().time_since_epoch().count();
    b->got.fetch_add(1, std::memory_order_release);
}

void queued_latency(Results& r) {
    olstate_sim_set_delivery("bench-queued", OLSTATE_SIM_DELIVERY_SYNC, 0);
    olstate_session* s = open("bench-queued", OLSTATE_DELIVERY_QUEUED);
    const olstate_subscription t = subscribe(s, stamp, nullptr);
    std::vector<double> p50, p99, p999, pmax;
    std::uint64_t sent = 0;
    for (int run = 0; run < (quick ? 1 : 5); ++run) {
        std::vector<double> us;
        const int samples = quick ? 2000 : 20000;
        for (int i = 0; i < samples; ++i) {  // one at a time: the dispatcher is idle when each arrives
            g_latency_end.store(0);
            const long long t0 = Clock::now().time_since_epoch().count();
            send("bench-queued", 1);  // Notify runs on this thread
            ++sent;
            long long t1 = 0;
            while ((t1 = g_latency_end.load(std::memory_order_acquire)) == 0) {
            }
            us.push_back(std::chrono::duration<double, std::micro>(Clock::duration(t1 - t0)).count());
        }
        std::sort(us.begin(), us.end());
        p50.push_back(percentile(us, 0.50));
        p99.push_back(percentile(us, 0.99));
        p999.push_back(percentile(us, 0.999));
        pmax.push_back(us.back());
    }
    r.q50 = median(p50);
    r.q99 = median(p99);
    r.q999 = median(p999);
    r.qmax = median(pmax);
    olstate_unsubscribe(s, t);

    // Bursts of 64 back-to-back notifications (under the queue's 256):
    // latency includes waiting behind the burst's earlier events.
    BurstStamps b;
    constexpr unsigned kBurst = 64;
    b.sent.resize(kBurst);
    b.received.resize(kBurst);
    subscribe(s, stamp_burst, &b);
    std::vector<double> us;
    for (int burst = 0; burst < (quick ? 20 : 200); ++burst) {
        b.base = sent;
        b.got = 0;
        for (unsigned i = 0; i < kBurst; ++i) {
            b.sent[i] = Clock::now().time_since_epoch().count();
            send("bench-queued", 1);
        }
        sent += kBurst;
        while (b.got.load(std::memory_order_acquire) < kBurst) std::this_thread::yield();
        for (unsigned i = 0; i < kBurst; ++i)
            us.push_back(std::chrono::duration<double, std::micro>(Clock::duration(b.received[i] - b.sent[i])).count());
    }
    std::sort(us.begin(), us.end());
    r.burst50 = percentile(us, 0.50);
    r.burst99 = percentile(us, 0.99);
    olstate_close(s);
}

// ---- isolation: the provider's time in Notify when the callback is slow.
void OLSTATE_CALL slow(const olstate_event*, void*) { std::this_thread::sleep_for(std::chrono::milliseconds(10)); }
void OLSTATE_CALL nothing(const olstate_event*, void*) {}

std::vector<double> provider_block_us(const char* profile, uint32_t delivery, olstate_callback cb, int samples) {
    olstate_sim_set_delivery(profile, OLSTATE_SIM_DELIVERY_SYNC, 0);
    olstate_session* s = open(profile, delivery);
    subscribe(s, cb, nullptr);
    std::vector<double> us;
    for (int i = 0; i < samples; ++i) {
        const auto t0 = Clock::now();
        send(profile, 1);  // the provider's time in Notify
        us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        if (cb == nothing) std::this_thread::sleep_for(std::chrono::microseconds(50));  // the dispatcher sleeps again
    }
    olstate_close(s);  // queued: drops what the slow callback did not reach
    std::sort(us.begin(), us.end());
    return us;
}

// The floor for handing work to a sleeping thread: a bare mutex +
// condition variable queue of one consumer (what any queued design pays
// when its thread is idle: the futex wake).
double bare_handoff_us(int samples) {
    std::mutex m;
    std::condition_variable cv;
    int pending = 0;
    bool stop = false;
    std::atomic<int> done{0};
    std::thread consumer([&] {
        std::unique_lock lock(m);
        for (;;) {
            cv.wait(lock, [&] { return stop || pending > 0; });
            if (stop) return;
            --pending;
            done.fetch_add(1, std::memory_order_release);
        }
    });
    std::vector<double> us;
    for (int i = 0; i < samples; ++i) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));  // the consumer sleeps again
        const auto t0 = Clock::now();
        {
            std::lock_guard lock(m);
            ++pending;
        }
        cv.notify_one();
        us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        while (done.load(std::memory_order_acquire) <= i) std::this_thread::yield();
    }
    {
        std::lock_guard lock(m);
        stop = true;
    }
    cv.notify_one();
    consumer.join();
    return median(us);
}

void isolation(Results& r) {
    // 200 notifications stay under the queue's 256: none is dropped, and
    // the slow callback is busy for every one after the first.
    const auto q = provider_block_us("bench-iso-q", OLSTATE_DELIVERY_QUEUED, slow, 200);
    r.block_queued = percentile(q, 0.5);
    r.block_queued_max = q.back();
    r.block_queued_fast = percentile(provider_block_us("bench-iso-f", OLSTATE_DELIVERY_QUEUED, nothing, 200), 0.5);
    r.block_bare_handoff = bare_handoff_us(200);
    r.block_inline =
        percentile(provider_block_us("bench-iso-i", OLSTATE_DELIVERY_INLINE, slow, quick ? 5 : 20), 0.5);
}

// ---- churn
double churn_per_s(olstate_session* s, double seconds) {
    Counter c;
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    long long pairs = 0;
    const auto t0 = Clock::now();
    while (Clock::now() < end) {
        for (int i = 0; i < 1000; ++i) {
            olstate_subscription t = 0;
            olstate_subscribe(s, user_function, &c, nullptr, &t);
            olstate_unsubscribe(s, t);
        }
        pairs += 1000;
    }
    return static_cast<double>(pairs) / std::chrono::duration<double>(Clock::now() - t0).count();
}

void OLSTATE_CALL count_atomic(const olstate_event*, void* ctx) {
    static_cast<std::atomic<std::uint64_t>*>(ctx)->fetch_add(1, std::memory_order_relaxed);
}

void churn(Results& r) {
    const double secs = quick ? 0.2 : 1.0;
    // SYNC: the storm thread is itself the provider's notifying thread.
    olstate_sim_set_delivery("bench-churn", OLSTATE_SIM_DELIVERY_SYNC, 0);
    olstate_session* s = open("bench-churn", OLSTATE_DELIVERY_INLINE);
    std::vector<double> alone, storm;
    std::atomic<std::uint64_t> stormed{0};
    // A permanent subscriber, so the storm really fans out while the table churns.
    subscribe(s, count_atomic, &stormed);
    for (int rep = 0; rep < (quick ? 1 : 3); ++rep) {
        alone.push_back(churn_per_s(s, secs));
        std::atomic<bool> stop{false};
        std::thread t([&] {
            while (!stop) send("bench-churn", 100);
        });
        storm.push_back(churn_per_s(s, secs));
        stop = true;
        t.join();
    }
    r.churn = median(alone);
    r.churn_storm = median(storm);
    olstate_close(s);
    if (stormed.load() == 0) {
        std::fprintf(stderr, "the storm delivered nothing\n");
        std::exit(1);
    }

    RawObject raw(u"bench-raw");
    DirectSink sink;
    std::vector<double> rates;
    for (int rep = 0; rep < (quick ? 1 : 3); ++rep) {
        const auto end = Clock::now() + std::chrono::duration<double>(secs);
        long long pairs = 0;
        const auto t0 = Clock::now();
        while (Clock::now() < end) {
            for (int i = 0; i < 1000; ++i) raw.unadvise(raw.advise(&sink));
            pairs += 1000;
        }
        rates.push_back(static_cast<double>(pairs) / std::chrono::duration<double>(Clock::now() - t0).count());
    }
    r.churn_raw = median(rates);
}

// ---- open/close (the simulator keeps one object per profile for the life
// of the process, so this is olstate's open path plus the simulator's
// HrOpenOfflineObj/QueryInterface/GetCapabilities/Advise/Unadvise).
void open_close(Results& r) {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        std::vector<double> us;
        for (int rep = 0; rep < (quick ? 1 : 5); ++rep) {
            const int n = quick ? 200 : 1000;
            const auto t0 = Clock::now();
            for (int i = 0; i < n; ++i) olstate_close(open("bench-oc", delivery));
            us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / n);
        }
        (delivery == OLSTATE_DELIVERY_QUEUED ? r.open_close_queued : r.open_close_inline) = median(us);
    }
}

// ---- memory
void memory(Results& r) {
    olstate_session* s = open("bench-mem", OLSTATE_DELIVERY_INLINE);
    Counter c;
    std::vector<olstate_subscription> tokens(1000);
    g_live_bytes = 0;
    g_allocations = 0;
    g_counting = true;
    for (auto& t : tokens) t = subscribe(s, user_function, &c);
    g_counting = false;
    r.bytes_sub = static_cast<double>(g_live_bytes.load()) / static_cast<double>(tokens.size());
    // olstate_subscribe allocates only inside libolstate: a count above zero
    // proves the library's operator new calls reach this executable's.
    r.interposed = g_allocations.load() > 0;
    // Allocations per subscribe (a copy-on-write table copies its list on
    // every subscribe; the bytes above are what stays live).
    r.allocs_sub = static_cast<double>(g_allocations.load()) / static_cast<double>(tokens.size());
    for (auto t : tokens) olstate_unsubscribe(s, t);
    olstate_close(s);

    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        olstate_close(open("bench-mem", delivery));  // warm the library's caches
        std::vector<olstate_session*> sessions(100);
        g_live_bytes = 0;
        g_counting = true;
        for (auto& x : sessions) x = open("bench-mem", delivery);
        g_counting = false;
        const double per = static_cast<double>(g_live_bytes.load()) / static_cast<double>(sessions.size());
        (delivery == OLSTATE_DELIVERY_QUEUED ? r.bytes_session : r.bytes_session_inline) = per;
        for (auto x : sessions) olstate_close(x);
    }
}

}  // namespace

// ---- --callgrind: only the dispatch loops, each in its own function so that
// `callgrind_annotate --inclusive=yes` gives instructions per path.
constexpr unsigned kCallgrindN = 100000;
extern "C" [[gnu::noinline]] void bench_cg_empty() { send(kEmpty, kCallgrindN); }
extern "C" [[gnu::noinline]] void bench_cg_direct() { send(kDirect, kCallgrindN); }
extern "C" [[gnu::noinline]] void bench_cg_olstate() { send(kOlstate, kCallgrindN); }

namespace {
int callgrind_mode() {
    for (const char* p : {kOlstate, kDirect, kEmpty}) olstate_sim_set_delivery(p, OLSTATE_SIM_DELIVERY_SYNC, 0);
    Counter oc, dc;
    olstate_session* s = open(kOlstate, OLSTATE_DELIVERY_INLINE);
    subscribe(s, user_function, &oc);
    RawObject empty(u"bench-empty");
    RawObject direct(u"bench-direct");
    DirectSink sink;
    sink.add_target(user_function, &dc);
    const ULONG token = direct.advise(&sink);
    send(kOlstate, 1000);  // warm up (lazy binding, first-touch)
    send(kDirect, 1000);
    send(kEmpty, 1000);
    bench_cg_empty();
    bench_cg_direct();
    bench_cg_olstate();
    direct.unadvise(token);
    olstate_close(s);
    std::printf("callgrind mode: %u notifications per path (olstate %llu, direct %llu calls)\n", kCallgrindN,
                static_cast<unsigned long long>(oc.calls), static_cast<unsigned long long>(dc.calls));
    return oc.calls == dc.calls ? 0 : 1;
}
}  // namespace

int main(int argc, char** argv) {
    // The bridge section's other processes (bridge/roles.h).
    if (argc >= 4 && !std::strcmp(argv[1], "--bridge-role")) {
        if (!std::strcmp(argv[2], "host")) return bench_bridge::run_host(argv[3]);
        if (!std::strcmp(argv[2], "client") && argc >= 5) return bench_bridge::run_client(argv[3], std::atoi(argv[4]));
        return 2;
    }
    bool json = false, in_process = true, bridge = true;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--json")) json = true;
        else if (!std::strcmp(argv[i], "--quick")) quick = true;
        else if (!std::strcmp(argv[i], "--bridge-only")) in_process = false;
        else if (!std::strcmp(argv[i], "--no-bridge")) bridge = false;
        else if (!std::strcmp(argv[i], "--callgrind")) return callgrind_mode();
        else {
            std::fprintf(stderr, "usage: olstate-bench [--json] [--quick] [--bridge-only | --no-bridge] | --callgrind\n");
            return 2;
        }
    }
    // The bridge first: its processes start from a process that has not
    // yet grown the in-process sections' threads and heap.
    bench_bridge::BridgeResults br;
    if (bridge) bench_bridge::run(br, quick);
    if (!in_process) {
        if (json) {
            std::printf("{");
            bench_bridge::print_json(br);
            std::printf("\"quick\":%s}\n", quick ? "true" : "false");
        } else {
            bench_bridge::print_table(br);
        }
        return 0;
    }
    Results r;
    dispatch(r);
    queued_latency(r);
    isolation(r);
    churn(r);
    open_close(r);
    memory(r);
    if (!r.interposed) {
        std::fprintf(stderr, "the replaced operator new saw no allocation from libolstate: memory figures invalid\n");
        return 1;
    }
    const auto per_sub = [&](const double* t, int i) { return t[i] / Results::kFan[i]; };
    // Marginal cost of one more subscriber, from the 1-subscriber point.
    const auto marginal = [&](const double* t, int i) { return (t[i] - t[0]) / (Results::kFan[i] - 1); };
    if (json) {
        std::printf(
            "{\"dispatch_ratio_vs_direct_sink\":%.3f,\"dispatch_ns_inline\":%.1f,\"dispatch_ns_direct_sink\":%.1f,"
            "\"dispatch_ns_overhead\":%.1f,\"dispatch_ns_simulator_only\":%.1f,\"system_clock_ns\":%.1f,",
            r.dispatch_inline / r.dispatch_direct, r.dispatch_inline, r.dispatch_direct,
            r.dispatch_inline - r.dispatch_direct, r.dispatch_empty, r.clock_ns);
        for (int i = 0; i < 4; ++i)
            std::printf("\"fanout_ns_per_subscriber_%u\":%.1f,\"fanout_ns_per_subscriber_direct_%u\":%.1f,",
                        Results::kFan[i], per_sub(r.fan_olstate, i), Results::kFan[i], per_sub(r.fan_direct, i));
        for (int i = 1; i < 4; ++i)
            std::printf("\"fanout_ns_marginal_%u\":%.2f,\"fanout_ns_marginal_direct_%u\":%.2f,", Results::kFan[i],
                        marginal(r.fan_olstate, i), Results::kFan[i], marginal(r.fan_direct, i));
        std::printf(
            "\"queued_p50_us\":%.2f,\"queued_p99_us\":%.2f,\"queued_p999_us\":%.2f,\"queued_max_us\":%.1f,"
            "\"queued_burst64_p50_us\":%.2f,\"queued_burst64_p99_us\":%.2f,"
            "\"provider_block_us_queued\":%.2f,\"provider_block_us_queued_max\":%.2f,"
            "\"provider_block_us_queued_fast_callback\":%.2f,\"bare_condvar_handoff_us\":%.2f,\"provider_block_us_inline\":%.1f,"
            "\"subscribe_unsubscribe_per_s\":%.0f,\"subscribe_unsubscribe_per_s_under_storm\":%.0f,"
            "\"raw_advise_unadvise_per_s\":%.0f,\"open_close_us\":%.1f,\"open_close_us_inline\":%.1f,"
            "\"bytes_per_subscription\":%.0f,\"allocations_per_subscribe\":%.2f,\"bytes_per_session\":%.0f,"
            "\"bytes_per_session_inline\":%.0f,",
            r.q50, r.q99, r.q999, r.qmax, r.burst50, r.burst99, r.block_queued, r.block_queued_max,
            r.block_queued_fast, r.block_bare_handoff, r.block_inline, r.churn, r.churn_storm, r.churn_raw, r.open_close_queued,
            r.open_close_inline, r.bytes_sub, r.allocs_sub, r.bytes_session, r.bytes_session_inline);
        if (bridge) bench_bridge::print_json(br);
        std::printf("\"quick\":%s}\n", quick ? "true" : "false");
        return 0;
    }
    std::printf("olstate-bench%s (median of interleaved repetitions; see BENCHMARKS.md)\n\n", quick ? " --quick" : "");
    std::printf("1 inline dispatch, ns per notification (provider Notify -> user function)\n");
    std::printf("    olstate INLINE %7.1f   hand-written sink %6.1f   overhead %6.1f   ratio %.2f\n",
                r.dispatch_inline, r.dispatch_direct, r.dispatch_inline - r.dispatch_direct,
                r.dispatch_inline / r.dispatch_direct);
    std::printf("    (simulator sending to no sink %.1f; one system_clock::now() %.1f)\n", r.dispatch_empty,
                r.clock_ns);
    std::printf("2 fan-out, ns per notification per subscriber (marginal: per extra subscriber)\n");
    std::printf("    %-6s %10s %10s %12s %12s\n", "subs", "olstate", "direct", "marg.olst", "marg.direct");
    for (int i = 0; i < 4; ++i) {
        if (i == 0)
            std::printf("    %-6u %10.1f %10.1f %12s %12s\n", Results::kFan[i], per_sub(r.fan_olstate, i),
                        per_sub(r.fan_direct, i), "-", "-");
        else
            std::printf("    %-6u %10.1f %10.1f %12.2f %12.2f\n", Results::kFan[i], per_sub(r.fan_olstate, i),
                        per_sub(r.fan_direct, i), marginal(r.fan_olstate, i), marginal(r.fan_direct, i));
    }
    std::printf("3 queued latency, us    p50 %.2f   p99 %.2f   p99.9 %.2f   max %.1f\n", r.q50, r.q99, r.q999, r.qmax);
    std::printf("    bursts of 64         p50 %.2f   p99 %.2f\n", r.burst50, r.burst99);
    std::printf("4 provider blocked per notification, us (callback sleeps 10 ms)\n");
    std::printf("    QUEUED %.2f (max %.2f)   INLINE %.1f\n", r.block_queued, r.block_queued_max, r.block_inline);
    std::printf("    QUEUED with a no-op callback, dispatcher asleep: %.2f   (bare condvar wake of a sleeping thread %.2f)\n",
                r.block_queued_fast, r.block_bare_handoff);
    std::printf("5 subscribe+unsubscribe pairs/s   %.0f   under a notification storm %.0f   raw Advise+Unadvise %.0f\n",
                r.churn, r.churn_storm, r.churn_raw);
    std::printf("6 open+close, us        QUEUED %.1f   INLINE %.1f\n", r.open_close_queued, r.open_close_inline);
    std::printf("7 memory                %.0f bytes per subscription (%.2f allocations per subscribe),\n"
                "                        %.0f bytes per QUEUED session, %.0f per INLINE session\n",
                r.bytes_sub, r.allocs_sub, r.bytes_session, r.bytes_session_inline);
    if (bridge) bench_bridge::print_table(br);
    return 0;
}
