// Clauses of the contract not pinned down elsewhere: sequence numbers per
// session, QUEUED ordering and threads, late notifications, the LIBRARY
// provider found through dladdr, result names, messages, tokens across
// sessions, close racing calls in progress, and callbacks that open and close
// other sessions.
#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>

#if !defined(_WIN32)
#include <dlfcn.h>
#endif

#include "support.h"

using namespace test;

namespace {

constexpr int32_t kEFail = static_cast<int32_t>(0x80004005u);
constexpr int32_t kEOutOfMemory = static_cast<int32_t>(0x8007000Eu);
constexpr int32_t kENotImpl = static_cast<int32_t>(0x80004001u);
constexpr int32_t kEPending = static_cast<int32_t>(0x8000000Au);
constexpr int32_t kEAccessDenied = static_cast<int32_t>(0x80070005u);

std::vector<olstate_event> events_of(Recorder& r) {
    std::vector<olstate_event> out;
    for (const auto& s : r.seen()) out.push_back(s.event);
    return out;
}

std::set<std::thread::id> threads_of(Recorder& r) {
    std::set<std::thread::id> out;
    for (const auto& s : r.seen()) out.insert(s.thread);
    return out;
}

// Counts concurrent and nested callback calls.
struct Concurrency {
    std::atomic<int> running{0};
    std::atomic<int> max_running{0};
    std::atomic<int> max_depth{0};
    std::atomic<int> calls{0};
    std::atomic<int> releases{0};
    std::atomic<bool> release_during_call{false};

    void enter() {
        const int now = ++running;
        int seen = max_running.load();
        while (now > seen && !max_running.compare_exchange_weak(seen, now)) {
        }
        ++calls;
    }
    void leave() { --running; }
};

// A recorder whose context also counts its release (the release receives the
// subscription's context, the Recorder*).
struct CountedRecorder : Recorder {
    std::atomic<int> releases{0};
    void* context() { return static_cast<Recorder*>(this); }
    static void OLSTATE_CALL release(void* c) {
        ++static_cast<CountedRecorder*>(static_cast<Recorder*>(c))->releases;
    }
};

thread_local int t_depth = 0;  // callbacks of any subscription on this thread's stack

void OLSTATE_CALL concurrency_callback(const olstate_event*, void* c) {
    auto* k = static_cast<Concurrency*>(c);
    ++t_depth;
    int seen = k->max_depth.load();
    while (t_depth > seen && !k->max_depth.compare_exchange_weak(seen, t_depth)) {
    }
    k->enter();
    std::this_thread::yield();
    k->leave();
    --t_depth;
}

void OLSTATE_CALL concurrency_release(void* c) {
    auto* k = static_cast<Concurrency*>(c);
    if (k->running != 0) k->release_during_call = true;
    ++k->releases;
}

}  // namespace

TEST_CASE("every result has its static name") {
    struct Name {
        olstate_result r;
        const char* name;
    };
    const Name names[] = {
        {OLSTATE_OK, "OLSTATE_OK"},
        {OLSTATE_E_INVALID_ARGUMENT, "OLSTATE_E_INVALID_ARGUMENT"},
        {OLSTATE_E_INVALID_HANDLE, "OLSTATE_E_INVALID_HANDLE"},
        {OLSTATE_E_PROVIDER_NOT_FOUND, "OLSTATE_E_PROVIDER_NOT_FOUND"},
        {OLSTATE_E_PROFILE_NOT_FOUND, "OLSTATE_E_PROFILE_NOT_FOUND"},
        {OLSTATE_E_NOT_SUPPORTED, "OLSTATE_E_NOT_SUPPORTED"},
        {OLSTATE_E_BUSY, "OLSTATE_E_BUSY"},
        {OLSTATE_E_PROVIDER_FAILED, "OLSTATE_E_PROVIDER_FAILED"},
        {OLSTATE_E_OUT_OF_MEMORY, "OLSTATE_E_OUT_OF_MEMORY"},
        {OLSTATE_E_INTERNAL, "OLSTATE_E_INTERNAL"},
        {OLSTATE_E_NOT_IN_OUTLOOK, "OLSTATE_E_NOT_IN_OUTLOOK"},
        {OLSTATE_E_WOULD_DEADLOCK, "OLSTATE_E_WOULD_DEADLOCK"},
        {OLSTATE_E_TIMEOUT, "OLSTATE_E_TIMEOUT"},
    };
    for (const Name& n : names) {
        CAPTURE(n.r);
        REQUIRE(olstate_result_name(n.r) != nullptr);
        CHECK(std::string(olstate_result_name(n.r)) == n.name);
        // Static: the same pointer every time.
        CHECK(olstate_result_name(n.r) == olstate_result_name(n.r));
    }
    for (olstate_result r : {-13, 1, INT32_MIN, INT32_MAX}) {
        CAPTURE(r);
        CHECK(std::string(olstate_result_name(r)) == "unknown");
    }
    // Constants equal MAPI's values and the documented ones.
    CHECK(OLSTATE_OFFLINE == 1u);
    CHECK(OLSTATE_ONLINE == 2u);
    CHECK(OLSTATE_CAPABILITY_OFFLINE == 1u);
    CHECK(OLSTATE_CAPABILITY_ONLINE == 2u);
    CHECK(OLSTATE_EVENT_CHANGE_START == 1u);
    CHECK(OLSTATE_EVENT_CHANGE == 2u);
    CHECK(OLSTATE_EVENT_CHANGE_DONE == 3u);
    CHECK(OLSTATE_SET_DEFAULT == 0u);
    CHECK(OLSTATE_SET_BLOCK == 1u);
    CHECK(OLSTATE_PROVIDER_AUTO == 0u);
    CHECK(OLSTATE_PROVIDER_BRIDGE == 4u);
    CHECK(OLSTATE_DELIVERY_QUEUED == 0u);
    CHECK(OLSTATE_DELIVERY_INLINE == 1u);
    CHECK(std::string(olstate_version_string()).size() >= 5);
}

