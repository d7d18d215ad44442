// The connection model read from Outlook's object model on the owner thread
// (issue 17 item 2), under Wine: a session opened with
// olstate_open_options.application - a fake Application (fake_object_model.h)
// whose mode and accounts this test changes - over the strict simulator
// standing in for Outlook's offline object. The main thread plays Outlook's
// main thread: it opens the session and runs the message loop.
//
// Checks: the events arrive in order, once per change; the fake is called
// on the main thread only (its own log: zero violations; the simulator:
// zero strict violations); the calls answer from the last read on any
// thread without calling the fake; a read follows an Offline State
// notification at once (the timer alone would take 10 minutes there); a
// failing property is reported and the change across it is delivered once;
// a thread without a message queue is refused. Prints what one read costs
// and the longest the main thread was held by any message (median/max).
#include <olstate.h>
#include <olstate_sim.h>
#include <windows.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fake_object_model.h"
#include "expect.h"

using bridgetest::CallLog;
using bridgetest::FakeObject;
using bridgetest::FakeOutlook;

namespace {

int failures = 0;
#define EXPECT(cond) WINTEST_EXPECT_IN(failures, cond)

double ms_between(LARGE_INTEGER a, LARGE_INTEGER b) {
    LARGE_INTEGER f;
    QueryPerformanceFrequency(&f);
    return static_cast<double>(b.QuadPart - a.QuadPart) * 1000.0 / static_cast<double>(f.QuadPart);
}

// The main thread's message loop, as Outlook runs it, timing each message
// it dispatches (olstate's timer reads and carried calls among them).
struct Loop {
    double longest_ms = 0;
    std::vector<double> held_ms;

    // Pumps until `done` or `timeout_ms`; true when done.
    bool run_until(const std::function<bool()>& done, int timeout_ms) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (!done()) {
            if (std::chrono::steady_clock::now() > end) return false;
            MSG m;
            while (PeekMessageW(&m, nullptr, 0, 0, PM_REMOVE)) {
                LARGE_INTEGER a, b;
                QueryPerformanceCounter(&a);
                TranslateMessage(&m);
                DispatchMessageW(&m);
                QueryPerformanceCounter(&b);
                const double ms = ms_between(a, b);
                held_ms.push_back(ms);
                longest_ms = std::max(longest_ms, ms);
            }
            MsgWaitForMultipleObjects(0, nullptr, FALSE, 10, QS_ALLINPUT);
        }
        return true;
    }
    void run_for(int ms) {
        run_until([] { return false; }, ms);
    }
};

struct Seen {
    std::uint32_t kind, old_state, new_state;
};

// Events as the session's dispatcher thread delivers them.
struct Recorder {
    std::mutex mutex;
    std::vector<Seen> events;
    static void OLSTATE_CALL callback(const olstate_event* e, void* context) {
        auto* self = static_cast<Recorder*>(context);
        std::lock_guard lock(self->mutex);
        self->events.push_back(Seen{e->kind, e->old_state, e->new_state});
    }
    std::vector<Seen> connection_events() {
        std::lock_guard lock(mutex);
        std::vector<Seen> out;
        for (const Seen& s : events)
            if (s.kind == OLSTATE_EVENT_CONNECTION_CHANGED || s.kind == OLSTATE_EVENT_ACCOUNT_CHANGED) out.push_back(s);
        return out;
    }
    std::size_t count() {
        std::lock_guard lock(mutex);
        return events.size();
    }
};

olstate_session* open_with(FakeOutlook& outlook, const char* profile, std::uint32_t poll_ms,
                           olstate_result* result = nullptr) {
    olstate_open_options o = OLSTATE_OPEN_OPTIONS_INIT;
    o.provider = OLSTATE_PROVIDER_SIMULATOR;
    o.profile = profile;
    o.application = static_cast<IDispatch*>(outlook.application);
    o.connection_poll_ms = poll_ms;
    olstate_session* s = nullptr;
    const olstate_result r = olstate_open_ex(&o, &s);
    if (result) *result = r;
    if (r != OLSTATE_OK) std::printf("open: %s: %s\n", olstate_result_name(r), olstate_last_error_message());
    return s;
}

