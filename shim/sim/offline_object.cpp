#include "offline_object.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <thread>

#include "faults.h"
#include "olstate_sim.h"
#include "strict.h"

namespace olstate::sim {

using namespace com;

namespace {

std::string this_thread_name() { return Strict::get().name_of(std::this_thread::get_id()); }

}  // namespace

OfflineObject& OfflineObject::create() {
    // Leaked on purpose: an offline object lives as long as the process, so
    // a late notification or a provider thread never meets a freed object.
    return *std::make_unique<OfflineObject>().release();
}

HRESULT OfflineObject::QueryInterface(const Guid& iid, void** out) {
    const CallInProgress counted;
    if (!out) return E_POINTER_;
    *out = nullptr;
    if (const HRESULT hr = check_thread("QueryInterface"); failed(hr)) return hr;
    if (const HRESULT hr = Faults::get().take(OLSTATE_SIM_CALL_QUERY_INTERFACE); failed(hr)) return hr;
    if (iid == IID_IUnknown_ || iid == IID_IMAPIOffline || iid == IID_IMAPIOfflineMgr) {
        AddRef();
        *out = static_cast<IMAPIOfflineMgr*>(this);
        return S_OK_;
    }
    if (iid == IID_IOlstateConnection && connection_.reported()) {
        AddRef();
        *out = static_cast<IOlstateConnection*>(this);
        return S_OK_;
    }
    return E_NOINTERFACE_;
}

ULONG OfflineObject::AddRef() {
    (void)check_thread("AddRef");  // counted; a reference cannot be refused
    return refs_.fetch_add(1) + 1;
}

ULONG OfflineObject::Release() {
    (void)check_thread("Release");  // counted; a reference cannot be refused
    // The cache's reference is never given up: a client releasing more than
    // it holds cannot destroy the shared object.
    ULONG r = refs_.load();
    while (r > 1 && !refs_.compare_exchange_weak(r, r - 1)) {
    }
    if (r == 2) {
        // The last client reference: the object belongs to nobody until the
        // next HrOpenOfflineObj.
        std::lock_guard lock(mutex_);
        if (refs_.load() == 1) owner_ = nullptr;
    }
    return r > 1 ? r - 1 : 1;
}

HRESULT OfflineObject::claim(const char* profile_for_messages) {
    if (!Strict::get().on()) return S_OK_;
    std::thread::id owner;
    {
        std::lock_guard lock(mutex_);
        name_ = profile_for_messages;
        if (!owner_ || client_refs() == 0) {
            owner_ = &OwnerInbox::of_current_thread();
            return S_OK_;
        }
        if (owner_->is_current()) return S_OK_;
        owner = owner_->owner();
    }
    Strict::get().violation(OLSTATE_SIM_VIOLATION_WRONG_THREAD,
                            "HrOpenOfflineObj on " + this_thread_name() + ": the offline object of profile '" +
                                profile_for_messages + "' is open on " + Strict::get().name_of(owner) +
                                " (RPC_E_WRONG_THREAD)");
    return OLSTATE_SIM_E_WRONG_THREAD;
}

HRESULT OfflineObject::check_thread(const char* call) {
    if (!Strict::get().on()) return S_OK_;
    std::thread::id owner;
    std::string name;
    {
        std::lock_guard lock(mutex_);
        if (!owner_ || owner_->is_current()) return S_OK_;
        owner = owner_->owner();
        name = name_;
    }
    Strict::get().violation(OLSTATE_SIM_VIOLATION_WRONG_THREAD,
                            std::string(call) + " on " + this_thread_name() + ": the offline object of profile '" +
                                name + "' belongs to " + Strict::get().name_of(owner) + " (RPC_E_WRONG_THREAD)");
    return OLSTATE_SIM_E_WRONG_THREAD;
}

OwnerInbox* OfflineObject::strict_inbox() {
    if (!Strict::get().on()) return nullptr;
    std::lock_guard lock(mutex_);
    return owner_;
}

HRESULT OfflineObject::hang_in_notification() {
    // What Outlook does here is hang for good; the simulator hangs for a
    // bounded time, so that the test reports it instead of never ending.
    std::this_thread::sleep_for(std::chrono::milliseconds(OLSTATE_SIM_HANG_MS));
    std::string name;
    {
        std::lock_guard lock(mutex_);
        name = name_;
    }
    Strict::get().violation(OLSTATE_SIM_VIOLATION_BLOCKING_SET_IN_NOTIFY,
                            "blocking SetCurrentState (MAPIOFFLINE_FLAG_BLOCK) on " + this_thread_name() +
                                " while it runs a notification of profile '" + name +
                                "': Outlook hangs here; the simulator gave up after " +
                                std::to_string(OLSTATE_SIM_HANG_MS) + " ms");
    return OLSTATE_SIM_E_HUNG;
}

std::uint32_t OfflineObject::client_refs() const noexcept { return refs_.load() - 1; }

std::uint32_t OfflineObject::advised() {
    std::lock_guard lock(mutex_);
    return static_cast<std::uint32_t>(sinks_.size());
}

HRESULT OfflineObject::SetCurrentState(ULONG flags, ULONG mask, ULONG state, void* reserved) {
    const CallInProgress counted;
    if (const HRESULT hr = check_thread("SetCurrentState"); failed(hr)) return hr;
    if (const HRESULT hr = Faults::get().take(OLSTATE_SIM_CALL_SET_STATE); failed(hr)) return hr;
    if ((flags != MAPIOFFLINE_FLAG_DEFAULT && flags != MAPIOFFLINE_FLAG_BLOCK) ||
        mask != MAPIOFFLINE_STATE_OFFLINE_MASK || reserved ||
        (state != MAPIOFFLINE_STATE_ONLINE && state != MAPIOFFLINE_STATE_OFFLINE))
        return E_INVALIDARG_;
    if (flags == MAPIOFFLINE_FLAG_BLOCK) {
        OwnerInbox* inbox = strict_inbox();
        if (inbox && inbox->is_current() && inbox->in_notification()) return hang_in_notification();
    }
    return request_change(state, flags == MAPIOFFLINE_FLAG_BLOCK);
}

HRESULT OfflineObject::GetCapabilities(ULONG* out) {
    const CallInProgress counted;
    if (const HRESULT hr = check_thread("GetCapabilities"); failed(hr)) return hr;
    if (const HRESULT hr = Faults::get().take(OLSTATE_SIM_CALL_GET_CAPABILITIES); failed(hr)) return hr;
    if (!out) return E_INVALIDARG_;
    std::lock_guard lock(mutex_);
    *out = caps_;
    return S_OK_;
}

HRESULT OfflineObject::GetCurrentState(ULONG* out) {
    const CallInProgress counted;
    if (const HRESULT hr = check_thread("GetCurrentState"); failed(hr)) return hr;
    if (const HRESULT hr = Faults::get().take(OLSTATE_SIM_CALL_GET_STATE); failed(hr)) return hr;
    if (!out) return E_INVALIDARG_;
    std::lock_guard lock(mutex_);
    *out = state_;
    return S_OK_;
}

// Slots Outlook reserves: callers must not use them.
HRESULT OfflineObject::Placeholder1(void*) { return E_NOTIMPL_; }
HRESULT OfflineObject::Placeholder2(void*) { return E_NOTIMPL_; }
HRESULT OfflineObject::Placeholder3(void*) { return E_NOTIMPL_; }
HRESULT OfflineObject::Placeholder4(void*) { return E_NOTIMPL_; }
HRESULT OfflineObject::Placeholder5(void*) { return E_NOTIMPL_; }
HRESULT OfflineObject::Placeholder6(void*) { return E_NOTIMPL_; }
HRESULT OfflineObject::Placeholder7(void*) { return E_NOTIMPL_; }
HRESULT OfflineObject::Placeholder8(void*) { return E_NOTIMPL_; }

HRESULT OfflineObject::Advise(ULONG flags, MAPIOFFLINE_ADVISEINFO* info, ULONG* token) {
    const CallInProgress counted;
    if (const HRESULT hr = check_thread("Advise"); failed(hr)) return hr;
    if (const HRESULT hr = Faults::get().take(OLSTATE_SIM_CALL_ADVISE); failed(hr)) return hr;
    if (flags != MAPIOFFLINE_ADVISE_DEFAULT || !info || !token ||
        info->ulSize != sizeof(MAPIOFFLINE_ADVISEINFO) ||
        info->CallbackType != MAPIOFFLINE_CALLBACK_TYPE_NOTIFY ||
        info->ulAdviseTypes != MAPIOFFLINE_ADVISE_TYPE_STATECHANGE ||
        info->ulStateMask != MAPIOFFLINE_STATE_ALL || !info->pCallback)
        return E_INVALIDARG_;
    ComPtr<IMAPIOfflineNotify> sink;
    if (failed(info->pCallback->QueryInterface(IID_IMAPIOfflineNotify,
                                               reinterpret_cast<void**>(sink.put()))) ||
        !sink)
        return E_NOINTERFACE_;
    MAPIOFFLINE_NOTIFY hello{};
    {
        std::lock_guard lock(mutex_);
        const ULONG t = next_token_++;
        if (next_token_ == 0) next_token_ = 1;  // 0 is never a token
        sinks_.push_back({t, info->ulClientToken, sink});
        ++Faults::get().held_sinks;
        *token = t;
        hello = {sizeof hello, MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE, info->ulClientToken,
                 {{MAPIOFFLINE_STATE_OFFLINE_MASK, state_, state_}}};
    }
    if (Faults::get().misbehaves(OLSTATE_SIM_MISBEHAVE_NOTIFY_IN_ADVISE)) sink->Notify(&hello);
    return S_OK_;
}

HRESULT OfflineObject::Unadvise(ULONG flags, ULONG token) {
    const CallInProgress counted;
    if (const HRESULT hr = check_thread("Unadvise"); failed(hr)) return hr;
    if (const HRESULT hr = Faults::get().take(OLSTATE_SIM_CALL_UNADVISE); failed(hr)) return hr;
    if (flags != MAPIOFFLINE_UNADVISE_DEFAULT) return E_INVALIDARG_;
    if (Faults::get().misbehaves(OLSTATE_SIM_MISBEHAVE_SLOW_UNADVISE))
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Advised removed;
    ULONG state = 0;
    {
        std::lock_guard lock(mutex_);
        auto it = sinks_.begin();
        while (it != sinks_.end() && it->token != token) ++it;
        if (it == sinks_.end()) return E_INVALIDARG_;
        removed = std::move(*it);
        sinks_.erase(it);
        state = state_;
    }
    if (Faults::get().misbehaves(OLSTATE_SIM_MISBEHAVE_LATE_NOTIFY)) {
        // Keep the sink for one more notification after Unadvise returned.
        auto late = std::make_shared<Advised>(std::move(removed));
        fifo_.post(
            [late, state] {
                const MAPIOFFLINE_NOTIFY n{sizeof n, MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE,
                                           late->client_token,
                                           {{MAPIOFFLINE_STATE_OFFLINE_MASK, state, state}}};
                late->sink->Notify(&n);
                late->sink.reset();
                --Faults::get().held_sinks;
            },
            1);
        return S_OK_;
    }
    removed.sink.reset();
    --Faults::get().held_sinks;
    return S_OK_;
}

HRESULT OfflineObject::request_change(ULONG new_state, bool wait) {
    OwnerInbox* const inbox = strict_inbox();
    ULONG old_state = 0;
    {
        std::lock_guard lock(mutex_);
        if (in_flight_) return E_PENDING_;
        if (state_ == new_state) return S_OK_;
        // Where Outlook would hang (a blocking change from its own
        // notification thread), fail instead of hanging the test process.
        if (wait && !inbox && delivery_ != OLSTATE_SIM_DELIVERY_SYNC &&
            (fifo_.on_provider_thread() || pool_.on_provider_thread()))
            return E_UNEXPECTED_;
        in_flight_ = true;
        old_state = state_;
    }
    if (!wait) {
        deliver([this, old_state, new_state] { run_change(old_state, new_state); });
        return S_OK_;
    }
    // A flag and a condition variable, not std::latch: libstdc++ 12's latch
    // (atomic wait) can miss a wakeup on MinGW.
    struct Done {
        std::mutex mutex;
        std::condition_variable cv;
        bool done = false;
    };
    auto done = std::make_shared<Done>();
    deliver([this, old_state, new_state, done] {
        run_change(old_state, new_state, [done] {
            {
                const std::lock_guard lock(done->mutex);
                done->done = true;
            }
            done->cv.notify_all();
        });
    });
    if (inbox && inbox->is_current()) {
        // Strict mode on the owner thread: the change runs here, in turn.
        inbox->pump_until([&] {
            const std::lock_guard lock(done->mutex);
            return done->done;
        });
        return S_OK_;
    }
    std::unique_lock lock(done->mutex);
    done->cv.wait(lock, [&] { return done->done; });
    return S_OK_;
}

void OfflineObject::run_change(ULONG old_state, ULONG new_state, WorkQueue::Job then) noexcept {
    MAPIOFFLINE_NOTIFY n{sizeof n, MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START, 0,
                         {{MAPIOFFLINE_STATE_OFFLINE_MASK, old_state, new_state}}};
    send_to_all(n);
    {
        std::lock_guard lock(mutex_);
        state_ = new_state;
    }
    n.NotifyType = MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE;
    send_to_all(n);
    finish_change(old_state, new_state, std::move(then));
}

void OfflineObject::finish_change(ULONG old_state, ULONG new_state, WorkQueue::Job then) noexcept {
    // A change Outlook is slow to finish (olstate_sim.h): DONE waits, the
    // change stays under way, and so does a blocking SetCurrentState.
    if (Faults::get().misbehaves(OLSTATE_SIM_MISBEHAVE_HOLD_DONE)) {
        if (strict_inbox()) {
            // Strict: the owner thread must keep running its loop (it may be
            // the one to end the hold), so the rest of the change is queued
            // to it again when the hold ends instead of waiting here.
            try {
                if (Faults::get().hold_until_released([this, old_state, new_state, then] {
                        deliver([this, old_state, new_state, then] { finish_change(old_state, new_state, then); });
                    }))
                    return;
            } catch (...) {
                // No memory to keep it: wait here after all.
            }
        }
        Faults::get().wait_while_holding_done();
    }
    {
        std::lock_guard lock(mutex_);
        in_flight_ = false;  // just before DONE, as documented
    }
    MAPIOFFLINE_NOTIFY n{sizeof n, MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE, 0,
                         {{MAPIOFFLINE_STATE_OFFLINE_MASK, old_state, new_state}}};
    send_to_all(n);
    if (then) then();
}

void OfflineObject::send_to_all(MAPIOFFLINE_NOTIFY n, bool null_pointer) {
    // Each notification goes to the sinks advised when it is sent; the
    // snapshot holds references, so no lock is held while sinks run.
    std::vector<Advised> snapshot;
    {
        std::lock_guard lock(mutex_);
        snapshot = sinks_;
    }
    for (const Advised& a : snapshot) {
        n.ulClientToken = a.client_token;
        a.sink->Notify(null_pointer ? nullptr : &n);
    }
}

void OfflineObject::deliver(WorkQueue::Job job) {
    if (OwnerInbox* inbox = strict_inbox()) {
        inbox->post(std::move(job));
        return;
    }
    std::uint32_t mode = 0, threads = 1;
    {
        std::lock_guard lock(mutex_);
        mode = delivery_;
        threads = pool_threads_;
    }
    switch (mode) {
        case OLSTATE_SIM_DELIVERY_SYNC: job(); break;
        case OLSTATE_SIM_DELIVERY_POOL: pool_.post(std::move(job), threads); break;
        default: fifo_.post(std::move(job), 1); break;
    }
}

ULONG OfflineObject::state() {
    std::lock_guard lock(mutex_);
    return state_;
}

void OfflineObject::set_capabilities(ULONG caps) {
    std::lock_guard lock(mutex_);
    caps_ = caps;
}

void OfflineObject::set_delivery(std::uint32_t mode, std::uint32_t threads) {
    std::lock_guard lock(mutex_);
    delivery_ = mode;
    pool_threads_ = threads == 0 ? 1 : threads;
}

void OfflineObject::send_raw(const MAPIOFFLINE_NOTIFY& n, std::uint32_t count, bool null_pointer) {
    std::uint32_t mode = 0;
    {
        std::lock_guard lock(mutex_);
        mode = delivery_;
    }
    if (mode == OLSTATE_SIM_DELIVERY_POOL) {
        // One job per notification: the pool sends them concurrently.
        for (std::uint32_t i = 0; i < count; ++i)
            deliver([this, n, null_pointer] { send_to_all(n, null_pointer); });
        return;
    }
    deliver([this, n, count, null_pointer] {
        for (std::uint32_t i = 0; i < count; ++i) send_to_all(n, null_pointer);
    });
}

void OfflineObject::storm(std::uint32_t threads, std::uint32_t count) {
    if (OwnerInbox* inbox = strict_inbox()) {
        // Strict mode: every notification on the owner thread, in turn.
        for (std::uint32_t i = 0; i < threads * count; ++i) {
            const ULONG from = (i % 2) ? MAPIOFFLINE_STATE_OFFLINE : MAPIOFFLINE_STATE_ONLINE;
            const ULONG to = (i % 2) ? MAPIOFFLINE_STATE_ONLINE : MAPIOFFLINE_STATE_OFFLINE;
            inbox->post([this, from, to] { send_change(from, to); });
        }
        wait_idle();
        return;
    }
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (std::uint32_t t = 0; t < threads; ++t) {
        pool.emplace_back([this, count] {
            for (std::uint32_t i = 0; i < count; ++i) {
                const ULONG from = (i % 2) ? MAPIOFFLINE_STATE_OFFLINE : MAPIOFFLINE_STATE_ONLINE;
                const ULONG to = (i % 2) ? MAPIOFFLINE_STATE_ONLINE : MAPIOFFLINE_STATE_OFFLINE;
                send_change(from, to);
            }
        });
    }
    for (auto& t : pool) t.join();
}

void OfflineObject::send_change(ULONG from, ULONG to) {
    MAPIOFFLINE_NOTIFY n{sizeof n, MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START, 0,
                         {{MAPIOFFLINE_STATE_OFFLINE_MASK, from, to}}};
    for (ULONG type = MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START; type <= MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE;
         ++type) {
        n.NotifyType = static_cast<MAPIOFFLINE_NOTIFY_TYPE>(type);
        send_to_all(n);
    }
}

void OfflineObject::wait_idle() {
    if (OwnerInbox* inbox = strict_inbox()) {
        if (inbox->is_current()) inbox->pump(std::chrono::milliseconds(0));
        else inbox->wait_idle();
    }
    fifo_.wait_idle();
    pool_.wait_idle();
}

void OfflineObject::unadvise_all() {
    std::vector<Advised> dropped;
    {
        std::lock_guard lock(mutex_);
        dropped.swap(sinks_);
    }
    Faults::get().held_sinks -= static_cast<std::int32_t>(dropped.size());
    // `dropped` releases the sinks here, outside the lock.
}

HRESULT OfflineObject::Snapshot(ConnectionSnapshot* out) {
    // Free-threaded, no strict-mode check: it stands for what olstate's
    // owner thread read from the object model last (olstate_connection.h).
    if (!out) return E_POINTER_;
    ++Faults::get().connection_reads;  // a failed poll is a read all the same
    if (const HRESULT hr = Faults::get().take(OLSTATE_SIM_CALL_POLL_CONNECTION); failed(hr)) return hr;
    connection_.snapshot(*out);
    return S_OK_;
}

void OfflineObject::notify_connection(const std::optional<ConnectionModel::Change>& change) {
    if (!change) return;
    MAPIOFFLINE_NOTIFY n{};
    n.ulSize = sizeof n;
    n.NotifyType = static_cast<MAPIOFFLINE_NOTIFY_TYPE>(change->type);
    n.Info.StateChange = {0, change->old_mode, change->new_mode};
    deliver([this, n] { send_to_all(n); });
}

void OfflineObject::reset() {
    connection_.reset();
    std::lock_guard lock(mutex_);
    state_ = MAPIOFFLINE_STATE_ONLINE;
    caps_ = MAPIOFFLINE_CAPABILITY_OFFLINE | MAPIOFFLINE_CAPABILITY_ONLINE;
    delivery_ = OLSTATE_SIM_DELIVERY_THREAD;
    pool_threads_ = 1;
}

}  // namespace olstate::sim
