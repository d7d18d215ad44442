/* The C consumer: opens the simulator, prints the events of one change. */
#include <olstate.h>
#include <stdio.h>

static const char* kind_name(uint32_t kind) {
    switch (kind) {
    case OLSTATE_EVENT_CHANGE_START: return "CHANGE_START";
    case OLSTATE_EVENT_CHANGE: return "CHANGE";
    case OLSTATE_EVENT_CHANGE_DONE: return "CHANGE_DONE";
    default: return "other";
    }
}

static void OLSTATE_CALL on_event(const olstate_event* e, void* context) {
    (void)context;
    printf("c: #%llu %s %s -> %s\n", (unsigned long long)e->sequence, kind_name(e->kind),
           e->old_state == OLSTATE_ONLINE ? "online" : "offline",
           e->new_state == OLSTATE_ONLINE ? "online" : "offline");
}

int main(void) {
    olstate_open_options options;
    olstate_session* session = NULL;
    olstate_subscription token = 0;
    olstate_open_options_init(&options);
    options.provider = OLSTATE_PROVIDER_SIMULATOR;
    options.profile = "consumer-c";
    options.delivery = OLSTATE_DELIVERY_INLINE;
    if (olstate_open_ex(&options, &session) != OLSTATE_OK) {
        fprintf(stderr, "open: %s\n", olstate_last_error_message());
        return 1;
    }
    olstate_subscribe(session, on_event, NULL, NULL, &token);
    olstate_set_state(session, OLSTATE_OFFLINE, OLSTATE_SET_BLOCK);
    olstate_close(session);
    return 0;
}
