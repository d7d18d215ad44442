// QUEUED delivery keeps the bridge's link events on overflow: a callback that
// is stuck while the host goes away still learns that it did.
#include <doctest/doctest.h>
#include <olstate.h>

#include <condition_variable>
#include <mutex>
#include <vector>

#include <gsl/util>

#include "core/dispatcher.h"

using namespace olstate;

TEST_CASE("dispatcher: PROVIDER_LOST/BACK are never dropped on overflow; state events are, flagged") {
    std::mutex m;
    std::condition_variable cv;
    bool release = false;
    bool taken = false;
    std::vector<QueuedEvent> got;
    EventNumbers numbers;
    Dispatcher d;
    const auto join = gsl::finally([&] {
        {
            std::lock_guard lock(m);
            release = true;
        }
        cv.notify_all();
        d.stop_and_join();
    });
    d.start([&](const QueuedEvent& e) {
        std::unique_lock lock(m);
        taken = true;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });  // stuck until the queue overflowed
        got.push_back(e);
        cv.notify_all();
    }, numbers);
    const auto push = [&](std::uint32_t kind) {
        QueuedEvent e;
        e.kind = kind;
        e.old_state = e.new_state = OLSTATE_ONLINE;
        d.push(e);
    };
    push(OLSTATE_EVENT_CHANGE);  // taken by the stuck callback
    {
        std::unique_lock lock(m);
        REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return taken; }));
    }
    push(OLSTATE_EVENT_PROVIDER_LOST);
    for (std::size_t i = 0; i < Dispatcher::kCapacity * 3; ++i) push(OLSTATE_EVENT_CHANGE);
    push(OLSTATE_EVENT_PROVIDER_BACK);
    for (std::size_t i = 0; i < Dispatcher::kCapacity * 3; ++i) push(OLSTATE_EVENT_CHANGE);
    {
        std::lock_guard lock(m);
        release = true;
    }
    cv.notify_all();
    {
        std::unique_lock lock(m);
        // 1 running + LOST + BACK + a full queue of state events.
        REQUIRE(cv.wait_for(lock, std::chrono::seconds(10),
                            [&] { return got.size() == 3 + Dispatcher::kCapacity; }));
    }
    std::size_t lost = 0, back = 0, flagged = 0;
    std::uint64_t last = 0;
    for (const auto& e : got) {
        lost += e.kind == OLSTATE_EVENT_PROVIDER_LOST;
        back += e.kind == OLSTATE_EVENT_PROVIDER_BACK;
        flagged += (e.flags & OLSTATE_EVENT_FLAG_DROPPED) != 0;
        CHECK(e.sequence > last);  // in order, with gaps where events were dropped
        last = e.sequence;
    }
    CHECK(lost == 1);
    CHECK(back == 1);
    CHECK(flagged >= 1);
    CHECK(got.back().sequence == 2 + 6 * Dispatcher::kCapacity + 1);
}

TEST_CASE("dispatcher: a flag the event already carries is kept") {
    std::mutex m;
    std::condition_variable cv;
    std::vector<QueuedEvent> got;
    EventNumbers numbers;
    Dispatcher d;
    const auto join = gsl::finally([&] { d.stop_and_join(); });
    d.start([&](const QueuedEvent& e) {
        std::lock_guard lock(m);
        got.push_back(e);
        cv.notify_all();
    }, numbers);
    QueuedEvent e;
    e.kind = OLSTATE_EVENT_CHANGE;
    e.flags = OLSTATE_EVENT_FLAG_DROPPED;  // dropped on the way, before the queue
    d.push(e);
    e.flags = 0;
    d.push(e);
    {
        std::unique_lock lock(m);
        REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return got.size() == 2; }));
    }
    CHECK((got[0].flags & OLSTATE_EVENT_FLAG_DROPPED) != 0);
    CHECK(got[1].flags == 0);
}
