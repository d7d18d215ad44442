// olstate_wait_state (ABI 1.2): reached at once or at the CHANGE_DONE, a
// change in flight is not "reached", timeouts, closing while waiting, many
// waiters, and where it may and may not be called.
#include "support.h"

using namespace test;

namespace {

constexpr uint32_t kModes[] = {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE};

std::string last_error() { return olstate_last_error_message(); }

}  // namespace

TEST_CASE("wait_state: arguments and the state it already has") {
    SimReset reset;
    Session s(fresh_profile("wait-args"));
    CHECK(olstate_wait_state(nullptr, OLSTATE_ONLINE, 0) == OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_wait_state(s.get(), 0, 0) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(olstate_wait_state(s.get(), 3, 0) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(last_error().find("OLSTATE_ONLINE or OLSTATE_OFFLINE") != std::string::npos);
    // Already there: OK at once, even with no time at all.
    CHECK(olstate_wait_state(s.get(), OLSTATE_ONLINE, 0) == OLSTATE_OK);
    CHECK(last_error().empty());
    CHECK(olstate_wait_state(s.get(), OLSTATE_ONLINE, OLSTATE_WAIT_INFINITE) == OLSTATE_OK);
}

TEST_CASE("wait_state: TIMEOUT when the state does not come, with a message") {
    SimReset reset;
    Session s(fresh_profile("wait-timeout"));
    CHECK(olstate_wait_state(s.get(), OLSTATE_OFFLINE, 0) == OLSTATE_E_TIMEOUT);
    const auto before = std::chrono::steady_clock::now();
    CHECK(olstate_wait_state(s.get(), OLSTATE_OFFLINE, 120) == OLSTATE_E_TIMEOUT);
    CHECK(std::chrono::steady_clock::now() - before >= 100ms);
    CHECK(std::string(olstate_result_name(OLSTATE_E_TIMEOUT)) == "OLSTATE_E_TIMEOUT");
    CHECK(last_error().find("OLSTATE_OFFLINE within 120 ms") != std::string::npos);
    CHECK(olstate_last_error_hresult() == 0);
}

TEST_CASE("two asynchronous changes in a row with wait_state between them never get BUSY") {
    // Without a wait the second change is refused with BUSY whenever the
    // first is still in flight; a wait that only looked at the state would
    // return between the first change's CHANGE and its DONE, too early.
    for (const uint32_t mode : kModes) {
        CAPTURE(mode);
        SimReset reset;
        Session s(fresh_profile("wait-b2b"), mode);
        for (int i = 0; i < 200; ++i) {
            CAPTURE(i);
            REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
            REQUIRE(olstate_wait_state(s.get(), OLSTATE_OFFLINE, 10000) == OLSTATE_OK);
            REQUIRE_MESSAGE(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK,
                            last_error());
            REQUIRE(olstate_wait_state(s.get(), OLSTATE_ONLINE, 10000) == OLSTATE_OK);
        }
        uint32_t state = 0;
        REQUIRE(olstate_sim_get_state(s.profile().c_str(), &state) == 0);
        CHECK(state == OLSTATE_ONLINE);
    }
}

TEST_CASE("wait_state returns at the CHANGE_DONE of a change someone else made") {
    for (const uint32_t mode : kModes) {
        CAPTURE(mode);
        SimReset reset;
        Session s(fresh_profile("wait-user"), mode);
        std::thread user([&] {
            std::this_thread::sleep_for(50ms);
            olstate_sim_set_state(s.profile().c_str(), OLSTATE_OFFLINE, 0);
        });
        CHECK(olstate_wait_state(s.get(), OLSTATE_OFFLINE, 10000) == OLSTATE_OK);
        uint32_t state = 0;
        CHECK(olstate_get_state(s.get(), &state) == OLSTATE_OK);
        CHECK(state == OLSTATE_OFFLINE);
        // The change is over: the next one is accepted.
        CHECK(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
        user.join();
    }
}

TEST_CASE("many threads wait on one session; all return at the change") {
    SimReset reset;
    Session s(fresh_profile("wait-many"));
    std::atomic<int> ok{0}, other{0};
    std::vector<std::thread> waiters;
    for (int i = 0; i < 8; ++i)
        waiters.emplace_back([&] {
            (olstate_wait_state(s.get(), OLSTATE_OFFLINE, 10000) == OLSTATE_OK ? ok : other)++;
        });
    std::this_thread::sleep_for(30ms);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
    for (auto& t : waiters) t.join();
    CHECK(ok == 8);
    CHECK(other == 0);
}

TEST_CASE("olstate_close on another thread ends a wait with INVALID_HANDLE") {
    for (const uint32_t mode : kModes) {
        CAPTURE(mode);
        SimReset reset;
        Session s(fresh_profile("wait-close"), mode);
        std::atomic<olstate_result> result{1};
        std::string message;
        olstate_session* const handle = s.get();
        std::thread waiter([&] {
            result = olstate_wait_state(handle, OLSTATE_OFFLINE, OLSTATE_WAIT_INFINITE);
            message = last_error();
        });
        std::this_thread::sleep_for(50ms);
        const auto before = std::chrono::steady_clock::now();
        CHECK(olstate_close(s.release()) == OLSTATE_OK);
        waiter.join();
        CHECK(std::chrono::steady_clock::now() - before < 5s);
        CHECK(result == OLSTATE_E_INVALID_HANDLE);
        CHECK(message.find("closed while waiting") != std::string::npos);
    }
    check_simulator_clean();
}

TEST_CASE("wait_state inside an INLINE callback is WOULD_DEADLOCK; inside a QUEUED one it works") {
    SimReset reset;
    {
        Recorder rec;  // outlives the sessions, whose close ends its callbacks
        Session s(fresh_profile("wait-inline-cb"), OLSTATE_DELIVERY_INLINE);
        Session other(fresh_profile("wait-inline-other"));
        std::atomic<olstate_result> own{1}, foreign{1};
        rec.on_event = [&](const olstate_event& e) {
            if (e.kind != OLSTATE_EVENT_CHANGE_START) return;
            own = olstate_wait_state(s.get(), OLSTATE_OFFLINE, 1000);
            foreign = olstate_wait_state(other.get(), OLSTATE_ONLINE, 1000);
        };
        subscribe(s.get(), rec);
        REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
        REQUIRE(rec.wait_for(3));
        CHECK(own == OLSTATE_E_WOULD_DEADLOCK);
        CHECK(foreign == OLSTATE_E_WOULD_DEADLOCK);
    }
    {
        // QUEUED: the dispatcher thread may wait for the very change whose
        // START it is handling (waits follow notifications, not the queue),
        // and for another session's state.
        Recorder rec;  // outlives the sessions, whose close ends its callbacks
        Session s(fresh_profile("wait-queued-cb"));
        Session other(fresh_profile("wait-queued-other"));
        std::atomic<olstate_result> own{1}, foreign{1};
        rec.on_event = [&](const olstate_event& e) {
            if (e.kind != OLSTATE_EVENT_CHANGE_START) return;
            own = olstate_wait_state(s.get(), OLSTATE_OFFLINE, 10000);
            foreign = olstate_wait_state(other.get(), OLSTATE_ONLINE, 10000);
        };
        subscribe(s.get(), rec);
        REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
        REQUIRE(rec.wait_for(3));
        CHECK(own == OLSTATE_OK);
        CHECK(foreign == OLSTATE_OK);
    }
}

TEST_CASE("wait_state: a failing provider read is reported as such") {
    SimReset reset;
    Session s(fresh_profile("wait-fail"));
    olstate_sim_fail_next(OLSTATE_SIM_CALL_GET_STATE, static_cast<int32_t>(0x80004005), 1);
    CHECK(olstate_wait_state(s.get(), OLSTATE_ONLINE, 100) == OLSTATE_E_PROVIDER_FAILED);
    CHECK(olstate_last_error_hresult() == static_cast<int32_t>(0x80004005));
    CHECK(olstate_wait_state(s.get(), OLSTATE_ONLINE, 100) == OLSTATE_OK);
}