olstate_subscription subscribe(olstate_session* s, Recorder& recorder) {
    olstate_subscribe_options so{};
    so.struct_size = sizeof so;
    so.callback = &Recorder::callback;
    so.context = &recorder;
    olstate_subscription token = 0;
    EXPECT(olstate_subscribe_ex(s, &so, &token) == OLSTATE_OK);
    return token;
}

bool same(const std::vector<Seen>& got, const std::vector<Seen>& want) {
    if (got.size() != want.size()) return false;
    for (std::size_t i = 0; i < got.size(); ++i)
        if (got[i].kind != want[i].kind || got[i].old_state != want[i].old_state ||
            got[i].new_state != want[i].new_state)
            return false;
    return true;
}

void print(const char* what, const std::vector<Seen>& events) {
    std::printf("  %s:", what);
    for (const Seen& e : events)
        std::printf(" %s %d->%d", e.kind == OLSTATE_EVENT_CONNECTION_CHANGED ? "mode" : "account",
                    static_cast<int>(e.old_state), static_cast<int>(e.new_state));
    std::printf("\n");
}

constexpr std::uint32_t kMode = OLSTATE_EVENT_CONNECTION_CHANGED, kAccount = OLSTATE_EVENT_ACCOUNT_CHANGED,
                        kGone = OLSTATE_CONNECTION_UNKNOWN;

// What one read costs: the span from each "Session" call (a read's first)
// to the last call before the next read.
void print_read_costs(const CallLog& log) {
    const auto calls = log.calls();
    std::vector<double> reads;
    for (std::size_t i = 0; i < calls.size(); ++i) {
        if (calls[i].name != L"Session") continue;
        std::size_t j = i;
        while (j + 1 < calls.size() && calls[j + 1].name != L"Session") ++j;
        reads.push_back(ms_between(calls[i].at, calls[j].at));
    }
    if (reads.empty()) return;
    std::sort(reads.begin(), reads.end());
    std::printf("figures: one read of the fake object model (2-3 accounts, %zu reads): median %.3f ms, max %.3f ms\n",
                reads.size(), reads[reads.size() / 2], reads.back());
}