TEST_CASE("the functions that never change the last error do not clear or set it") {
    SimReset reset;
    // After a success: the message is empty and stays empty.
    Session s(fresh_profile());
    uint32_t v = 0;
    REQUIRE(olstate_get_state(s.get(), &v) == OLSTATE_OK);
    CHECK(std::string(olstate_last_error_message()).empty());
    olstate_result_name(-999);
    olstate_struct_size(12345);
    olstate_open_options_init(nullptr);
    CHECK(std::string(olstate_last_error_message()).empty());
    CHECK(olstate_last_error_hresult() == 0);

    // After a failure with an HRESULT: both kept.
    olstate_sim_fail_next(OLSTATE_SIM_CALL_GET_STATE, kEAccessDenied, 1);
    REQUIRE(olstate_get_state(s.get(), &v) == OLSTATE_E_PROVIDER_FAILED);
    const std::string message = olstate_last_error_message();
    CHECK_FALSE(message.empty());
    CHECK(olstate_last_error_hresult() == kEAccessDenied);
    olstate_result_name(OLSTATE_E_BUSY);
    olstate_abi_version();
    olstate_version_string();
    olstate_struct_size(OLSTATE_STRUCT_EVENT);
    olstate_open_options o;
    olstate_open_options_init(&o);
    olstate_last_error_message();
    CHECK(std::string(olstate_last_error_message()) == message);
    CHECK(olstate_last_error_hresult() == kEAccessDenied);

    // Another thread's success does not clear this thread's failure.
    std::thread([&] {
        uint32_t w = 0;
        CHECK(olstate_get_state(s.get(), &w) == OLSTATE_OK);
        CHECK(std::string(olstate_last_error_message()).empty());
        CHECK(olstate_last_error_hresult() == 0);
    }).join();
    CHECK(std::string(olstate_last_error_message()) == message);
    CHECK(olstate_last_error_hresult() == kEAccessDenied);

    // Every function that is not on the list clears it on success.
    const auto clears = [&](const char* what, const std::function<olstate_result()>& call) {
        CAPTURE(what);
        REQUIRE(olstate_get_state(nullptr, &v) == OLSTATE_E_INVALID_HANDLE);
        REQUIRE_FALSE(std::string(olstate_last_error_message()).empty());
        REQUIRE(call() == OLSTATE_OK);
        CHECK(std::string(olstate_last_error_message()).empty());
        CHECK(olstate_last_error_hresult() == 0);
    };
    clears("capabilities", [&] { return olstate_capabilities(s.get(), &v); });
    clears("get_state", [&] { return olstate_get_state(s.get(), &v); });
    clears("set_state", [&] { return olstate_set_state(s.get(), OLSTATE_ONLINE, 0); });
    clears("session_info", [&] {
        olstate_session_info info{};
        info.struct_size = sizeof info;
        return olstate_get_session_info(s.get(), &info);
    });
    olstate_subscription token = 0;
    clears("subscribe", [&] {
        return olstate_subscribe(s.get(), [](const olstate_event*, void*) {}, nullptr, nullptr,
                                 &token);
    });
    clears("unsubscribe", [&] { return olstate_unsubscribe(s.get(), token); });
    clears("close(NULL)", [&] { return olstate_close(nullptr); });
    olstate_session* other = nullptr;
#if !defined(_WIN32)  // AUTO is the simulator here
    clears("open", [&] { return olstate_open(s.profile().c_str(), &other); });
    clears("close", [&] { return olstate_close(other); });
#endif
    clears("open_ex", [&] {
        const auto opts = options(s.profile());
        return olstate_open_ex(&opts, &other);
    });
    CHECK(olstate_close(other) == OLSTATE_OK);
}

TEST_CASE("every failure leaves a non-empty message; HRESULT only where one was involved") {
    SimReset reset;
    Session s(fresh_profile());
    uint32_t v = 0;
    olstate_session* out = nullptr;
    olstate_subscription token = 0;
    const auto failing = [&](const char* what, olstate_result expected, olstate_result actual) {
        CAPTURE(what);
        CHECK(actual == expected);
        const char* m = olstate_last_error_message();
        REQUIRE(m != nullptr);
        CHECK(std::strlen(m) > 0);
        CHECK(olstate_last_error_hresult() == 0);
    };
    failing("open NULL out", OLSTATE_E_INVALID_ARGUMENT, olstate_open("x", nullptr));
    failing("open_ex NULL options", OLSTATE_E_INVALID_ARGUMENT, olstate_open_ex(nullptr, &out));
    failing("get_state NULL session", OLSTATE_E_INVALID_HANDLE, olstate_get_state(nullptr, &v));
    failing("get_state NULL out", OLSTATE_E_INVALID_ARGUMENT, olstate_get_state(s.get(), nullptr));
    failing("capabilities NULL out", OLSTATE_E_INVALID_ARGUMENT,
            olstate_capabilities(s.get(), nullptr));
    failing("set_state bad state", OLSTATE_E_INVALID_ARGUMENT, olstate_set_state(s.get(), 7, 0));
    failing("subscribe NULL callback", OLSTATE_E_INVALID_ARGUMENT,
            olstate_subscribe(s.get(), nullptr, nullptr, nullptr, &token));
    failing("unsubscribe token 0", OLSTATE_E_INVALID_HANDLE, olstate_unsubscribe(s.get(), 0));
    failing("session_info NULL", OLSTATE_E_INVALID_ARGUMENT,
            olstate_get_session_info(s.get(), nullptr));
    CHECK(out == nullptr);
}

