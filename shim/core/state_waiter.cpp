#include "state_waiter.h"

#include "base/failure.h"

namespace olstate {

void StateWaiter::observe(std::uint32_t kind, std::uint32_t new_state) noexcept {
    {
        std::lock_guard lock(mutex_);
        ++generation_;
        switch (kind) {
            case OLSTATE_EVENT_CHANGE_START: in_flight_ = true; break;
            case OLSTATE_EVENT_CHANGE_DONE:
                in_flight_ = false;
                if (new_state == OLSTATE_ONLINE || new_state == OLSTATE_OFFLINE) ++done_count(new_state);
                break;
            case OLSTATE_EVENT_PROVIDER_LOST:
                in_flight_ = false;
                lost_ = true;
                break;
            case OLSTATE_EVENT_PROVIDER_BACK:
                // A new host: whatever was in flight on the old one is moot.
                in_flight_ = false;
                lost_ = false;
                if (new_state == OLSTATE_ONLINE || new_state == OLSTATE_OFFLINE) ++done_count(new_state);
                break;
            default: break;
        }
    }
    changed_.notify_all();
}

void StateWaiter::observe_gap() noexcept {
    {
        std::lock_guard lock(mutex_);
        ++generation_;
        in_flight_ = false;
    }
    changed_.notify_all();
}

void StateWaiter::close() noexcept {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }
    changed_.notify_all();
}

olstate_result StateWaiter::wait(std::uint32_t state, std::uint32_t timeout_ms,
                                 const ReadState& read_state) {
    const bool forever = timeout_ms == OLSTATE_WAIT_INFINITE;
    const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(forever ? 0 : timeout_ms);
    std::unique_lock lock(mutex_);
    const std::uint64_t done_at_start = done_count(state);
    for (;;) {
        if (closed_) return OLSTATE_E_INVALID_HANDLE;
        if (done_count(state) != done_at_start) return OLSTATE_OK;
        if (lost_ && !reconnects_) return OLSTATE_E_PROVIDER_NOT_FOUND;
        const std::uint64_t seen = generation_;
        if (!in_flight_ && !lost_) {
            // Ask the provider outside the lock: a bridge's answer travels
            // through the same thread that notifies.
            lock.unlock();
            std::uint32_t now = 0;
            bool host_gone = false;
            try {
                now = read_state();
            } catch (const Failure& f) {
                if (f.result() != OLSTATE_E_PROVIDER_NOT_FOUND) throw;
                host_gone = true;  // its PROVIDER_LOST is on its way, or it never had a host
            }
            lock.lock();
            if (host_gone && !reconnects_) return OLSTATE_E_PROVIDER_NOT_FOUND;
            if (!host_gone && now == state && generation_ == seen && !in_flight_ && !closed_)
                return OLSTATE_OK;
            if (generation_ != seen) continue;  // something happened while we asked
        }
        const auto woken = [&] { return closed_ || generation_ != seen; };
        Clock::time_point until = Clock::now() + kRecheck;
        if (!forever && deadline < until) until = deadline;
        if (!changed_.wait_until(lock, until, woken) && !forever && Clock::now() >= deadline) {
            // One last look at what the last wake-up may have brought.
            if (done_count(state) != done_at_start) return OLSTATE_OK;
            return OLSTATE_E_TIMEOUT;
        }
    }
}

}  // namespace olstate
