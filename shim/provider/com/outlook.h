// The Outlook provider: what OLSTATE_PROVIDER_OUTLOOK (and AUTO inside
// Outlook) needs from the platform. Implemented for Windows in
// provider/win/, and as "not supported" elsewhere (outlook_posix.cpp).
#pragma once

#include <string>

#include "loader.h"

namespace olstate::provider {

// True when the running process is Outlook (its executable is OUTLOOK.EXE).
bool running_inside_outlook() noexcept;

// Outlook's MAPI DLL: the module Outlook has already loaded (olmapi32.dll,
// then msmapi32.dll), else the first candidate of the locator that loads.
// Throws Failure: OLSTATE_E_NOT_SUPPORTED off Windows, OLSTATE_E_NOT_IN_OUTLOOK
// outside OUTLOOK.EXE, OLSTATE_E_PROVIDER_NOT_FOUND listing every place tried.
ProviderLibrary open_outlook_mapi();

// The default MAPI profile name (UTF-8) when the caller passed none, for a
// session through `library`. Throws Failure(OLSTATE_E_PROFILE_NOT_FOUND)
// naming what was tried. Off Windows: the simulator's default, "Outlook".
std::string default_profile_name(const ProviderLibrary& library);

}  // namespace olstate::provider
