// One open offline object of one profile: its COM references, its one
// advised sink, its subscriptions and (QUEUED) its dispatcher thread.
//
// Lifetime: the registry holds the session while it is open; every call on
// it holds a reference and is counted (calls_) so that close can wait for
// calls in progress; the sink holds it weakly. close() tears down either at
// once (outside any callback) or, when called from inside one of the
// session's own callbacks, on a thread olstate owns once that callback has
// returned.
#pragma once

#include <olstate.h>

#include <atomic>
#include <memory>
#include <string>

#include "com/com_ptr.h"
#include "com/mapi_offline.h"
#include "dispatcher.h"
#include "live_profile.h"
#include "notify_sink.h"
#include "provider/resolve.h"
#include "state_waiter.h"
#include "subscriptions.h"

namespace olstate {

struct OpenRequest {
    std::string profile;  // UTF-8; empty with has_profile == false means "default"
    bool has_profile = false;
    std::uint32_t provider = OLSTATE_PROVIDER_AUTO;
    const char* provider_path = nullptr;  // validated UTF-8: LIBRARY's library, BRIDGE's endpoint
    std::uint32_t delivery = OLSTATE_DELIVERY_QUEUED;
    std::uint32_t flags = 0;  // OLSTATE_OPEN_*
};

class Session final : public NotifyTarget, public std::enable_shared_from_this<Session> {
public:
    // Opens, caches capabilities, advises the sink. Throws Failure.
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

    void on_provider_notify(std::uint32_t kind, std::uint32_t old_state,
                            std::uint32_t new_state) noexcept override;
    void on_provider_link(std::uint32_t kind, std::uint32_t old_state,
                          std::uint32_t new_state) noexcept override;
    void on_provider_dropped() noexcept override;

private:
    void attach_provider(const OpenRequest& request);
    void deliver(const QueuedEvent& event) noexcept;
    // Queues or delivers one event (every kind goes the same way).
    void accept_event(QueuedEvent event) noexcept;
    // Everything close promises, run outside any callback of this session.
    void teardown(SubscriptionTable::Closed stopped) noexcept;
    void wait_calls_idle() noexcept;
    // Hands a priming subscription its OLSTATE_EVENT_CURRENT (current_state.h).
    void start_current(Subscription& sub);

    const std::uint64_t id_;
    const std::uint32_t delivery_;
    std::uint32_t provider_kind_ = 0;
    LiveProfile profile_;
    std::string provider_path_;
    std::uint32_t capabilities_ = 0;

    com::ComPtr<com::IMAPIOfflineMgr> manager_;
    com::ComPtr<com::IMAPIOffline> offline_;
    com::ComPtr<NotifySink> sink_;
    com::ULONG advise_token_ = 0;
    bool advised_ = false;

    std::atomic<bool> closing_{false};
    std::atomic<std::uint64_t> sequence_{0};
    std::atomic<bool> dropped_before_next_{false};  // the bridge lost events before the next one
    std::atomic<std::int32_t> calls_{0};
    SubscriptionTable subscriptions_;
    StateWaiter waiter_;
    Dispatcher dispatcher_;
};

}  // namespace olstate
