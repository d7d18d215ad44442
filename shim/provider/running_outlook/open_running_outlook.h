// Opening OLSTATE_PROVIDER_OBJECT_MODEL: the running Outlook's object model
// polled from outside (polling_provider.h) on Windows; NOT_SUPPORTED on
// other platforms, which have no Outlook.
#pragma once

#include <memory>

#include "polling_provider.h"

namespace olstate::provider::running_outlook {

// Throws Failure (open_polling_provider's, or NOT_SUPPORTED off Windows).
std::unique_ptr<Provider> open_running_outlook(PollOptions options);

}  // namespace olstate::provider::running_outlook
