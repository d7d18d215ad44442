// olstate-bench: what olstate costs against the physical limit, a
// hand-written IMAPIOfflineNotify sink advised on the same simulator. All
// runs use the simulator with synchronous delivery, so the provider's
// "thread" is this one and timings contain no scheduling except where a
// measurement is about scheduling (queued latency, isolation).
//
//   olstate-bench [--json] [--quick]
#include <olstate.h>
#include <olstate_sim.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "com/mapi_offline.h"

extern "C" olstate::com::HRESULT OLSTATE_COM_CALL HrOpenOfflineObj(
    olstate::com::ULONG, const char16_t*, const olstate::com::Guid*, const olstate::com::Guid*,
    olstate::com::IMAPIOfflineMgr**);

// ---- allocation counting: a replaced global allocator (libolstate's own
// allocations go through it too: the executable's operator new interposes).
static std::atomic<long long> g_live_bytes{0};
static std::atomic<bool> g_counting{false};

// Each block carries its size in a 16-byte header (integer arithmetic on the
// addresses keeps GCC's bounds checker from guessing at the layout).
void* operator new(std::size_t n) {
    void* p = std::malloc(n + 16);
    if (!p) throw std::bad_alloc();
    std::memcpy(p, &n, sizeof n);
    if (g_counting.load(std::memory_order_relaxed)) g_live_bytes += static_cast<long long>(n);
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
std::atomic<unsigned long long> g_calls{0};

// The same user function behind both paths.
void user_function() { g_calls.fetch_add(1, std::memory_order_relaxed); }

void OLSTATE_CALL olstate_callback(const olstate_event*, void*) { user_function(); }

class DirectSink final : public IMAPIOfflineNotify {
public:
    HRESULT OLSTATE_COM_CALL QueryInterface(const Guid& iid, void** out) override {
        if (iid == IID_IUnknown_ || iid == IID_IMAPIOfflineNotify) {
            *out = static_cast<IMAPIOfflineNotify*>(this);
            AddRef();
            return S_OK_;
        }
        *out = nullptr;
        return E_NOINTERFACE_;
    }
    ULONG OLSTATE_COM_CALL AddRef() override { return ++refs_; }
    ULONG OLSTATE_COM_CALL Release() override { return --refs_; }
    void OLSTATE_COM_CALL Notify(const MAPIOFFLINE_NOTIFY* n) override {
        if (n && n->NotifyType >= 1 && n->NotifyType <= 3) user_function();
    }

private:
    std::atomic<ULONG> refs_{1};
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double percentile(std::vector<double>& sorted, double p) {
    const std::size_t i = std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())));
    return sorted[i];
}

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

// ns per notification of `count` raw notifications sent through `profile`.
double ns_per_notify(const char* profile, unsigned count) {
    const auto t0 = Clock::now();
    olstate_sim_send_raw(profile, 2, 3, 2, 1, 0, count);
    const auto t1 = Clock::now();
    return std::chrono::duration<double, std::nano>(t1 - t0).count() / count;
}

struct Results {
    double dispatch_inline = 0, dispatch_direct = 0;
    double fanout[4] = {};
    double q50 = 0, q99 = 0, q999 = 0;
    double block_queued = 0, block_inline = 0;
    double churn = 0, churn_storm = 0, churn_raw = 0;
    double open_close_queued = 0, open_close_inline = 0;
    double bytes_sub = 0, bytes_session = 0;
};

