// No Outlook runs outside Windows: the object-model provider is refused with
// a message that says where to look instead.
#include <olstate.h>

#include "base/failure.h"
#include "open_running_outlook.h"

namespace olstate::provider::running_outlook {

std::unique_ptr<Provider> open_running_outlook(PollOptions) {
    throw Failure(OLSTATE_E_NOT_SUPPORTED,
                  "OLSTATE_PROVIDER_OBJECT_MODEL polls a running Outlook through COM and exists only on Windows; "
                  "on this platform use the simulator (AUTO) or a bridge (OLSTATE_PROVIDER_BRIDGE)");
}

}  // namespace olstate::provider::running_outlook
