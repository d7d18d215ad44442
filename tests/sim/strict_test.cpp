// The strict simulator (olstate_sim.h, "Strict mode"): each rule of
// documented Outlook it enforces, seen from a client that calls the COM
// object directly. Runs natively and under Wine (win64; win32 where the
// machine runs 32-bit code), where notifications also come through the
// owner thread's Windows message loop.
#include <doctest/doctest.h>
#include <olstate_sim.h>

#if defined(_WIN32)
#include <windows.h>
#endif

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "com/mapi_offline.h"
#include "plain_notify_sink.h"

extern "C" olstate::com::HRESULT OLSTATE_COM_CALL HrOpenOfflineObj(
    olstate::com::ULONG, const char16_t*, const olstate::com::Guid*, const olstate::com::Guid*,
    olstate::com::IMAPIOfflineMgr**);

namespace stricttest {
using olstate::com::GUID_GlobalState;
using olstate::com::HRESULT;
using olstate::com::IMAPIOfflineMgr;
using olstate::com::MAPIOFFLINE_ADVISEINFO;
using olstate::com::MAPIOFFLINE_FLAG_BLOCK;
using olstate::com::MAPIOFFLINE_FLAG_DEFAULT;
using olstate::com::MAPIOFFLINE_NOTIFY;
using olstate::com::MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE;
using olstate::com::MAPIOFFLINE_STATE_OFFLINE;
using olstate::com::MAPIOFFLINE_STATE_OFFLINE_MASK;
using olstate::com::MAPIOFFLINE_STATE_ONLINE;
using olstate::com::S_OK_;
using olstate::com::ULONG;

namespace {

// Records the thread of every notification; optionally makes a blocking
// SetCurrentState from within the first DONE, as a careless add-in would.
class ThreadSink final : public olstate::test_support::PlainNotifySink {
public:
    void OLSTATE_COM_CALL Notify(const MAPIOFFLINE_NOTIFY* n) override {
        {
            std::lock_guard lock(mutex);
            threads.push_back(std::this_thread::get_id());
        }
        if (n && n->NotifyType == MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE) {
            if (block_in_done && mgr && !blocked_once.exchange(true)) {
                const auto start = std::chrono::steady_clock::now();
                block_result = mgr->SetCurrentState(MAPIOFFLINE_FLAG_BLOCK, MAPIOFFLINE_STATE_OFFLINE_MASK,
                                                    MAPIOFFLINE_STATE_ONLINE, nullptr);
                block_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                                 start)
                               .count();
            }
            ++dones;
        }
    }
    std::vector<std::thread::id> seen() {
        std::lock_guard lock(mutex);
        return threads;
    }
    std::mutex mutex;
    std::vector<std::thread::id> threads;
    std::atomic<int> dones{0};
    IMAPIOfflineMgr* mgr = nullptr;
    bool block_in_done = false;
    std::atomic<bool> blocked_once{false};
    HRESULT block_result = 0;
    long long block_ms = 0;
};

IMAPIOfflineMgr* open(const char16_t* profile) {
    IMAPIOfflineMgr* mgr = nullptr;
    REQUIRE(HrOpenOfflineObj(0, profile, &GUID_GlobalState, nullptr, &mgr) == S_OK_);
    REQUIRE(mgr != nullptr);
    return mgr;
}

ULONG advise(IMAPIOfflineMgr* mgr, ThreadSink& sink) {
    MAPIOFFLINE_ADVISEINFO info = olstate::test_support::make_advise_info(&sink, 1);
    ULONG token = 0;
    REQUIRE(mgr->Advise(0, &info, &token) == S_OK_);
    return token;
}

std::string last_violation() {
    char text[512];
    REQUIRE(olstate_sim_last_violation(text, sizeof text) == 0);
    return text;
}

bool all_on(const std::vector<std::thread::id>& seen, std::thread::id owner) {
    for (const auto& id : seen) {
        if (id != owner) return false;
    }
    return !seen.empty();
}

// Starts each case from the defaults, strict mode on.
struct Strict {
    Strict() {
        olstate_sim_reset();
        REQUIRE(olstate_sim_set_strict(OLSTATE_SIM_STRICT_ON) == 0);
    }
    ~Strict() { olstate_sim_reset(); }
};

}  // namespace

