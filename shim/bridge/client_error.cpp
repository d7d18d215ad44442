#include "client_error.h"

#include <olstate.h>

namespace olstate::bridge {
namespace {
struct Record {
    std::int32_t result = OLSTATE_E_PROVIDER_NOT_FOUND;
    std::string message;
    std::int32_t hresult = 0;
};
thread_local Record last;
}  // namespace

com::HRESULT record_failure(std::int32_t result, std::string message, std::int32_t hresult) noexcept {
    last.result = result;
    last.message = std::move(message);
    last.hresult = hresult;
    return com::OLSTATE_HR_BRIDGE;
}

std::optional<Failure> take_failure(com::HRESULT hr, const std::string& what) {
    if (hr != com::OLSTATE_HR_BRIDGE) return std::nullopt;
    Record r = std::move(last);
    last = Record{};
    if (r.message.empty()) r.message = "the bridge failed without saying why";
    return Failure(r.result, what + ": " + r.message, r.hresult);
}

}  // namespace olstate::bridge
