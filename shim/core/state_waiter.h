// olstate_wait_state: what a session has seen of its provider's changes, so
// that any number of threads can wait for a state without polling and
// without a subscription.
//
// The session hands every notification it accepts to observe() on the
// provider's thread, before queueing it (so a wait never depends on the
// dispatcher, and works from inside a QUEUED callback). A waiter is done
// when a CHANGE_DONE reached its state since it started, or when the
// provider reports the state with no change in flight (a change is "in
// flight" from its CHANGE_START to its CHANGE_DONE: the provider may already
// report the new state while it still refuses the next change with BUSY).
#pragma once

#include <olstate.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

namespace olstate {

class StateWaiter {
public:
    explicit StateWaiter(bool reconnects) noexcept : reconnects_(reconnects) {}
    StateWaiter(const StateWaiter&) = delete;
    StateWaiter& operator=(const StateWaiter&) = delete;

    // One notification the session accepted (any kind), in its order.
    void observe(std::uint32_t kind, std::uint32_t new_state) noexcept;
    // The provider may have lost events (the next one is flagged DROPPED):
    // a CHANGE_DONE may be among them, so nothing is known to be in flight.
    void observe_gap() noexcept;
    // The session is closing: every wait ends with INVALID_HANDLE.
    void close() noexcept;

    // Reads the provider's state; throws Failure like Session::get_state.
    using ReadState = std::function<std::uint32_t()>;
    // Returns OLSTATE_OK, OLSTATE_E_TIMEOUT, OLSTATE_E_INVALID_HANDLE or
    // OLSTATE_E_PROVIDER_NOT_FOUND; a failure of read_state other than a
    // lost bridge host propagates.
    olstate_result wait(std::uint32_t state, std::uint32_t timeout_ms, const ReadState& read_state);

private:
    using Clock = std::chrono::steady_clock;
    // How often a waiter asks the provider again although nothing was
    // notified: a safety net for a provider that changes state silently.
    static constexpr std::chrono::milliseconds kRecheck{500};

    std::uint64_t& done_count(std::uint32_t state) noexcept {
        return state == OLSTATE_ONLINE ? done_online_ : done_offline_;
    }

    const bool reconnects_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::uint64_t generation_ = 0;    // +1 for every observation
    std::uint64_t done_online_ = 0;   // CHANGE_DONE / PROVIDER_BACK that reached ONLINE
    std::uint64_t done_offline_ = 0;  // ... OFFLINE
    bool in_flight_ = false;
    bool lost_ = false;  // a bridge host went away and is not back
    bool closed_ = false;
};

}  // namespace olstate
