// Outside Windows there is no Outlook: the Outlook provider reports
// "not supported", and the default profile is the simulator's.
#include <olstate.h>

#include "base/failure.h"
#include "outlook.h"

namespace olstate::provider {

bool running_inside_outlook() noexcept { return false; }

ProviderLibrary open_outlook_mapi() {
    throw Failure(OLSTATE_E_NOT_SUPPORTED,
                  "the Outlook provider exists only on Windows, inside OUTLOOK.EXE; on this "
                  "platform use the simulator (OLSTATE_PROVIDER_SIMULATOR)");
}

std::string default_profile_name(const ProviderLibrary&) { return "Outlook"; }

}  // namespace olstate::provider
