#include "last_error.h"

#include <olstate.h>

namespace olstate::abi {
namespace {

struct LastError {
    std::string message;
    std::int32_t hresult = 0;
    bool lost = false;  // a failure happened but its message could not be stored
};

LastError& slot() noexcept {
    thread_local LastError error;
    return error;
}

}  // namespace

void set_last_error(std::int32_t result, std::string message, std::int32_t hresult) noexcept {
    LastError& e = slot();
    e.hresult = hresult;
    e.lost = false;
    // Prefix the result's name so every message says which failure it was.
    try {
        e.message = std::string(olstate_result_name(result)) + ": " + message;
    } catch (...) {
        // Out of memory while reporting: keep a static, still truthful text.
        e.message.clear();
        e.lost = true;
    }
}

void clear_last_error() noexcept {
    LastError& e = slot();
    e.message.clear();
    e.hresult = 0;
    e.lost = false;
}

const char* last_error_message() noexcept {
    const LastError& e = slot();
    if (e.lost) return "olstate: a call failed, and there was no memory left to describe it";
    return e.message.c_str();
}

std::int32_t last_error_hresult() noexcept { return slot().hresult; }

}  // namespace olstate::abi
