#include "last_error.h"

#include <olstate.h>

#include "../text/fixed_text.h"
#include "../thread_record.h"

namespace olstate::abi {
namespace {

// Longer messages are cut (text::FixedText); the longest olstate writes, a
// loader failure naming every path it tried, stays well below this.
constexpr std::size_t kMessageBytes = 2048;

struct LastError {
    text::FixedText<kMessageBytes> message;
    std::int32_t hresult = 0;
};

// Made on a thread's first failure, freed when the thread exits (see
// thread_record.h for why this is not a thread_local object).
ThreadRecord<LastError>& records() noexcept {
    static ThreadRecord<LastError> r;  // no destructor: threads may exit after main
    return r;
}

// Set when a failure could not be recorded for want of memory. A plain
// byte: safe as a thread_local everywhere.
thread_local bool lost = false;

}  // namespace

void set_last_error(std::int32_t result, std::string_view message, std::int32_t hresult) noexcept {
    LastError* e = records().get();
    lost = e == nullptr;
    if (!e) return;
    e->hresult = hresult;
    // Prefix the result's name so every message says which failure it was.
    e->message.assign({olstate_result_name(result), ": ", message});
}

void clear_last_error() noexcept {
    lost = false;
    if (LastError* e = records().find()) {
        e->message.clear();
        e->hresult = 0;
    }
}

const char* last_error_message() noexcept {
    if (lost) return "olstate: a call failed, and there was no memory left to describe it";
    const LastError* e = records().find();
    return e ? e->message.c_str() : "";
}

std::int32_t last_error_hresult() noexcept {
    const LastError* e = records().find();
    return e && !lost ? e->hresult : 0;
}

}  // namespace olstate::abi
