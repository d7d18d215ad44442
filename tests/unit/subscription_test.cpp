// The subscription state machine: stop, wait, deferred release, exactly once.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "core/subscriptions.h"

using namespace olstate;

namespace {
std::atomic<int> calls{0};
std::atomic<int> releases{0};
Subscription* self_stop = nullptr;

void OLSTATE_CALL count_call(const olstate_event*, void*) { ++calls; }
void OLSTATE_CALL count_release(void*) { ++releases; }
void OLSTATE_CALL stop_self(const olstate_event*, void*) {
    ++calls;
    CHECK(self_stop->stop(true) == 1);  // this very call is running
    CHECK(releases == 0);               // not released while it runs
}
}  // namespace

TEST_CASE("invoke runs only while active; stop then release runs once") {
    calls = releases = 0;
    Subscription s(1, count_call, nullptr, count_release);
    CHECK(s.invoke({}));
    CHECK(calls == 1);
    CHECK(s.stop(false) == 0);
    CHECK_FALSE(s.invoke({}));
    CHECK(calls == 1);
    s.wait_idle();
    s.release_once();
    s.release_once();
    CHECK(releases == 1);
}

TEST_CASE("a deferred stop from inside the callback releases after it returns") {
    calls = releases = 0;
    Subscription s(2, stop_self, nullptr, count_release);
    self_stop = &s;
    CHECK(s.invoke({}));
    CHECK(releases == 1);
    CHECK_FALSE(s.invoke({}));
}

TEST_CASE("the table forgets a removed subscription once its release has finished") {
    SubscriptionTable t;
    auto a = std::make_shared<Subscription>(next_subscription_token(), count_call, nullptr, nullptr);
    auto b = std::make_shared<Subscription>(next_subscription_token(), count_call, nullptr, nullptr);
    CHECK(t.add(a));
    CHECK(t.add(b));
    CHECK(t.remove(a->token()) == a);
    a->release_once();
    CHECK(a->release_finished());
    CHECK(t.remove(b->token()) == b);
    const auto all = t.close();
    CHECK(all.live->empty());
    REQUIRE(all.retired.size() == 1);
    CHECK(all.retired.front() == b);
}

TEST_CASE("the table: add, remove, close, tokens") {
    SubscriptionTable t;
    auto a = std::make_shared<Subscription>(next_subscription_token(), count_call, nullptr, nullptr);
    const auto token = a->token();
    CHECK(token != 0);
    CHECK(next_subscription_token() > token);
    CHECK(t.add(a));
    CHECK(t.snapshot()->size() == 1);
    CHECK(t.remove(token) == a);
    CHECK(t.remove(token) == nullptr);
    CHECK(t.add(a));
    const auto all = t.close();
    CHECK(all.live->size() == 1);
    // `a` was removed once and its release never ran: close still returns
    // it, because a call of it may still be running.
    REQUIRE(all.retired.size() == 1);
    CHECK(all.retired.front() == a);
    CHECK(t.snapshot() == nullptr);
    CHECK_FALSE(t.add(a));
    CHECK(t.remove(token) == nullptr);
}