TEST_CASE("strict mode is off unless asked for, and then a call from another thread fails and is counted") {
    olstate_sim_reset();
    if (!std::getenv("OLSTATE_SIM_STRICT")) CHECK(olstate_sim_strict() == OLSTATE_SIM_STRICT_OFF);
    CHECK(olstate_sim_set_strict(7) < 0);
    IMAPIOfflineMgr* forgiving = open(u"strict-off");
    if (olstate_sim_strict() == OLSTATE_SIM_STRICT_OFF) {
        ULONG state = 0;
        std::thread([&] { CHECK(forgiving->GetCurrentState(&state) == S_OK_); }).join();
        CHECK(state == MAPIOFFLINE_STATE_ONLINE);
        CHECK(olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL) == 0);
    }
    forgiving->Release();

    Strict strict;
    IMAPIOfflineMgr* mgr = open(u"strict-thread");
    std::thread([&] {
        ULONG state = 0, caps = 0;
        CHECK(mgr->GetCurrentState(&state) == OLSTATE_SIM_E_WRONG_THREAD);
        CHECK(state == 0);
        CHECK(mgr->GetCapabilities(&caps) == OLSTATE_SIM_E_WRONG_THREAD);
        CHECK(mgr->SetCurrentState(MAPIOFFLINE_FLAG_DEFAULT, MAPIOFFLINE_STATE_OFFLINE_MASK,
                                   MAPIOFFLINE_STATE_OFFLINE, nullptr) == OLSTATE_SIM_E_WRONG_THREAD);
        void* out = nullptr;
        CHECK(mgr->QueryInterface(olstate::com::IID_IMAPIOffline, &out) == OLSTATE_SIM_E_WRONG_THREAD);
        CHECK(out == nullptr);
        // The profile is owned: opening it here fails too.
        IMAPIOfflineMgr* second = nullptr;
        CHECK(HrOpenOfflineObj(0, u"strict-thread", &GUID_GlobalState, nullptr, &second) ==
              OLSTATE_SIM_E_WRONG_THREAD);
        CHECK(second == nullptr);
    }).join();
    CHECK(olstate_sim_violations(OLSTATE_SIM_VIOLATION_WRONG_THREAD) == 5);
    CHECK(olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL) == 5);
    CHECK(last_violation().find("HrOpenOfflineObj") != std::string::npos);
    uint32_t state = 0;
    CHECK(olstate_sim_get_state("strict-thread", &state) == 0);
    CHECK(state == MAPIOFFLINE_STATE_ONLINE);  // the refused change did nothing

    // On the owner thread everything works, and nothing more is counted.
    ULONG here = 0;
    CHECK(mgr->GetCurrentState(&here) == S_OK_);
    CHECK(olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL) == 5);

    // A Release elsewhere still releases (it cannot fail), and is counted.
    mgr->AddRef();
    std::thread([&] { mgr->Release(); }).join();
    CHECK(olstate_sim_violations(OLSTATE_SIM_VIOLATION_WRONG_THREAD) == 6);
    CHECK(last_violation().find("Release") != std::string::npos);
    CHECK(olstate_sim_outstanding_refs() == 1);
    mgr->Release();
    CHECK(olstate_sim_outstanding_refs() == 0);

    // Released by everyone, the object may be opened by another thread.
    std::thread([] {
        IMAPIOfflineMgr* other = open(u"strict-thread");
        ULONG s = 0;
        CHECK(other->GetCurrentState(&s) == S_OK_);
        other->Release();
    }).join();
    CHECK(olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL) == 6);

    olstate_sim_reset();  // counters cleared with the rest
    CHECK(olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL) == 0);
    CHECK(last_violation().empty());
}

