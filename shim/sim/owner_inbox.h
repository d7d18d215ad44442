// The owner thread's queue of notifications (strict mode).
//
// Outlook's offline object belongs to the thread that opened it, and its
// notifications reach that thread through its message loop. In strict mode
// the simulator therefore queues every notification job in the owner
// thread's inbox; the owner runs them when it
// - pumps its Windows message loop (Windows: each inbox has a message-only
//   window created on the owner thread, and every post wakes it), or
// - calls olstate_sim_pump / olstate_sim_run_owner_loop (every platform).
// A thread that never does either never sees a notification, as in Outlook.
//
// Inboxes live as long as the process (jobs may be posted by any thread at
// any time). One inbox per owner thread, whatever number of objects it owns.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace olstate::sim {

class OwnerWake;  // how a post wakes the owner thread (owner_wake.h)

class OwnerInbox {
public:
    using Job = std::function<void()>;

    // The calling thread's inbox, created on first use (with its message
    // window on Windows, which is why it must be made on the owner thread).
    static OwnerInbox& of_current_thread();
    // The calling thread's inbox if it has one, else nullptr.
    static OwnerInbox* find_current();
    // Asks every olstate_sim_run_owner_loop running now to return.
    static void quit_loops();

    OwnerInbox(const OwnerInbox&) = delete;
    OwnerInbox& operator=(const OwnerInbox&) = delete;
    ~OwnerInbox();

    std::thread::id owner() const noexcept { return owner_; }
    bool is_current() const noexcept { return owner_ == std::this_thread::get_id(); }

    // What a job is: a notification (the simulator's own), or a call a
    // program carries to the owner thread (olstate_sim_owner_post), which
    // is not "inside a notification" for the hang rule.
    enum class Kind { notification, carried_call };

    // Any thread: queue `job` for the owner and wake it.
    void post(Job job, Kind kind = Kind::notification);
    // Owner thread: runs queued jobs until none is left, waiting up to
    // `first` for the first one. Returns how many ran.
    std::uint32_t pump(std::chrono::milliseconds first);
    // Owner thread: runs jobs as they come until `done()` holds.
    void pump_until(const std::function<bool()>& done);
    // Owner thread: runs jobs until quit_loops() is called.
    void run_loop();
    // True while the owner thread runs a notification (directly, or
    // nested in a carried call it runs).
    bool in_notification() noexcept;
    // Any other thread: returns when the inbox is empty and no job runs.
    void wait_idle();

private:
    explicit OwnerInbox(std::thread::id owner);
    // Runs the oldest job, if any; the lock is released meanwhile.
    bool run_one(std::unique_lock<std::mutex>& lock);

    const std::thread::id owner_;
    std::mutex mutex_;
    std::condition_variable changed_;
    struct Queued {
        Job job;
        Kind kind;
    };
    std::deque<Queued> jobs_;
    unsigned running_ = 0;    // nesting depth: a job may pump again
    unsigned notifying_ = 0;  // of which notifications
    std::unique_ptr<OwnerWake> wake_;
};

}  // namespace olstate::sim
