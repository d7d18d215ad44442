// No message queues outside Windows: an owner thread there is reached only
// through the strict simulator's inbox (owner_sim_inbox.cpp).
#include "owner_channel.h"

namespace olstate::provider {

std::unique_ptr<OwnerChannel> open_owner_window() { return nullptr; }

}  // namespace olstate::provider
