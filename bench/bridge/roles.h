// The two roles a bridge bench process plays (started by the driver,
// bridge_bench.cpp, as `olstate-bench --bridge-role host|client DIR [INDEX]`).
#pragma once

namespace bench_bridge {

// The host: a simulator session (QUEUED, as the add-in and `olstate-monitor
// --serve` open theirs) published by olstate_bridge_start on DIR/bridge.sock;
// the simulator delivers synchronously, so this process's main thread is the
// provider's notifying thread and its time in olstate_sim_send_raw is the
// provider's time in Notify.
int run_host(const char* dir);

// A client: olstate_open_ex with OLSTATE_PROVIDER_BRIDGE on DIR/bridge.sock
// (default QUEUED delivery) and one subscription that stamps what arrives.
int run_client(const char* dir, int index);

}  // namespace bench_bridge