TEST_CASE("state call failures name their HRESULT in hex") {
    SimReset reset;
    Session s(fresh_profile());
    struct Case {
        uint32_t call;
        int32_t hr;
        olstate_result expected;
        const char* hex;
    };
    const Case cases[] = {
        {OLSTATE_SIM_CALL_GET_STATE, kEFail, OLSTATE_E_PROVIDER_FAILED, "0x80004005"},
        {OLSTATE_SIM_CALL_GET_STATE, kENotImpl, OLSTATE_E_NOT_SUPPORTED, "0x80004001"},
        {OLSTATE_SIM_CALL_GET_STATE, kEOutOfMemory, OLSTATE_E_OUT_OF_MEMORY, "0x8007000E"},
        {OLSTATE_SIM_CALL_GET_STATE, kEAccessDenied, OLSTATE_E_PROVIDER_FAILED, "0x80070005"},
        {OLSTATE_SIM_CALL_SET_STATE, kEPending, OLSTATE_E_BUSY, "0x8000000A"},
        {OLSTATE_SIM_CALL_SET_STATE, kEFail, OLSTATE_E_PROVIDER_FAILED, "0x80004005"},
        {OLSTATE_SIM_CALL_SET_STATE, kEOutOfMemory, OLSTATE_E_OUT_OF_MEMORY, "0x8007000E"},
        {OLSTATE_SIM_CALL_SET_STATE, kENotImpl, OLSTATE_E_NOT_SUPPORTED, "0x80004001"},
        {OLSTATE_SIM_CALL_SET_STATE, kEAccessDenied, OLSTATE_E_PROVIDER_FAILED, "0x80070005"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.call);
        CAPTURE(c.hex);
        REQUIRE(olstate_sim_fail_next(c.call, c.hr, 1) == 0);
        uint32_t v = 0;
        const olstate_result r = c.call == OLSTATE_SIM_CALL_GET_STATE
                                     ? olstate_get_state(s.get(), &v)
                                     : olstate_set_state(s.get(), OLSTATE_OFFLINE, 0);
        CHECK(r == c.expected);
        CHECK(olstate_last_error_hresult() == c.hr);
        const std::string m = olstate_last_error_message();
        // Hex digits in either case.
        std::string upper = m;
        for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        std::string want = c.hex;
        for (auto& ch : want) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        CHECK_MESSAGE(upper.find(want) != std::string::npos, m);
        CHECK(v == 0);  // out-parameters are written only on success
    }
    // The faults were one-shot: the session still works.
    uint32_t v = 0;
    CHECK(olstate_get_state(s.get(), &v) == OLSTATE_OK);
    CHECK(v == OLSTATE_ONLINE);
}

TEST_CASE("a failing open with OPEN_NULL leaves a message and no reference") {
    SimReset reset;
    olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_OPEN_NULL);
    olstate_session* s = nullptr;
    const std::string p = fresh_profile();
    const auto o = options(p);
    CHECK(olstate_open_ex(&o, &s) == OLSTATE_E_PROVIDER_FAILED);
    CHECK(s == nullptr);
    CHECK_FALSE(std::string(olstate_last_error_message()).empty());
    olstate_sim_set_misbehaviour(0);
    check_simulator_clean();
}

