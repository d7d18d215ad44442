// The one error type inside the shim: a result code, the HRESULT involved
// (0 if none) and a message. Thrown inside; the ABI firewall turns it into
// the thread's last error and the function's result.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace olstate {

class Failure : public std::runtime_error {
public:
    Failure(std::int32_t result, std::string message, std::int32_t hresult = 0)
        : std::runtime_error(std::move(message)), result_(result), hresult_(hresult) {}

    std::int32_t result() const noexcept { return result_; }
    std::int32_t hresult() const noexcept { return hresult_; }

private:
    std::int32_t result_;
    std::int32_t hresult_;
};

}  // namespace olstate
