// How the bridge client's COM methods, which can only return an HRESULT,
// hand the session a precise olstate result and message: the method records
// them for the calling thread and returns OLSTATE_HR_BRIDGE; the session,
// seeing that HRESULT on the same thread, takes the record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "../com/olstate_private.h"
#include "base/failure.h"

namespace olstate::bridge {

// Records (result, message, the HRESULT behind it if any) for this thread and
// returns OLSTATE_HR_BRIDGE.
com::HRESULT record_failure(std::int32_t result, std::string_view message, std::int32_t hresult = 0) noexcept;

// For OLSTATE_HR_BRIDGE: the recorded failure, its message prefixed with
// `what`; nullopt for any other HRESULT.
std::optional<Failure> take_failure(com::HRESULT hr, const std::string& what);

}  // namespace olstate::bridge
