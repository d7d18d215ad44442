#include "client_error.h"

#include <olstate.h>

#include "base/fixed_text.h"
#include "base/thread_record.h"

namespace olstate::bridge {
namespace {
struct Record {
    std::int32_t result = OLSTATE_E_PROVIDER_NOT_FOUND;
    text::FixedText<1024> message;
    std::int32_t hresult = 0;
};
// Made on a thread's first bridge failure, freed when the thread exits (see
// thread_record.h for why this is not a thread_local object).
ThreadRecord<Record>& records() noexcept {
    static ThreadRecord<Record> r;  // no destructor: threads may exit after main
    return r;
}
}  // namespace

com::HRESULT record_failure(std::int32_t result, std::string_view message, std::int32_t hresult) noexcept {
    // Without memory for the record, take_failure reports the generic text.
    if (Record* r = records().get()) {
        r->result = result;
        r->message.assign({message});
        r->hresult = hresult;
    }
    return com::OLSTATE_HR_BRIDGE;
}

std::optional<Failure> take_failure(com::HRESULT hr, const std::string& what) {
    if (hr != com::OLSTATE_HR_BRIDGE) return std::nullopt;
    Record taken;
    if (Record* r = records().find()) {
        taken = *r;
        *r = Record{};
    }
    const std::string_view message = taken.message.empty() ? "the bridge failed without saying why" : taken.message.view();
    return Failure(taken.result, what + ": " + std::string(message), taken.hresult);
}

}  // namespace olstate::bridge
