// Subscriptions and the table that holds them.
//
// A subscription's life is one atomic word: an ACTIVE bit, a DEFERRED bit and
// the number of its callbacks running now. A callback starts only while
// ACTIVE (one compare-and-swap), so stopping is a single atomic step after
// which no new call can begin; whoever stops it then either waits for the
// running count to reach zero (outside any callback) or leaves the release
// to the last running call (DEFERRED, from inside a callback). `release`
// runs exactly once, guarded by its own flag.
#pragma once

#include <olstate.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "current_state.h"

namespace olstate {

class Subscription {
public:
    Subscription(olstate_subscription token, olstate_callback callback, void* context,
                 olstate_release release) noexcept;
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

    olstate_subscription token() const noexcept { return token_; }

    // Runs the callback if the subscription is still active; false if not.
    // `event.subscription` is filled in here. A priming subscription
    // (OLSTATE_SUBSCRIBE_CURRENT_STATE, current_state.h) leaves the event to
    // its primer until its CURRENT event has been delivered.
    bool invoke(olstate_event event) noexcept;

    // Makes the subscription wait for its CURRENT event (before it is added).
    void prime();
    CurrentStatePrimer* primer() noexcept { return primer_.get(); }
    // Delivers CURRENT, then what the primer held, then opens the way.
    void deliver_current(olstate_event current) noexcept;
    // Gives context back to the caller without calling release: only for a
    // subscription none of whose callbacks ever ran (a failed subscribe).
    void disown() noexcept;

    // Stops new calls. With `deferred`, the last running call (if any) runs
    // the release; returns the number of calls running at that moment.
    std::uint32_t stop(bool deferred) noexcept;
    // Waits until no call runs (never call from inside one of its callbacks).
    void wait_idle() noexcept;
    // Runs release(context) unless it already ran (or is running).
    void release_once() noexcept;
    // Waits until release_once has finished on whichever thread ran it.
    void wait_released() noexcept;
    bool release_finished() const noexcept {
        return release_done_.load(std::memory_order_acquire);
    }

private:
    bool call(olstate_event event) noexcept;

    static constexpr std::uint32_t kActive = 1u << 31;
    static constexpr std::uint32_t kDeferred = 1u << 30;
    static constexpr std::uint32_t kCountMask = kDeferred - 1;

    olstate_subscription token_;
    olstate_callback callback_;
    void* context_;
    olstate_release release_;
    std::atomic<std::uint32_t> state_{kActive};
    std::atomic<bool> released_{false};
    std::atomic<bool> release_done_{false};
    std::unique_ptr<CurrentStatePrimer> primer_;  // set before the subscription is shared
};

using SubscriptionList = std::vector<std::shared_ptr<Subscription>>;

// Copy-on-write: delivery takes an immutable snapshot with one pointer copy,
// so fan-out holds no lock while callbacks run.
class SubscriptionTable {
public:
    SubscriptionTable();

    // False when the table was closed (the session is closing).
    bool add(std::shared_ptr<Subscription> sub);
    // The removed subscription, or null for an unknown token. The table
    // keeps it as "retired" until its release has finished, because a
    // subscription ended from inside a callback may still be running on a
    // provider thread and close must wait for it too.
    std::shared_ptr<Subscription> remove(olstate_subscription token);
    struct Closed {
        std::shared_ptr<const SubscriptionList> live;  // null if closed before
        SubscriptionList retired;
    };
    // Empties and closes the table; returns what it held, live and retired.
    // Allocates nothing, so closing cannot fail.
    Closed close() noexcept;
    // Null once the table is closed.
    std::shared_ptr<const SubscriptionList> snapshot() const;

private:
    // Readers copy list_ on every notification, so they take only a tiny
    // spin lock held for that pointer copy (an uncontended exchange, no
    // call into pthreads); writers serialise on mutex_ while they build the
    // next list and take the spin lock only to swap it in.
    // (std::atomic<std::shared_ptr> would do the same, but libstdc++ 12's
    // lock bit is invisible to ThreadSanitizer, which then reports races.)
    std::shared_ptr<const SubscriptionList> load() const noexcept;
    void publish(std::shared_ptr<const SubscriptionList> next) noexcept;

    std::mutex mutex_;
    mutable std::atomic_flag publishing_ = ATOMIC_FLAG_INIT;
    std::shared_ptr<const SubscriptionList> list_;  // null once closed; guarded by publishing_
    SubscriptionList retired_;                      // removed, release not finished
};

// A process-unique, never-zero token.
olstate_subscription next_subscription_token() noexcept;

}  // namespace olstate
