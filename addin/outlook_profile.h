// The profile Outlook has open, asked from the Application object Office
// hands to OnConnection: Application.Session.CurrentProfileName, through
// IDispatch (late binding: no Outlook type library needed). The default
// profile need not be the open one (Outlook can be started with /profile or
// a profile prompt), so this is what the bridge publishes.
#pragma once

#include <oaidl.h>

#include <optional>
#include <string>

namespace olstate::addin {

// UTF-8 name, or nullopt when `application` is null or does not answer
// (then the add-in falls back to the default profile). Never throws.
std::optional<std::string> current_profile_name(IDispatch* application) noexcept;

}  // namespace olstate::addin
