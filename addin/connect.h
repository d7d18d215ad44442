// The add-in object Outlook creates: IDTExtensibility2 (+ IUnknown and
// IDispatch), which runs the bridge service between connection and
// disconnection.
#pragma once

#include <objbase.h>

namespace olstate::addin {

// Creates an add-in object and asks it for `iid` (the class factory's
// CreateInstance). Never throws.
HRESULT create_connect(REFIID iid, void** out) noexcept;

}  // namespace olstate::addin
