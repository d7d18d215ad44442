// The simulated offline object: IMAPIOfflineMgr (and so IMAPIOffline and
// IUnknown) with every placeholder slot, one per profile, kept for the life
// of the process. A state change sends STATECHANGE_START, STATECHANGE and
// STATECHANGE_DONE to every advised sink from a provider thread, as Outlook
// does; no simulator lock is held while a sink's Notify runs, so sinks may
// call back into the object.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "../com/com_ptr.h"
#include "../com/mapi_offline.h"
#include "../com/olstate_connection.h"
#include "connection_model.h"
#include "owner_inbox.h"
#include "work_queue.h"

namespace olstate::sim {

class OfflineObject final : public com::IMAPIOfflineMgr, public com::IOlstateConnection {
public:
    // The factory: objects are created once per profile and never freed.
    static OfflineObject& create();

    // IUnknown
    com::HRESULT OLSTATE_COM_CALL QueryInterface(const com::Guid& iid, void** out) override;
    com::ULONG OLSTATE_COM_CALL AddRef() override;
    com::ULONG OLSTATE_COM_CALL Release() override;
    // IMAPIOffline
    com::HRESULT OLSTATE_COM_CALL SetCurrentState(com::ULONG flags, com::ULONG mask,
                                                  com::ULONG state, void* reserved) override;
    com::HRESULT OLSTATE_COM_CALL GetCapabilities(com::ULONG* out) override;
    com::HRESULT OLSTATE_COM_CALL GetCurrentState(com::ULONG* out) override;
    com::HRESULT OLSTATE_COM_CALL Placeholder1(void*) override;
    // IMAPIOfflineMgr
    com::HRESULT OLSTATE_COM_CALL Advise(com::ULONG flags, com::MAPIOFFLINE_ADVISEINFO* info,
                                         com::ULONG* token) override;
    com::HRESULT OLSTATE_COM_CALL Unadvise(com::ULONG flags, com::ULONG token) override;
    com::HRESULT OLSTATE_COM_CALL Placeholder2(void*) override;
    com::HRESULT OLSTATE_COM_CALL Placeholder3(void*) override;
    com::HRESULT OLSTATE_COM_CALL Placeholder4(void*) override;
    com::HRESULT OLSTATE_COM_CALL Placeholder5(void*) override;
    com::HRESULT OLSTATE_COM_CALL Placeholder6(void*) override;
    com::HRESULT OLSTATE_COM_CALL Placeholder7(void*) override;
    com::HRESULT OLSTATE_COM_CALL Placeholder8(void*) override;
    // IOlstateConnection (olstate's own, com/olstate_connection.h)
    com::HRESULT OLSTATE_COM_CALL Snapshot(com::ConnectionSnapshot* out) override;

    // Strict mode (olstate_sim.h): HrOpenOfflineObj on the calling thread.
    // The first opener owns the object while clients hold references;
    // another thread gets OLSTATE_SIM_E_WRONG_THREAD (and a violation).
    com::HRESULT claim(const char* profile_for_messages);

    // Control API (olstate_sim.h).
    com::HRESULT request_change(com::ULONG state, bool wait);
    com::ULONG state();
    void set_capabilities(com::ULONG caps);
    void set_delivery(std::uint32_t mode, std::uint32_t threads);
    void send_raw(const com::MAPIOFFLINE_NOTIFY& n, std::uint32_t count, bool null_pointer);
    void storm(std::uint32_t threads, std::uint32_t count);
    void wait_idle();
    void reset();
    void unadvise_all();
    // The Exchange connection (olstate_sim.h): a change, when there is one,
    // is notified to every sink through the delivery mode.
    ConnectionModel& connection() noexcept { return connection_; }
    void notify_connection(const std::optional<ConnectionModel::Change>& change);
    // References clients hold (the simulator's own cached one excluded).
    std::uint32_t client_refs() const noexcept;
    std::uint32_t advised() ;

    OfflineObject() = default;
    ~OfflineObject() = default;

private:
    struct Advised {
        com::ULONG token;
        com::ULONG client_token;
        com::ComPtr<com::IMAPIOfflineNotify> sink;
    };

    // Runs `job` as the current delivery mode says (SYNC: here and now);
    // strict mode with an owner: in the owner's inbox.
    void deliver(WorkQueue::Job job);
    // Strict mode: S_OK on the owner thread (or with no owner); else a
    // counted violation and OLSTATE_SIM_E_WRONG_THREAD.
    com::HRESULT check_thread(const char* call);
    // The owner's inbox when strict mode routes notifications there.
    OwnerInbox* strict_inbox();
    // Strict mode: a blocking change asked for while the owner runs a
    // notification hangs for OLSTATE_SIM_HANG_MS, then fails (counted).
    com::HRESULT hang_in_notification();
    void send_to_all(com::MAPIOFFLINE_NOTIFY n, bool null_pointer = false);
    // START and CHANGE, then finish_change; `then` runs after DONE.
    void run_change(com::ULONG old_state, com::ULONG new_state, WorkQueue::Job then = {}) noexcept;
    // DONE (once OLSTATE_SIM_MISBEHAVE_HOLD_DONE lets it), then `then`.
    void finish_change(com::ULONG old_state, com::ULONG new_state, WorkQueue::Job then) noexcept;
    // START, CHANGE, DONE from `from` to `to`, without changing the state.
    void send_change(com::ULONG from, com::ULONG to);

    std::atomic<com::ULONG> refs_{1};  // the cache's own reference
    std::mutex mutex_;
    com::ULONG state_ = com::MAPIOFFLINE_STATE_ONLINE;
    com::ULONG caps_ = com::MAPIOFFLINE_CAPABILITY_OFFLINE | com::MAPIOFFLINE_CAPABILITY_ONLINE;
    bool in_flight_ = false;
    std::vector<Advised> sinks_;
    com::ULONG next_token_ = 1;
    std::uint32_t delivery_ = 0;  // OLSTATE_SIM_DELIVERY_*
    std::uint32_t pool_threads_ = 1;
    OwnerInbox* owner_ = nullptr;  // strict mode: the opening thread's inbox, while clients hold references
    std::string name_;             // the profile, for violation messages
    ConnectionModel connection_;
    WorkQueue fifo_;
    WorkQueue pool_;
};

}  // namespace olstate::sim
