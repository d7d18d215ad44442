// A provider DLL that exports HrOpenOfflineObj only under the *other*
// architecture's name (x64: "HrOpenOfflineObj@20", x86: plain
// "HrOpenOfflineObj"; see the .def files): the loader must find it through
// its fallback. Forwards to the simulator in its own folder.
#include "sim_forward.h"

extern "C" HRESULT STDMETHODCALLTYPE other_export_name_open(ULONG reserved, LPCWSTR profile, const GUID* guid,
                                                            const GUID* reserved2, void** out) {
    const OpenFn open = simulator_open();
    return open ? open(reserved, profile, guid, reserved2, out) : E_FAIL;
}
