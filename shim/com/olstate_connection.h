// olstate's own interface (not Outlook's) through which an offline object
// that knows Outlook's Exchange connection hands it to olstate's COM provider
// (ABI 1.3). The simulator's offline object implements it; Outlook's MAPI
// DLL does not, so a LIBRARY that is only the Offline State API answers
// E_NOINTERFACE and its sessions lack OLSTATE_CAPABILITY_CONNECTION_MODE.
//
// Changes reach olstate through the sink already advised on the offline
// object (IMAPIOfflineNotify::Notify) with two notify types of olstate's own,
// far outside MAPI's 1..3: old/new carry modes (OLSTATE_CONNECTION_*), the
// mask is 0. Outlook never sends them.
//
// Snapshot is free-threaded: the object answers from what it read last (the
// object model is read on Outlook's main thread, never from olstate's
// threads), so any thread may call it.
#pragma once

#include <cstddef>

#include "com_types.h"

namespace olstate::com {

// {6F4C5354-0013-4C17-A7C0-4E4E45435431}: olstate's, private.
inline constexpr Guid IID_IOlstateConnection = {0x6F4C5354, 0x0013, 0x4C17,
                                                {0xA7, 0xC0, 0x4E, 0x4E, 0x45, 0x43, 0x54, 0x31}};

constexpr ULONG OLSTATE_NOTIFY_CONNECTION_CHANGED = 0x4F4C0300;  // the session's mode
constexpr ULONG OLSTATE_NOTIFY_ACCOUNT_CHANGED = 0x4F4C0301;     // one account's mode (added/removed)

constexpr ULONG kConnectionMaxAccounts = 32;   // = OLSTATE_MAX_ACCOUNTS
constexpr std::size_t kConnectionTextSize = 256;  // = OLSTATE_ACCOUNT_TEXT_SIZE, NUL included

struct ConnectionAccount {
    ULONG type;  // OlAccountType
    ULONG mode;  // OlExchangeConnectionMode
    char display_name[kConnectionTextSize];  // UTF-8, NUL-terminated
    char smtp_address[kConnectionTextSize];  // UTF-8, NUL-terminated
};

struct ConnectionSnapshot {
    ULONG mode;     // OlExchangeConnectionMode
    ULONG offline;  // NameSpace.Offline: 0 or 1
    ULONG count;    // accounts used, at most kConnectionMaxAccounts
    ConnectionAccount accounts[kConnectionMaxAccounts];
};

struct IOlstateConnection : IUnknown {
    // Fills *out with one consistent snapshot. A failing HRESULT means the
    // last read (a poll of the object model) failed.
    virtual HRESULT OLSTATE_COM_CALL Snapshot(ConnectionSnapshot* out) = 0;

protected:
    ~IOlstateConnection() = default;
};

}  // namespace olstate::com
