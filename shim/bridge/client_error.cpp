#include "client_error.h"

#include <olstate.h>

#include <type_traits>

#include "../text/fixed_text.h"

namespace olstate::bridge {
namespace {
struct Record {
    std::int32_t result = OLSTATE_E_PROVIDER_NOT_FOUND;
    text::FixedText<1024> message;
    std::int32_t hresult = 0;
};
// Trivially destructible on purpose: see text/fixed_text.h.
static_assert(std::is_trivially_destructible_v<Record>);
thread_local Record last;
}  // namespace

com::HRESULT record_failure(std::int32_t result, std::string_view message, std::int32_t hresult) noexcept {
    last.result = result;
    last.message.assign({message});
    last.hresult = hresult;
    return com::OLSTATE_HR_BRIDGE;
}

std::optional<Failure> take_failure(com::HRESULT hr, const std::string& what) {
    if (hr != com::OLSTATE_HR_BRIDGE) return std::nullopt;
    const Record r = last;
    last = Record{};
    const std::string_view message = r.message.empty() ? "the bridge failed without saying why" : r.message.view();
    return Failure(r.result, what + ": " + std::string(message), r.hresult);
}

}  // namespace olstate::bridge
