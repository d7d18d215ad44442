// The bridge host's known state orders welcomes against state events: a
// welcome never reads the state while an event that was followed is still
// being fanned out to the welcomed clients (else a client welcomed in that
// gap would get the old state and not the event, and keep the old state).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "bridge/known_state.h"

using olstate::bridge::KnownState;

namespace {

olstate_event change(uint32_t kind, uint32_t from, uint32_t to) {
    olstate_event e{};
    e.struct_size = sizeof e;
    e.kind = kind;
    e.old_state = from;
    e.new_state = to;
    return e;
}

}  // namespace

TEST_CASE("a welcome waits for the fan-out of the state event being followed, then sees its state") {
    KnownState known(OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_OFFLINE, OLSTATE_ONLINE);
    std::mutex m;
    std::condition_variable cv;
    bool fanning_out = false, release_fan_out = false, fan_out_done = false;
    std::thread provider([&] {
        known.follow(change(OLSTATE_EVENT_CHANGE, OLSTATE_ONLINE, OLSTATE_OFFLINE), [&] {
            std::unique_lock lock(m);
            fanning_out = true;
            cv.notify_all();
            // Held until the welcome below has been asked for (bounded: a
            // broken order must fail the checks, not hang the suite).
            cv.wait_for(lock, std::chrono::seconds(10), [&] { return release_fan_out; });
            fan_out_done = true;
        });
    });
    {
        std::unique_lock lock(m);
        REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return fanning_out; }));
    }
    std::atomic<bool> welcomed{false};
    uint32_t welcomed_with = 0;
    bool fan_out_was_done = false;
    std::thread client([&] {
        const bool open = known.welcome([&](uint32_t state) {
            std::lock_guard lock(m);
            welcomed_with = state;
            fan_out_was_done = fan_out_done;
        });
        CHECK(open);
        welcomed = true;
    });
    // Time for the welcome to run if nothing held it (not a timing check:
    // a slow machine can only make a broken order pass, never this fail).
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK_FALSE(welcomed.load());
    {
        std::lock_guard lock(m);
        release_fan_out = true;
    }
    cv.notify_all();
    provider.join();
    client.join();
    CHECK(fan_out_was_done);
    CHECK(welcomed_with == OLSTATE_OFFLINE);
}

TEST_CASE("a welcome after close is refused without running") {
    KnownState known(OLSTATE_CAPABILITY_ONLINE, OLSTATE_ONLINE);
    known.close();
    bool ran = false;
    CHECK_FALSE(known.welcome([&](uint32_t) { ran = true; }));
    CHECK_FALSE(ran);
}

TEST_CASE("followed events move the state a welcome sees; later kinds leave it") {
    KnownState known(OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_OFFLINE, OLSTATE_ONLINE);
    int fanned = 0;
    known.follow(change(OLSTATE_EVENT_CHANGE_START, OLSTATE_ONLINE, OLSTATE_OFFLINE), [&] { ++fanned; });
    uint32_t seen = 0;
    CHECK(known.welcome([&](uint32_t s) { seen = s; }));
    CHECK(seen == OLSTATE_ONLINE);  // a change started is not a state yet
    known.follow(change(OLSTATE_EVENT_CHANGE_DONE, OLSTATE_ONLINE, OLSTATE_OFFLINE), [&] { ++fanned; });
    CHECK(known.welcome([&](uint32_t s) { seen = s; }));
    CHECK(seen == OLSTATE_OFFLINE);
    known.follow(change(OLSTATE_EVENT_CONNECTION_CHANGED, 700, 400), [&] { ++fanned; });
    CHECK(known.welcome([&](uint32_t s) { seen = s; }));
    CHECK(seen == OLSTATE_OFFLINE);
    CHECK(fanned == 3);  // every event is fanned out, whatever its kind
}