TEST_CASE("sequence numbers are per session and shared by its subscriptions") {
    SimReset reset;
    const std::string p = fresh_profile("Seq");
    Recorder a1, a2, b1;
    Session a(p);
    subscribe(a.get(), a1);
    subscribe(a.get(), a2);
    REQUIRE(olstate_set_state(a.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    REQUIRE(a1.wait_for(3));
    REQUIRE(a2.wait_for(3));

    // A session opened later numbers from 1.
    Session b(p, OLSTATE_DELIVERY_INLINE);
    subscribe(b.get(), b1);
    REQUIRE(olstate_set_state(b.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    REQUIRE(a1.wait_for(6));
    REQUIRE(a2.wait_for(6));
    REQUIRE(b1.wait_for(3));
    const auto e1 = events_of(a1), e2 = events_of(a2), eb = events_of(b1);
    REQUIRE(e1.size() == 6);
    REQUIRE(e2.size() == 6);
    REQUIRE(eb.size() == 3);
    for (std::size_t i = 0; i < 6; ++i) {
        CHECK(e1[i].sequence == i + 1);
        CHECK(e2[i].sequence == i + 1);
        CHECK(e1[i].kind == e2[i].kind);
        CHECK(e1[i].subscription != e2[i].subscription);
    }
    for (std::size_t i = 0; i < 3; ++i) CHECK(eb[i].sequence == i + 1);
    CHECK(eb[0].old_state == OLSTATE_OFFLINE);
    CHECK(eb[0].new_state == OLSTATE_ONLINE);
}

TEST_CASE("a subscription added later sees only later events, numbered by the session") {
    SimReset reset;
    Recorder first, later;
    Session s(fresh_profile(), OLSTATE_DELIVERY_INLINE);
    subscribe(s.get(), first);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    subscribe(s.get(), later);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    REQUIRE(later.wait_for(3));
    const auto e = events_of(later);
    REQUIRE(e.size() == 3);
    CHECK(e[0].sequence == 4);
    CHECK(e[0].kind == OLSTATE_EVENT_CHANGE_START);
    CHECK(e[2].sequence == 6);
}

TEST_CASE("QUEUED: one call at a time, in order, never nested, under a concurrent provider") {
    SimReset reset;
    const std::string p = fresh_profile("Pool");
    olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_POOL, 4);
    Concurrency k1, k2;
    Recorder r1;
    Session s(p);
    olstate_subscription t1 = 0, t2 = 0;
    REQUIRE(olstate_subscribe(s.get(), concurrency_callback, &k1, concurrency_release, &t1) ==
            OLSTATE_OK);
    REQUIRE(olstate_subscribe(s.get(), concurrency_callback, &k2, concurrency_release, &t2) ==
            OLSTATE_OK);
    subscribe(s.get(), r1);
    // 20 x 600 notifications from 4 provider threads at once.
    for (int round = 0; round < 20; ++round) {
        REQUIRE(olstate_sim_storm(p.c_str(), 4, 50) == 0);
        olstate_sim_wait_idle(p.c_str());
    }
    // Drops are allowed (bounded queue); whatever arrives is in sequence
    // order, and a gap is exactly a drop, flagged on the next event.
    REQUIRE(eventually([&] {
        const auto e = events_of(r1);
        return !e.empty() && e.back().sequence == 12000;
    }));
    const auto e = events_of(r1);
    // Every subscription gets each delivered event.
    REQUIRE(eventually([&] {
        return k1.calls == static_cast<int>(e.size()) && k2.calls == static_cast<int>(e.size());
    }));
    for (std::size_t i = 1; i < e.size(); ++i) {
        CAPTURE(i);
        REQUIRE(e[i].sequence > e[i - 1].sequence);
        const bool gap = e[i].sequence != e[i - 1].sequence + 1;
        CHECK(gap == ((e[i].flags & OLSTATE_EVENT_FLAG_DROPPED) != 0));
    }
    CHECK(threads_of(r1).size() == 1);
    REQUIRE(olstate_unsubscribe(s.get(), t1) == OLSTATE_OK);
    REQUIRE(olstate_unsubscribe(s.get(), t2) == OLSTATE_OK);
    CHECK(k1.max_running == 1);
    CHECK(k2.max_running == 1);
    CHECK(k1.max_depth == 1);
    CHECK(k1.releases == 1);
    CHECK(k2.releases == 1);
    CHECK(k1.calls == static_cast<int>(e.size()));
    CHECK(k2.calls == static_cast<int>(e.size()));
}

TEST_CASE("QUEUED: the dispatcher thread is neither the provider's nor the caller's") {
    SimReset reset;
    const std::string p = fresh_profile("Threads");  // default: one FIFO provider thread
    Recorder provider, queued;
    Session inl(p, OLSTATE_DELIVERY_INLINE);  // its callbacks reveal the provider thread
    Session q(p);
    subscribe(inl.get(), provider);
    subscribe(q.get(), queued);
    REQUIRE(olstate_set_state(q.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    REQUIRE(provider.wait_for(3));
    REQUIRE(queued.wait_for(3));
    const auto pt = threads_of(provider);
    const auto qt = threads_of(queued);
    REQUIRE(qt.size() == 1);
    CHECK(pt.count(*qt.begin()) == 0);
    CHECK(qt.count(std::this_thread::get_id()) == 0);
    CHECK(pt.count(std::this_thread::get_id()) == 0);  // INLINE: the provider's thread
}

TEST_CASE("QUEUED: a callback's own olstate_ calls never run callbacks on its stack") {
    SimReset reset;
    const std::string p = fresh_profile("Nest");
    olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_SYNC, 0);  // notifies in set_state
    Concurrency k;
    Recorder driver;  // outlives the session: callbacks may run until close returns
    Session s(p);
    std::atomic<int> steps{0};
    std::atomic<int> failures{0};
    driver.on_event = [&](const olstate_event& e) {
        if (e.kind != OLSTATE_EVENT_CHANGE_DONE) return;
        // SYNC delivery: the provider notifies inside these calls, on this
        // (the dispatcher) thread. Nothing may be delivered re-entrantly.
        const int depth_before = t_depth;
        if (++steps < 4) {
            const uint32_t next = e.new_state == OLSTATE_ONLINE ? OLSTATE_OFFLINE : OLSTATE_ONLINE;
            ++t_depth;  // a callback delivered inside this call would run at depth 2
            if (olstate_set_state(s.get(), next, OLSTATE_SET_BLOCK) != OLSTATE_OK) ++failures;
            --t_depth;
        }
        if (t_depth != depth_before) ++failures;
    };
    olstate_subscription t = 0;
    REQUIRE(olstate_subscribe(s.get(), concurrency_callback, &k, concurrency_release, &t) ==
            OLSTATE_OK);
    subscribe(s.get(), driver);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    REQUIRE(driver.wait_for(12));
    CHECK(failures == 0);
    CHECK(k.max_depth == 1);
    CHECK(k.max_running == 1);
    REQUIRE(olstate_unsubscribe(s.get(), t) == OLSTATE_OK);
    const auto e = events_of(driver);
    for (std::size_t i = 0; i < e.size(); ++i) CHECK(e[i].sequence == i + 1);
    CHECK(threads_of(driver).count(std::this_thread::get_id()) == 0);
}

TEST_CASE("INLINE with a provider thread: callbacks on that thread, not the caller's") {
    SimReset reset;
    Recorder r;
    Session s(fresh_profile(), OLSTATE_DELIVERY_INLINE);
    subscribe(s.get(), r);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    REQUIRE(olstate_sim_wait_idle(s.profile().c_str()) == 0);
    REQUIRE(olstate_sim_set_state(s.profile().c_str(), OLSTATE_ONLINE, 1) == 0);
    REQUIRE(r.wait_for(6));
    const auto t = threads_of(r);
    CHECK(t.size() == 1);  // one FIFO provider thread
    CHECK(t.count(std::this_thread::get_id()) == 0);
}

TEST_CASE("a late notification after Unadvise never reaches a callback") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        const std::string p = fresh_profile("Late");
        CountedRecorder r;  // outlives the session
        olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_LATE_NOTIFY);
        {
            Session s(p, delivery);
            olstate_subscription t = 0;
            REQUIRE(olstate_subscribe(s.get(), Recorder::callback, r.context(),
                                      CountedRecorder::release, &t) == OLSTATE_OK);
            REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
            REQUIRE(r.wait_for(3));
        }
        const std::size_t at_close = r.count();
        CHECK(r.releases == 1);
        olstate_sim_wait_idle(p.c_str());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        CHECK(r.count() == at_close);
        olstate_sim_set_misbehaviour(0);
        check_simulator_clean();
    }
}

TEST_CASE("close with events queued behind a blocked callback: no callback after it returned") {
    SimReset reset;
    Gate entered, go;
    CountedRecorder r;
    Session s(fresh_profile("Discard"));
    const std::string p = s.profile();
    std::atomic<bool> first{true};
    r.on_event = [&](const olstate_event&) {
        if (first.exchange(false)) {
            entered.open();
            go.wait();
        }
    };
    olstate_subscription t = 0;
    REQUIRE(olstate_subscribe(s.get(), Recorder::callback, r.context(), CountedRecorder::release,
                              &t) == OLSTATE_OK);
    REQUIRE(olstate_sim_send_raw(p.c_str(), 2, 3, 2, 1, 0, 1) == 0);
    REQUIRE(entered.wait());
    REQUIRE(olstate_sim_send_raw(p.c_str(), 2, 3, 2, 1, 0, 100) == 0);
    olstate_sim_wait_idle(p.c_str());
    std::thread opener([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        go.open();
    });
    REQUIRE(olstate_close(s.release()) == OLSTATE_OK);
    const std::size_t at_close = r.count();
    CHECK(r.releases.load() == 1);
    opener.join();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(r.count() == at_close);
    check_simulator_clean();
}

TEST_CASE("close waits for a blocking set_state in progress on another thread") {
    SimReset reset;
    const std::string p = fresh_profile("CloseWaits");
    Gate entered, go;
    Recorder blocker;
    Session holder(p, OLSTATE_DELIVERY_INLINE);
    blocker.on_event = [&](const olstate_event& e) {
        if (e.kind == OLSTATE_EVENT_CHANGE_START) {
            entered.open();
            go.wait();
        }
    };
    subscribe(holder.get(), blocker);

    Session victim(p);
    olstate_session* v = victim.release();
    std::atomic<bool> set_returned{false};
    std::atomic<olstate_result> set_result{1};
    std::thread setter([&] {
        // Blocks until DONE has reached every sink, i.e. until `go` opens.
        set_result = olstate_set_state(v, OLSTATE_OFFLINE, OLSTATE_SET_BLOCK);
        set_returned = true;
    });
    REQUIRE(entered.wait());  // the setter is now inside olstate_set_state
    std::atomic<bool> released_setter{false};
    std::thread opener([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        released_setter = true;
        go.open();
    });
    CHECK(olstate_close(v) == OLSTATE_OK);
    // The setter cannot leave SetCurrentState before `go` opens, so close
    // returning earlier would mean it did not wait for the call in progress.
    // (Checking set_returned here would race: the call may have ended inside
    // olstate while the setter thread has not yet stored the flag.)
    CHECK(released_setter);
    opener.join();
    setter.join();
    CHECK(set_result == OLSTATE_OK);
    REQUIRE(blocker.wait_for(3));
}

TEST_CASE("unsubscribing itself from an INLINE callback while another call of it runs") {
    SimReset reset;
    const std::string p = fresh_profile("TwoCalls");
    olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_POOL, 2);
    Session s(p, OLSTATE_DELIVERY_INLINE);
    struct Ctx {
        Gate first_entered, go;
        std::atomic<int> entered{0};
        std::atomic<int> running{0};
        std::atomic<int> releases{0};
        std::atomic<bool> release_during_call{false};
        std::atomic<bool> first_waited_ok{false};
        std::atomic<olstate_result> unsubscribed{1};
        std::atomic<olstate_subscription> token{0};
        olstate_session* session = nullptr;
    } ctx;
    ctx.session = s.get();
    const auto callback = [](const olstate_event*, void* c) {
        auto* x = static_cast<Ctx*>(c);
        ++x->running;
        const int n = ++x->entered;
        if (n == 1) {
            x->first_entered.open();
            x->first_waited_ok = x->go.wait();  // held until the second call unsubscribed
        } else if (n == 2) {
            x->first_entered.wait();
            x->unsubscribed = olstate_unsubscribe(x->session, x->token);  // must not wait
            x->go.open();
        }
        --x->running;
    };
    const auto release = [](void* c) {
        auto* x = static_cast<Ctx*>(c);
        if (x->running != 0) x->release_during_call = true;
        ++x->releases;
    };
    olstate_subscription t = 0;
    REQUIRE(olstate_subscribe(s.get(), callback, &ctx, release, &t) == OLSTATE_OK);
    ctx.token = t;
    REQUIRE(olstate_sim_send_raw(p.c_str(), 2, 3, 2, 1, 0, 2) == 0);  // two pool threads at once
    REQUIRE(eventually([&] { return ctx.releases == 1; }));
    CHECK(ctx.first_waited_ok);
    CHECK(ctx.unsubscribed == OLSTATE_OK);
    CHECK_FALSE(ctx.release_during_call);
    CHECK(ctx.entered == 2);
    olstate_sim_send_raw(p.c_str(), 2, 3, 2, 1, 0, 4);
    olstate_sim_wait_idle(p.c_str());
    CHECK(ctx.entered == 2);
    CHECK(ctx.releases == 1);
}

