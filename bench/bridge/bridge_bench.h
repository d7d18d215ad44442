// The bridge section of olstate-bench: a host process over the simulator and
// client processes on this machine (see BENCHMARKS.md, "Bridge").
#pragma once

namespace bench_bridge {

struct BridgeResults {
    // 1. provider Notify -> callback in another process, µs
    double p50 = 0, p99 = 0, p999 = 0, max = 0;                          // the client's default, QUEUED
    double inline_p50 = 0, inline_p99 = 0, inline_p999 = 0, inline_max = 0;  // an INLINE client
    double floor_p50 = 0, floor_p99 = 0;  // one socket hop between processes, no olstate
    double fan_p50 = 0, fan_p99 = 0, fan_p999 = 0, fan_last_p99 = 0;  // 16 clients at once
    double lost = 0;                                                   // samples that never arrived (2 s)
    // CPU per notification (the host's threads but its main one; clients whole)
    double cpu_host_us = 0, cpu_client_us = 0, cpu_client_us_inline = 0, fan_cpu_host_us = 0, fan_cpu_clients_us = 0;
    // 2. isolation: 16 clients, one stopped (never reads)
    double block_us = 0, block_p99 = 0, block_max = 0;                 // one at a time, dispatcher asleep
    double stream_block_us = 0, stream_block_p99 = 0, stream_block_max = 0;
    double stream_count = 0, stream_undelivered = 0;  // deliveries the 15 reading clients missed
    double rss_kb_before = 0, rss_kb_after = 0;                        // around the stream
    double rss_kb_0_clients = 0, rss_kb_16_clients = 0;
    // 3. idle wake-ups per second
    double idle_seconds = 0, idle_host = 0, idle_client = 0, idle_waiting_client = 0, idle_host_no_bridge = 0;
    // 4. reconnect and open
    double reconnect_ms = 0, reconnect_ms_max = 0, reconnect_trials = 0;
    double open_us = 0, close_us = 0;
    double stop_us_1_client = 0, stop_us_16_clients = 0, stop_us_16_clients_one_stalled = 0;  // olstate_bridge_stop
    // 5. polling at 1 s versus push, the same changes
    double changes = 0, detected_polling = 0, detected_push = 0;
    double detect_ms_polling = 0, detect_ms_polling_max = 0, detect_us_push = 0, detect_us_push_max = 0;
    double compare_seconds = 0;
    double host_cpu_ms_polling = 0, host_cpu_ms_push = 0, host_cpu_ms_total = 0;
    double client_cpu_ms_polling = 0, client_cpu_ms_push = 0;
};

// Runs every measurement (shorter with quick); exits the bench on failure.
void run(BridgeResults& r, bool quick);
// Prints the figures as "key":value, pairs (inside the bench's JSON object).
void print_json(const BridgeResults& r);
// Prints the figures as the bench's table section 8.
void print_table(const BridgeResults& r);

}  // namespace bench_bridge