// The whole story on one session: changes, their events, the threads.
void scenario_changes() {
    FakeOutlook outlook;
    outlook.log.set_owner(GetCurrentThreadId());
    Loop loop;
    olstate_session* s = open_with(outlook, "om-changes", 200);
    EXPECT(s != nullptr);
    if (!s) return;
    uint32_t caps = 0;
    EXPECT(olstate_capabilities(s, &caps) == OLSTATE_OK);
    EXPECT(caps & OLSTATE_CAPABILITY_CONNECTION_MODE);
    olstate_session_info info{};
    info.struct_size = sizeof info;
    EXPECT(olstate_get_session_info(s, &info) == OLSTATE_OK);
    EXPECT(info.threading == OLSTATE_THREADING_OWNER_WINDOW);

    // Read at open: the calls answer at once.
    uint32_t mode = 0, offline = 9;
    EXPECT(olstate_get_connection_mode(s, &mode) == OLSTATE_OK);
    EXPECT(mode == OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
    EXPECT(olstate_get_offline(s, &offline) == OLSTATE_OK);
    EXPECT(offline == 0);
    olstate_account a[OLSTATE_MAX_ACCOUNTS];
    a[0].struct_size = sizeof a[0];
    uint32_t n = 0;
    EXPECT(olstate_get_accounts(s, a, OLSTATE_MAX_ACCOUNTS, &n) == OLSTATE_OK);
    EXPECT(n == 2);
    if (n == 2) {
        EXPECT(std::strcmp(a[0].display_name, "Mailbox") == 0);
        EXPECT(std::strcmp(a[0].smtp_address, "me@example.com") == 0);  // the add-in's Application is trusted
        EXPECT(a[0].connection_mode == OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
        EXPECT(a[1].account_type == OLSTATE_ACCOUNT_IMAP);
    }

    // Another thread answers from the last read: not one call into the fake.
    const std::size_t before = outlook.log.count();
    std::thread other([&] {
        uint32_t m = 0;
        EXPECT(olstate_get_connection_mode(s, &m) == OLSTATE_OK);
        EXPECT(m == OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
        uint32_t count = 0;
        EXPECT(olstate_get_accounts(s, nullptr, 0, &count) == OLSTATE_OK);
        EXPECT(count == 2);
    });
    other.join();
    EXPECT(outlook.log.count() == before);

    Recorder recorder;
    subscribe(s, recorder);
    std::vector<Seen> want;
    const auto step = [&](const char* what, const std::function<void()>& change, std::vector<Seen> adds) {
        change();
        want.insert(want.end(), adds.begin(), adds.end());
        const bool arrived =
            loop.run_until([&] { return recorder.connection_events().size() >= want.size(); }, 5000);
        if (!arrived) std::printf("FAIL: %s: no event within 5 s\n", what);
        EXPECT(arrived);
    };
    // olCachedConnectedFull -> olCachedDisconnected -> olCachedOffline ->
    // olCachedConnectedFull, accounts following, one removed, one added.
    step("network gone", [&] { outlook.set_mode(400); outlook.account_list[0]->set_number(L"ExchangeConnectionMode", 400); },
         {{kMode, 700, 400}, {kAccount, 700, 400}});
    step("Work Offline", [&] { outlook.set_mode(200); outlook.account_list[0]->set_number(L"ExchangeConnectionMode", 200); },
         {{kMode, 400, 200}, {kAccount, 400, 200}});
    step("an account removed", [&] { outlook.remove(1); }, {{kAccount, 0, kGone}});
    step("an account added", [&] { outlook.add(L"Second", L"two@example.com", 0, 800); }, {{kAccount, kGone, 800}});
    step("connected again", [&] { outlook.set_mode(700); outlook.account_list[0]->set_number(L"ExchangeConnectionMode", 700); },
         {{kMode, 200, 700}, {kAccount, 200, 700}});
    loop.run_for(1000);  // five more reads: nothing changed, nothing more arrives
    const auto got = recorder.connection_events();
    print("events", got);
    EXPECT(same(got, want));
    EXPECT(olstate_get_connection_mode(s, &mode) == OLSTATE_OK);
    EXPECT(mode == OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);

    // A property that fails: reported by name, nothing delivered; the
    // change made meanwhile arrives once when reads succeed again.
    outlook.names->set_failure(L"Offline", RPC_E_CALL_REJECTED);
    outlook.set_mode(400);
    const bool failed_read = loop.run_until(
        [&] { return olstate_get_connection_mode(s, &mode) == OLSTATE_E_PROVIDER_FAILED; }, 5000);
    EXPECT(failed_read);
    const std::string message = olstate_last_error_message();
    std::printf("  a failing read: %s\n", message.c_str());
    EXPECT(message.find("Session.Offline failed: RPC_E_CALL_REJECTED") != std::string::npos);
    EXPECT(olstate_last_error_hresult() == static_cast<int32_t>(RPC_E_CALL_REJECTED));
    loop.run_for(500);
    EXPECT(recorder.connection_events().size() == want.size());
    outlook.names->set_failure(L"Offline", S_OK);
    want.push_back({kMode, 700, 400});
    EXPECT(loop.run_until([&] { return recorder.connection_events().size() >= want.size(); }, 5000));
    loop.run_for(500);
    EXPECT(same(recorder.connection_events(), want));

    EXPECT(olstate_close(s) == OLSTATE_OK);
    loop.run_for(300);  // the releases were handed to this thread's loop
    const std::size_t after_close = outlook.log.count();
    loop.run_for(600);  // the timer is gone: no read after close
    EXPECT(outlook.log.count() == after_close);
    EXPECT(outlook.application->refs() == 1);  // olstate's reference released

    std::printf("  calls into the fake object model: %zu, on another thread than the owner: %d\n",
                outlook.log.count(), outlook.log.violations());
    EXPECT(outlook.log.violations() == 0);
    print_read_costs(outlook.log);
    auto held = loop.held_ms;
    std::sort(held.begin(), held.end());
    if (!held.empty())
        std::printf("figures: the main thread held per dispatched message (%zu messages, 200 ms reads): "
                    "median %.3f ms, max %.3f ms\n",
                    held.size(), held[held.size() / 2], held.back());
    EXPECT(loop.longest_ms < 2000);  // a generous bound: the figure above is the measurement
    std::printf("scenario changes: done\n");
}

// A read follows each Offline State notification on the owner thread: with
// a 10-minute timer the change can only arrive that way.
void scenario_after_notification() {
    FakeOutlook outlook;
    outlook.log.set_owner(GetCurrentThreadId());
    Loop loop;
    olstate_session* s = open_with(outlook, "om-notify", 600000);
    EXPECT(s != nullptr);
    if (!s) return;
    Recorder recorder;
    subscribe(s, recorder);
    outlook.set_mode(400);
    // Outlook going offline notifies; the simulator notifies on the owner
    // thread (strict), in this loop.
    EXPECT(olstate_sim_set_state("om-notify", OLSTATE_OFFLINE, 0) == 0);
    const bool arrived = loop.run_until([&] { return !recorder.connection_events().empty(); }, 5000);
    EXPECT(arrived);
    loop.run_for(300);
    std::vector<Seen> all;
    {
        std::lock_guard lock(recorder.mutex);
        all = recorder.events;
    }
    // The state change first, then the connection change it brought.
    bool state_first = false;
    for (const Seen& e : all) {
        if (e.kind == OLSTATE_EVENT_CHANGE_START || e.kind == OLSTATE_EVENT_CHANGE) state_first = true;
        if (e.kind == kMode) break;
    }
    EXPECT(state_first);
    EXPECT(same(recorder.connection_events(), {{kMode, 700, 400}}));
    EXPECT(olstate_close(s) == OLSTATE_OK);
    loop.run_for(200);
    EXPECT(outlook.log.violations() == 0);
    std::printf("scenario after-notification: done\n");
}

// A thread without a message queue cannot host the reads: refused before
// the fake is called at all. Wine gives threads a message queue early
// (IsGUIThread(FALSE) is TRUE on a new thread there), so where the thread
// already has one this case cannot be made and is reported as not run.
void scenario_no_message_queue() {
    FakeOutlook outlook;
    bool ran = false;
    std::thread t([&] {
        if (IsGUIThread(FALSE)) return;
        ran = true;
        olstate_result r = OLSTATE_OK;
        olstate_session* s = open_with(outlook, "om-noqueue", 0, &r);
        EXPECT(s == nullptr);
        EXPECT(r == OLSTATE_E_INVALID_ARGUMENT);
        EXPECT(std::string(olstate_last_error_message()).find("message queue") != std::string::npos);
    });
    t.join();
    if (!ran) {
        std::printf("scenario no-message-queue: not run (this Windows gives a new thread a message queue)\n");
        return;
    }
    EXPECT(outlook.log.count() == 0);
    EXPECT(outlook.application->refs() == 1);
    std::printf("scenario no-message-queue: done\n");
}

}  // namespace

int main() {
    IsGUIThread(TRUE);  // this thread gets its message queue, as Outlook's main thread has one
    olstate_sim_set_strict(OLSTATE_SIM_STRICT_ON);
    scenario_changes();
    scenario_after_notification();
    scenario_no_message_queue();
    const uint32_t violations = olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL);
    std::printf("strict-mode violations: %u\n", violations);
    EXPECT(violations == 0);
    std::printf("%s (%d failures)\n", failures ? "FAILED" : "PASSED", failures);
    return failures ? 1 : 0;
}