TEST_CASE("tokens are unique across sessions and belong to their session") {
    SimReset reset;
    const std::string p = fresh_profile();
    Session a(p), b(p);
    std::set<olstate_subscription> tokens;
    for (int i = 0; i < 20; ++i) {
        olstate_subscription ta = 0, tb = 0;
        REQUIRE(olstate_subscribe(a.get(), [](const olstate_event*, void*) {}, nullptr, nullptr,
                                  &ta) == OLSTATE_OK);
        REQUIRE(olstate_subscribe(b.get(), [](const olstate_event*, void*) {}, nullptr, nullptr,
                                  &tb) == OLSTATE_OK);
        CHECK(ta != 0);
        CHECK(tb != 0);
        CHECK(tokens.insert(ta).second);
        CHECK(tokens.insert(tb).second);
        // Another session's token is unknown here.
        CHECK(olstate_unsubscribe(b.get(), ta) == OLSTATE_E_INVALID_HANDLE);
        CHECK(olstate_unsubscribe(a.get(), ta) == OLSTATE_OK);  // still valid in its own session
        CHECK(olstate_unsubscribe(a.get(), ta) == OLSTATE_E_INVALID_HANDLE);
    }
    // A new session never hands out an old token again.
    Session c(p);
    olstate_subscription tc = 0;
    REQUIRE(olstate_subscribe(c.get(), [](const olstate_event*, void*) {}, nullptr, nullptr,
                              &tc) == OLSTATE_OK);
    CHECK(tokens.count(tc) == 0);
}

