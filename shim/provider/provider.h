// The one interface between a session and whatever answers for Outlook's
// state. Two implementations today:
//   - provider/com/: an offline object behind HrOpenOfflineObj (Outlook's
//     MAPI DLL, the simulator, a LIBRARY), with its IMAPIOfflineNotify sink
//     and the mapping of HRESULTs to olstate results;
//   - provider/bridge_client/: a bridge host in another process.
// The session (core/) knows only this header: no provider kind is ever
// checked above this line, and every event - state changes and the
// provider's own lost/back - reaches the session the same way.
//
// Threads: get_state/set_state are called on any thread (several at once);
// a COM provider whose objects belong to one owner thread carries them there
// (provider/com/owner_thread.h). The receiver is called on whatever thread
// the provider notifies on.
#pragma once

#include <olstate.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace olstate::provider {

// What a provider call ends with, in the contract's words: OLSTATE_OK or an
// OLSTATE_E_* result, a message for the thread's last error, and the HRESULT
// behind it (0 when there is none; only a COM provider has one).
struct Status {
    std::int32_t result = 0;  // OLSTATE_OK
    std::string message;
    std::int32_t hresult = 0;

    bool ok() const noexcept { return result == 0; }
};

// One event as a provider hands it over. Fields a later provider needs are
// added here; the session fills the rest (sequence, subscription).
struct Event {
    std::uint32_t kind = 0;       // OLSTATE_EVENT_*
    std::uint32_t old_state = 0;  // OLSTATE_ONLINE / OLSTATE_OFFLINE
    std::uint32_t new_state = 0;
    std::uint32_t flags = 0;      // OLSTATE_EVENT_FLAG_DROPPED: the provider lost events before this one
    std::uint64_t time_us = 0;    // when the provider notified, microseconds since the Unix epoch (UTC)
};

// Outlook's Exchange connection as a provider last read it (ABI 1.3): the
// session's mode, NameSpace.Offline and the accounts, one snapshot.
struct Account {
    std::uint32_t type = 0;  // OLSTATE_ACCOUNT_*
    std::uint32_t mode = 0;  // OLSTATE_CONNECTION_*
    std::string display_name;  // UTF-8
    std::string smtp_address;  // UTF-8; empty when unreadable without the guard
};
struct Connection {
    std::uint32_t mode = 0;  // OLSTATE_CONNECTION_*
    bool offline = false;
    std::vector<Account> accounts;  // at most OLSTATE_MAX_ACCOUNTS
};

// Where a provider delivers its events (the session). Must return quickly:
// it runs on the provider's notification thread (Outlook's, in production).
class EventReceiver {
public:
    virtual void on_event(const Event& event) noexcept = 0;
    // True when on_event runs no user code (it only copies the event for a
    // thread of the receiver's own): a provider may then call it on a thread
    // that must stay responsive, saving a thread hop (the bridge client
    // calls it on the thread that reads the host's frames).
    virtual bool returns_at_once() const noexcept { return false; }

protected:
    ~EventReceiver() = default;
};

class Provider {
public:
    virtual ~Provider() = default;  // releases everything the provider holds

    // OLSTATE_PROVIDER_* (never AUTO) and the library loaded or the endpoint
    // served: for olstate_get_session_info, never for decisions.
    virtual std::uint32_t kind() const noexcept = 0;
    virtual const std::string& path() const noexcept = 0;
    // The profile served, UTF-8. A bridge that never reached a host serves
    // none yet (empty); one that reconnected may serve another.
    virtual std::string profile() const = 0;
    // OLSTATE_CAPABILITY_* offered now.
    virtual std::uint32_t capabilities() const = 0;
    // OLSTATE_THREADING_*: which thread calls the provider's objects (the
    // header's "Threading"; fixed at open).
    virtual std::uint32_t threading() const noexcept { return 0; /* OLSTATE_THREADING_DIRECT */ }
    // The session is closing: every call waiting for another thread (the
    // owner thread, for a COM provider that carries its calls there) ends
    // now, and later ones fail at once; unadvise() and the destructor still
    // do their work (without waiting).
    virtual void close_waits() noexcept {}

    // OLSTATE_ONLINE or OLSTATE_OFFLINE in `state` when ok().
    virtual Status get_state(std::uint32_t& state) = 0;
    // state: OLSTATE_ONLINE/OFFLINE; flags: OLSTATE_SET_DEFAULT/BLOCK.
    virtual Status set_state(std::uint32_t state, std::uint32_t flags) = 0;

    // Optional (ABI 1.3): a provider that reports the Exchange connection
    // sets OLSTATE_CAPABILITY_CONNECTION_MODE in capabilities(), answers
    // get_connection and delivers CONNECTION_CHANGED / ACCOUNT_CHANGED
    // events; the others keep this NOT_SUPPORTED answer.
    virtual Status get_connection(Connection& /*out*/) {
        return Status{OLSTATE_E_NOT_SUPPORTED,
                      "this session's provider does not report Outlook's Exchange connection "
                      "(no OLSTATE_CAPABILITY_CONNECTION_MODE)",
                      0};
    }

    // Starts notifications to `receiver` (one at a time). The provider holds
    // it weakly: an event that races with unadvise or with the receiver's
    // end finds it gone and is dropped.
    virtual Status advise(std::weak_ptr<EventReceiver> receiver) = 0;
    // Stops them. An event already on its way may still arrive.
    virtual void unadvise() noexcept = 0;
};

// What olstate_open_ex asked for, checked by the ABI layer.
struct OpenRequest {
    std::string profile;  // UTF-8; empty with has_profile == false means "default"
    bool has_profile = false;
    std::uint32_t provider = 0;           // OLSTATE_PROVIDER_*
    const char* provider_path = nullptr;  // validated UTF-8: LIBRARY's library, BRIDGE's endpoint
    std::uint32_t flags = 0;              // OLSTATE_OPEN_*
    // Since 1.3: Outlook's Application (an IDispatch*, Windows) for a COM
    // provider to read the connection from (provider/object_model/), and
    // the checked interval between reads.
    void* application = nullptr;
    std::uint32_t connection_poll_ms = OLSTATE_CONNECTION_POLL_DEFAULT_MS;
};

// Resolves the request (AUTO and the platform's rules) and opens that
// provider. Throws Failure with the contract's result.
std::unique_ptr<Provider> open(const OpenRequest& request);

}  // namespace olstate::provider
