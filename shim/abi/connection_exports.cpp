// The exported Exchange connection functions (ABI 1.3): argument checks,
// then the session's snapshot, copied into the caller's memory.
#include <olstate.h>

#include <algorithm>
#include <cstring>

#include "core/registry.h"
#include "firewall.h"
#include "struct_check.h"

using olstate::SessionCall;
using olstate::abi::fail;
using olstate::abi::guarded;

namespace {

olstate::provider::Connection read_connection(olstate_session* session) {
    if (!session) fail(OLSTATE_E_INVALID_HANDLE, "session is NULL");
    auto s = olstate::registry::enter(session);
    if (!s) fail(OLSTATE_E_INVALID_HANDLE, "the session is closed or was never opened");
    const SessionCall call(std::move(s));
    return call->get_connection();
}

// Copies text into a NUL-terminated field, cut at a UTF-8 character
// boundary when it does not fit.
void copy_text(char (&out)[OLSTATE_ACCOUNT_TEXT_SIZE], const std::string& in) {
    std::size_t n = std::min(in.size(), sizeof out - 1);
    while (n > 0 && n < in.size() && (static_cast<unsigned char>(in[n]) & 0xC0) == 0x80) --n;
    std::memcpy(out, in.data(), n);
    out[n] = '\0';
}

}  // namespace

extern "C" {

OLSTATE_API olstate_result OLSTATE_CALL olstate_get_connection_mode(olstate_session* session, uint32_t* out_mode) {
    return guarded("olstate_get_connection_mode", [&] {
        if (!out_mode) fail(OLSTATE_E_INVALID_ARGUMENT, "out_mode is NULL");
        *out_mode = read_connection(session).mode;
    });
}

OLSTATE_API olstate_result OLSTATE_CALL olstate_get_offline(olstate_session* session, uint32_t* out_offline) {
    return guarded("olstate_get_offline", [&] {
        if (!out_offline) fail(OLSTATE_E_INVALID_ARGUMENT, "out_offline is NULL");
        *out_offline = read_connection(session).offline ? 1u : 0u;
    });
}

OLSTATE_API olstate_result OLSTATE_CALL olstate_get_accounts(olstate_session* session, olstate_account* accounts,
                                                             uint32_t capacity, uint32_t* out_count) {
    return guarded("olstate_get_accounts", [&] {
        if (!out_count) fail(OLSTATE_E_INVALID_ARGUMENT, "out_count is NULL");
        if (capacity > 0 && !accounts) fail(OLSTATE_E_INVALID_ARGUMENT, "accounts is NULL with a capacity above 0");
        std::uint32_t stride = 0;
        if (capacity > 0) {
            stride = accounts[0].struct_size;
            if (stride < sizeof(olstate_account))
                fail(OLSTATE_E_INVALID_ARGUMENT, "accounts[0].struct_size " + std::to_string(stride) +
                                                     " is smaller than " + std::to_string(sizeof(olstate_account)) +
                                                     " (set it to sizeof)");
            if (stride > olstate::abi::kMaxStructSize)
                fail(OLSTATE_E_INVALID_ARGUMENT,
                     "accounts[0].struct_size " + std::to_string(stride) + " is implausible");
        }
        const olstate::provider::Connection c = read_connection(session);
        const auto count = static_cast<std::uint32_t>(c.accounts.size());
        auto* base = reinterpret_cast<unsigned char*>(accounts);
        for (std::uint32_t i = 0; i < std::min(count, capacity); ++i) {
            // A newer program's larger element: the fields known here, zeros after.
            unsigned char* element = base + static_cast<std::size_t>(i) * stride;
            std::memset(element, 0, stride);
            olstate_account a{};
            a.struct_size = stride;
            a.account_type = c.accounts[i].type;
            a.connection_mode = c.accounts[i].mode;
            copy_text(a.display_name, c.accounts[i].display_name);
            copy_text(a.smtp_address, c.accounts[i].smtp_address);
            std::memcpy(element, &a, sizeof a);
        }
        *out_count = count;
    });
}

}  // extern "C"