void dispatch(Results& r) {
    // Two profiles, each with exactly one consumer: olstate's INLINE session
    // (one subscription) or the hand-written sink. Same simulator code path.
    olstate_sim_set_delivery("bench-olstate", OLSTATE_SIM_DELIVERY_SYNC, 0);
    olstate_sim_set_delivery("bench-direct", OLSTATE_SIM_DELIVERY_SYNC, 0);
    olstate_session* s = open("bench-olstate", OLSTATE_DELIVERY_INLINE);
    olstate_subscription t = 0;
    olstate_subscribe(s, olstate_callback, nullptr, nullptr, &t);
    IMAPIOfflineMgr* mgr = nullptr;
    HrOpenOfflineObj(0, u"bench-direct", &GUID_GlobalState, nullptr, &mgr);
    DirectSink sink;
    MAPIOFFLINE_ADVISEINFO info{sizeof info, 1, MAPIOFFLINE_CALLBACK_TYPE_NOTIFY, &sink,
                                MAPIOFFLINE_ADVISE_TYPE_STATECHANGE, MAPIOFFLINE_STATE_ALL};
    ULONG token = 0;
    mgr->Advise(0, &info, &token);

    const unsigned n = quick ? 20000 : 200000;
    std::vector<double> a, b;
    for (int rep = 0; rep < (quick ? 3 : 9); ++rep) {  // interleaved repetitions
        a.push_back(ns_per_notify("bench-olstate", n));
        b.push_back(ns_per_notify("bench-direct", n));
    }
    r.dispatch_inline = median(a);
    r.dispatch_direct = median(b);

    // Fan-out: per-subscriber cost with 1, 10, 100, 1000 subscribers.
    const unsigned counts[] = {1, 10, 100, 1000};
    std::vector<olstate_subscription> extra;
    for (int i = 0; i < 4; ++i) {
        while (extra.size() + 1 < counts[i]) {
            olstate_subscription e = 0;
            olstate_subscribe(s, olstate_callback, nullptr, nullptr, &e);
            extra.push_back(e);
        }
        std::vector<double> f;
        for (int rep = 0; rep < (quick ? 3 : 7); ++rep)
            f.push_back(ns_per_notify("bench-olstate", std::max(200u, n / counts[i])) / counts[i]);
        r.fanout[i] = median(f);
    }
    mgr->Unadvise(0, token);
    mgr->Release();
    olstate_close(s);
}

std::atomic<long long> g_latency_end{0};
void OLSTATE_CALL stamp(const olstate_event*, void*) {
    g_latency_end.store(Clock::now().time_since_epoch().count(), std::memory_order_release);
}

void queued_latency(Results& r) {
    olstate_sim_set_delivery("bench-queued", OLSTATE_SIM_DELIVERY_SYNC, 0);
    olstate_session* s = open("bench-queued", OLSTATE_DELIVERY_QUEUED);
    olstate_subscription t = 0;
    olstate_subscribe(s, stamp, nullptr, nullptr, &t);
    std::vector<double> p50, p99, p999;
    for (int run = 0; run < (quick ? 1 : 5); ++run) {
        std::vector<double> us;
        const int samples = quick ? 2000 : 20000;
        for (int i = 0; i < samples; ++i) {
            g_latency_end.store(0);
            const long long t0 = Clock::now().time_since_epoch().count();
            olstate_sim_send_raw("bench-queued", 2, 3, 2, 1, 0, 1);  // Notify runs on this thread
            long long t1 = 0;
            while ((t1 = g_latency_end.load(std::memory_order_acquire)) == 0) {
            }
            us.push_back(std::chrono::duration<double, std::micro>(Clock::duration(t1 - t0)).count());
        }
        std::sort(us.begin(), us.end());
        p50.push_back(percentile(us, 0.50));
        p99.push_back(percentile(us, 0.99));
        p999.push_back(percentile(us, 0.999));
    }
    r.q50 = median(p50);
    r.q99 = median(p99);
    r.q999 = median(p999);
    olstate_close(s);
}

void OLSTATE_CALL slow(const olstate_event*, void*) { std::this_thread::sleep_for(std::chrono::milliseconds(10)); }

