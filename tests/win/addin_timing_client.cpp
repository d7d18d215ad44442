#include <olstate.h>
#include <windows.h>

#include <atomic>
#include <cstdio>

#include "addin_timing.h"

namespace addintiming {

namespace {

struct Counts {
    HANDLE connected = nullptr;
    std::atomic<unsigned> events{0}, lost{0}, back{0};
    // The first host reached is counted once: by the get_state after the
    // subscribe, or by a BACK when the host came up in between (then both
    // see it, and counting both let the harness go on with a client short).
    std::atomic<bool> first_counted{false};
};

void OLSTATE_CALL on_event(const olstate_event* e, void* context) {
    auto* c = static_cast<Counts*>(context);
    if (e->kind == OLSTATE_EVENT_PROVIDER_LOST) {
        ++c->lost;
    } else if (e->kind == OLSTATE_EVENT_PROVIDER_BACK) {
        ++c->back;
        if (c->lost.load() > 0 || !c->first_counted.exchange(true)) ReleaseSemaphore(c->connected, 1, nullptr);
    } else {
        ++c->events;
    }
}

}  // namespace

int run_client(const std::wstring& tag, int index) {
    Counts counts;
    counts.connected = OpenSemaphoreW(SEMAPHORE_MODIFY_STATE, FALSE, connected_name(tag).c_str());
    const HANDLE quit = OpenEventW(SYNCHRONIZE, FALSE, quit_name(tag).c_str());
    if (!counts.connected || !quit) {
        std::printf("client %d: the host's named objects are missing\n", index);
        return 1;
    }
    // Every field set (olstate_open_options_init writes only the 1.0 ones:
    // with struct_size = sizeof, the 1.3 application and connection_poll_ms
    // would be whatever the stack held, and the open refused).
    olstate_open_options o = OLSTATE_OPEN_OPTIONS_INIT;
    o.provider = OLSTATE_PROVIDER_BRIDGE;  // the current user's endpoint: the add-in's
    o.flags = OLSTATE_OPEN_RECONNECT;
    olstate_session* s = nullptr;
    olstate_subscription sub = 0;
    if (olstate_open_ex(&o, &s) != OLSTATE_OK || olstate_subscribe(s, on_event, &counts, nullptr, &sub) != OLSTATE_OK) {
        std::printf("client %d: %s\n", index, olstate_last_error_message());
        return 1;
    }
    // Reached a host at open (later reconnections say so with BACK).
    uint32_t state = 0;
    if (olstate_get_state(s, &state) == OLSTATE_OK && !counts.first_counted.exchange(true))
        ReleaseSemaphore(counts.connected, 1, nullptr);
    WaitForSingleObject(quit, 600000);
    olstate_close(s);
    std::printf("client %d: %u events, %u lost, %u back\n", index, counts.events.load(), counts.lost.load(),
                counts.back.load());
    CloseHandle(quit);
    CloseHandle(counts.connected);
    return 0;
}

}  // namespace addintiming
