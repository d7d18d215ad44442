#include "wait_command.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace olstate_monitor {

namespace {

const char* name_of(uint32_t state) { return state == OLSTATE_ONLINE ? "online" : "offline"; }

// Waits in short slices so that Ctrl-C/SIGTERM ends the wait promptly.
constexpr uint32_t kSliceMs = 200;

}  // namespace

std::optional<uint32_t> parse_wait_state(const char* text) {
    const std::string s = text;
    if (s == "online") return OLSTATE_ONLINE;
    if (s == "offline") return OLSTATE_OFFLINE;
    return std::nullopt;
}

std::optional<uint32_t> parse_wait_timeout(const char* text) {
    char* end = nullptr;
    const double seconds = std::strtod(text, &end);
    if (!*text || *end || !std::isfinite(seconds) || seconds < 0) return std::nullopt;
    const double ms = std::ceil(seconds * 1000.0);
    if (ms >= static_cast<double>(OLSTATE_WAIT_INFINITE)) return std::nullopt;  // about 49 days
    return static_cast<uint32_t>(ms);
}

int run_wait(olstate_session* session, uint32_t state, uint32_t timeout_ms, bool json,
             const volatile std::sig_atomic_t& signalled, const OwnerPump& pump) {
    using Clock = std::chrono::steady_clock;
    const bool forever = timeout_ms == OLSTATE_WAIT_INFINITE;
    const auto deadline = Clock::now() + std::chrono::milliseconds(forever ? 0 : timeout_ms);
    olstate_result r = OLSTATE_E_TIMEOUT;
    for (;;) {
        uint32_t slice = kSliceMs;
        if (!forever) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            slice = left <= 0 ? 0 : static_cast<uint32_t>(left < kSliceMs ? left : kSliceMs);
        }
        // On the session's owner thread the changes arrive only while it
        // runs the owner loop: look, then pump, in turns.
        r = olstate_wait_state(session, state, pump.needed() ? 0 : slice);
        if (r != OLSTATE_E_TIMEOUT || signalled || (!forever && Clock::now() >= deadline)) break;
        if (pump.needed()) pump.run_for(std::chrono::milliseconds(slice < 20 ? slice : 20));
    }
    const char* outcome = r == OLSTATE_OK ? "reached" : r == OLSTATE_E_TIMEOUT ? (signalled ? "interrupted" : "timeout") : "error";
    if (json)
        std::printf("{\"type\":\"wait\",\"state\":\"%s\",\"result\":\"%s\"}\n", name_of(state), outcome);
    else if (r == OLSTATE_OK)
        std::printf("reached: %s\n", name_of(state));
    else if (r == OLSTATE_E_TIMEOUT)
        std::printf("%s: not %s\n", outcome, name_of(state));
    std::fflush(stdout);
    if (r != OLSTATE_OK && r != OLSTATE_E_TIMEOUT)
        std::fprintf(stderr, "olstate-monitor: wait failed: %s\n  %s\n", olstate_result_name(r),
                     olstate_last_error_message());
    return r == OLSTATE_OK ? 0 : 1;
}

}  // namespace olstate_monitor
