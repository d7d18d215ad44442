#include "work_queue.h"

#include <thread>

namespace olstate::sim {
namespace {
thread_local const void* tl_owner = nullptr;
}

const void* WorkQueue::current_owner() noexcept { return tl_owner; }

void WorkQueue::post(Job job, std::uint32_t threads) {
    std::unique_lock lock(mutex_);
    jobs_.push_back(std::move(job));
    while (threads_ < threads) {
        std::thread([this] { serve(); }).detach();
        ++threads_;
    }
    lock.unlock();
    work_.notify_one();
}

void WorkQueue::wait_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [&] { return jobs_.empty() && running_ == 0; });
}

void WorkQueue::serve() noexcept {
    tl_owner = owner_;
    std::unique_lock lock(mutex_);
    for (;;) {
        work_.wait(lock, [&] { return !jobs_.empty(); });
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        ++running_;
        lock.unlock();
        job();
        job = nullptr;  // drop what the job held (sink references) before reporting idle
        lock.lock();
        --running_;
        if (jobs_.empty() && running_ == 0) idle_.notify_all();
    }
}

}  // namespace olstate::sim
