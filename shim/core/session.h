// One open session: its provider (provider/provider.h, whichever it is), its
// subscriptions and (QUEUED) its dispatcher thread. Every event the provider
// reports - state changes and lost/back alike - takes one path: numbered,
// then queued or delivered inline.
//
// Lifetime: the registry holds the session while it is open; every call on
// it holds a reference and is counted (calls_) so that close can wait for
// calls in progress; the provider holds it weakly. close() tears down either at
// once (outside any callback) or, when called from inside one of the
// session's own callbacks, on a thread olstate owns once that callback has
// returned.
#pragma once

#include <olstate.h>

#include <atomic>
#include <memory>
#include <string>

#include "dispatcher.h"
#include "live_profile.h"
#include "provider/provider.h"
#include "queued_event.h"
#include "state_waiter.h"
#include "subscriptions.h"

namespace olstate {

struct OpenRequest : provider::OpenRequest {
    std::uint32_t delivery = OLSTATE_DELIVERY_QUEUED;
};

class Session final : public provider::EventReceiver, public std::enable_shared_from_this<Session> {
public:
    // Opens the provider, caches its capabilities and profile, advises.
    // Throws Failure.
    static std::shared_ptr<Session> open(const OpenRequest& request, std::uint64_t id);

    // open_flags: OLSTATE_OPEN_* (RECONNECT: waits last across a lost host).
    Session(std::uint64_t id, std::uint32_t delivery, std::uint32_t open_flags = 0);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    std::uint64_t id() const noexcept { return id_; }
    std::uint32_t capabilities() const noexcept { return capabilities_; }
    std::uint32_t get_state();
    void set_state(std::uint32_t state, std::uint32_t flags);
    // flags: OLSTATE_SUBSCRIBE_*. Throws Failure without releasing context
    // (the caller owns it until this returns).
    olstate_subscription subscribe(olstate_callback callback, void* context,
                                   olstate_release release, std::uint32_t flags = 0);
    // olstate_wait_state (state_waiter.h).
    olstate_result wait_state(std::uint32_t state, std::uint32_t timeout_ms);
    // Takes ownership of (token's) subscription; false if unknown.
    bool unsubscribe(olstate_subscription token);
    // Called once, by whoever removed the session from the registry.
    void close() noexcept;
    void fill_info(olstate_session_info& info) noexcept;

    // Calls in progress (counted by the registry while it hands the session out).
    void enter_call() noexcept { calls_.fetch_add(1, std::memory_order_acq_rel); }
    void leave_call() noexcept;

    // The provider's events, on its notification thread: numbered, then
    // queued (QUEUED) or delivered here (INLINE).
    void on_event(const provider::Event& event) noexcept override;
    // QUEUED: on_event only queues for the dispatcher (no user code runs).
    bool returns_at_once() const noexcept override { return delivery_ == OLSTATE_DELIVERY_QUEUED; }

private:
    void attach(std::unique_ptr<provider::Provider> provider);
    void deliver(const QueuedEvent& event) noexcept;
    // Everything close promises, run outside any callback of this session.
    void teardown(SubscriptionTable::Closed stopped) noexcept;
    void wait_calls_idle() noexcept;
    // Hands a priming subscription its OLSTATE_EVENT_CURRENT (current_state.h).
    void start_current(Subscription& sub);

    const std::uint64_t id_;
    const std::uint32_t delivery_;
    std::unique_ptr<provider::Provider> provider_;
    std::uint32_t provider_kind_ = 0;  // for olstate_get_session_info only
    LiveProfile profile_;              // asked for, then what the provider serves
    std::string provider_path_;
    std::uint32_t capabilities_ = 0;
    bool advised_ = false;

    std::atomic<bool> closing_{false};
    EventNumbers numbers_;
    std::atomic<std::int32_t> calls_{0};
    SubscriptionTable subscriptions_;
    StateWaiter waiter_;
    Dispatcher dispatcher_;
};

}  // namespace olstate
