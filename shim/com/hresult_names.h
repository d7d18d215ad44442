// Names for the HRESULTs this API meets, for error messages.
#pragma once

#include <string>

#include "com_types.h"

namespace olstate::com {

// "E_PENDING" etc., or nullptr for an HRESULT without a known name.
const char* hresult_name(HRESULT hr) noexcept;

// "E_PENDING (0x8000000A)", or "HRESULT 0x80001234" for unknown ones.
std::string describe_hresult(HRESULT hr);

}  // namespace olstate::com
