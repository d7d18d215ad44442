// Every failure the simulator can play maps to the contract's result code,
// with a message naming the HRESULT, and leaves no reference behind.
#include "support.h"

using namespace test;

namespace {

// A fault the simulator plays once: the failing call, its HRESULT, the
// result olstate must return and the hex the message must name.
struct Case {
    uint32_t call;
    int32_t hr;
    olstate_result expected;
    const char* hex;
};

olstate_result open_result(const std::string& profile, olstate_session** out) {
    const auto o = options(profile);
    return olstate_open_ex(&o, out);
}

void check_message(int32_t hr, const char* hex) {
    CHECK(olstate_last_error_hresult() == hr);
    const std::string m = olstate_last_error_message();
    CHECK_MESSAGE(m.find(hex) != std::string::npos, m);
}

}  // namespace

TEST_CASE("open failures") {
    SimReset reset;
    olstate_session* s = nullptr;
    const std::string p = fresh_profile();

    const Case cases[] = {
        {OLSTATE_SIM_CALL_OPEN, kEFail, OLSTATE_E_PROVIDER_FAILED, "0x80004005"},
        {OLSTATE_SIM_CALL_OPEN, kNotFound, OLSTATE_E_PROFILE_NOT_FOUND, "0x8004010F"},
        {OLSTATE_SIM_CALL_OPEN, kEOutOfMemory, OLSTATE_E_OUT_OF_MEMORY, "0x8007000E"},
        {OLSTATE_SIM_CALL_QUERY_INTERFACE, kENoInterface, OLSTATE_E_PROVIDER_FAILED, "0x80004002"},
        {OLSTATE_SIM_CALL_GET_CAPABILITIES, kEFail, OLSTATE_E_PROVIDER_FAILED, "0x80004005"},
        {OLSTATE_SIM_CALL_GET_CAPABILITIES, kENotImpl, OLSTATE_E_NOT_SUPPORTED, "0x80004001"},
        {OLSTATE_SIM_CALL_ADVISE, kEInvalidArg, OLSTATE_E_PROVIDER_FAILED, "0x80070057"},
        {OLSTATE_SIM_CALL_ADVISE, kENoInterface, OLSTATE_E_PROVIDER_FAILED, "0x80004002"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.call);
        CAPTURE(c.hr);
        REQUIRE(olstate_sim_fail_next(c.call, c.hr, 1) == 0);
        CHECK(open_result(p, &s) == c.expected);
        check_message(c.hr, c.hex);
        CHECK(s == nullptr);
        olstate_sim_fail_next(c.call, 0, 0);
        check_simulator_clean();
    }
}

TEST_CASE("an unknown profile, and a provider returning S_OK with no object") {
    SimReset reset;
    olstate_session* s = nullptr;
    const std::string p = fresh_profile();
    olstate_sim_set_profile_known(p.c_str(), 0);
    CHECK(open_result(p, &s) == OLSTATE_E_PROFILE_NOT_FOUND);
    CHECK(std::string(olstate_last_error_message()).find(p) != std::string::npos);
    olstate_sim_set_profile_known(p.c_str(), 1);

    olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_OPEN_NULL);
    CHECK(open_result(p, &s) == OLSTATE_E_PROVIDER_FAILED);
    CHECK(std::string(olstate_last_error_message()).find("no offline object") != std::string::npos);
    olstate_sim_set_misbehaviour(0);
    CHECK(s == nullptr);
    check_simulator_clean();
}

TEST_CASE("state call failures") {
    SimReset reset;
    Session s(fresh_profile());
    uint32_t v = 0;
    olstate_sim_fail_next(OLSTATE_SIM_CALL_GET_STATE, kEFail, 1);
    CHECK(olstate_get_state(s.get(), &v) == OLSTATE_E_PROVIDER_FAILED);
    check_message(kEFail, "0x80004005");
    olstate_sim_fail_next(OLSTATE_SIM_CALL_GET_STATE, kENotImpl, 1);
    CHECK(olstate_get_state(s.get(), &v) == OLSTATE_E_NOT_SUPPORTED);

    olstate_sim_fail_next(OLSTATE_SIM_CALL_SET_STATE, kEPending, 1);
    CHECK(olstate_set_state(s.get(), OLSTATE_OFFLINE, 0) == OLSTATE_E_BUSY);
    check_message(kEPending, "0x8000000A");
    olstate_sim_fail_next(OLSTATE_SIM_CALL_SET_STATE, kEFail, 1);
    CHECK(olstate_set_state(s.get(), OLSTATE_OFFLINE, 0) == OLSTATE_E_PROVIDER_FAILED);
    olstate_sim_fail_next(OLSTATE_SIM_CALL_SET_STATE, kEOutOfMemory, 1);
    CHECK(olstate_set_state(s.get(), OLSTATE_OFFLINE, 0) == OLSTATE_E_OUT_OF_MEMORY);
    olstate_sim_fail_next(OLSTATE_SIM_CALL_SET_STATE, kENotImpl, 1);
    CHECK(olstate_set_state(s.get(), OLSTATE_OFFLINE, 0) == OLSTATE_E_NOT_SUPPORTED);
    // Failures leave the session usable.
    CHECK(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    CHECK(olstate_get_state(s.get(), &v) == OLSTATE_OK);
    CHECK(v == OLSTATE_OFFLINE);
}

TEST_CASE("a failing Unadvise does not stop close from releasing everything of olstate's") {
    SimReset reset;
    ReleaseCounter rc;
    const std::string p = fresh_profile();
    {
        Session s(p);
        olstate_subscription token = 0;
        REQUIRE(olstate_subscribe(s.get(), [](const olstate_event*, void*) {}, &rc,
                                  ReleaseCounter::release, &token) == OLSTATE_OK);
        olstate_sim_fail_next(OLSTATE_SIM_CALL_UNADVISE, kEFail, 1);
    }
    CHECK(rc.releases == 1);
    CHECK(olstate_sim_outstanding_refs() == 0);  // the offline object was released anyway
    // The simulator still holds the sink it failed to unadvise: notifications
    // to it reach a closed session and are ignored.
    CHECK(olstate_sim_advised_sinks() == 1);
    olstate_sim_send_raw(p.c_str(), 2, 3, 2, 1, 0, 3);
    olstate_sim_wait_idle(p.c_str());
    REQUIRE(olstate_sim_unadvise_all(p.c_str()) == 0);
    check_simulator_clean();
}

TEST_CASE("a provider that notifies during Advise, and a slow Unadvise under traffic") {
    SimReset reset;
    olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_NOTIFY_IN_ADVISE |
                                 OLSTATE_SIM_MISBEHAVE_SLOW_UNADVISE);
    for (uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        const std::string p = fresh_profile();
        olstate_sim_set_delivery(p.c_str(), OLSTATE_SIM_DELIVERY_POOL, 2);
        Recorder r;
        Session s(p, delivery);
        subscribe(s.get(), r);
        std::atomic<bool> stop{false};
        std::thread traffic([&] {
            while (!stop) olstate_sim_send_raw(p.c_str(), 2, 3, 2, 1, 0, 10);
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        olstate_close(s.release());  // Unadvise takes 50 ms while notifications arrive
        stop = true;
        traffic.join();
        olstate_sim_wait_idle(p.c_str());
    }
    olstate_sim_set_misbehaviour(0);
    check_simulator_clean();
}

TEST_CASE("state call failures name their HRESULT in hex") {
    SimReset reset;
    Session s(fresh_profile());
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
