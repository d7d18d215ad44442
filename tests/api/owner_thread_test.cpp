// One owner thread per session (the header's "Threading"): with the strict
// simulator every call into the offline object runs on the thread that
// opened the session; calls from other threads are carried there, wait a
// bounded time, and end at once when the session closes.
#include <cstddef>
#include <string>

#include "../common/owner_loop.h"
#include "support.h"

using namespace test;

namespace {

// Strict mode for the test, whatever the environment says; reset after.
struct StrictSim : SimReset {
    StrictSim() { olstate_sim_set_strict(OLSTATE_SIM_STRICT_ON); }
};

std::string last_violation() {
    char buffer[512];
    olstate_sim_last_violation(buffer, sizeof buffer);
    return buffer;
}

olstate_session* open_on(OwnerLoop& owner, const std::string& profile, uint32_t delivery = OLSTATE_DELIVERY_QUEUED) {
    // The check is made here, not on the owner thread: doctest's per-thread
    // state would then live on that thread, whose exit (mingw's thread-local
    // destructors) read it after it was freed under Wine.
    std::string message;
    olstate_session* s = nullptr;
    const olstate_result r = owner.run([&] {
        const auto o = options(profile, delivery);
        const olstate_result opened = olstate_open_ex(&o, &s);
        if (opened != OLSTATE_OK) message = olstate_last_error_message();
        return opened;
    });
    REQUIRE_MESSAGE(r == OLSTATE_OK, message);
    return s;
}

uint32_t threading_of(olstate_session* s) { return session_info(s).threading; }

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("owner thread: calls from other threads are carried to the owner, with right results and no violation") {
    StrictSim strict;
    OwnerLoop owner;
    const std::string profile = fresh_profile("owner");
    olstate_session* s = open_on(owner, profile);
    CHECK(threading_of(s) == owner.expected_threading());

    Recorder events;
    olstate_subscription token = 0;
    REQUIRE(olstate_subscribe(s, Recorder::callback, &events, nullptr, &token) == OLSTATE_OK);

    // Several threads at once, none of them the owner.
    std::vector<std::thread> callers;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t) {
        callers.emplace_back([&] {
            for (int i = 0; i < 20; ++i) {
                uint32_t state = 0;
                if (olstate_get_state(s, &state) != OLSTATE_OK ||
                    (state != OLSTATE_ONLINE && state != OLSTATE_OFFLINE)) {
                    MESSAGE(std::string(olstate_last_error_message()));
                    ++failures;
                }
            }
        });
    }
    for (auto& c : callers) c.join();
    CHECK(failures == 0);

