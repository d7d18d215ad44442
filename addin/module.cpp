// The DLL's exports: DllGetClassObject and DllCanUnloadNow (undecorated on
// x86 through olstate_addin_x86.def). No DllMain: nothing may run at attach
// or detach - Outlook's fast shutdown ends the process without telling add-ins,
// and a join or lock at detach would hang or crash it.
#include "module.h"

#include <objbase.h>

#include <atomic>

#include "addin_ids.h"
#include "class_factory.h"

namespace olstate::addin::module {
namespace {
std::atomic<long> objects{0};
std::atomic<long> locks{0};
}  // namespace

void object_created() noexcept { ++objects; }
void object_destroyed() noexcept { --objects; }
void lock() noexcept { ++locks; }
void unlock() noexcept { --locks; }
bool can_unload() noexcept { return objects.load() == 0 && locks.load() == 0; }

}  // namespace olstate::addin::module

namespace {
const CLSID kClsid = {olstate::addin::kClsidData1,
                      olstate::addin::kClsidData2,
                      olstate::addin::kClsidData3,
                      {olstate::addin::kClsidData4[0], olstate::addin::kClsidData4[1], olstate::addin::kClsidData4[2],
                       olstate::addin::kClsidData4[3], olstate::addin::kClsidData4[4], olstate::addin::kClsidData4[5],
                       olstate::addin::kClsidData4[6], olstate::addin::kClsidData4[7]}};
}  // namespace

STDAPI DllGetClassObject(REFCLSID clsid, REFIID iid, LPVOID* out) {
    if (!out) return E_POINTER;
    *out = nullptr;
    if (!IsEqualCLSID(clsid, kClsid)) return CLASS_E_CLASSNOTAVAILABLE;
    return olstate::addin::class_factory().QueryInterface(iid, out);
}

STDAPI DllCanUnloadNow() {
    return olstate::addin::module::can_unload() ? S_OK : S_FALSE;
}