void isolation(Results& r) {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        const char* p = delivery == OLSTATE_DELIVERY_QUEUED ? "bench-iso-q" : "bench-iso-i";
        olstate_sim_set_delivery(p, OLSTATE_SIM_DELIVERY_SYNC, 0);
        olstate_session* s = open(p, delivery);
        olstate_subscription t = 0;
        olstate_subscribe(s, slow, nullptr, nullptr, &t);
        std::vector<double> us;
        const int samples = delivery == OLSTATE_DELIVERY_QUEUED ? 200 : (quick ? 5 : 20);
        for (int i = 0; i < samples; ++i) {
            const auto t0 = Clock::now();
            olstate_sim_send_raw(p, 2, 3, 2, 1, 0, 1);  // the provider's time in Notify
            us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        }
        (delivery == OLSTATE_DELIVERY_QUEUED ? r.block_queued : r.block_inline) = median(us);
        olstate_close(s);  // queued: drops what the slow callback did not reach
    }
}

double churn_per_s(olstate_session* s, double seconds) {
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    long long pairs = 0;
    const auto t0 = Clock::now();
    while (Clock::now() < end) {
        for (int i = 0; i < 1000; ++i) {
            olstate_subscription t = 0;
            olstate_subscribe(s, olstate_callback, nullptr, nullptr, &t);
            olstate_unsubscribe(s, t);
        }
        pairs += 1000;
    }
    return static_cast<double>(pairs) / std::chrono::duration<double>(Clock::now() - t0).count();
}

void churn(Results& r) {
    const double secs = quick ? 0.2 : 1.0;
    olstate_session* s = open("bench-churn", OLSTATE_DELIVERY_INLINE);
    r.churn = churn_per_s(s, secs);
    std::atomic<bool> stop{false};
    std::thread storm([&] {
        while (!stop) olstate_sim_send_raw("bench-churn", 2, 3, 2, 1, 0, 100);
    });
    r.churn_storm = churn_per_s(s, secs);
    stop = true;
    storm.join();
    olstate_sim_wait_idle("bench-churn");
    olstate_close(s);

    IMAPIOfflineMgr* mgr = nullptr;
    HrOpenOfflineObj(0, u"bench-raw", &GUID_GlobalState, nullptr, &mgr);
    DirectSink sink;
    MAPIOFFLINE_ADVISEINFO info{sizeof info, 1, MAPIOFFLINE_CALLBACK_TYPE_NOTIFY, &sink,
                                MAPIOFFLINE_ADVISE_TYPE_STATECHANGE, MAPIOFFLINE_STATE_ALL};
    const auto end = Clock::now() + std::chrono::duration<double>(secs);
    long long pairs = 0;
    const auto t0 = Clock::now();
    while (Clock::now() < end) {
        for (int i = 0; i < 1000; ++i) {
            ULONG token = 0;
            mgr->Advise(0, &info, &token);
            mgr->Unadvise(0, token);
        }
        pairs += 1000;
    }
    r.churn_raw = static_cast<double>(pairs) / std::chrono::duration<double>(Clock::now() - t0).count();
    mgr->Release();
}

void open_close(Results& r) {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        const int n = quick ? 200 : 2000;
        const auto t0 = Clock::now();
        for (int i = 0; i < n; ++i) olstate_close(open("bench-oc", delivery));
        const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / n;
        (delivery == OLSTATE_DELIVERY_QUEUED ? r.open_close_queued : r.open_close_inline) = us;
    }
}

void memory(Results& r) {
    olstate_session* s = open("bench-mem", OLSTATE_DELIVERY_INLINE);
    std::vector<olstate_subscription> tokens(1000);
    g_live_bytes = 0;
    g_counting = true;
    for (auto& t : tokens) olstate_subscribe(s, olstate_callback, nullptr, nullptr, &t);
    g_counting = false;
    r.bytes_sub = static_cast<double>(g_live_bytes.load()) / static_cast<double>(tokens.size());
    for (auto t : tokens) olstate_unsubscribe(s, t);
    olstate_close(s);

    olstate_close(open("bench-mem", OLSTATE_DELIVERY_QUEUED));  // warm the library's caches
    std::vector<olstate_session*> sessions(100);
    g_live_bytes = 0;
    g_counting = true;
    for (auto& x : sessions) x = open("bench-mem", OLSTATE_DELIVERY_QUEUED);
    g_counting = false;
    r.bytes_session = static_cast<double>(g_live_bytes.load()) / static_cast<double>(sessions.size());
    for (auto x : sessions) olstate_close(x);
}

}  // namespace

