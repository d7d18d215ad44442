#include "live_profile.h"

#include <utility>

namespace olstate {

void LiveProfile::start(std::string asked) {
    std::lock_guard lock(mutex_);
    names_.push_back(std::move(asked));
}

const char* LiveProfile::current(const std::string& served) noexcept {
    std::lock_guard lock(mutex_);
    if (!served.empty() && served != names_.back()) {
        try {
            names_.push_back(served);
        } catch (...) {
            // No memory for the new name: report the last one known.
        }
    }
    return names_.back().c_str();
}

}  // namespace olstate
