#include "idle_wait.h"

namespace olstate::idle {

// Never destroyed: threads may still wait or notify while the process exits.
std::mutex& mutex() noexcept {
    static std::mutex* m = new std::mutex;
    return *m;
}

std::condition_variable& condition() noexcept {
    static std::condition_variable* c = new std::condition_variable;
    return *c;
}

}  // namespace olstate::idle
