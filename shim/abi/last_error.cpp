#include "last_error.h"

#include <olstate.h>

#include <type_traits>

#include "../text/fixed_text.h"

namespace olstate::abi {
namespace {

// Longer messages are cut (text::FixedText); the longest olstate writes, a
// loader failure naming every path it tried, stays well below this.
constexpr std::size_t kMessageBytes = 2048;

struct LastError {
    text::FixedText<kMessageBytes> message;
    std::int32_t hresult = 0;
};
// Trivially destructible on purpose: see text/fixed_text.h.
static_assert(std::is_trivially_destructible_v<LastError>);

LastError& slot() noexcept {
    thread_local LastError error;
    return error;
}

}  // namespace

void set_last_error(std::int32_t result, std::string_view message, std::int32_t hresult) noexcept {
    LastError& e = slot();
    e.hresult = hresult;
    // Prefix the result's name so every message says which failure it was.
    e.message.assign({olstate_result_name(result), ": ", message});
}

void clear_last_error() noexcept {
    LastError& e = slot();
    e.message.clear();
    e.hresult = 0;
}

const char* last_error_message() noexcept { return slot().message.c_str(); }

std::int32_t last_error_hresult() noexcept { return slot().hresult; }

}  // namespace olstate::abi
