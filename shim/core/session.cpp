#include "session.h"

#include <thread>

#include "base/failure.h"
#include "base/idle_wait.h"
#include "callback_scope.h"
#include "current_state.h"
#include "base/clock.h"
#include "base/module.h"

namespace olstate {

namespace {

constexpr std::uint32_t kStateCapabilities = OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_ONLINE;

[[noreturn]] void throw_status(provider::Status status) {
    throw Failure(status.result, std::move(status.message), status.hresult);
}

}  // namespace

std::shared_ptr<Session> Session::open(const OpenRequest& request, std::uint64_t id) {
    auto session = std::make_shared<Session>(id, request.delivery, request.flags);
    session->attach(provider::open(request));
    return session;
}

Session::Session(std::uint64_t id, std::uint32_t delivery, std::uint32_t open_flags)
    : id_(id), delivery_(delivery), waiter_((open_flags & OLSTATE_OPEN_RECONNECT) != 0) {}

Session::~Session() {
    // Only a session that never reached the registry (its open failed after
    // advise) still has teardown work; a closed one has none left. Sessions
    // left open are never destroyed (the registry outlives the process).
    if (advised_) provider_->unadvise();
    // After a failed open the dispatcher may still wait for work; after a
    // close it has been joined or has detached itself.
    dispatcher_.stop_and_join();
}

void Session::attach(std::unique_ptr<provider::Provider> provider) {
    provider_ = std::move(provider);
    provider_kind_ = provider_->kind();
    provider_path_ = provider_->path();
    profile_.start(provider_->profile());
    capabilities_ = provider_->capabilities();

    pin_olstate_module();
    if (delivery_ == OLSTATE_DELIVERY_QUEUED) {
        dispatcher_.start([this](const QueuedEvent& e) { deliver(e); }, numbers_);
    }
    // The documented sequence advises only when online or offline is
    // offered; such a profile sends no notification at all, connection
    // changes included.
    if ((capabilities_ & kStateCapabilities) == 0) return;
    provider::Status advised = provider_->advise(weak_from_this());
    if (!advised.ok()) throw_status(std::move(advised));
    advised_ = true;
}

std::uint32_t Session::get_state() {
    std::uint32_t state = 0;
    provider::Status status = provider_->get_state(state);
    if (!status.ok()) throw_status(std::move(status));
    return state;
}

provider::Connection Session::get_connection() {
    provider::Connection connection;
    provider::Status status = provider_->get_connection(connection);
    if (!status.ok()) throw_status(std::move(status));
    return connection;
}

void Session::set_state(std::uint32_t state, std::uint32_t flags) {
    if (flags == OLSTATE_SET_BLOCK && inside_provider_notify())
        throw Failure(OLSTATE_E_WOULD_DEADLOCK,
                      "a blocking state change on a provider notification thread (inside an "
                      "INLINE callback) would hang Outlook; use OLSTATE_SET_DEFAULT there");
    // No short cut for "already in that state": only the provider knows
    // whether a change (started by any session or by the user) is in
    // flight, and answers BUSY then; a same-state request with nothing in
    // flight it answers with success and no notification.
    provider::Status status = provider_->set_state(state, flags);
    if (!status.ok()) throw_status(std::move(status));
}

olstate_subscription Session::subscribe(olstate_callback callback, void* context,
                                        olstate_release release, std::uint32_t flags) {
    if ((capabilities_ & kStateCapabilities) == 0)
        throw Failure(OLSTATE_E_NOT_SUPPORTED,
                      "the provider offers neither online nor offline capability, so it sends "
                      "no state notifications");
    auto sub = std::make_shared<Subscription>(next_subscription_token(), callback, context, release);
    const bool current = (flags & OLSTATE_SUBSCRIBE_CURRENT_STATE) != 0;
    if (current) {
        sub->prime();
        // INLINE holds every change from now on until it knows the floor.
        if (delivery_ != OLSTATE_DELIVERY_QUEUED) sub->primer()->hold_after(0);
    }
    const olstate_subscription token = sub->token();
    if (!subscriptions_.add(sub)) throw Failure(OLSTATE_E_INVALID_HANDLE, "the session is closing");
    if (current) {
        try {
            start_current(*sub);
        } catch (...) {
            // None of its callbacks ran (CURRENT was not delivered, and the
            // primer took every other event): the caller keeps its context.
            sub->disown();
            subscriptions_.remove(token);
            throw;
        }
    }
    return token;
}

void Session::start_current(Subscription& sub) {
    if (delivery_ == OLSTATE_DELIVERY_QUEUED) {
        const std::uint64_t read_at = dispatcher_.last_sequence();
        const std::uint32_t state = get_state();
        QueuedEvent event;
        event.kind = OLSTATE_EVENT_CURRENT;
        event.notify_time_us = now_us();
        event.target = sub.token();
        if (!dispatcher_.push_current(event, state, read_at))
            throw Failure(OLSTATE_E_INVALID_HANDLE, "the session is closing");
        return;
    }
    // INLINE: the primer held every change since the subscription was
    // added. Read the state until no notification arrived during the read
    // (so the state is at least as new as every change up to read_at), then
    // deliver CURRENT and the changes after read_at on this thread. The
    // number of tries is bounded against a storm; past it, a change held may
    // start from a state CURRENT already shows as left (never the reverse).
    CurrentStatePrimer* primer = sub.primer();
    std::uint64_t read_at = 0;
    std::uint32_t state = 0;
    for (int tries = 0;; ++tries) {
        read_at = numbers_.last();
        primer->hold_after(read_at);
        state = get_state();
        if (numbers_.last() == read_at || tries == 64) break;
    }
    const ThreadMark mark(ThreadMark::Kind::callback, id_);
    sub.deliver_current(current_state_event(state, read_at, now_us()));
}

olstate_result Session::wait_state(std::uint32_t state, std::uint32_t timeout_ms) {
    if (inside_provider_notify())
        throw Failure(OLSTATE_E_WOULD_DEADLOCK,
                      "waiting for a state on a provider notification thread (inside an INLINE "
                      "callback) would hang: the change would be notified on this very thread");
    return waiter_.wait(state, timeout_ms, [this] { return get_state(); });
}

bool Session::unsubscribe(olstate_subscription token) {
    const auto sub = subscriptions_.remove(token);
    if (!sub) return false;
    if (in_callback_of(id_)) {
        // Never wait here: the call running now may be this very callback.
        if (sub->stop(/*deferred=*/true) == 0) sub->release_once();
    } else {
        sub->stop(/*deferred=*/false);
        sub->wait_idle();
        sub->release_once();
    }
    return true;
}

void Session::close() noexcept {
    closing_.store(true);
    // Calls waiting for the provider's owner thread end now: close never
    // waits for a thread that may itself be waiting for this close.
    provider_->close_waits();
    waiter_.close();  // before waiting for calls: a wait in progress is one
    SubscriptionTable::Closed stopped = subscriptions_.close();
    if (!stopped.live) return;  // closed already (cannot happen: the registry hands close out once)
    for (const auto& sub : *stopped.live) sub->stop(/*deferred=*/false);

    if (!in_callback_of(id_) && !in_call_on(id_)) {
        teardown(std::move(stopped));
        return;
    }
    // Closed from inside one of its own callbacks (or from a callback nested
    // in a call on this session that this thread has not finished): finish
    // on a thread olstate owns once that has returned, never joining the
    // current thread and never calling Unadvise/Release from inside the
    // provider's Notify.
    auto self = shared_from_this();
    auto finish = [self, stopped = std::move(stopped)]() mutable {
        self->teardown(std::move(stopped));
    };
    if (delivery_ == OLSTATE_DELIVERY_QUEUED && dispatcher_.on_dispatcher_thread()) {
        dispatcher_.stop_from_inside(std::move(finish));
        return;
    }
    try {
        std::thread(std::move(finish)).detach();
    } catch (...) {
        // No thread could be created: the session stays closed but its
        // teardown cannot run without waiting for this very callback.
    }
}

void Session::teardown(SubscriptionTable::Closed stopped) noexcept {
    wait_calls_idle();
    if (advised_) {
        provider_->unadvise();
        advised_ = false;
    }
    if (!dispatcher_.on_dispatcher_thread()) dispatcher_.stop_and_join();
    // Retired: ended from inside a callback, perhaps still running on a
    // provider thread, their release left to their last call.
    const auto finish = [](const std::shared_ptr<Subscription>& sub) {
        sub->wait_idle();
        sub->release_once();
        sub->wait_released();
    };
    for (const auto& sub : *stopped.live) finish(sub);
    for (const auto& sub : stopped.retired) finish(sub);
    provider_.reset();
}

void Session::leave_call() noexcept {
    if (calls_.fetch_sub(1) == 1 && closing_.load()) idle::notify();
}

void Session::wait_calls_idle() noexcept {
    idle::wait_until([&] { return calls_.load() == 0; });
}

void Session::on_event(const provider::Event& e) noexcept {
    // A blocking set_state from a callback run here would wait on the very
    // thread the provider notifies on.
    const ProviderNotifyScope scope;
    if (closing_.load(std::memory_order_acquire)) return;
    // Waiters learn of it before any callback (and even with none).
    if (e.flags & OLSTATE_EVENT_FLAG_DROPPED) waiter_.observe_gap();
    waiter_.observe(e.kind, e.new_state);
    QueuedEvent event;
    event.kind = e.kind;
    event.old_state = e.old_state;
    event.new_state = e.new_state;
    event.flags = e.flags;
    event.notify_time_us = e.time_us;
    if (delivery_ == OLSTATE_DELIVERY_QUEUED) {
        dispatcher_.push(event);  // numbered in queue order
    } else {
        // INLINE promises no order across provider threads; the number is
        // still unique and gap-free.
        event.sequence = numbers_.next();
        deliver(event);
    }
}

void Session::deliver(const QueuedEvent& e) noexcept {
    const auto subs = subscriptions_.snapshot();
    if (!subs || subs->empty()) return;
    const ThreadMark mark(ThreadMark::Kind::callback, id_);
    if (e.target != 0) {  // a subscription's CURRENT (QUEUED)
        for (const auto& sub : *subs) {
            if (sub->token() == e.target)
                sub->deliver_current(current_state_event(e.new_state, e.sequence, e.notify_time_us));
        }
        return;
    }
    olstate_event event{};
    event.struct_size = sizeof(olstate_event);
    event.kind = e.kind;
    event.old_state = e.old_state;
    event.new_state = e.new_state;
    event.sequence = e.sequence;
    event.flags = e.flags;
    event.notify_time_us = e.notify_time_us;
    for (const auto& sub : *subs) sub->invoke(event);
}

void Session::fill_info(olstate_session_info& info) noexcept {
    info.provider = provider_kind_;
    std::string served;
    try {
        served = provider_->profile();  // a bridge session follows its host
    } catch (...) {
        // No memory to read it: the last name known stands.
    }
    info.profile = profile_.current(served);
    info.provider_path = provider_path_.c_str();
    info.threading = provider_->threading();
}

}  // namespace olstate
