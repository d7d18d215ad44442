// The memory the bridge bench's processes share (a file mapped MAP_SHARED
// in the run's private folder), and the clock they all read.
//
// Latency is measured from stamps, not from an event's notify_time_us: the
// host process stamps CLOCK_MONOTONIC right before it makes its provider
// call Notify (olstate_sim_send_raw with SYNC delivery runs Notify on the
// calling thread), and each client stamps the same clock in its callback.
// CLOCK_MONOTONIC is one clock for every process of the machine (Linux has
// no per-process monotonic clock outside time namespaces, which the bench
// does not use), unlike notify_time_us, which a bridged event may carry
// from either side's wall clock.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace bench_bridge {

constexpr int kMaxClients = 18;        // 16 fan-out clients + polling + pushing
constexpr int kMaxSamples = 20000;     // latency samples per run
constexpr int kMaxChanges = 64;        // state changes of the polling/push comparison

// What a client's callback does with a state event (set by the driver).
enum Phase : std::uint32_t {
    kPhaseNone = 0,
    kPhaseLatency = 1,  // stamp recv_ns[client][current], count an ack
    kPhaseDetect = 2,   // record the first event that carries change_state[last change]
};

struct SharedArea {
    std::atomic<std::uint32_t> phase;
    std::atomic<std::uint32_t> current;  // index of the notification being sent
    std::atomic<std::uint32_t> acks;     // deliveries counted in kPhaseLatency (a futex word)
    std::atomic<std::uint32_t> target;   // the host sleeps until acks reaches it
    std::int64_t sent_ns[kMaxSamples];
    std::int64_t recv_ns[kMaxClients][kMaxSamples];
    // Polling versus push: the host writes change k, then change_count = k + 1.
    std::atomic<std::uint32_t> change_count;
    std::int64_t change_ns[kMaxChanges];
    std::uint32_t change_state[kMaxChanges];
    std::int64_t detect_ns[kMaxClients][kMaxChanges];
    // Link events per client (0 until seen).
    std::atomic<std::int64_t> lost_ns[kMaxClients];
    std::atomic<std::int64_t> back_ns[kMaxClients];
    std::atomic<std::int64_t> listen_ns;  // the host is about to start its bridge
};

static_assert(std::atomic<std::uint32_t>::is_always_lock_free && std::atomic<std::int64_t>::is_always_lock_free,
              "shared across processes: the atomics must be lock-free");

// Creates (create = true) or opens the file and maps it; exits on failure.
SharedArea* map_shared_area(const std::string& path, bool create);

std::int64_t now_ns() noexcept;  // CLOCK_MONOTONIC

// A futex on a word of the shared file (not FUTEX_PRIVATE: other processes).
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t seen, std::int64_t timeout_ns) noexcept;
void futex_wake_all(std::atomic<std::uint32_t>& word) noexcept;

}  // namespace bench_bridge
