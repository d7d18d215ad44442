// The one bounded-queue policy (base/bounded_queue.h), tested once for every
// queue that uses it: FIFO, the oldest droppable item gives way at capacity,
// kept items are never dropped and keep their place, the event after a gap
// is flagged, and no allocation while the items fit the first buffer.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "base/bounded_queue.h"

using namespace olstate;

namespace {

struct Item {
    bool droppable = true;  // a state event
    bool event = true;      // false: a control item (a host's reply frame)
    std::uint64_t id = 0;
    bool flagged = false;
};

struct Traits {
    static bool droppable(const Item& i) noexcept { return i.droppable; }
    static bool is_event(const Item& i) noexcept { return i.event; }
    static void mark_dropped(Item& i) noexcept { i.flagged = true; }
};

using Queue = BoundedQueue<Item, Traits>;

Item state(std::uint64_t id) { return Item{true, true, id, false}; }
Item link(std::uint64_t id) { return Item{false, true, id, false}; }
Item control(std::uint64_t id) { return Item{false, false, id, false}; }

std::vector<Item> drain(Queue& q) {
    std::vector<Item> out;
    while (!q.empty()) out.push_back(q.pop());
    return out;
}

}  // namespace

TEST_CASE("bounded queue: first in, first out across many wrap-arounds, in the buffer it started with") {
    Queue q(256, 256 + 16);
    const std::size_t slots = q.slots();
    std::uint64_t next_in = 1, next_out = 1;
    for (int round = 0; round < 1000; ++round) {
        const int burst = 1 + round % 200;  // never over the capacity
        for (int i = 0; i < burst; ++i) CHECK_FALSE(q.push(state(next_in++)));
        while (!q.empty()) {
            const Item i = q.pop();
            CHECK(i.id == next_out++);
            CHECK_FALSE(i.flagged);
        }
    }
    CHECK(next_out == next_in);
    CHECK(q.slots() == slots);  // never reallocated
}

TEST_CASE("bounded queue: at capacity the oldest droppable item gives way and the next event is flagged") {
    Queue q(4, 8);
    for (std::uint64_t id = 1; id <= 4; ++id) CHECK_FALSE(q.push(state(id)));
    CHECK(q.push(state(5)));  // 1 gives way: 2 now follows a gap
    const auto got = drain(q);
    REQUIRE(got.size() == 4);
    CHECK(got[0].id == 2);
    CHECK(got[0].flagged);
    for (std::size_t i = 1; i < got.size(); ++i) CHECK_FALSE(got[i].flagged);
}

TEST_CASE("bounded queue: the item that gives way last flags the one pushed") {
    Queue q(1, 4);
    CHECK_FALSE(q.push(state(1)));
    CHECK(q.push(state(2)));
    const auto got = drain(q);
    REQUIRE(got.size() == 1);
    CHECK(got[0].id == 2);
    CHECK(got[0].flagged);
}

TEST_CASE("bounded queue: kept items are never dropped and keep their place") {
    Queue q(3, 8);
    q.push(link(1));  // oldest of all
    q.push(state(2));
    q.push(state(3));
    q.push(link(4));
    q.push(state(5));
    CHECK(q.push(state(6)));  // 2 gives way, not the link ahead of it
    const auto got = drain(q);
    REQUIRE(got.size() == 5);
    CHECK(got[0].id == 1);
    CHECK_FALSE(got[0].flagged);  // before the gap
    CHECK(got[1].id == 3);
    CHECK(got[1].flagged);  // right after it
    CHECK(got[2].id == 4);
    CHECK(got[3].id == 5);
    CHECK(got[4].id == 6);
}

TEST_CASE("bounded queue: the flag skips control items and lands on the next event") {
    Queue q(2, 8);
    q.push(state(1));
    q.push(control(2));
    q.push(control(3));
    q.push(state(4));
    CHECK(q.push(state(5)));  // 1 gives way; 2 and 3 carry no event flags
    const auto got = drain(q);
    REQUIRE(got.size() == 4);
    CHECK(got[0].id == 2);
    CHECK_FALSE(got[0].flagged);
    CHECK_FALSE(got[1].flagged);
    CHECK(got[2].id == 4);
    CHECK(got[2].flagged);
}

TEST_CASE("bounded queue: more kept items than the buffer holds grow it and lose nothing") {
    Queue q(4, 6);
    const std::size_t slots = q.slots();
    for (std::uint64_t id = 1; id <= 4; ++id) q.push(state(id));
    for (std::uint64_t id = 5; id <= 40; ++id) CHECK_FALSE(q.push(link(id)));
    CHECK(q.slots() > slots);
    CHECK(q.push(state(41)));  // still the oldest state item that gives way
    const auto got = drain(q);
    REQUIRE(got.size() == 40);
    CHECK(got.front().id == 2);
    for (std::size_t i = 1; i < got.size(); ++i) CHECK(got[i].id > got[i - 1].id);
}

TEST_CASE("bounded queue: dropping behind kept items that wrapped around the buffer's end") {
    Queue q(4, 10);
    for (std::uint64_t id = 1; id <= 8; ++id) q.push(link(id));  // move the head near the end
    drain(q);
    for (std::uint64_t id = 10; id < 15; ++id) q.push(link(id));  // across the end
    for (std::uint64_t id = 20; id < 24; ++id) q.push(state(id));
    CHECK(q.push(state(24)));
    CHECK(q.slots() == 10);  // no growth: the drop made room
    const auto got = drain(q);
    REQUIRE(got.size() == 9);
    for (std::size_t i = 0; i < 5; ++i) CHECK(got[i].id == 10 + i);
    CHECK(got[5].id == 21);
    CHECK(got[5].flagged);
}

TEST_CASE("bounded queue: an item that could not be queued flags the next event pushed") {
    Queue q(4, 4);
    q.push(control(1));
    q.lost();
    q.push(control(2));  // not an event: the flag waits
    q.push(state(3));
    q.push(state(4));
    const auto got = drain(q);
    REQUIRE(got.size() == 4);
    CHECK_FALSE(got[0].flagged);
    CHECK_FALSE(got[1].flagged);
    CHECK(got[2].flagged);
    CHECK_FALSE(got[3].flagged);
}

TEST_CASE("bounded queue: remove_if keeps the rest in order and frees their capacity") {
    Queue q(2, 8);
    q.push(state(1));
    q.push(control(2));
    q.push(state(3));
    q.remove_if([](const Item& i) { return i.event; });
    CHECK(q.size() == 1);
    CHECK_FALSE(q.push(state(4)));
    CHECK_FALSE(q.push(state(5)));  // both fit again
    const auto got = drain(q);
    REQUIRE(got.size() == 3);
    CHECK(got[0].id == 2);
    CHECK(got[1].id == 4);
    CHECK(got[2].id == 5);
}
