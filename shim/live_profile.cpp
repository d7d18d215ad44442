#include "live_profile.h"

#include <utility>

namespace olstate {

void LiveProfile::start(std::string initial, com::ComPtr<com::IOlstateBridgeInfo> bridge) {
    std::lock_guard lock(mutex_);
    bridge_ = std::move(bridge);
    std::string served = bridge_ ? served_by(*bridge_.get()) : std::string();
    names_.push_back(served.empty() ? std::move(initial) : std::move(served));
}

std::string LiveProfile::served_by(com::IOlstateBridgeInfo& bridge) {
    com::ULONG needed = 0;
    if (com::failed(bridge.GetServedProfile(nullptr, 0, &needed)) || needed == 0) return {};
    std::string served(needed + 1, '\0');
    if (com::failed(bridge.GetServedProfile(served.data(), needed + 1, &needed)) ||
        needed + 1 != served.size())
        return {};  // it changed between the two calls: the next read catches up
    served.resize(needed);
    return served;
}

const char* LiveProfile::current() noexcept {
    std::lock_guard lock(mutex_);
    if (bridge_) {
        try {
            std::string served = served_by(*bridge_.get());
            if (!served.empty() && served != names_.back()) names_.push_back(std::move(served));
        } catch (...) {
            // No memory for the new name: report the last one known.
        }
    }
    return names_.back().c_str();
}

void LiveProfile::stop() noexcept {
    std::lock_guard lock(mutex_);
    bridge_.reset();
}

}  // namespace olstate
