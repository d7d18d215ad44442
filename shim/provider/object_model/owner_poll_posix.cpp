#include <olstate.h>

#include "base/failure.h"
#include "owner_poll.h"

namespace olstate::provider::object_model {

std::shared_ptr<OwnerPoll> start_owner_poll(void*, std::uint32_t, bool) {
    throw Failure(OLSTATE_E_NOT_SUPPORTED,
                  "olstate_open_options.application (Outlook's object model) exists only on Windows");
}

}  // namespace olstate::provider::object_model
