// The one IMAPIOfflineNotify object the COM provider advises on its offline
// object. It only filters and copies: notifications that are not about the
// online/offline bits are dropped here, as the API's documentation requires
// of clients; the rest go to the receiver (the session) with the time they
// arrived. It holds the receiver weakly: a late notification after Unadvise,
// or after the session is gone, is ignored safely.
#pragma once

#include <atomic>
#include <memory>

#include "com/com_ptr.h"
#include "com/mapi_offline.h"
#include "provider/provider.h"

namespace olstate::provider {

class NotifySink final : public com::IMAPIOfflineNotify {
public:
    static com::ComPtr<NotifySink> create(std::weak_ptr<EventReceiver> receiver);

    com::HRESULT OLSTATE_COM_CALL QueryInterface(const com::Guid& iid, void** out) override;
    com::ULONG OLSTATE_COM_CALL AddRef() override;
    com::ULONG OLSTATE_COM_CALL Release() override;
    void OLSTATE_COM_CALL Notify(const com::MAPIOFFLINE_NOTIFY* info) override;

    // Decides whether a provider notification is an online/offline change
    // olstate delivers; exposed for tests.
    static bool accept(const com::MAPIOFFLINE_NOTIFY* info) noexcept;
    // olstate's own connection notify types (com/olstate_connection.h) with
    // valid modes.
    static bool accept_connection(const com::MAPIOFFLINE_NOTIFY* info) noexcept;

    explicit NotifySink(std::weak_ptr<EventReceiver> receiver) noexcept;
    ~NotifySink() = default;

private:
    std::atomic<com::ULONG> refs_{1};
    const std::weak_ptr<EventReceiver> receiver_;
};

}  // namespace olstate::provider