TEST_CASE("strict notifications run on the owner thread, and only when it pumps") {
    Strict strict;
    IMAPIOfflineMgr* mgr = open(u"strict-pump");
    ThreadSink sink;
    const ULONG token = advise(mgr, sink);
    // Delivery modes do not matter in strict mode.
    REQUIRE(olstate_sim_set_delivery("strict-pump", OLSTATE_SIM_DELIVERY_POOL, 4) == 0);
    std::thread([] { CHECK(olstate_sim_set_state("strict-pump", MAPIOFFLINE_STATE_OFFLINE, 0) == 0); }).join();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(sink.seen().empty());  // the owner has not pumped yet
    uint32_t ran = 0;
    CHECK(olstate_sim_pump(5000, &ran) == 0);
    CHECK(ran >= 1);
    CHECK(sink.seen().size() == 3);
    CHECK(all_on(sink.seen(), std::this_thread::get_id()));
    // A thread that owns nothing pumps nothing.
    std::thread([] {
        uint32_t none = 7;
        CHECK(olstate_sim_pump(0, &none) == 0);
        CHECK(none == 0);
    }).join();
    CHECK(mgr->Unadvise(0, token) == S_OK_);
    mgr->Release();
    CHECK(olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL) == 0);
}

TEST_CASE("strict: an owner loop serves changes other threads wait for; a blocking set on the owner runs in turn") {
    Strict strict;
    ThreadSink sink;
    std::atomic<bool> ready{false};
    std::thread::id owner_id;
    std::thread owner([&] {
        owner_id = std::this_thread::get_id();
        IMAPIOfflineMgr* mgr = open(u"strict-loop");
        const ULONG token = advise(mgr, sink);
        ready = true;
        CHECK(olstate_sim_run_owner_loop() == 0);
        // Outside a notification, the owner's blocking set completes here.
        CHECK(mgr->SetCurrentState(MAPIOFFLINE_FLAG_BLOCK, MAPIOFFLINE_STATE_OFFLINE_MASK, MAPIOFFLINE_STATE_ONLINE,
                                   nullptr) == S_OK_);
        CHECK(sink.dones.load() == 1 + 6 + 1);  // the first change, the storm's six, this one
        CHECK(mgr->Unadvise(0, token) == S_OK_);
        mgr->Release();
    });
    while (!ready) std::this_thread::yield();
    // Returns once the owner's loop has delivered DONE.
    CHECK(olstate_sim_set_state("strict-loop", MAPIOFFLINE_STATE_OFFLINE, 1) == 0);
    CHECK(sink.dones.load() == 1);
    CHECK(olstate_sim_storm("strict-loop", 2, 3) == 0);  // 6 changes, 18 notifications, all on the owner
    CHECK(olstate_sim_wait_idle("strict-loop") == 0);
    CHECK(olstate_sim_quit_owner_loops() == 0);
    owner.join();
    CHECK(sink.seen().size() == 3 + 18 + 3);
    CHECK(all_on(sink.seen(), owner_id));
    CHECK(olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL) == 0);
}

TEST_CASE("strict: a blocking SetCurrentState inside a notification hangs (bounded), fails and is counted") {
    Strict strict;
    IMAPIOfflineMgr* mgr = open(u"strict-hang");
    ThreadSink sink;
    sink.mgr = mgr;
    sink.block_in_done = true;
    const ULONG token = advise(mgr, sink);
    CHECK(mgr->SetCurrentState(MAPIOFFLINE_FLAG_DEFAULT, MAPIOFFLINE_STATE_OFFLINE_MASK, MAPIOFFLINE_STATE_OFFLINE,
                               nullptr) == S_OK_);
    uint32_t ran = 0;
    CHECK(olstate_sim_pump(5000, &ran) == 0);
    CHECK(sink.dones.load() == 1);
    CHECK(sink.block_result == OLSTATE_SIM_E_HUNG);
    CHECK(sink.block_ms >= OLSTATE_SIM_HANG_MS - 100);  // it really waited...
    CHECK(sink.block_ms < 30000);                        // ...for a bounded time
    CHECK(olstate_sim_violations(OLSTATE_SIM_VIOLATION_BLOCKING_SET_IN_NOTIFY) == 1);
    CHECK(olstate_sim_violations(OLSTATE_SIM_VIOLATION_WRONG_THREAD) == 0);
    CHECK(last_violation().find("blocking SetCurrentState") != std::string::npos);
    uint32_t state = 0;
    CHECK(olstate_sim_get_state("strict-hang", &state) == 0);
    CHECK(state == MAPIOFFLINE_STATE_OFFLINE);  // the hung change changed nothing
    CHECK(mgr->Unadvise(0, token) == S_OK_);
    mgr->Release();
}

