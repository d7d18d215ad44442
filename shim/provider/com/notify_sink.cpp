#include "notify_sink.h"

#include <memory>

#include <olstate.h>

#include "core/callback_scope.h"

namespace olstate {

using namespace com;

// The factory: the only place a sink is allocated; COM reference counting
// frees it (Release below).
ComPtr<NotifySink> NotifySink::create(std::weak_ptr<NotifyTarget> target) {
    auto owned = std::make_unique<NotifySink>(std::move(target));
    return ComPtr<NotifySink>::adopt(owned.release());
}

NotifySink::NotifySink(std::weak_ptr<NotifyTarget> target) noexcept : target_(std::move(target)) {}

HRESULT NotifySink::QueryInterface(const Guid& iid, void** out) {
    if (!out) return E_POINTER_;
    if (iid == IID_IUnknown_ || iid == IID_IMAPIOfflineNotify) {
        AddRef();
        *out = static_cast<IMAPIOfflineNotify*>(this);
        return S_OK_;
    }
    if (iid == IID_IOlstateBridgeNotify) {
        AddRef();
        *out = static_cast<IOlstateBridgeNotify*>(this);
        return S_OK_;
    }
    *out = nullptr;
    return E_NOINTERFACE_;
}

ULONG NotifySink::AddRef() { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }

ULONG NotifySink::Release() {
    const ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if (left == 0) {
        const std::unique_ptr<NotifySink> doomed(this);  // allocated by create()
    }
    return left;
}

bool NotifySink::accept(const MAPIOFFLINE_NOTIFY* info) noexcept {
    if (!info) return false;
    // A smaller struct cannot be read safely; a larger one is a newer
    // provider that kept the documented prefix.
    if (info->ulSize < sizeof(MAPIOFFLINE_NOTIFY)) return false;
    const auto type = static_cast<std::uint32_t>(info->NotifyType);
    if (type < MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START ||
        type > MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE)
        return false;
    if (info->Info.StateChange.ulMask != MAPIOFFLINE_STATE_OFFLINE_MASK) return false;
    const auto valid = [](ULONG s) {
        s &= MAPIOFFLINE_STATE_OFFLINE_MASK;
        return s == MAPIOFFLINE_STATE_ONLINE || s == MAPIOFFLINE_STATE_OFFLINE;
    };
    return valid(info->Info.StateChange.ulStateOld) && valid(info->Info.StateChange.ulStateNew);
}

void NotifySink::Notify(const MAPIOFFLINE_NOTIFY* info) {
    // No self-reference: the provider holds one for the whole call (COM's
    // rule for the caller), and nothing below touches this object after
    // the session is reached through the weak pointer.
    const ProviderNotifyScope scope;
    if (!accept(info)) return;
    if (const auto target = target_.lock()) {
        target->on_provider_notify(static_cast<std::uint32_t>(info->NotifyType),
                                   info->Info.StateChange.ulStateOld & MAPIOFFLINE_STATE_OFFLINE_MASK,
                                   info->Info.StateChange.ulStateNew & MAPIOFFLINE_STATE_OFFLINE_MASK);
    }
}

void NotifySink::LinkChanged(ULONG kind, ULONG old_state, ULONG new_state) {
    const ComPtr<NotifySink> self = ComPtr<NotifySink>::share(this);
    const ProviderNotifyScope scope;
    // Only the two kinds this extension exists for, with real states.
    if (kind != OLSTATE_EVENT_PROVIDER_LOST && kind != OLSTATE_EVENT_PROVIDER_BACK) return;
    const auto valid = [](ULONG s) {
        return s == MAPIOFFLINE_STATE_ONLINE || s == MAPIOFFLINE_STATE_OFFLINE;
    };
    if (!valid(old_state) || !valid(new_state)) {
        // A session that never reached a host knows no earlier state: report
        // the new one for both; a LOST before any state is known says "offline".
        if (!valid(new_state)) new_state = MAPIOFFLINE_STATE_OFFLINE;
        old_state = new_state;
    }
    if (const auto target = target_.lock()) target->on_provider_link(kind, old_state, new_state);
}

void NotifySink::EventsDropped() {
    if (const auto target = target_.lock()) target->on_provider_dropped();
}

}  // namespace olstate
