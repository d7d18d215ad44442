// olstate_subscribe_ex (ABI 1.2): the options struct and
// OLSTATE_SUBSCRIBE_CURRENT_STATE, whose OLSTATE_EVENT_CURRENT comes first
// and carries a state no later change contradicts.
#include "support.h"

#include <cstring>

using namespace test;

namespace {

constexpr uint32_t kModes[] = {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE};

olstate_subscription subscribe_current(olstate_session* s, Recorder& r,
                                       olstate_release release = nullptr, void* context = nullptr) {
    olstate_subscribe_options o = OLSTATE_SUBSCRIBE_OPTIONS_INIT;
    o.flags = OLSTATE_SUBSCRIBE_CURRENT_STATE;
    o.callback = Recorder::callback;
    o.context = context ? context : &r;
    o.release = release;
    olstate_subscription token = 0;
    const olstate_result result = olstate_subscribe_ex(s, &o, &token);
    REQUIRE_MESSAGE(result == OLSTATE_OK, olstate_last_error_message());
    return token;
}

}  // namespace

TEST_CASE("subscribe options: the INIT macro and the init function agree") {
    olstate_subscribe_options a = OLSTATE_SUBSCRIBE_OPTIONS_INIT;
    olstate_subscribe_options b;
    std::memset(&b, 0x5A, sizeof b);
    olstate_subscribe_options_init(&b);
    CHECK(a.struct_size == sizeof(olstate_subscribe_options));
    CHECK(b.struct_size == a.struct_size);
    CHECK(b.flags == 0);
    CHECK(!b.callback);
    CHECK(b.context == nullptr);
    CHECK(!b.release);
    olstate_subscribe_options_init(nullptr);  // ignored
    CHECK(olstate_struct_size(OLSTATE_STRUCT_SUBSCRIBE_OPTIONS) == sizeof(olstate_subscribe_options));
}

