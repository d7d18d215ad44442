// The monitor's main thread opens the session, so it is the session's owner
// thread when olstate carries calls to one (the header's "Threading"): with
// the strict simulator (OWNER_LOOP) or on a Windows thread with a message
// queue (OWNER_WINDOW). It must then keep running that owner loop while it
// waits, or notifications and the calls of other threads (a served bridge's
// clients) would never run. With DIRECT threading there is nothing to run.
#pragma once

#include <olstate.h>

#include <chrono>

namespace olstate_monitor {

class OwnerPump {
public:
    // Reads the session's threading; for OWNER_LOOP it finds olstate_sim_pump
    // in the simulator library olstate loaded (the same file, so the same
    // instance: olstate_sim.h).
    explicit OwnerPump(olstate_session* session);

    // True when the caller must pump instead of just waiting.
    bool needed() const noexcept { return threading_ != OLSTATE_THREADING_DIRECT && (pump_ || window_); }
    // Runs what is queued for the owner for at most about `most`, returning
    // early after running something.
    void run_for(std::chrono::milliseconds most) const;

private:
    using PumpFn = int32_t (*)(uint32_t timeout_ms, uint32_t* out_ran);
    uint32_t threading_ = OLSTATE_THREADING_DIRECT;
    PumpFn pump_ = nullptr;  // olstate_sim_pump, for OWNER_LOOP
    bool window_ = false;    // OWNER_WINDOW: this thread's message loop
};

}  // namespace olstate_monitor
