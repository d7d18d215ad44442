// Provider threads of the simulator: a queue of jobs served by long-lived
// threads (one for FIFO delivery, several for a pool). Threads start lazily,
// are detached, and live as long as the process: the simulator's objects
// are never destroyed, so no thread can outlive what it uses.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

namespace olstate::sim {

class WorkQueue {
public:
    using Job = std::function<void()>;

    explicit WorkQueue(const void* owner) noexcept : owner_(owner) {}
    WorkQueue(const WorkQueue&) = delete;
    WorkQueue& operator=(const WorkQueue&) = delete;

    // Runs `job` on one of at most `threads` provider threads.
    void post(Job job, std::uint32_t threads);
    // Returns when every job posted so far has finished.
    void wait_idle();

    // The object whose provider thread the calling thread is (or nullptr).
    static const void* current_owner() noexcept;

private:
    void serve() noexcept;

    const void* const owner_;
    std::mutex mutex_;
    std::condition_variable work_;
    std::condition_variable idle_;
    std::deque<Job> jobs_;
    std::uint32_t running_ = 0;
    std::uint32_t threads_ = 0;
};

}  // namespace olstate::sim