TEST_CASE("a callback may open, use and close other sessions") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        const std::string other = fresh_profile("Other");
        Recorder r;
        Session s(fresh_profile(), delivery);
        std::atomic<int> failures{0};
        std::atomic<bool> done{false};
        r.on_event = [&](const olstate_event& e) {
            if (e.kind != OLSTATE_EVENT_CHANGE_DONE || done) return;
            const auto o = options(other, delivery);
            olstate_session* x = nullptr;
            if (olstate_open_ex(&o, &x) != OLSTATE_OK) {
                ++failures;
            } else {
                uint32_t v = 0;
                olstate_subscription t = 0;
                if (olstate_get_state(x, &v) != OLSTATE_OK || v != OLSTATE_ONLINE) ++failures;
                if (olstate_subscribe(x, [](const olstate_event*, void*) {}, nullptr, nullptr,
                                      &t) != OLSTATE_OK)
                    ++failures;
                if (olstate_set_state(x, OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) != OLSTATE_OK)
                    ++failures;
                if (olstate_close(x) != OLSTATE_OK) ++failures;
                if (olstate_close(x) != OLSTATE_E_INVALID_HANDLE) ++failures;
            }
            done = true;
        };
        subscribe(s.get(), r);
        REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
        REQUIRE(eventually([&] { return done.load(); }));
        CHECK(failures == 0);
        olstate_sim_wait_idle(other.c_str());
        uint32_t state = 0;
        CHECK(olstate_sim_get_state(other.c_str(), &state) == 0);
        CHECK(state == OLSTATE_OFFLINE);
    }
}

