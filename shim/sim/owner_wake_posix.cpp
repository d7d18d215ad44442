// Without a system message loop the owner pumps with olstate_sim_pump or
// olstate_sim_run_owner_loop, which wait on the inbox itself.
#include "owner_wake.h"

namespace olstate::sim {

OwnerWake::OwnerWake(std::function<void()> run) : run_(std::move(run)) {}
OwnerWake::~OwnerWake() = default;
void OwnerWake::wake() noexcept {}

}  // namespace olstate::sim