int main(int argc, char** argv) {
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--json")) json = true;
        else if (!std::strcmp(argv[i], "--quick")) quick = true;
        else {
            std::fprintf(stderr, "usage: olstate-bench [--json] [--quick]\n");
            return 2;
        }
    }
    Results r;
    dispatch(r);
    queued_latency(r);
    isolation(r);
    churn(r);
    open_close(r);
    memory(r);
    if (g_calls.load() == 0) return 1;  // nothing was delivered: the figures would be meaningless
    if (json) {
        std::printf(
            "{\"dispatch_ratio_vs_direct_sink\":%.3f,\"dispatch_ns_inline\":%.1f,\"dispatch_ns_direct_sink\":%.1f,"
            "\"fanout_ns_per_subscriber_1\":%.1f,\"fanout_ns_per_subscriber_10\":%.1f,"
            "\"fanout_ns_per_subscriber_100\":%.1f,\"fanout_ns_per_subscriber_1000\":%.1f,"
            "\"queued_p50_us\":%.2f,\"queued_p99_us\":%.2f,\"queued_p999_us\":%.2f,"
            "\"provider_block_us_queued\":%.2f,\"provider_block_us_inline\":%.1f,"
            "\"subscribe_unsubscribe_per_s\":%.0f,\"subscribe_unsubscribe_per_s_under_storm\":%.0f,"
            "\"raw_advise_unadvise_per_s\":%.0f,\"open_close_us\":%.1f,\"open_close_us_inline\":%.1f,"
            "\"bytes_per_subscription\":%.0f,\"bytes_per_session\":%.0f,\"quick\":%s}\n",
            r.dispatch_inline / r.dispatch_direct, r.dispatch_inline, r.dispatch_direct, r.fanout[0], r.fanout[1],
            r.fanout[2], r.fanout[3], r.q50, r.q99, r.q999, r.block_queued, r.block_inline, r.churn, r.churn_storm,
            r.churn_raw, r.open_close_queued, r.open_close_inline, r.bytes_sub, r.bytes_session,
            quick ? "true" : "false");
        return 0;
    }
    std::printf("olstate-bench%s (median of interleaved repetitions)\n\n", quick ? " --quick" : "");
    std::printf("1 inline dispatch        olstate %8.1f ns   direct sink %6.1f ns   overhead %6.1f ns   ratio %.2f\n",
                r.dispatch_inline, r.dispatch_direct, r.dispatch_inline - r.dispatch_direct,
                r.dispatch_inline / r.dispatch_direct);
    std::printf("2 fan-out per subscriber 1: %.1f ns   10: %.1f ns   100: %.1f ns   1000: %.1f ns\n", r.fanout[0],
                r.fanout[1], r.fanout[2], r.fanout[3]);
    std::printf("3 queued latency         p50 %.2f us   p99 %.2f us   p99.9 %.2f us\n", r.q50, r.q99, r.q999);
    std::printf("4 provider block (10 ms callback)   queued %.2f us   inline %.1f us\n", r.block_queued,
                r.block_inline);
    std::printf("5 subscribe+unsubscribe  %.0f /s   under a notification storm %.0f /s   raw Advise+Unadvise %.0f /s\n",
                r.churn, r.churn_storm, r.churn_raw);
    std::printf("6 open+close             queued %.1f us   inline %.1f us\n", r.open_close_queued,
                r.open_close_inline);
    std::printf("7 memory                 %.0f bytes per subscription   %.0f bytes per session\n", r.bytes_sub,
                r.bytes_session);
    return 0;
}
