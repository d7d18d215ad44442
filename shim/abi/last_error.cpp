#include "last_error.h"

#include <olstate.h>

#include "base/fixed_text.h"
#include "base/thread_record.h"

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

// What this thread's last call left: nothing (the common case, which every
// successful call restores with one byte's write, never touching the
// record), a failure in the record, or a failure that could not be recorded
// for want of memory. A plain byte: safe as a thread_local everywhere.
enum class Status : unsigned char { clear, recorded, lost };
thread_local Status status = Status::clear;

}  // namespace

void set_last_error(std::int32_t result, std::string_view message, std::int32_t hresult) noexcept {
    LastError* e = records().get();
    if (!e) {
        status = Status::lost;
        return;
    }
    e->hresult = hresult;
    // Prefix the result's name so every message says which failure it was.
    e->message.assign({olstate_result_name(result), ": ", message});
    status = Status::recorded;
}

void clear_last_error() noexcept { status = Status::clear; }

const char* last_error_message() noexcept {
    switch (status) {
        case Status::clear: return "";
        case Status::lost: return "olstate: a call failed, and there was no memory left to describe it";
        case Status::recorded: break;
    }
    // Recorded, so the record exists, unless the thread is exiting and its
    // record is already gone (a call from another destructor).
    const LastError* e = records().find();
    return e ? e->message.c_str() : "";
}

std::int32_t last_error_hresult() noexcept {
    const LastError* e = status == Status::recorded ? records().find() : nullptr;
    return e ? e->hresult : 0;
}

}  // namespace olstate::abi
