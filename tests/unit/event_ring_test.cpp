// The QUEUED dispatcher's buffer: FIFO order, state events bounded with the
// oldest giving way, link events kept in place and in order, and no
// reallocation while the link events fit their slots (the provider's thread
// never allocates to queue an event).
#include <doctest/doctest.h>
#include <olstate.h>

#include <vector>

#include "core/event_ring.h"

using namespace olstate;

namespace {

QueuedEvent event(std::uint32_t kind, std::uint64_t sequence) {
    QueuedEvent e;
    e.kind = kind;
    e.sequence = sequence;
    return e;
}

std::vector<QueuedEvent> drain(EventRing& r) {
    std::vector<QueuedEvent> out;
    while (!r.empty()) out.push_back(r.pop());
    return out;
}

}  // namespace

TEST_CASE("event ring: first in, first out across many wrap-arounds, in the buffer it started with") {
    EventRing r;
    const std::size_t slots = r.slots();
    CHECK(slots == EventRing::kStateCapacity + EventRing::kLinkSlots);
    std::uint64_t next_in = 1, next_out = 1;
    for (int round = 0; round < 1000; ++round) {
        const int burst = 1 + round % 200;  // never over the state capacity
        for (int i = 0; i < burst; ++i) CHECK_FALSE(r.push(event(OLSTATE_EVENT_CHANGE, next_in++)));
        while (!r.empty()) CHECK(r.pop().sequence == next_out++);
    }
    CHECK(next_out == next_in);
    CHECK(r.slots() == slots);  // never reallocated
}

TEST_CASE("event ring: at capacity the oldest state event gives way and push says so") {
    EventRing r;
    std::uint64_t seq = 1;
    for (std::size_t i = 0; i < EventRing::kStateCapacity; ++i) CHECK_FALSE(r.push(event(OLSTATE_EVENT_CHANGE, seq++)));
    CHECK(r.push(event(OLSTATE_EVENT_CHANGE, seq++)));
    CHECK(r.push(event(OLSTATE_EVENT_CHANGE, seq++)));
    CHECK(r.size() == EventRing::kStateCapacity);
    const auto got = drain(r);
    REQUIRE(got.size() == EventRing::kStateCapacity);
    CHECK(got.front().sequence == 3);  // 1 and 2 gave way
    CHECK(got.back().sequence == seq - 1);
}

TEST_CASE("event ring: link events are never dropped and keep their place among state events") {
    EventRing r;
    const std::size_t slots = r.slots();
    std::uint64_t seq = 1;
    r.push(event(OLSTATE_EVENT_PROVIDER_LOST, seq++));  // oldest of all
    for (std::size_t i = 0; i < EventRing::kStateCapacity; ++i) r.push(event(OLSTATE_EVENT_CHANGE, seq++));
    r.push(event(OLSTATE_EVENT_PROVIDER_BACK, seq++));
    // Two more state events: the two oldest state events give way, not LOST.
    CHECK(r.push(event(OLSTATE_EVENT_CHANGE, seq++)));
    CHECK(r.push(event(OLSTATE_EVENT_CHANGE, seq++)));
    CHECK(r.slots() == slots);
    const auto got = drain(r);
    REQUIRE(got.size() == EventRing::kStateCapacity + 2);
    CHECK(got[0].kind == OLSTATE_EVENT_PROVIDER_LOST);
    CHECK(got[0].sequence == 1);
    CHECK(got[1].sequence == 4);  // 2 and 3 were dropped
    std::size_t back = 0;
    for (std::size_t i = 1; i < got.size(); ++i) {
        CHECK(got[i].sequence > got[i - 1].sequence);
        back += got[i].kind == OLSTATE_EVENT_PROVIDER_BACK;
    }
    CHECK(back == 1);
}

TEST_CASE("event ring: more link events than their slots grow the buffer and lose nothing") {
    EventRing r;
    const std::size_t slots = r.slots();
    std::uint64_t seq = 1;
    for (std::size_t i = 0; i < EventRing::kStateCapacity; ++i) r.push(event(OLSTATE_EVENT_CHANGE, seq++));
    const std::size_t links = EventRing::kLinkSlots * 5;
    for (std::size_t i = 0; i < links; ++i)
        CHECK_FALSE(r.push(event(i % 2 ? OLSTATE_EVENT_PROVIDER_BACK : OLSTATE_EVENT_PROVIDER_LOST, seq++)));
    CHECK(r.slots() > slots);
    // A state event still makes the oldest state event give way, not a link.
    CHECK(r.push(event(OLSTATE_EVENT_CHANGE, seq++)));
    const auto got = drain(r);
    REQUIRE(got.size() == EventRing::kStateCapacity + links);
    CHECK(got.front().sequence == 2);
    std::size_t link_count = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        if (i > 0) CHECK(got[i].sequence > got[i - 1].sequence);
        link_count += EventRing::is_link(got[i]);
    }
    CHECK(link_count == links);
}

TEST_CASE("event ring: dropping behind link events that wrapped around the buffer's end") {
    EventRing r;
    std::uint64_t seq = 1;
    // Move the head near the end of the buffer so the queue wraps.
    for (std::size_t i = 0; i < r.slots() - 3; ++i) r.push(event(OLSTATE_EVENT_CHANGE, seq++));
    drain(r);
    for (int i = 0; i < 5; ++i) r.push(event(OLSTATE_EVENT_PROVIDER_LOST, seq++));  // across the end
    const std::uint64_t first_state = seq;
    for (std::size_t i = 0; i < EventRing::kStateCapacity; ++i) r.push(event(OLSTATE_EVENT_CHANGE, seq++));
    CHECK(r.push(event(OLSTATE_EVENT_CHANGE, seq++)));
    const auto got = drain(r);
    REQUIRE(got.size() == 5 + EventRing::kStateCapacity);
    for (int i = 0; i < 5; ++i) CHECK(got[static_cast<std::size_t>(i)].kind == OLSTATE_EVENT_PROVIDER_LOST);
    CHECK(got[5].sequence == first_state + 1);  // the oldest state event gave way
    for (std::size_t i = 1; i < got.size(); ++i) CHECK(got[i].sequence > got[i - 1].sequence);
}
