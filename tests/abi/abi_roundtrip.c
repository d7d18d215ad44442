/* The public header used from plain C (compiled as C89 and as C99): open a
 * simulator session, subscribe with a C callback, change the state, receive
 * START, CHANGE, DONE, unsubscribe, close. Exits 0 on success. */
#include <olstate.h>
#include <stdio.h>
#include <string.h>

struct seen {
    unsigned count;
    uint32_t kinds[8];
    unsigned released;
};

static void OLSTATE_CALL on_event(const olstate_event* e, void* context) {
    struct seen* s = (struct seen*)context;
    if (s->count < 8) s->kinds[s->count] = e->kind;
    s->count++;
}

static void OLSTATE_CALL on_release(void* context) { ((struct seen*)context)->released++; }

#define EXPECT(cond)                                                              \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "%s:%d: failed: %s (%s)\n", __FILE__, __LINE__, #cond, \
                    olstate_last_error_message());                                \
            return 1;                                                             \
        }                                                                         \
    } while (0)

int main(void) {
    olstate_open_options options;
    olstate_session* session = NULL;
    olstate_subscription token = 0;
    struct seen seen;
    uint32_t state = 0;

    memset(&seen, 0, sizeof seen);
    EXPECT(olstate_abi_version() == OLSTATE_ABI_VERSION);
    EXPECT(olstate_struct_size(OLSTATE_STRUCT_OPEN_OPTIONS) == sizeof(olstate_open_options));
    EXPECT(olstate_struct_size(OLSTATE_STRUCT_EVENT) == sizeof(olstate_event));
    EXPECT(olstate_struct_size(OLSTATE_STRUCT_SESSION_INFO) == sizeof(olstate_session_info));

    olstate_open_options_init(&options);
    options.profile = "abi-c";
    options.provider = OLSTATE_PROVIDER_SIMULATOR;
    options.delivery = OLSTATE_DELIVERY_INLINE; /* events arrive before set_state returns */
    EXPECT(olstate_open_ex(&options, &session) == OLSTATE_OK);
    EXPECT(olstate_subscribe(session, on_event, &seen, on_release, &token) == OLSTATE_OK);
    EXPECT(olstate_get_state(session, &state) == OLSTATE_OK);
    EXPECT(olstate_set_state(session, state == OLSTATE_ONLINE ? OLSTATE_OFFLINE : OLSTATE_ONLINE,
                             OLSTATE_SET_BLOCK) == OLSTATE_OK);
    EXPECT(seen.count == 3);
    EXPECT(seen.kinds[0] == OLSTATE_EVENT_CHANGE_START);
    EXPECT(seen.kinds[1] == OLSTATE_EVENT_CHANGE);
    EXPECT(seen.kinds[2] == OLSTATE_EVENT_CHANGE_DONE);
    EXPECT(olstate_unsubscribe(session, token) == OLSTATE_OK);
    EXPECT(seen.released == 1);

    /* 1.2: subscribe with the current state first (INLINE: before the call
     * returns), then wait for a state from C. */
    {
        olstate_subscribe_options sub = OLSTATE_SUBSCRIBE_OPTIONS_INIT;
        uint32_t target = 0;
        memset(&seen, 0, sizeof seen);
        sub.flags = OLSTATE_SUBSCRIBE_CURRENT_STATE;
        sub.callback = on_event;
        sub.context = &seen;
        sub.release = on_release;
        EXPECT(olstate_subscribe_ex(session, &sub, &token) == OLSTATE_OK);
        EXPECT(seen.count == 1);
        EXPECT(seen.kinds[0] == OLSTATE_EVENT_CURRENT);
        EXPECT(olstate_get_state(session, &state) == OLSTATE_OK);
        target = state == OLSTATE_ONLINE ? OLSTATE_OFFLINE : OLSTATE_ONLINE;
        EXPECT(olstate_wait_state(session, target, 0) == OLSTATE_E_TIMEOUT);
        EXPECT(olstate_set_state(session, target, OLSTATE_SET_DEFAULT) == OLSTATE_OK);
        EXPECT(olstate_wait_state(session, target, 10000) == OLSTATE_OK);
        EXPECT(olstate_unsubscribe(session, token) == OLSTATE_OK);
        EXPECT(seen.released == 1);
    }
    EXPECT(olstate_close(session) == OLSTATE_OK);
    EXPECT(olstate_close(session) == OLSTATE_E_INVALID_HANDLE);
    printf("C ABI round trip: %u events, release ran %u time(s)\n", seen.count, seen.released);
    return 0;
}
