// The state a bridge host knows, so that its threads never ask Outlook:
// read once at start on the starting thread (in the add-in, Outlook's UI
// thread), then kept up to date by every notification of the host's own
// subscription. Client readers answer get-state and the welcome from it, and
// a client's blocking set waits here for its change's CHANGE_DONE instead of
// inside the provider (MAPI's blocking flag is never used by the host).
//
// Welcomes and state events are ordered by this object (as KnownConnection
// orders the connection's): a client welcomed before a change gets the
// change's events, one welcomed after it is welcomed with the new state;
// never the old state without the events that follow it.
#pragma once

#include <olstate.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace olstate::bridge {

// How long a client's blocking set waits for its CHANGE_DONE before the host
// answers OLSTATE_E_PROVIDER_FAILED (the client's own reply timeout is longer, 60 s,
// so the client always hears the host's answer). Outlook usually completes
// a change in well under a second; a change that takes longer may still
// complete after the answer, and its events still reach every client.
constexpr std::chrono::seconds kBlockingSetWait{30};

class KnownState {
public:
    KnownState(std::uint32_t capabilities, std::uint32_t state) noexcept
        : capabilities_(capabilities), state_(state) {}
    KnownState(const KnownState&) = delete;
    KnownState& operator=(const KnownState&) = delete;

    std::uint32_t capabilities() const noexcept { return capabilities_; }  // read once at start

    // From the host's subscription callback: follows CURRENT, CHANGE_START,
    // CHANGE and CHANGE_DONE (a short lock, never I/O), then runs `fan_out`
    // (which queues the event to the welcomed clients) before any welcome
    // can read the state.
    void follow(const olstate_event& event, const std::function<void()>& fan_out) noexcept;
    // For a client's welcome: runs `welcome` with the state known now, no
    // event followed or fanned out meanwhile; false (and `welcome` not run)
    // once closed. `welcome` queues and returns; it never waits.
    bool welcome(const std::function<void(std::uint32_t state)>& welcome) const;
    // The host stops or its session closed: answers fail from now on and
    // every blocking set waiting here is woken.
    void close() noexcept;

    // The state known now; false once closed.
    bool state(std::uint32_t& out) const noexcept;

    // Waits until the state `target` is reached: a CHANGE_DONE into it
    // arrives, or the known state is already `target` with no change under
    // way. OLSTATE_OK, OLSTATE_E_PROVIDER_FAILED after `limit`, or
    // OLSTATE_E_PROVIDER_NOT_FOUND when the host stops meanwhile; `message`
    // says why on failure.
    olstate_result wait_until_reached(std::uint32_t target, std::chrono::milliseconds limit,
                                      std::string& message) const;

private:
    void follow_state(const olstate_event& event) noexcept;

    const std::uint32_t capabilities_;
    // Held across follow + fan-out and across a welcome (never while
    // waiting); taken before mutex_ and before the clients' own locks.
    mutable std::mutex order_;
    mutable std::mutex mutex_;  // guards the fields below
    mutable std::condition_variable changed_;
    std::uint32_t state_;
    bool changing_ = false;          // between CHANGE_START and CHANGE_DONE
    std::uint64_t dones_ = 0;        // CHANGE_DONE events seen
    std::uint32_t last_done_ = 0;    // the state the last CHANGE_DONE reached
    bool closed_ = false;
};

}  // namespace olstate::bridge
