// The one IMAPIOfflineNotify object a session advises on its offline object.
// It only filters and copies: notifications that are not about the
// online/offline bits are dropped here, as the API's documentation requires
// of clients; the rest go to the session (its queue, or straight through in
// INLINE mode). It holds the session weakly: a late notification after
// Unadvise, or after the session is gone, is ignored safely.
#pragma once

#include <atomic>
#include <memory>

#include "com/com_ptr.h"
#include "com/mapi_offline.h"
#include "com/olstate_private.h"
#include "core/queued_event.h"

namespace olstate {

// What the sink hands accepted notifications to (the session).
class NotifyTarget {
public:
    virtual void on_provider_notify(std::uint32_t kind, std::uint32_t old_state,
                                    std::uint32_t new_state) noexcept = 0;
    // The bridge's link changes (OLSTATE_EVENT_PROVIDER_LOST/BACK).
    virtual void on_provider_link(std::uint32_t kind, std::uint32_t old_state,
                                  std::uint32_t new_state) noexcept = 0;
    // Events were dropped before the next one (it carries the DROPPED flag).
    virtual void on_provider_dropped() noexcept = 0;

protected:
    ~NotifyTarget() = default;
};

// Besides IMAPIOfflineNotify it answers olstate's private
// IOlstateBridgeNotify, through which the bridge client reports what MAPI
// cannot say (host lost/back, events dropped on the way). Outlook never asks
// for it.
class NotifySink final : public com::IMAPIOfflineNotify, public com::IOlstateBridgeNotify {
public:
    static com::ComPtr<NotifySink> create(std::weak_ptr<NotifyTarget> target);

    com::HRESULT OLSTATE_COM_CALL QueryInterface(const com::Guid& iid, void** out) override;
    com::ULONG OLSTATE_COM_CALL AddRef() override;
    com::ULONG OLSTATE_COM_CALL Release() override;
    void OLSTATE_COM_CALL Notify(const com::MAPIOFFLINE_NOTIFY* info) override;
    void OLSTATE_COM_CALL LinkChanged(com::ULONG kind, com::ULONG old_state,
                                      com::ULONG new_state) override;
    void OLSTATE_COM_CALL EventsDropped() override;

    // Decides whether a provider notification is an online/offline change
    // olstate delivers; exposed for tests.
    static bool accept(const com::MAPIOFFLINE_NOTIFY* info) noexcept;

    explicit NotifySink(std::weak_ptr<NotifyTarget> target) noexcept;
    ~NotifySink() = default;

private:
    std::atomic<com::ULONG> refs_{1};
    const std::weak_ptr<NotifyTarget> target_;
};

}  // namespace olstate
