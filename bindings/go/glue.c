#include "glue.h"

#include <string.h>

/* Implemented in Go (callbacks.go). */
extern void olgoDeliver(olstate_event* event, uintptr_t handle);
extern void olgoRelease(uintptr_t handle);

static void OLSTATE_CALL trampoline(const olstate_event* event, void* context) {
    olgoDeliver((olstate_event*)event, (uintptr_t)context);
}

static void OLSTATE_CALL release_trampoline(void* context) { olgoRelease((uintptr_t)context); }

olgo_result olgo_capture(olstate_result code) {
    olgo_result r;
    r.code = code;
    r.hresult = code == OLSTATE_OK ? 0 : olstate_last_error_hresult();
    r.message[0] = '\0';
    if (code != OLSTATE_OK) {
        strncpy(r.message, olstate_last_error_message(), sizeof r.message - 1);
        r.message[sizeof r.message - 1] = '\0';
    }
    return r;
}

olgo_result olgo_open(const char* profile, uint32_t provider, const char* provider_path,
                      uint32_t delivery, uint32_t flags, uint32_t connection_poll_ms,
                      olstate_session** out) {
    /* The 1.3 size (olstate_open_options_init writes the 1.0 one, whose
     * struct the library reads without connection_poll_ms); checkABI has
     * made sure the loaded library is 1.3 or later. */
    olstate_open_options o = OLSTATE_OPEN_OPTIONS_INIT;
    o.connection_poll_ms = connection_poll_ms;
    o.profile = profile;
    o.provider = provider;
    o.provider_path = provider_path;
    o.delivery = delivery;
    o.flags = flags;
    return olgo_capture(olstate_open_ex(&o, out));
}

olgo_result olgo_close(olstate_session* s) { return olgo_capture(olstate_close(s)); }

olgo_result olgo_capabilities(olstate_session* s, uint32_t* out) {
    return olgo_capture(olstate_capabilities(s, out));
}

olgo_result olgo_get_state(olstate_session* s, uint32_t* out) {
    return olgo_capture(olstate_get_state(s, out));
}

olgo_result olgo_set_state(olstate_session* s, uint32_t state, uint32_t flags) {
    return olgo_capture(olstate_set_state(s, state, flags));
}

olgo_result olgo_wait_state(olstate_session* s, uint32_t state, uint32_t timeout_ms) {
    return olgo_capture(olstate_wait_state(s, state, timeout_ms));
}

olgo_result olgo_info(olstate_session* s, olstate_session_info* out) {
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    return olgo_capture(olstate_get_session_info(s, out));
}

olgo_result olgo_subscribe(olstate_session* s, uintptr_t handle, uint32_t flags,
                           olstate_subscription* out) {
    olstate_subscribe_options o;
    olstate_subscribe_options_init(&o);
    o.flags = flags;
    o.callback = trampoline;
    o.context = (void*)handle;
    o.release = release_trampoline;
    return olgo_capture(olstate_subscribe_ex(s, &o, out));
}

olgo_result olgo_unsubscribe(olstate_session* s, olstate_subscription token) {
    return olgo_capture(olstate_unsubscribe(s, token));
}

olgo_result olgo_bridge_start(olstate_session* s, uint32_t flags, uint32_t max_clients,
                              uint32_t queue_length, const char* endpoint, olstate_bridge** out,
                              char* out_endpoint, size_t endpoint_size) {
    olstate_bridge_options o;
    olstate_bridge* b = NULL;
    const char* e = NULL;
    olgo_result r;
    olstate_bridge_options_init(&o);
    o.flags = flags;
    o.max_clients = max_clients;
    o.queue_length = queue_length;
    o.endpoint = endpoint;
    r = olgo_capture(olstate_bridge_start(s, &o, &b));
    if (r.code != OLSTATE_OK) return r;
    r = olgo_capture(olstate_bridge_endpoint(b, &e));
    if (r.code != OLSTATE_OK) {
        olstate_bridge_stop(b);
        return r;
    }
    if (endpoint_size > 0) {
        strncpy(out_endpoint, e, endpoint_size - 1);
        out_endpoint[endpoint_size - 1] = '\0';
    }
    *out = b;
    return r;
}

olgo_result olgo_bridge_stop(olstate_bridge* b) { return olgo_capture(olstate_bridge_stop(b)); }

olgo_result olgo_detect_outlook(olstate_outlook_info* out) {
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    return olgo_capture(olstate_detect_outlook(out));
}
