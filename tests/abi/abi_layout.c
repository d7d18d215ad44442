/* The public structs' layout, seen from plain C (C89 and C99): the offsets
 * every binding mirrors, the sizes olstate_struct_size reports, constants,
 * and OLSTATE_CALL on callbacks. Exits 0 on success. */
#include <olstate.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;

#define EXPECT_EQ(a, b)                                                                     \
    do {                                                                                    \
        unsigned long va_ = (unsigned long)(a), vb_ = (unsigned long)(b);                   \
        if (va_ != vb_) {                                                                   \
            fprintf(stderr, "%s:%d: %s == %lu, expected %s == %lu\n", __FILE__, __LINE__, #a, \
                    va_, #b, vb_);                                                          \
            failures++;                                                                     \
        }                                                                                   \
    } while (0)

static void OLSTATE_CALL a_callback(const olstate_event* e, void* c) {
    (void)e;
    (void)c;
}
static void OLSTATE_CALL a_release(void* c) { (void)c; }

int main(void) {
    const size_t p = sizeof(void*);
    olstate_callback cb = a_callback;
    olstate_release rel = a_release;
    olstate_open_options o;
    olstate_bridge_options bo;

    /* olstate_open_options: u32, ptr, u32, ptr, u32, u32 */
    EXPECT_EQ(offsetof(olstate_open_options, struct_size), 0);
    EXPECT_EQ(offsetof(olstate_open_options, profile), p);
    EXPECT_EQ(offsetof(olstate_open_options, provider), 2 * p);
    EXPECT_EQ(offsetof(olstate_open_options, provider_path), 3 * p);
    EXPECT_EQ(offsetof(olstate_open_options, delivery), 4 * p);
    EXPECT_EQ(offsetof(olstate_open_options, flags), 4 * p + 4);
    /* 1.3: application (ptr), connection_poll_ms (u32) after the 1.0 fields */
    EXPECT_EQ(offsetof(olstate_open_options, application), 4 * p + 8);
    EXPECT_EQ(offsetof(olstate_open_options, connection_poll_ms), 5 * p + 8);
    EXPECT_EQ(sizeof(olstate_open_options), p == 8 ? 56 : 32);

    /* olstate_event: the same 48 bytes on every target */
    EXPECT_EQ(offsetof(olstate_event, struct_size), 0);
    EXPECT_EQ(offsetof(olstate_event, kind), 4);
    EXPECT_EQ(offsetof(olstate_event, old_state), 8);
    EXPECT_EQ(offsetof(olstate_event, new_state), 12);
    EXPECT_EQ(offsetof(olstate_event, subscription), 16);
    EXPECT_EQ(offsetof(olstate_event, sequence), 24);
    EXPECT_EQ(offsetof(olstate_event, flags), 32);
    EXPECT_EQ(offsetof(olstate_event, reserved), 36);
    EXPECT_EQ(offsetof(olstate_event, notify_time_us), 40);
    EXPECT_EQ(sizeof(olstate_event), 48);

    /* olstate_session_info: u32, u32, ptr, ptr, u32 (threading, since 1.3) */
    EXPECT_EQ(offsetof(olstate_session_info, struct_size), 0);
    EXPECT_EQ(offsetof(olstate_session_info, provider), 4);
    EXPECT_EQ(offsetof(olstate_session_info, profile), 8);
    EXPECT_EQ(offsetof(olstate_session_info, provider_path), 8 + p);
    EXPECT_EQ(offsetof(olstate_session_info, threading), 8 + 2 * p);
    EXPECT_EQ(sizeof(olstate_session_info), p == 8 ? 32 : 20);

    /* olstate_bridge_options (1.1): u32 x4, ptr */
    EXPECT_EQ(offsetof(olstate_bridge_options, struct_size), 0);
    EXPECT_EQ(offsetof(olstate_bridge_options, flags), 4);
    EXPECT_EQ(offsetof(olstate_bridge_options, max_clients), 8);
    EXPECT_EQ(offsetof(olstate_bridge_options, queue_length), 12);
    EXPECT_EQ(offsetof(olstate_bridge_options, endpoint), 16);
    EXPECT_EQ(sizeof(olstate_bridge_options), 16 + p);
    EXPECT_EQ(OLSTATE_EVENT_PROVIDER_LOST, 0x100);
    EXPECT_EQ(OLSTATE_EVENT_PROVIDER_BACK, 0x101);
    EXPECT_EQ(OLSTATE_OPEN_RECONNECT, 1);
    EXPECT_EQ(OLSTATE_BRIDGE_ALLOW_SET_STATE, 1);

    EXPECT_EQ(olstate_struct_size(OLSTATE_STRUCT_OPEN_OPTIONS), sizeof(olstate_open_options));
    EXPECT_EQ(olstate_struct_size(OLSTATE_STRUCT_EVENT), sizeof(olstate_event));
    EXPECT_EQ(olstate_struct_size(OLSTATE_STRUCT_SESSION_INFO), sizeof(olstate_session_info));
    EXPECT_EQ(olstate_struct_size(0), 0);
    EXPECT_EQ(olstate_struct_size(OLSTATE_STRUCT_BRIDGE_OPTIONS), sizeof(olstate_bridge_options));
    EXPECT_EQ(olstate_struct_size(OLSTATE_STRUCT_SUBSCRIBE_OPTIONS), sizeof(olstate_subscribe_options));
    EXPECT_EQ(olstate_struct_size(OLSTATE_STRUCT_ACCOUNT), sizeof(olstate_account));
    EXPECT_EQ(olstate_struct_size(OLSTATE_STRUCT_OUTLOOK_INFO), sizeof(olstate_outlook_info));
    EXPECT_EQ(olstate_struct_size(8), 0);
    /* 1.3: which Outlook (olstate_detect_outlook): u32 x8, char[16] */
    EXPECT_EQ(offsetof(olstate_outlook_info, verdict), 4);
    EXPECT_EQ(offsetof(olstate_outlook_info, classic_bitness), 12);
    EXPECT_EQ(offsetof(olstate_outlook_info, new_selected), 28);
    EXPECT_EQ(offsetof(olstate_outlook_info, classic_version), 32);
    EXPECT_EQ(sizeof(olstate_outlook_info), 48);
    EXPECT_EQ(OLSTATE_OUTLOOK_NONE, 0);
    EXPECT_EQ(OLSTATE_OUTLOOK_CLASSIC, 1);
    EXPECT_EQ(OLSTATE_OUTLOOK_NEW, 2);
    EXPECT_EQ(OLSTATE_OUTLOOK_BOTH, 3);
    /* 1.2: the subscribe options, frozen */
    EXPECT_EQ(sizeof(olstate_subscribe_options), sizeof(void*) == 8 ? 32 : 20);
    EXPECT_EQ(offsetof(olstate_subscribe_options, flags), 4);
    EXPECT_EQ(offsetof(olstate_subscribe_options, callback), 8);
    EXPECT_EQ(OLSTATE_E_TIMEOUT, -12);
    EXPECT_EQ(OLSTATE_EVENT_CURRENT, 0x200);
    EXPECT_EQ(OLSTATE_SUBSCRIBE_CURRENT_STATE, 1);
    EXPECT_EQ((long)OLSTATE_WAIT_INFINITE, 0xFFFFFFFFL);

    EXPECT_EQ(OLSTATE_ABI_VERSION, 0x10003L);
    EXPECT_EQ(olstate_abi_version(), OLSTATE_ABI_VERSION);
    EXPECT_EQ(olstate_abi_version() >> 16, 1);
    EXPECT_EQ(sizeof(olstate_result), 4);
    EXPECT_EQ(sizeof(olstate_subscription), 8);
    EXPECT_EQ(OLSTATE_E_WOULD_DEADLOCK, -11);

    /* init writes the 1.0 layout and nothing past it */
    memset(&o, 0x77, sizeof o);
    olstate_open_options_init(&o);
    EXPECT_EQ(o.struct_size, offsetof(olstate_open_options, application));
    EXPECT_EQ(((const unsigned char*)&o)[offsetof(olstate_open_options, application)], 0x77);
    EXPECT_EQ(((const unsigned char*)&o)[sizeof o - 1], 0x77);
    EXPECT_EQ(o.profile == NULL, 1);
    EXPECT_EQ(o.provider_path == NULL, 1);
    EXPECT_EQ(o.provider, OLSTATE_PROVIDER_AUTO);
    EXPECT_EQ(o.delivery, OLSTATE_DELIVERY_QUEUED);
    EXPECT_EQ(o.flags, 0);
    memset(&bo, 0x77, sizeof bo);
    olstate_bridge_options_init(&bo);
    EXPECT_EQ(bo.struct_size, sizeof bo);
    EXPECT_EQ(bo.flags, 0); /* least privilege: clients may not set the state */
    EXPECT_EQ(bo.max_clients, 0);
    EXPECT_EQ(bo.queue_length, 0);
    EXPECT_EQ(bo.endpoint == NULL, 1);
    {
        /* the INIT macros compile in C89 and give the same defaults */
        olstate_open_options mo = OLSTATE_OPEN_OPTIONS_INIT;
        olstate_bridge_options mb = OLSTATE_BRIDGE_OPTIONS_INIT;
        EXPECT_EQ(mo.struct_size, sizeof mo); /* the macro is this header's struct, 1.3 fields included */
        EXPECT_EQ(mo.application == NULL && mo.connection_poll_ms == 0, 1);
        EXPECT_EQ(mo.profile == NULL && mo.provider_path == NULL, 1);
        EXPECT_EQ(mo.provider, o.provider);
        EXPECT_EQ(mo.delivery, o.delivery);
        EXPECT_EQ(mo.flags, o.flags);
        EXPECT_EQ(mb.struct_size, bo.struct_size);
        EXPECT_EQ(mb.flags + mb.max_clients + mb.queue_length, 0);
        EXPECT_EQ(mb.endpoint == NULL, 1);
    }

    EXPECT_EQ(cb == a_callback, 1);
    EXPECT_EQ(rel == a_release, 1);
    if (failures == 0) printf("layout ok (pointer size %lu)\n", (unsigned long)p);
    return failures == 0 ? 0 : 1;
}
