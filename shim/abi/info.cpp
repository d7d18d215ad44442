// Exports that describe the library; none of them touches the last error.
#include <olstate.h>

#include "last_error.h"

#ifndef OLSTATE_VERSION
#error "OLSTATE_VERSION must be defined by the build"
#endif

extern "C" {

OLSTATE_API const char* OLSTATE_CALL olstate_result_name(olstate_result result) {
    switch (result) {
        case OLSTATE_OK: return "OLSTATE_OK";
        case OLSTATE_E_INVALID_ARGUMENT: return "OLSTATE_E_INVALID_ARGUMENT";
        case OLSTATE_E_INVALID_HANDLE: return "OLSTATE_E_INVALID_HANDLE";
        case OLSTATE_E_PROVIDER_NOT_FOUND: return "OLSTATE_E_PROVIDER_NOT_FOUND";
        case OLSTATE_E_PROFILE_NOT_FOUND: return "OLSTATE_E_PROFILE_NOT_FOUND";
        case OLSTATE_E_NOT_SUPPORTED: return "OLSTATE_E_NOT_SUPPORTED";
        case OLSTATE_E_BUSY: return "OLSTATE_E_BUSY";
        case OLSTATE_E_PROVIDER_FAILED: return "OLSTATE_E_PROVIDER_FAILED";
        case OLSTATE_E_OUT_OF_MEMORY: return "OLSTATE_E_OUT_OF_MEMORY";
        case OLSTATE_E_INTERNAL: return "OLSTATE_E_INTERNAL";
        case OLSTATE_E_NOT_IN_OUTLOOK: return "OLSTATE_E_NOT_IN_OUTLOOK";
        case OLSTATE_E_WOULD_DEADLOCK: return "OLSTATE_E_WOULD_DEADLOCK";
        case OLSTATE_E_TIMEOUT: return "OLSTATE_E_TIMEOUT";
        default: return "unknown";
    }
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
        default: return 0;
    }
}

// The 1.0 layout, frozen: a newer library must never write more than this
// into a struct an older program owns (see the header).
static_assert(sizeof(olstate_open_options) == (sizeof(void*) == 8 ? 40 : 24));
static_assert(sizeof(olstate_event) == 48);
static_assert(sizeof(olstate_session_info) == (sizeof(void*) == 8 ? 24 : 16));
// The 1.1 layout, frozen likewise.
static_assert(sizeof(olstate_bridge_options) == (sizeof(void*) == 8 ? 24 : 20));
// The 1.2 layout, frozen likewise.
static_assert(sizeof(olstate_subscribe_options) == (sizeof(void*) == 8 ? 32 : 20));

OLSTATE_API void OLSTATE_CALL olstate_open_options_init(olstate_open_options* options) {
    if (!options) return;
    *options = olstate_open_options{};
    options->struct_size = sizeof(olstate_open_options);
    options->provider = OLSTATE_PROVIDER_AUTO;
    options->delivery = OLSTATE_DELIVERY_QUEUED;
}

OLSTATE_API void OLSTATE_CALL olstate_subscribe_options_init(olstate_subscribe_options* options) {
    if (!options) return;
    *options = olstate_subscribe_options{};
    options->struct_size = sizeof(olstate_subscribe_options);
}

}  // extern "C"
