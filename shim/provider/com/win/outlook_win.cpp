// The Outlook provider on Windows: only inside OUTLOOK.EXE, where Outlook's
// MAPI DLL is already loaded. The ordered fallback locator and the default
// profile lookup live in mapi_locator.cpp and default_profile.cpp.
#include <olstate.h>

#include "base/failure.h"
#include "../outlook.h"
#include "mapi_locator.h"
#include "base/win/win_util.h"

namespace olstate::provider {

bool running_inside_outlook() noexcept {
    try {
        return win::iequals(win::file_name_of(win::module_path(nullptr)), L"OUTLOOK.EXE");
    } catch (...) {
        return false;
    }
}

ProviderLibrary open_outlook_mapi() {
    if (!running_inside_outlook())
        throw Failure(OLSTATE_E_NOT_IN_OUTLOOK,
                      "this process (" + win::to_utf8(win::file_name_of(win::module_path(nullptr))) +
                          ") is not Outlook; the Offline State API works only inside OUTLOOK.EXE. "
                          "A separate program reaches Outlook through the olstate bridge "
                          "(OLSTATE_PROVIDER_BRIDGE, or AUTO), which the olstate add-in serves "
                          "inside Outlook");
    return win::locate_outlook_mapi();
}

}  // namespace olstate::provider
