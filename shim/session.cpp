#include "session.h"

#include <chrono>
#include <thread>


#include "bridge/client_error.h"
#include "callback_scope.h"
#include "current_state.h"
#include "com/olstate_private.h"
#include "com/hresult_names.h"
#include "failure.h"
#include "idle_wait.h"
#include "provider/outlook.h"
#include "text/utf.h"

namespace olstate {

using namespace com;

namespace {

std::uint64_t now_us() noexcept {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

// A failing HRESULT from the provider, as the contract's result code.
[[noreturn]] void provider_failed(const std::string& what, HRESULT hr) {
    // The bridge client's own failures carry their result and message.
    if (auto f = bridge::take_failure(hr, what)) throw *f;
    std::int32_t result = OLSTATE_E_PROVIDER_FAILED;
    switch (hr) {
        case E_PENDING_: result = OLSTATE_E_BUSY; break;
        case E_NOTIMPL_:
        case MAPI_E_NO_SUPPORT_: result = OLSTATE_E_NOT_SUPPORTED; break;
        case E_OUTOFMEMORY_: result = OLSTATE_E_OUT_OF_MEMORY; break;
        default: break;
    }
    throw Failure(result, what + " failed: " + describe_hresult(hr), hr);
}

}  // namespace

std::shared_ptr<Session> Session::open(const OpenRequest& request, std::uint64_t id) {
    auto session = std::make_shared<Session>(id, request.delivery, request.flags);
    session->attach_provider(request);
    return session;
}

Session::Session(std::uint64_t id, std::uint32_t delivery, std::uint32_t open_flags)
    : id_(id), delivery_(delivery), waiter_((open_flags & OLSTATE_OPEN_RECONNECT) != 0) {}

Session::~Session() {
    // Only a session that never reached the registry (its open failed after
    // Advise) still has teardown work; a closed one has none left. Sessions
    // left open are never destroyed (the registry outlives the process).
    if (advised_) manager_->Unadvise(MAPIOFFLINE_UNADVISE_DEFAULT, advise_token_);
    // After a failed open the dispatcher may still wait for work; after a
    // close it has been joined or has detached itself.
    dispatcher_.stop_and_join();
}

void Session::attach_provider(const OpenRequest& request) {
    const provider::ResolvedProvider resolved =
        provider::resolve(request.provider, request.provider_path, request.flags);
    provider_kind_ = resolved.kind;
    provider_path_ = resolved.library.path;
    std::string profile = request.has_profile ? request.profile : provider::default_profile(resolved);
    const auto wide = text::utf8_to_utf16(profile);
    if (!wide) throw Failure(OLSTATE_E_INVALID_ARGUMENT, "profile name is not valid UTF-8");

    const std::string where = " (provider '" + provider_path_ + "', profile '" + profile + "')";
    IMAPIOfflineMgr* raw = nullptr;
    const HRESULT hr =
        resolved.open(0, wide->c_str(), &GUID_GlobalState, nullptr, &raw);
    if (failed(hr)) {
        if (auto f = bridge::take_failure(hr, "opening the bridge" + where)) throw *f;
        if (hr == MAPI_E_NOT_FOUND_) {
            const std::int32_t result = provider::result_for_profile_not_found(resolved);
            throw Failure(result,
                          (result == OLSTATE_E_NOT_IN_OUTLOOK
                               ? "Outlook's MAPI DLL answers only inside OUTLOOK.EXE; use the bridge"
                               : "HrOpenOfflineObj did not find the profile") +
                              where + ": " + describe_hresult(hr),
                          hr);
        }
        provider_failed("HrOpenOfflineObj" + where, hr);
    }
    manager_ = ComPtr<IMAPIOfflineMgr>::adopt(raw);
    if (!manager_)
        throw Failure(OLSTATE_E_PROVIDER_FAILED,
                      "HrOpenOfflineObj returned S_OK but no offline object" + where);

    HRESULT qi = manager_->QueryInterface(IID_IMAPIOffline, reinterpret_cast<void**>(offline_.put()));
    if (failed(qi)) provider_failed("QueryInterface(IID_IMAPIOffline)" + where, qi);
    if (!offline_)
        throw Failure(OLSTATE_E_PROVIDER_FAILED,
                      "QueryInterface(IID_IMAPIOffline) returned S_OK but no interface" + where);

    // A bridge session reports the profile the host serves (the caller may
    // have asked for "whatever it serves"), live (live_profile.h). Asked of
    // olstate's own bridge object only: a foreign provider is never handed a
    // private IID it might answer wrongly.
    ComPtr<IOlstateBridgeInfo> bridge_info;
    if (provider_kind_ == OLSTATE_PROVIDER_BRIDGE &&
        failed(manager_->QueryInterface(IID_IOlstateBridgeInfo,
                                        reinterpret_cast<void**>(bridge_info.put()))))
        bridge_info.reset();
    profile_.start(std::move(profile), std::move(bridge_info));

    ULONG caps = 0;
    const HRESULT gc = offline_->GetCapabilities(&caps);
    if (failed(gc)) provider_failed("IMAPIOffline::GetCapabilities" + where, gc);
    capabilities_ = caps & (MAPIOFFLINE_CAPABILITY_OFFLINE | MAPIOFFLINE_CAPABILITY_ONLINE);

    provider::pin_olstate_module();
    if (delivery_ == OLSTATE_DELIVERY_QUEUED) {
        dispatcher_.start([this](const QueuedEvent& e) { deliver(e); });
    }
    sink_ = NotifySink::create(weak_from_this());

    // The documented sequence advises only when some capability is offered.
    if (capabilities_ == 0) return;
    MAPIOFFLINE_ADVISEINFO info{};
    info.ulSize = sizeof info;
    info.ulClientToken = static_cast<ULONG>(id_);  // opaque to us: never a pointer
    info.CallbackType = MAPIOFFLINE_CALLBACK_TYPE_NOTIFY;
    info.pCallback = static_cast<IMAPIOfflineNotify*>(sink_.get());
    info.ulAdviseTypes = MAPIOFFLINE_ADVISE_TYPE_STATECHANGE;
    info.ulStateMask = MAPIOFFLINE_STATE_ALL;
    ULONG token = 0;
    const HRESULT ad = manager_->Advise(MAPIOFFLINE_ADVISE_DEFAULT, &info, &token);
    if (failed(ad)) provider_failed("IMAPIOfflineMgr::Advise" + where, ad);
    advise_token_ = token;
    advised_ = true;
}

std::uint32_t Session::get_state() {
    ULONG state = 0;
    const HRESULT hr = offline_->GetCurrentState(&state);
    if (failed(hr)) provider_failed("IMAPIOffline::GetCurrentState", hr);
    state &= MAPIOFFLINE_STATE_OFFLINE_MASK;
    if (state != MAPIOFFLINE_STATE_ONLINE && state != MAPIOFFLINE_STATE_OFFLINE)
        throw Failure(OLSTATE_E_PROVIDER_FAILED,
                      "IMAPIOffline::GetCurrentState reported neither online nor offline (" +
                          std::to_string(state) + ")");
    return state;
}

void Session::set_state(std::uint32_t state, std::uint32_t flags) {
    if (flags == OLSTATE_SET_BLOCK && inside_provider_notify())
        throw Failure(OLSTATE_E_WOULD_DEADLOCK,
                      "a blocking state change on a provider notification thread (inside an "
                      "INLINE callback) would hang Outlook; use OLSTATE_SET_DEFAULT there");
    // No short cut for "already in that state": only the provider knows
    // whether a change (started by any session or by the user) is in
    // flight, and answers E_PENDING then; a same-state request with nothing
    // in flight it answers with S_OK and no notification.
    const ULONG mapi_flags =
        flags == OLSTATE_SET_BLOCK ? MAPIOFFLINE_FLAG_BLOCK : MAPIOFFLINE_FLAG_DEFAULT;
    const HRESULT hr =
        offline_->SetCurrentState(mapi_flags, MAPIOFFLINE_STATE_OFFLINE_MASK, state, nullptr);
    if (hr == E_PENDING_)
        throw Failure(OLSTATE_E_BUSY,
                      "IMAPIOffline::SetCurrentState: a state change is still in progress: " +
                          describe_hresult(hr),
                      hr);
    if (failed(hr)) provider_failed("IMAPIOffline::SetCurrentState", hr);
}

olstate_subscription Session::subscribe(olstate_callback callback, void* context,
                                        olstate_release release, std::uint32_t flags) {
    if (capabilities_ == 0)
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
        read_at = sequence_.load(std::memory_order_acquire);
        primer->hold_after(read_at);
        state = get_state();
        if (sequence_.load(std::memory_order_acquire) == read_at || tries == 64) break;
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
        // Unadvise is documented to return S_OK; if a provider fails it
        // anyway, olstate's own guarantees do not depend on it.
        manager_->Unadvise(MAPIOFFLINE_UNADVISE_DEFAULT, advise_token_);
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
    profile_.stop();
    offline_.reset();
    manager_.reset();
    sink_.reset();
}

void Session::leave_call() noexcept {
    if (calls_.fetch_sub(1) == 1 && closing_.load()) idle::notify();
}

void Session::wait_calls_idle() noexcept {
    idle::wait_until([&] { return calls_.load() == 0; });
}

void Session::on_provider_notify(std::uint32_t kind, std::uint32_t old_state,
                                 std::uint32_t new_state) noexcept {
    QueuedEvent event;
    event.kind = kind;
    event.old_state = old_state;
    event.new_state = new_state;
    accept_event(event);
}

void Session::on_provider_link(std::uint32_t kind, std::uint32_t old_state,
                               std::uint32_t new_state) noexcept {
    // Only olstate's own bridge client speaks this extension; anything else
    // asking for it is ignored.
    if (provider_kind_ != OLSTATE_PROVIDER_BRIDGE) return;
    // The bridge's LOST/BACK go the same way as state changes: same
    // sequence numbers, same delivery mode, same guarantees.
    QueuedEvent event;
    event.kind = kind;
    event.old_state = old_state;
    event.new_state = new_state;
    accept_event(event);
}

void Session::on_provider_dropped() noexcept {
    if (provider_kind_ != OLSTATE_PROVIDER_BRIDGE) return;
    // The flag belongs to the next event the provider hands over (the one
    // right after the gap), in both delivery modes.
    dropped_before_next_.store(true);
    waiter_.observe_gap();
}

void Session::accept_event(QueuedEvent event) noexcept {
    if (closing_.load(std::memory_order_acquire)) return;
    // Waiters learn of it before any callback (and even with none).
    waiter_.observe(event.kind, event.new_state);
    event.notify_time_us = now_us();
    // A plain load first: the exchange (a read-modify-write) only after the
    // bridge reported a gap, not on every notification.
    if (dropped_before_next_.load(std::memory_order_relaxed) && dropped_before_next_.exchange(false))
        event.flags |= OLSTATE_EVENT_FLAG_DROPPED;
    if (delivery_ == OLSTATE_DELIVERY_QUEUED) {
        dispatcher_.push(event);  // numbered in queue order
    } else {
        // INLINE promises no order across provider threads; the number is
        // still unique and gap-free.
        event.sequence = sequence_.fetch_add(1, std::memory_order_relaxed) + 1;
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
    info.profile = profile_.current();
    info.provider_path = provider_path_.c_str();
}

}  // namespace olstate