TEST_CASE("release runs exactly once when unsubscribe races delivery on a blocked callback") {
    // Anchor failure mode 1: unsubscribe while a callback is blocked on a
    // latch returns only after the callback ends; nothing runs afterwards.
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        Gate entered, go;
        Session s(fresh_profile("Latch"), delivery);
        struct Ctx {
            std::atomic<int> running{0}, calls{0}, releases{0};
            std::atomic<bool> release_during_call{false};
            Gate* entered;
            Gate* go;
        } ctx{};
        ctx.entered = &entered;
        ctx.go = &go;
        const auto cb = [](const olstate_event*, void* c) {
            auto* x = static_cast<Ctx*>(c);
            ++x->running;
            if (++x->calls == 1) {
                x->entered->open();
                x->go->wait();
            }
            --x->running;
        };
        const auto rel = [](void* c) {
            auto* x = static_cast<Ctx*>(c);
            if (x->running) x->release_during_call = true;
            ++x->releases;
        };
        olstate_subscription t = 0;
        REQUIRE(olstate_subscribe(s.get(), cb, &ctx, rel, &t) == OLSTATE_OK);
        olstate_sim_send_raw(s.profile().c_str(), 2, 3, 2, 1, 0, 10);
        REQUIRE(entered.wait());
        std::atomic<bool> unsubscribe_returned{false};
        std::thread u([&] {
            CHECK(olstate_unsubscribe(s.get(), t) == OLSTATE_OK);
            unsubscribe_returned = true;
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        CHECK_FALSE(unsubscribe_returned);  // still waiting for the blocked callback
        CHECK(ctx.releases == 0);
        go.open();
        u.join();
        CHECK(ctx.releases == 1);
        CHECK_FALSE(ctx.release_during_call);
        const int calls = ctx.calls;
        olstate_sim_send_raw(s.profile().c_str(), 2, 3, 2, 1, 0, 5);
        olstate_sim_wait_idle(s.profile().c_str());
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        CHECK(ctx.calls == calls);
    }
}

TEST_CASE("close from inside a callback: every subscription released once, after return") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        Session s(fresh_profile("CloseIn"), delivery);
        olstate_session* session = s.release();
        std::vector<std::unique_ptr<Concurrency>> others;
        for (int i = 0; i < 4; ++i) {
            others.push_back(std::make_unique<Concurrency>());
            olstate_subscription t = 0;
            REQUIRE(olstate_subscribe(session, concurrency_callback, others.back().get(),
                                      concurrency_release, &t) == OLSTATE_OK);
        }
        std::atomic<olstate_result> closed{1}, after_sub{1}, after_unsub{1}, after_set{1},
            after_caps{1}, after_info{1}, after_close{1};
        CountedRecorder closer;
        std::atomic<bool> once{false};
        closer.on_event = [&](const olstate_event&) {
            if (once.exchange(true)) return;
            closed = olstate_close(session);
            olstate_subscription t = 0;
            uint32_t v = 0;
            olstate_session_info info{};
            info.struct_size = sizeof info;
            after_sub = olstate_subscribe(session, concurrency_callback, nullptr, nullptr, &t);
            after_unsub = olstate_unsubscribe(session, 1);
            after_set = olstate_set_state(session, OLSTATE_ONLINE, 0);
            after_caps = olstate_capabilities(session, &v);
            after_info = olstate_get_session_info(session, &info);
            after_close = olstate_close(session);
        };
        olstate_subscription ct = 0;
        REQUIRE(olstate_subscribe(session, Recorder::callback, closer.context(),
                                  CountedRecorder::release, &ct) == OLSTATE_OK);
        REQUIRE(olstate_set_state(session, OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
        REQUIRE(eventually([&] {
            if (closer.releases != 1) return false;
            for (auto& o : others)
                if (o->releases != 1) return false;
            return true;
        }));
        CHECK(closed == OLSTATE_OK);
        CHECK(after_sub == OLSTATE_E_INVALID_HANDLE);
        CHECK(after_unsub == OLSTATE_E_INVALID_HANDLE);
        CHECK(after_set == OLSTATE_E_INVALID_HANDLE);
        CHECK(after_caps == OLSTATE_E_INVALID_HANDLE);
        CHECK(after_info == OLSTATE_E_INVALID_HANDLE);
        CHECK(after_close == OLSTATE_E_INVALID_HANDLE);
        for (auto& o : others) {
            CHECK_FALSE(o->release_during_call);
            CHECK(o->running == 0);
        }
        check_simulator_clean();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        CHECK(closer.releases == 1);
        for (auto& o : others) CHECK(o->releases == 1);
    }
}

#if !defined(_WIN32)
TEST_CASE("the LIBRARY provider: the simulator by full path (dladdr), and a library without the entry point") {
    SimReset reset;
    Dl_info sim{};
    REQUIRE(dladdr(reinterpret_cast<void*>(&olstate_sim_reset), &sim) != 0);
    REQUIRE(sim.dli_fname != nullptr);
    char resolved[PATH_MAX];
    REQUIRE(realpath(sim.dli_fname, resolved) != nullptr);
    const std::string sim_path = resolved;
    CAPTURE(sim_path);

    const std::string p = fresh_profile("Lib");
    auto o = options(p);
    o.provider = OLSTATE_PROVIDER_LIBRARY;
    o.provider_path = sim_path.c_str();
    olstate_session* s = nullptr;
    REQUIRE(olstate_open_ex(&o, &s) == OLSTATE_OK);
    olstate_session_info info{};
    info.struct_size = sizeof info;
    REQUIRE(olstate_get_session_info(s, &info) == OLSTATE_OK);
    CHECK(info.provider == OLSTATE_PROVIDER_LIBRARY);
    CHECK(std::string(info.profile) == p);
    // The same file as the control API: one simulator instance in the process.
    Recorder r;
    subscribe(s, r);
    REQUIRE(olstate_sim_set_state(p.c_str(), OLSTATE_OFFLINE, 1) == 0);
    REQUIRE(r.wait_for(3));
    uint32_t state = 0;
    CHECK(olstate_get_state(s, &state) == OLSTATE_OK);
    CHECK(state == OLSTATE_OFFLINE);
    CHECK(olstate_close(s) == OLSTATE_OK);

    // libolstate itself does not export HrOpenOfflineObj.
    Dl_info lib{};
    REQUIRE(dladdr(reinterpret_cast<void*>(&olstate_open), &lib) != 0);
    REQUIRE(realpath(lib.dli_fname, resolved) != nullptr);
    const std::string lib_path = resolved;
    o.provider_path = lib_path.c_str();
    s = nullptr;
    CHECK(olstate_open_ex(&o, &s) == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(s == nullptr);
    CHECK_FALSE(std::string(olstate_last_error_message()).empty());

    // A directory, and a file that is not a library at all.
    o.provider_path = "/";
    CHECK(olstate_open_ex(&o, &s) == OLSTATE_E_PROVIDER_NOT_FOUND);
    o.provider_path = "/etc/hostname";
    CHECK(olstate_open_ex(&o, &s) == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(s == nullptr);
    check_simulator_clean();
}
#endif

TEST_CASE("open options: invalid UTF-8 in profile and provider_path, with LIBRARY") {
    SimReset reset;
    olstate_session* out = nullptr;
    const std::string p = fresh_profile();
    auto o = options(p);
    const char* bad[] = {"\xC0\xAF", "a\x80", "\xF5\x80\x80\x80", "\xE2\x82", "\xF0\x9F\x98"};
    for (const char* b : bad) {
        CAPTURE(std::string(b).size());
        o.profile = b;
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        CHECK(olstate_open(b, &out) == OLSTATE_E_INVALID_ARGUMENT);
    }
    o = options(p);
    o.provider = OLSTATE_PROVIDER_LIBRARY;
    o.provider_path = "/tmp/\xC0\xAF/libx.so";
    CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(out == nullptr);
    // Valid non-ASCII UTF-8 is a fine profile name.
    const std::string accent = fresh_profile("Pr\xC3\xA9" "f\xE2\x82\xAC");
    Session s(accent);
    olstate_session_info info{};
    info.struct_size = sizeof info;
    REQUIRE(olstate_get_session_info(s.get(), &info) == OLSTATE_OK);
    CHECK(std::string(info.profile) == accent);
}

TEST_CASE("session info: a larger struct_size is accepted, bytes past it untouched") {
    SimReset reset;
    Session s(fresh_profile());
    struct {
        olstate_session_info info;
        unsigned char tail[16];
        unsigned char canary[16];
    } out;
    std::memset(&out, 0xC3, sizeof out);
    out.info.struct_size = static_cast<uint32_t>(sizeof out.info + sizeof out.tail);
    const olstate_result r = olstate_get_session_info(s.get(), &out.info);
    // Writing into the larger struct is allowed; past struct_size is not.
    CHECK((r == OLSTATE_OK || r == OLSTATE_E_INVALID_ARGUMENT));
    for (unsigned char c : out.canary) CHECK(c == 0xC3);
    if (r == OLSTATE_OK) {
        CHECK(out.info.provider == OLSTATE_PROVIDER_SIMULATOR);
        CHECK(out.info.profile != nullptr);
    }
    // Too small: nothing written.
    std::memset(&out, 0xC3, sizeof out);
    out.info.struct_size = 4;
    CHECK(olstate_get_session_info(s.get(), &out.info) == OLSTATE_E_INVALID_ARGUMENT);
    const auto* bytes = reinterpret_cast<const unsigned char*>(&out.info);
    for (std::size_t i = sizeof(uint32_t); i < sizeof out.info; ++i) CHECK(bytes[i] == 0xC3);
}

TEST_CASE("capabilities are read once at open and cached") {
    SimReset reset;
    const std::string p = fresh_profile();
    olstate_sim_set_capabilities(p.c_str(), OLSTATE_CAPABILITY_OFFLINE);
    Recorder r;  // outlives the session
    Session s(p);
    olstate_sim_set_capabilities(p.c_str(), OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_ONLINE);
    uint32_t caps = 0;
    REQUIRE(olstate_capabilities(s.get(), &caps) == OLSTATE_OK);
    CHECK(caps == OLSTATE_CAPABILITY_OFFLINE);
    // One capability is enough to subscribe.
    subscribe(s.get(), r);
    Session t(p);
    REQUIRE(olstate_capabilities(t.get(), &caps) == OLSTATE_OK);
    CHECK(caps == (OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_ONLINE));
    // A failing GetCapabilities after open is never called again.
    olstate_sim_fail_next(OLSTATE_SIM_CALL_GET_CAPABILITIES, kEFail, 1);
    CHECK(olstate_capabilities(s.get(), &caps) == OLSTATE_OK);
    olstate_sim_fail_next(OLSTATE_SIM_CALL_GET_CAPABILITIES, 0, 0);
}

TEST_CASE("setting the current state from a user change in flight is BUSY, then works") {
    SimReset reset;
    Gate entered, go;
    Recorder r;
    Session s(fresh_profile("UserBusy"), OLSTATE_DELIVERY_INLINE);
    const std::string p = s.profile();
    std::atomic<bool> once{false};
    r.on_event = [&](const olstate_event& e) {
        if (e.kind == OLSTATE_EVENT_CHANGE_START && !once.exchange(true)) {
            entered.open();
            go.wait();
        }
    };
    subscribe(s.get(), r);
    REQUIRE(olstate_sim_set_state(p.c_str(), OLSTATE_OFFLINE, 0) == 0);  // "the user" clicks
    REQUIRE(entered.wait());
    // Even asking for the state it is moving to is BUSY while in flight.
    CHECK(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_DEFAULT) == OLSTATE_E_BUSY);
    CHECK(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_E_BUSY);
    go.open();
    REQUIRE(r.wait_for(3));
    olstate_sim_wait_idle(p.c_str());
    CHECK(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    CHECK(r.count() == 6);
}

TEST_CASE("close while another thread waits in unsubscribe for a blocked callback") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        Gate entered, go;
        Session s(fresh_profile("UnsubClose"), delivery);
        olstate_session* session = s.release();
        struct Ctx {
            std::atomic<int> running{0}, calls{0}, releases{0};
            std::atomic<bool> release_during_call{false};
            Gate* entered = nullptr;
            Gate* go = nullptr;
        } ctx;
        ctx.entered = &entered;
        ctx.go = &go;
        const auto cb = [](const olstate_event*, void* c) {
            auto* x = static_cast<Ctx*>(c);
            ++x->running;
            if (++x->calls == 1) {
                x->entered->open();
                x->go->wait();
            }
            --x->running;
        };
        const auto rel = [](void* c) {
            auto* x = static_cast<Ctx*>(c);
            if (x->running) x->release_during_call = true;
            ++x->releases;
        };
        olstate_subscription t = 0;
        REQUIRE(olstate_subscribe(session, cb, &ctx, rel, &t) == OLSTATE_OK);
        ReleaseCounter bystander;
        olstate_subscription t2 = 0;
        REQUIRE(olstate_subscribe(session, [](const olstate_event*, void*) {}, &bystander,
                                  ReleaseCounter::release, &t2) == OLSTATE_OK);
        olstate_sim_send_raw(s.profile().c_str(), 2, 3, 2, 1, 0, 5);
        REQUIRE(entered.wait());
        std::atomic<olstate_result> unsub{1};
        std::thread u([&] { unsub = olstate_unsubscribe(session, t); });
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // u is (likely) waiting
        std::thread opener([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(30));
            go.open();
        });
        CHECK(olstate_close(session) == OLSTATE_OK);
        u.join();
        opener.join();
        CHECK((unsub == OLSTATE_OK || unsub == OLSTATE_E_INVALID_HANDLE));
        CHECK(ctx.releases == 1);
        CHECK_FALSE(ctx.release_during_call);
        CHECK(bystander.releases == 1);
        CHECK(olstate_unsubscribe(session, t) == OLSTATE_E_INVALID_HANDLE);
        check_simulator_clean();
        CHECK(ctx.releases == 1);
    }
}

