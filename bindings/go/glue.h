/* C glue between cgo and olstate: each wrapper makes one olstate call and
 * captures its result, HRESULT and message in the same C call, so a
 * goroutine moving to another OS thread can never read someone else's last
 * error. Go values cross only as cgo.Handle integers (uintptr_t). */
#ifndef OLSTATE_GO_GLUE_H
#define OLSTATE_GO_GLUE_H

#include <olstate.h>
#include <stdint.h>

typedef struct {
    olstate_result code;
    int32_t hresult;
    char message[1024];
} olgo_result;

/* The result of the olstate call just made on this thread, with its HRESULT
 * and message (for glue in other files of the package). */
olgo_result olgo_capture(olstate_result code);

olgo_result olgo_open(const char* profile, uint32_t provider, const char* provider_path,
                      uint32_t delivery, uint32_t flags, uint32_t connection_poll_ms,
                      olstate_session** out);
olgo_result olgo_close(olstate_session* s);
olgo_result olgo_capabilities(olstate_session* s, uint32_t* out);
olgo_result olgo_get_state(olstate_session* s, uint32_t* out);
olgo_result olgo_set_state(olstate_session* s, uint32_t state, uint32_t flags);
olgo_result olgo_wait_state(olstate_session* s, uint32_t state, uint32_t timeout_ms);
/* The session's facts; the strings are the session's own, valid until it is
 * closed (Open copies them at once, before the session is shared). */
olgo_result olgo_info(olstate_session* s, olstate_session_info* out);
/* olstate_subscribe_ex with the Go trampolines; flags = OLSTATE_SUBSCRIBE_*. */
olgo_result olgo_subscribe(olstate_session* s, uintptr_t handle, uint32_t flags,
                           olstate_subscription* out);
olgo_result olgo_unsubscribe(olstate_session* s, olstate_subscription token);
/* Starts a bridge and copies its endpoint (up to endpoint_size - 1 bytes,
 * NUL-terminated) while it is certainly alive. */
olgo_result olgo_bridge_start(olstate_session* s, uint32_t flags, uint32_t max_clients,
                              uint32_t queue_length, const char* endpoint, olstate_bridge** out,
                              char* out_endpoint, size_t endpoint_size);
olgo_result olgo_bridge_stop(olstate_bridge* b);

/* Which Outlook (olstate_detect_outlook, since 1.3): out's struct_size is set here. */
olgo_result olgo_detect_outlook(olstate_outlook_info* out);

#endif
