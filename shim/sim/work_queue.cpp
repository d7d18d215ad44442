#include "work_queue.h"

#include <thread>

namespace olstate::sim {

bool WorkQueue::on_provider_thread() {
    const auto me = std::this_thread::get_id();
    std::lock_guard lock(mutex_);
    for (const auto& id : thread_ids_) {
        if (id == me) return true;
    }
    return false;
}

void WorkQueue::post(Job job, std::uint32_t threads) {
    std::unique_lock lock(mutex_);
    jobs_.push_back(std::move(job));
    while (threads_ < threads) {
        std::thread t([this] { serve(); });
        thread_ids_.push_back(t.get_id());
        t.detach();
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
