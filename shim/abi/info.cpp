// Exports that describe the library; none of them touches the last error.
#include <olstate.h>

#include <cstddef>
#include <cstring>

#include "last_error.h"

#ifndef OLSTATE_VERSION
#error "OLSTATE_VERSION must be defined by the build"
#endif

extern "C" {

OLSTATE_API const char* OLSTATE_CALL olstate_result_name(olstate_result result) {
    // The header's one list of results: a result added there is named here.
#define OLSTATE_NAME_CASE(name) \
    case name: return #name;
    switch (result) {
        OLSTATE_RESULT_LIST(OLSTATE_NAME_CASE)
        default: return "unknown";
    }
#undef OLSTATE_NAME_CASE
}

OLSTATE_API const char* OLSTATE_CALL olstate_last_error_message(void) {
    return olstate::abi::last_error_message();
}

OLSTATE_API int32_t OLSTATE_CALL olstate_last_error_hresult(void) {
    return olstate::abi::last_error_hresult();
}

OLSTATE_API uint32_t OLSTATE_CALL olstate_abi_version(void) { return OLSTATE_ABI_VERSION; }

OLSTATE_API const char* OLSTATE_CALL olstate_version_string(void) { return OLSTATE_VERSION; }

OLSTATE_API size_t OLSTATE_CALL olstate_struct_size(uint32_t which) {
    switch (which) {
        case OLSTATE_STRUCT_OPEN_OPTIONS: return sizeof(olstate_open_options);
        case OLSTATE_STRUCT_EVENT: return sizeof(olstate_event);
        case OLSTATE_STRUCT_SESSION_INFO: return sizeof(olstate_session_info);
        case OLSTATE_STRUCT_BRIDGE_OPTIONS: return sizeof(olstate_bridge_options);
        case OLSTATE_STRUCT_SUBSCRIBE_OPTIONS: return sizeof(olstate_subscribe_options);
        case OLSTATE_STRUCT_ACCOUNT: return sizeof(olstate_account);
        case OLSTATE_STRUCT_OUTLOOK_INFO: return sizeof(olstate_outlook_info);
        default: return 0;
    }
}

// The 1.0 layout, frozen: a newer library must never write more than this
// into a struct an older program owns (see the header).
static_assert(offsetof(olstate_open_options, application) == (sizeof(void*) == 8 ? 40 : 24));
// Its 1.3 growth, frozen likewise.
static_assert(sizeof(olstate_open_options) == (sizeof(void*) == 8 ? 56 : 32));
static_assert(sizeof(olstate_event) == 48);
static_assert(offsetof(olstate_session_info, threading) == (sizeof(void*) == 8 ? 24 : 16));
// The 1.3 growth of the 1.0 struct, frozen likewise.
static_assert(sizeof(olstate_session_info) == (sizeof(void*) == 8 ? 32 : 20));
// The 1.1 layout, frozen likewise.
static_assert(sizeof(olstate_bridge_options) == (sizeof(void*) == 8 ? 24 : 20));
// The 1.2 layout, frozen likewise.
static_assert(sizeof(olstate_subscribe_options) == (sizeof(void*) == 8 ? 32 : 20));
// The 1.3 layout, frozen likewise.
static_assert(sizeof(olstate_account) == 16 + 2 * OLSTATE_ACCOUNT_TEXT_SIZE);
static_assert(sizeof(olstate_outlook_info) == 48);

OLSTATE_API void OLSTATE_CALL olstate_open_options_init(olstate_open_options* options) {
    if (!options) return;
    // Only the 1.0 fields: the caller's struct may be that small.
    constexpr std::size_t first_size = offsetof(olstate_open_options, application);
    std::memset(options, 0, first_size);
    options->struct_size = first_size;
    options->provider = OLSTATE_PROVIDER_AUTO;
    options->delivery = OLSTATE_DELIVERY_QUEUED;
}

OLSTATE_API void OLSTATE_CALL olstate_subscribe_options_init(olstate_subscribe_options* options) {
    if (!options) return;
    *options = olstate_subscribe_options{};
    options->struct_size = sizeof(olstate_subscribe_options);
}

}  // extern "C"