TEST_CASE("WOULD_DEADLOCK for a blocking set on any session from an INLINE callback") {
    SimReset reset;
    Recorder r;
    Session s(fresh_profile(), OLSTATE_DELIVERY_INLINE);
    Session other_queued(fresh_profile("OtherQ"));
    Session same_profile_queued(s.profile());
    std::atomic<olstate_result> other_block{1}, same_block{1}, other_async{1};
    std::atomic<bool> once{false};
    r.on_event = [&](const olstate_event& e) {
        if (e.kind != OLSTATE_EVENT_CHANGE || once.exchange(true)) return;
        other_block = olstate_set_state(other_queued.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK);
        same_block = olstate_set_state(same_profile_queued.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK);
        other_async = olstate_set_state(other_queued.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT);
    };
    subscribe(s.get(), r);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    REQUIRE(eventually([&] { return other_async.load() != 1; }));
    CHECK(other_block == OLSTATE_E_WOULD_DEADLOCK);
    CHECK(same_block == OLSTATE_E_WOULD_DEADLOCK);
    CHECK(other_async == OLSTATE_OK);
    olstate_sim_wait_idle(nullptr);
    olstate_sim_wait_idle(other_queued.profile().c_str());
    olstate_sim_wait_idle(s.profile().c_str());
}

TEST_CASE("a subscription made from inside a callback starts with later events") {
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        SimReset reset;
        Recorder outer, inner;
        Session s(fresh_profile(), delivery);
        std::atomic<bool> once{false};
        std::atomic<olstate_result> sub{1};
        outer.on_event = [&](const olstate_event& e) {
            if (e.kind != OLSTATE_EVENT_CHANGE_START || once.exchange(true)) return;
            olstate_subscription t = 0;
            sub = olstate_subscribe(s.get(), Recorder::callback, &inner, nullptr, &t);
        };
        subscribe(s.get(), outer);
        REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
        REQUIRE(outer.wait_for(3));
        olstate_sim_wait_idle(s.profile().c_str());
        REQUIRE(eventually([&] { return inner.count() >= 2; }));
        CHECK(sub == OLSTATE_OK);
        const auto e = events_of(inner);
        // Never the START that was being delivered when it subscribed.
        for (const auto& x : e) CHECK(x.sequence >= 2);
        CHECK(e.back().kind == OLSTATE_EVENT_CHANGE_DONE);
    }
}
