// The thread's last error: what olstate_last_error_message and
// olstate_last_error_hresult report. Per thread, so one thread's failure
// never overwrites another's message.
#pragma once

#include <cstdint>
#include <string_view>

namespace olstate::abi {

// Messages longer than 2047 bytes are cut at a UTF-8 boundary, ending "...".
void set_last_error(std::int32_t result, std::string_view message, std::int32_t hresult) noexcept;
void clear_last_error() noexcept;
const char* last_error_message() noexcept;
std::int32_t last_error_hresult() noexcept;

}  // namespace olstate::abi
