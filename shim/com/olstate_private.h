// olstate's own COM extensions, used only between pieces of this library
// (the bridge client and the session's sink): never exported, never seen by
// Outlook. They let the bridge client tell a session what no MAPI
// notification can say - the host went away or came back, events were
// dropped on the way - and what profile the host serves.
#pragma once

#include "com_types.h"

namespace olstate::com {

// {8B327EEF-9A54-43F3-852C-1029BC44631C}
inline constexpr Guid IID_IOlstateBridgeNotify = {0x8B327EEF, 0x9A54, 0x43F3,
                                                  {0x85, 0x2C, 0x10, 0x29, 0xBC, 0x44, 0x63, 0x1C}};
// {2237A523-8B6B-4B34-AC08-2A09E5D7CFDF}
inline constexpr Guid IID_IOlstateBridgeInfo = {0x2237A523, 0x8B6B, 0x4B34,
                                                {0xAC, 0x08, 0x2A, 0x09, 0xE5, 0xD7, 0xCF, 0xDF}};

// Answered by the session's notify sink besides IMAPIOfflineNotify. Called
// on the provider's notification thread, like Notify.
struct IOlstateBridgeNotify : IUnknown {
    // kind: OLSTATE_EVENT_PROVIDER_LOST or OLSTATE_EVENT_PROVIDER_BACK; the
    // states are OLSTATE_ONLINE/OFFLINE.
    virtual void OLSTATE_COM_CALL LinkChanged(ULONG kind, ULONG old_state, ULONG new_state) = 0;
    // Events were dropped before the next notification (a full queue on the
    // way): that one must carry OLSTATE_EVENT_FLAG_DROPPED.
    virtual void OLSTATE_COM_CALL EventsDropped() = 0;

protected:
    ~IOlstateBridgeNotify() = default;
};

// Answered by the bridge client's offline object.
struct IOlstateBridgeInfo : IUnknown {
    // The profile the host serves, UTF-8, copied into buffer (NUL-terminated
    // when it fits); *needed receives its length without the NUL. Empty
    // while the session has never reached a host.
    virtual HRESULT OLSTATE_COM_CALL GetServedProfile(char* buffer, ULONG capacity, ULONG* needed) = 0;

protected:
    ~IOlstateBridgeInfo() = default;
};

// The HRESULT olstate's bridge client returns for failures that are its own
// (no host, host gone, refused, not allowed); the detail - an olstate result
// and a message - is recorded for the calling thread (bridge/client_error.h).
// FACILITY_ITF, a code no MAPI interface uses for the offline API.
constexpr HRESULT OLSTATE_HR_BRIDGE = static_cast<HRESULT>(0x8004B1D0u);

}  // namespace olstate::com