    // A blocking change from this thread: done on the owner, DONE delivered.
    REQUIRE_MESSAGE(olstate_set_state(s, OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK,
                    olstate_last_error_message());
    uint32_t state = 0;
    REQUIRE(olstate_get_state(s, &state) == OLSTATE_OK);
    CHECK(state == OLSTATE_OFFLINE);
    CHECK(olstate_wait_state(s, OLSTATE_OFFLINE, 10000) == OLSTATE_OK);
    REQUIRE(events.wait_for(3));
    REQUIRE(olstate_set_state(s, OLSTATE_ONLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    CHECK(olstate_wait_state(s, OLSTATE_ONLINE, 10000) == OLSTATE_OK);

    // Closed from another thread: Unadvise and the Releases reach the owner.
    CHECK(olstate_close(s) == OLSTATE_OK);
    check_simulator_clean();
    CHECK_MESSAGE(olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL) == 0, last_violation());
}

TEST_CASE("owner thread: INLINE callbacks on the owner call directly; closing on the owner needs no loop") {
    StrictSim strict;
    OwnerLoop owner;
    const std::string profile = fresh_profile("inline");
    olstate_session* s = open_on(owner, profile, OLSTATE_DELIVERY_INLINE);
    std::atomic<int> read_in_callback{0};
    Recorder events;
    events.on_event = [&](const olstate_event&) {
        uint32_t state = 0;
        if (olstate_get_state(s, &state) == OLSTATE_OK) ++read_in_callback;
    };
    olstate_subscription token = 0;
    REQUIRE(olstate_subscribe(s, Recorder::callback, &events, nullptr, &token) == OLSTATE_OK);
    REQUIRE(olstate_sim_set_state(profile.c_str(), OLSTATE_OFFLINE, 1) == 0);
    REQUIRE(events.wait_for(3));
    CHECK(read_in_callback == 3);
    CHECK(events.seen().front().thread == owner.id());
    CHECK(owner.run([&] { return olstate_close(s); }) == OLSTATE_OK);
    check_simulator_clean();
    CHECK_MESSAGE(olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL) == 0, last_violation());
}

TEST_CASE("owner thread: a blocked owner makes a carried call fail with TIMEOUT, bounded, and it never runs later") {
    StrictSim strict;
    OwnerLoop owner;
    const std::string profile = fresh_profile("blocked");
    olstate_session* s = open_on(owner, profile);
    Gate entered, unblock;
    auto blocked = owner.post([&] {
        entered.open();
        unblock.wait(std::chrono::seconds(60));
    });
    REQUIRE(entered.wait());  // the owner is blocked from now on

    const auto start = std::chrono::steady_clock::now();
    CHECK(olstate_set_state(s, OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_E_TIMEOUT);
    const double waited = seconds_since(start);
    const std::string message = olstate_last_error_message();
    CHECK(waited >= OLSTATE_OWNER_WAIT_MS / 1000.0 - 0.1);
    CHECK(waited < 60);  // bounded: the owner stays blocked far longer
    CHECK_MESSAGE(message.find("owner thread") != std::string::npos, message);
    CHECK_MESSAGE(message.find("OLSTATE_OWNER_WAIT_MS") != std::string::npos, message);

    unblock.open();
    blocked.get();
    owner.run([] {});  // the owner has pumped its queue since
    uint32_t state = 0;
    REQUIRE(olstate_sim_get_state(profile.c_str(), &state) == 0);
    CHECK(state == OLSTATE_ONLINE);  // the abandoned change never ran

    CHECK(olstate_close(s) == OLSTATE_OK);
    check_simulator_clean();
    CHECK_MESSAGE(olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL) == 0, last_violation());
}

TEST_CASE("owner thread: closing the session ends a call waiting for the owner at once") {
    StrictSim strict;
    OwnerLoop owner;
    olstate_session* s = open_on(owner, fresh_profile("close-wait"));
    Gate entered, unblock;
    auto blocked = owner.post([&] {
        entered.open();
        unblock.wait(std::chrono::seconds(60));
    });
    REQUIRE(entered.wait());  // the owner is blocked from now on

    std::atomic<olstate_result> result{OLSTATE_OK};
    std::atomic<double> waited{0};
    std::string message;
    std::thread caller([&] {
        const auto start = std::chrono::steady_clock::now();
        uint32_t state = 0;
        result = olstate_get_state(s, &state);
        waited = seconds_since(start);
        message = olstate_last_error_message();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let it wait
    const auto start = std::chrono::steady_clock::now();
    CHECK(olstate_close(s) == OLSTATE_OK);  // the owner is still blocked: close does not wait for it
    const double closing = seconds_since(start);
    caller.join();
    CHECK_MESSAGE(result.load() == OLSTATE_E_INVALID_HANDLE, olstate_result_name(result.load()), " after ", waited.load(), " s");
    CHECK_MESSAGE(message.find("closed") != std::string::npos, message);
    CHECK(waited < OLSTATE_OWNER_WAIT_MS / 1000.0 - 0.5);  // ended by the close, not by the timeout
    CHECK(closing < OLSTATE_OWNER_WAIT_MS / 1000.0 - 0.5);

    // Unadvise and the Releases were handed to the owner: they run once it pumps.
    CHECK(olstate_sim_outstanding_refs() > 0);
    unblock.open();
    blocked.get();
    check_simulator_clean();
    CHECK_MESSAGE(olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL) == 0, last_violation());
}

TEST_CASE("owner thread: a close from a QUEUED callback has the owner run Unadvise") {
    StrictSim strict;
    OwnerLoop owner;
    const std::string profile = fresh_profile("close-in-callback");
    olstate_session* s = open_on(owner, profile);
    Recorder events;
    std::atomic<olstate_result> closed{OLSTATE_E_INVALID_HANDLE};
    std::atomic<bool> on_owner{true};
    events.on_event = [&](const olstate_event& e) {
        if (e.kind != OLSTATE_EVENT_CHANGE_START) return;
        on_owner = std::this_thread::get_id() == owner.id();
        closed = olstate_close(s);
    };
    olstate_subscription token = 0;
    REQUIRE(olstate_subscribe(s, Recorder::callback, &events, nullptr, &token) == OLSTATE_OK);
    REQUIRE(olstate_sim_set_state(profile.c_str(), OLSTATE_OFFLINE, 1) == 0);
    REQUIRE(events.wait_for(1));
    // The recorder counts the event before its hook runs: wait for the
    // hook's close (it decides on_owner first) before reading on_owner.
    CHECK(eventually([&] { return closed == OLSTATE_OK; }));
    CHECK(!on_owner);  // QUEUED: the dispatcher thread
    check_simulator_clean();
    CHECK_MESSAGE(olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL) == 0, last_violation());
}

TEST_CASE("owner thread: the forgiving simulator keeps direct calls; a 1.0-sized session info is still served") {
    SimReset reset;
    olstate_sim_set_strict(OLSTATE_SIM_STRICT_OFF);
    Session s(fresh_profile("direct"));
    CHECK(threading_of(s.get()) == OLSTATE_THREADING_DIRECT);

    olstate_session_info old{};
    old.struct_size = offsetof(olstate_session_info, threading);
    old.threading = 0xABCDu;  // beyond the caller's size: never written
    REQUIRE(olstate_get_session_info(s.get(), &old) == OLSTATE_OK);
    CHECK(old.threading == 0xABCDu);
    CHECK(old.provider == OLSTATE_PROVIDER_SIMULATOR);
    for (const size_t wrong : {offsetof(olstate_session_info, threading) - 1,
                               offsetof(olstate_session_info, threading) + 1, sizeof(olstate_session_info) - 1}) {
        old.struct_size = static_cast<uint32_t>(wrong);
        CHECK(olstate_get_session_info(s.get(), &old) == OLSTATE_E_INVALID_ARGUMENT);
    }
}
