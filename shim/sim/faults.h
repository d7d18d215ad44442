// The simulator's process-wide knobs: injected failures, misbehaviours,
// unknown profiles, and the counters tests read to prove every reference
// was released.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "../com/com_types.h"

namespace olstate::sim {

class Faults {
public:
    static Faults& get();

    // The HRESULT the next call of this kind must fail with, or S_OK.
    com::HRESULT take(std::uint32_t call);
    void fail_next(std::uint32_t call, com::HRESULT hr, std::uint32_t count);
    bool misbehaves(std::uint32_t bit) const noexcept { return (misbehaviour_.load() & bit) != 0; }
    void set_misbehaviour(std::uint32_t mask) noexcept;
    // OLSTATE_SIM_MISBEHAVE_HOLD_DONE: returns once that bit is cleared.
    void wait_while_holding_done() noexcept;
    // While HOLD_DONE is set: keeps `resume` and runs it on the thread that
    // clears the bit, and answers true; false when not holding (run on).
    bool hold_until_released(std::function<void()> resume);
    // "Not ready" answers of HrOpenOfflineObj still to give; the first
    // count comes from OLSTATE_SIM_NOT_READY. True when this call gets one.
    bool take_not_ready() noexcept;
    void set_not_ready(std::uint32_t calls) noexcept { not_ready_.store(calls); }
    void set_known(const std::u16string& key, bool known);
    bool known(const std::u16string& key);
    void reset();

    // References the simulator holds on sinks (advised ones and ones kept
    // for a late notification).
    std::atomic<std::int32_t> held_sinks{0};
    // Calls of the offline object's methods running now, on any thread
    // (olstate_sim_calls_in_progress).
    std::atomic<std::int32_t> calls_in_progress{0};
    // Reads of a profile's Exchange connection (olstate_sim_connection_reads):
    // never reset, callers compare two readings.
    std::atomic<std::uint32_t> connection_reads{0};

private:
    static constexpr std::uint32_t kCalls = 9;  // OLSTATE_SIM_CALL_* are 1..8
    std::mutex mutex_;
    struct Fault {
        com::HRESULT hr = 0;
        std::uint32_t count = 0;
    } faults_[kCalls];
    std::atomic<std::uint32_t> misbehaviour_{0};
    std::mutex hold_mutex_;  // with released_: wakes changes held by HOLD_DONE
    std::condition_variable released_;
    std::vector<std::function<void()>> held_;  // hold_until_released's, run at the release
    std::atomic<std::uint32_t> not_ready_{not_ready_from_environment()};
    static std::uint32_t not_ready_from_environment() noexcept;
    std::set<std::u16string> unknown_;
};

// Counts one call of the offline object's methods while it runs.
class CallInProgress {
public:
    CallInProgress() noexcept { ++Faults::get().calls_in_progress; }
    ~CallInProgress() { --Faults::get().calls_in_progress; }
    CallInProgress(const CallInProgress&) = delete;
    CallInProgress& operator=(const CallInProgress&) = delete;
};

// Profile names compare case-insensitively, like MAPI's: ASCII folding.
std::u16string profile_key(const char16_t* name);
std::u16string profile_key_utf8(const char* name);  // throws std::invalid_argument on bad UTF-8

}  // namespace olstate::sim
