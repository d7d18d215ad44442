#include "notify_sink.h"

#include <memory>

#include <olstate.h>

#include "base/clock.h"
#include "com/olstate_connection.h"

namespace olstate::provider {

using namespace com;

// The factory: the only place a sink is allocated; COM reference counting
// frees it (Release below).
ComPtr<NotifySink> NotifySink::create(std::weak_ptr<EventReceiver> receiver) {
    auto owned = std::make_unique<NotifySink>(std::move(receiver));
    return ComPtr<NotifySink>::adopt(owned.release());
}

NotifySink::NotifySink(std::weak_ptr<EventReceiver> receiver) noexcept : receiver_(std::move(receiver)) {}

HRESULT NotifySink::QueryInterface(const Guid& iid, void** out) {
    if (!out) return E_POINTER_;
    if (iid == IID_IUnknown_ || iid == IID_IMAPIOfflineNotify) {
        AddRef();
        *out = static_cast<IMAPIOfflineNotify*>(this);
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

namespace {

bool valid_mode(ULONG m) noexcept { return m <= 800 && m % 100 == 0; }

// olstate's own notify types (com/olstate_connection.h) as event kinds, 0
// for any other type.
std::uint32_t connection_kind(ULONG type) noexcept {
    if (type == OLSTATE_NOTIFY_CONNECTION_CHANGED) return OLSTATE_EVENT_CONNECTION_CHANGED;
    if (type == OLSTATE_NOTIFY_ACCOUNT_CHANGED) return OLSTATE_EVENT_ACCOUNT_CHANGED;
    return 0;
}

}  // namespace

bool NotifySink::accept_connection(const MAPIOFFLINE_NOTIFY* info) noexcept {
    if (!info || info->ulSize < sizeof(MAPIOFFLINE_NOTIFY)) return false;
    const auto type = static_cast<std::uint32_t>(info->NotifyType);
    const ULONG from = info->Info.StateChange.ulStateOld;
    const ULONG to = info->Info.StateChange.ulStateNew;
    if (type == OLSTATE_NOTIFY_CONNECTION_CHANGED) return valid_mode(from) && valid_mode(to) && from != to;
    if (type != OLSTATE_NOTIFY_ACCOUNT_CHANGED) return false;
    const auto valid = [](ULONG m) { return valid_mode(m) || m == OLSTATE_CONNECTION_UNKNOWN; };
    return valid(from) && valid(to) && from != to;
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
    // the receiver is reached through the weak pointer.
    const bool connection = accept_connection(info);
    if (!connection && !accept(info)) return;
    if (const auto receiver = receiver_.lock()) {
        Event event;
        if (connection) {
            event.kind = connection_kind(static_cast<ULONG>(info->NotifyType));
            event.old_state = info->Info.StateChange.ulStateOld;
            event.new_state = info->Info.StateChange.ulStateNew;
        } else {
            event.kind = static_cast<std::uint32_t>(info->NotifyType);
            event.old_state = info->Info.StateChange.ulStateOld & MAPIOFFLINE_STATE_OFFLINE_MASK;
            event.new_state = info->Info.StateChange.ulStateNew & MAPIOFFLINE_STATE_OFFLINE_MASK;
        }
        event.time_us = now_us();
        receiver->on_event(event);
    }
}

}  // namespace olstate::provider