TEST_CASE("HrOpenOfflineObj answers not ready for the first N calls; a profile may have no capabilities") {
    olstate_sim_reset();
    REQUIRE(olstate_sim_set_not_ready(2) == 0);
    IMAPIOfflineMgr* mgr = nullptr;
    CHECK(HrOpenOfflineObj(0, u"not-ready", &GUID_GlobalState, nullptr, &mgr) == OLSTATE_SIM_E_NOT_READY);
    CHECK(HrOpenOfflineObj(0, u"not-ready", &GUID_GlobalState, nullptr, &mgr) == OLSTATE_SIM_E_NOT_READY);
    CHECK(mgr == nullptr);
    mgr = open(u"not-ready");
    REQUIRE(olstate_sim_set_capabilities("not-ready", 0) == 0);
    ULONG caps = 99;
    CHECK(mgr->GetCapabilities(&caps) == S_OK_);
    CHECK(caps == 0);
    mgr->Release();
    olstate_sim_reset();
}

// Run by the second meson test, with OLSTATE_SIM_STRICT=1 and
// OLSTATE_SIM_NOT_READY=2 in the environment: the process starts strict and
// not ready, and olstate_sim_reset comes back to strict.
TEST_CASE("environment: OLSTATE_SIM_STRICT and OLSTATE_SIM_NOT_READY set the process defaults" *
          doctest::skip(!std::getenv("OLSTATE_SIM_NOT_READY"))) {
    CHECK(olstate_sim_strict() == OLSTATE_SIM_STRICT_ON);
    IMAPIOfflineMgr* mgr = nullptr;
    CHECK(HrOpenOfflineObj(0, u"env", &GUID_GlobalState, nullptr, &mgr) == OLSTATE_SIM_E_NOT_READY);
    CHECK(HrOpenOfflineObj(0, u"env", &GUID_GlobalState, nullptr, &mgr) == OLSTATE_SIM_E_NOT_READY);
    mgr = open(u"env");
    std::thread([&] {
        ULONG s = 0;
        CHECK(mgr->GetCurrentState(&s) == OLSTATE_SIM_E_WRONG_THREAD);
    }).join();
    CHECK(olstate_sim_violations(OLSTATE_SIM_VIOLATION_WRONG_THREAD) == 1);
    mgr->Release();
    CHECK(olstate_sim_set_strict(OLSTATE_SIM_STRICT_OFF) == 0);
    olstate_sim_reset();
    CHECK(olstate_sim_strict() == OLSTATE_SIM_STRICT_ON);
}

#if defined(_WIN32)
TEST_CASE("strict on Windows: notifications come through the owner thread's message loop") {
    Strict strict;
    IMAPIOfflineMgr* mgr = open(u"strict-messages");
    ThreadSink sink;
    const ULONG token = advise(mgr, sink);
    std::thread([] { CHECK(olstate_sim_set_state("strict-messages", MAPIOFFLINE_STATE_OFFLINE, 0) == 0); }).join();
    // An ordinary message loop, as Outlook's main thread runs; no olstate_sim_pump.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (sink.dones.load() == 0 && std::chrono::steady_clock::now() < deadline) {
        MSG msg;
        while (PeekMessageW(&msg, nullptr, 0, 0, PM_REMOVE)) {
            TranslateMessage(&msg);
            DispatchMessageW(&msg);
        }
        MsgWaitForMultipleObjects(0, nullptr, FALSE, 50, QS_ALLINPUT);
    }
    CHECK(sink.dones.load() == 1);
    CHECK(sink.seen().size() == 3);
    CHECK(all_on(sink.seen(), std::this_thread::get_id()));
    CHECK(mgr->Unadvise(0, token) == S_OK_);
    mgr->Release();
    CHECK(olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL) == 0);
}
#endif

}  // namespace stricttest
