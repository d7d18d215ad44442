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
#include <thread>
#include <vector>

namespace olstate::sim {

class WorkQueue {
public:
    using Job = std::function<void()>;

    WorkQueue() = default;
    WorkQueue(const WorkQueue&) = delete;
    WorkQueue& operator=(const WorkQueue&) = delete;

    // Runs `job` on one of at most `threads` provider threads.
    void post(Job job, std::uint32_t threads);
    // Returns when every job posted so far has finished.
    void wait_idle();

    // True on one of this queue's provider threads. (No thread_local: the
    // simulator is usually dlopen'ed, and dynamic TLS in such libraries
    // trips LeakSanitizer's thread walk.)
    bool on_provider_thread();

private:
    void serve() noexcept;

    std::mutex mutex_;
    std::condition_variable work_;
    std::condition_variable idle_;
    std::deque<Job> jobs_;
    std::uint32_t running_ = 0;
    std::uint32_t threads_ = 0;
    std::vector<std::thread::id> thread_ids_;
};

}  // namespace olstate::sim
