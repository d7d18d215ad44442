// What the fallback provider's Wine tests (object_model_fallback.cpp,
// object_model_cross_process.cpp) share: a failure counter with EXPECT, a
// subscriber that records events and waits for them, and the checks on
// events and on the session's provider.
#pragma once

#include <olstate.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <vector>

#include "expect.h"

namespace fallbacktest {

inline int failures = 0;
#define EXPECT(cond) WINTEST_EXPECT_IN(failures, cond)

struct Seen {
    std::uint32_t kind, old_state, new_state;
};

struct Recorder {
    std::mutex mutex;
    std::condition_variable grew;
    std::vector<Seen> events;
    static void OLSTATE_CALL on_event(const olstate_event* e, void* context) {
        auto* r = static_cast<Recorder*>(context);
        {
            std::lock_guard lock(r->mutex);
            r->events.push_back(Seen{e->kind, e->old_state, e->new_state});
        }
        r->grew.notify_all();
    }
    std::vector<Seen> wait_for(std::size_t n, std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
        std::unique_lock lock(mutex);
        grew.wait_for(lock, deadline, [&] { return events.size() >= n; });
        return events;
    }
};

inline bool is(const Seen& s, std::uint32_t kind, std::uint32_t old_state, std::uint32_t new_state) {
    const bool same = s.kind == kind && s.old_state == old_state && s.new_state == new_state;
    if (!same)
        std::printf("  got event 0x%x %u -> %u, expected 0x%x %u -> %u\n", s.kind, s.old_state, s.new_state, kind,
                    old_state, new_state);
    return same;
}

// Checks that `got` is exactly `want`, in order; prints every event first.
inline bool is_sequence(const std::vector<Seen>& got, const std::vector<Seen>& want) {
    for (const Seen& x : got) std::printf("  event 0x%x %u -> %u\n", x.kind, x.old_state, x.new_state);
    if (got.size() != want.size()) {
        std::printf("  got %zu events, expected %zu\n", got.size(), want.size());
        return false;
    }
    bool same = true;
    for (std::size_t i = 0; i < got.size(); ++i)
        same = is(got[i], want[i].kind, want[i].old_state, want[i].new_state) && same;
    return same;
}

inline olstate_open_options object_model_options(std::uint32_t provider, std::uint32_t flags) {
    olstate_open_options o = OLSTATE_OPEN_OPTIONS_INIT;
    o.provider = provider;
    o.flags = flags;
    o.connection_poll_ms = OLSTATE_CONNECTION_POLL_MIN_MS;
    return o;
}

inline std::uint32_t provider_of(olstate_session* s) {
    olstate_session_info info{};
    info.struct_size = sizeof info;
    if (olstate_get_session_info(s, &info) != OLSTATE_OK) return 99;
    return info.provider;
}

}  // namespace fallbacktest