TEST_CASE("subscribe_ex: bad arguments fail clearly and release the context exactly once") {
    SimReset reset;
    Session s(fresh_profile("subex-args"));
    olstate_subscription token = 0;
    CHECK(olstate_subscribe_ex(s.get(), nullptr, &token) == OLSTATE_E_INVALID_ARGUMENT);
    ReleaseCounter counter;
    olstate_subscribe_options o = OLSTATE_SUBSCRIBE_OPTIONS_INIT;
    o.callback = Recorder::callback;
    o.context = &counter;
    o.release = ReleaseCounter::release;

    o.flags = 0x80;
    CHECK(olstate_subscribe_ex(s.get(), &o, &token) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(std::string(olstate_last_error_message()).find("unknown flags") != std::string::npos);
    CHECK(counter.releases == 1);
    o.flags = 0;

    CHECK(olstate_subscribe_ex(s.get(), &o, nullptr) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(counter.releases == 2);
    CHECK(olstate_subscribe_ex(nullptr, &o, &token) == OLSTATE_E_INVALID_HANDLE);
    CHECK(counter.releases == 3);
    o.callback = nullptr;
    CHECK(olstate_subscribe_ex(s.get(), &o, &token) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(counter.releases == 4);
    o.callback = Recorder::callback;

    // struct_size: too small is refused (its release cannot be trusted to
    // be there, so none runs); a larger one with a zero tail is accepted.
    o.struct_size = 8;
    CHECK(olstate_subscribe_ex(s.get(), &o, &token) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(counter.releases == 4);
    struct Bigger {
        olstate_subscribe_options o;
        uint64_t future;
    } big{};
    olstate_subscribe_options_init(&big.o);
    big.o.struct_size = sizeof big;
    Recorder rec;
    big.o.callback = Recorder::callback;
    big.o.context = &rec;
    REQUIRE(olstate_subscribe_ex(s.get(), &big.o, &token) == OLSTATE_OK);
    CHECK(olstate_unsubscribe(s.get(), token) == OLSTATE_OK);
    big.future = 1;
    CHECK(olstate_subscribe_ex(s.get(), &big.o, &token) == OLSTATE_E_INVALID_ARGUMENT);
}

TEST_CASE("subscribe_ex without flags behaves like olstate_subscribe") {
    SimReset reset;
    Recorder rec;  // outlives the session, whose close ends its callbacks
    Session s(fresh_profile("subex-plain"));
    olstate_subscribe_options o = OLSTATE_SUBSCRIBE_OPTIONS_INIT;
    o.callback = Recorder::callback;
    o.context = &rec;
    olstate_subscription token = 0;
    REQUIRE(olstate_subscribe_ex(s.get(), &o, &token) == OLSTATE_OK);
    std::this_thread::sleep_for(50ms);
    CHECK(rec.count() == 0);  // no CURRENT without the flag
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    REQUIRE(rec.wait_for(3));
    CHECK(rec.seen()[0].event.kind == OLSTATE_EVENT_CHANGE_START);
}

TEST_CASE("CURRENT_STATE: the first event is CURRENT with the state, then the changes, numbered after it") {
    for (const uint32_t mode : kModes) {
        CAPTURE(mode);
        SimReset reset;
        Recorder rec;  // outlives the session, whose close ends its callbacks
        Session s(fresh_profile("subex-current"), mode);
        REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
        olstate_sim_wait_idle(s.profile().c_str());
        const auto caller = std::this_thread::get_id();
        const olstate_subscription token = subscribe_current(s.get(), rec);
        if (mode == OLSTATE_DELIVERY_INLINE) {
            // Delivered on this thread before subscribe_ex returned.
            REQUIRE(rec.count() == 1);
            CHECK(rec.seen()[0].thread == caller);
        }
        REQUIRE(rec.wait_for(1));
        REQUIRE(olstate_set_state(s.get(), OLSTATE_ONLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
        REQUIRE(rec.wait_for(4));
        const auto seen = rec.seen();
        CHECK(seen[0].event.kind == OLSTATE_EVENT_CURRENT);
        CHECK(seen[0].event.old_state == OLSTATE_OFFLINE);
        CHECK(seen[0].event.new_state == OLSTATE_OFFLINE);
        CHECK(seen[0].event.subscription == token);
        CHECK(seen[0].event.sequence == 3);  // the offline change's DONE came before it
        CHECK(seen[0].event.flags == 0);
        CHECK(seen[0].event.notify_time_us > 0);
        if (mode == OLSTATE_DELIVERY_QUEUED) CHECK(seen[0].thread != caller);
        CHECK(seen[1].event.kind == OLSTATE_EVENT_CHANGE_START);
        CHECK(seen[1].event.sequence == 4);
        CHECK(seen[3].event.kind == OLSTATE_EVENT_CHANGE_DONE);
        CHECK(seen[3].event.new_state == OLSTATE_ONLINE);
        CHECK(olstate_unsubscribe(s.get(), token) == OLSTATE_OK);
    }
}

TEST_CASE("CURRENT_STATE races changes: CURRENT first, nothing missing, nothing contradicting it") {
    // A user keeps changing the state while subscriptions come and go; every
    // subscription must see CURRENT first, then a gap-free run of events in
    // which each change starts from the state it knows.
    for (const uint32_t mode : kModes) {
        CAPTURE(mode);
        SimReset reset;
        Session s(fresh_profile("subex-race"), mode);
        std::atomic<bool> stop{false};
        std::thread user([&] {
            uint32_t next = OLSTATE_OFFLINE;
            while (!stop) {
                if (olstate_sim_set_state(s.profile().c_str(), next, 1) == 0)
                    next = next == OLSTATE_OFFLINE ? OLSTATE_ONLINE : OLSTATE_OFFLINE;
            }
        });
        for (int round = 0; round < 150; ++round) {
            CAPTURE(round);
            Recorder rec;
            const olstate_subscription token = subscribe_current(s.get(), rec);
            std::this_thread::sleep_for(std::chrono::microseconds(200 * (round % 7)));
            REQUIRE(olstate_unsubscribe(s.get(), token) == OLSTATE_OK);
            const auto seen = rec.seen();
            if (seen.empty()) continue;  // unsubscribed before its CURRENT was delivered (QUEUED)
            REQUIRE(seen[0].event.kind == OLSTATE_EVENT_CURRENT);
            uint32_t known = seen[0].event.new_state;
            uint64_t sequence = seen[0].event.sequence;
            for (std::size_t i = 1; i < seen.size(); ++i) {
                const auto& e = seen[i].event;
                CAPTURE(i);
                CHECK(e.kind != OLSTATE_EVENT_CURRENT);
                CHECK(e.sequence > seen[0].event.sequence);
                if (e.flags & OLSTATE_EVENT_FLAG_DROPPED) {
                    // The queue overflowed (a gap, as documented): what it
                    // knew is moot until the next DONE.
                    known = 0;
                    sequence = e.sequence;
                } else if (mode == OLSTATE_DELIVERY_QUEUED) {
                    CHECK(e.sequence == ++sequence);
                }
                if (e.kind == OLSTATE_EVENT_CHANGE_START && known != 0) CHECK(e.old_state == known);
                if (e.kind == OLSTATE_EVENT_CHANGE_DONE) known = e.new_state;
            }
        }
        stop = true;
        user.join();
    }
}

TEST_CASE("CURRENT_STATE: a failing state read fails the subscription; its context is released once") {
    SimReset reset;
    Session s(fresh_profile("subex-fail"));
    ReleaseCounter counter;
    Recorder rec;
    olstate_subscribe_options o = OLSTATE_SUBSCRIBE_OPTIONS_INIT;
    o.flags = OLSTATE_SUBSCRIBE_CURRENT_STATE;
    o.callback = Recorder::callback;
    o.context = &counter;
    o.release = ReleaseCounter::release;
    olstate_sim_fail_next(OLSTATE_SIM_CALL_GET_STATE, static_cast<int32_t>(0x80004005), 1);
    olstate_subscription token = 0;
    CHECK(olstate_subscribe_ex(s.get(), &o, &token) == OLSTATE_E_PROVIDER_FAILED);
    CHECK(token == 0);
    CHECK(counter.releases == 1);
    REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
    olstate_sim_wait_idle(s.profile().c_str());
    std::this_thread::sleep_for(50ms);
    CHECK(counter.releases == 1);  // the failed subscription never runs again
}

TEST_CASE("CURRENT_STATE subscriptions: release once at unsubscribe and at close, also from inside CURRENT") {
    // A recorder that counts its own release.
    struct Counted {
        Recorder rec;
        std::atomic<int> releases{0};
        static void OLSTATE_CALL callback(const olstate_event* e, void* c) {
            static_cast<Counted*>(c)->rec.add(*e);
        }
        static void OLSTATE_CALL release(void* c) { ++static_cast<Counted*>(c)->releases; }
        olstate_subscription subscribe(olstate_session* s) {
            olstate_subscribe_options o = OLSTATE_SUBSCRIBE_OPTIONS_INIT;
            o.flags = OLSTATE_SUBSCRIBE_CURRENT_STATE;
            o.callback = callback;
            o.context = this;
            o.release = release;
            olstate_subscription token = 0;
            REQUIRE(olstate_subscribe_ex(s, &o, &token) == OLSTATE_OK);
            return token;
        }
    };
    for (const uint32_t mode : kModes) {
        CAPTURE(mode);
        SimReset reset;
        Counted a, self, b;
        {
            Session s(fresh_profile("subex-release"), mode);
            const olstate_subscription token = a.subscribe(s.get());
            REQUIRE(a.rec.wait_for(1));
            CHECK(olstate_unsubscribe(s.get(), token) == OLSTATE_OK);
            CHECK(a.releases == 1);
            // Unsubscribing itself from inside its CURRENT callback.
            self.rec.on_event = [&](const olstate_event& e) {
                if (e.kind == OLSTATE_EVENT_CURRENT) olstate_unsubscribe(s.get(), e.subscription);
            };
            self.subscribe(s.get());
            REQUIRE(self.rec.wait_for(1));
            CHECK(eventually([&] { return self.releases == 1; }));
            REQUIRE(olstate_set_state(s.get(), OLSTATE_OFFLINE, OLSTATE_SET_BLOCK) == OLSTATE_OK);
            olstate_sim_wait_idle(s.profile().c_str());
            std::this_thread::sleep_for(30ms);
            CHECK(self.rec.count() == 1);
            b.subscribe(s.get());
        }
        CHECK(a.releases == 1);
        CHECK(self.releases == 1);
        CHECK(b.releases == 1);
        check_simulator_clean();
    }
}
