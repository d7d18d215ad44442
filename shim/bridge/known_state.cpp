#include "known_state.h"

namespace olstate::bridge {

namespace {

const char* state_name(std::uint32_t state) {
    return state == OLSTATE_OFFLINE ? "offline" : state == OLSTATE_ONLINE ? "online" : "an unknown state";
}

}  // namespace

void KnownState::follow(const olstate_event& e, const std::function<void()>& fan_out) noexcept {
    std::lock_guard order(order_);
    follow_state(e);
    fan_out();  // noexcept by contract: the hub's push_event never throws
}

bool KnownState::welcome(const std::function<void(std::uint32_t state)>& welcome) const {
    std::lock_guard order(order_);
    std::uint32_t now = 0;
    if (!state(now)) return false;
    welcome(now);
    return true;
}

void KnownState::follow_state(const olstate_event& e) noexcept {
    {
        std::lock_guard lock(mutex_);
        switch (e.kind) {
            case OLSTATE_EVENT_CURRENT: state_ = e.new_state; break;
            case OLSTATE_EVENT_CHANGE_START: changing_ = true; break;
            case OLSTATE_EVENT_CHANGE: state_ = e.new_state; break;
            case OLSTATE_EVENT_CHANGE_DONE:
                state_ = e.new_state;
                changing_ = false;
                last_done_ = e.new_state;
                ++dones_;
                break;
            default: return;  // later kinds say nothing about the state
        }
    }
    changed_.notify_all();
}

void KnownState::close() noexcept {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }
    changed_.notify_all();
}

bool KnownState::state(std::uint32_t& out) const noexcept {
    std::lock_guard lock(mutex_);
    out = state_;
    return !closed_;
}

olstate_result KnownState::wait_until_reached(std::uint32_t target, std::chrono::milliseconds limit,
                                              std::string& message) const {
    std::unique_lock lock(mutex_);
    const std::uint64_t dones_before = dones_;
    const bool reached = changed_.wait_for(lock, limit, [&] {
        return closed_ || (dones_ != dones_before && last_done_ == target) || (!changing_ && state_ == target);
    });
    if (closed_) {
        message = "the bridge host stopped before the change to " + std::string(state_name(target)) + " was done";
        return OLSTATE_E_PROVIDER_NOT_FOUND;
    }
    if (reached) return OLSTATE_OK;
    message = "the change to " + std::string(state_name(target)) + " was started but not done within " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(limit).count()) +
              " s (no CHANGE_DONE from the provider); it may still complete";
    // Not OLSTATE_E_TIMEOUT: bridge protocol version 1 carries only the
    // codes of ABI 1.1 (docs/bridge-protocol.md), and PROVIDER_FAILED is what
    // a client reports for a host that does not answer in time.
    return OLSTATE_E_PROVIDER_FAILED;
}

}  // namespace olstate::bridge
