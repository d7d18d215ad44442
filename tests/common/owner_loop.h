// A thread that plays Outlook's main thread for the strict simulator: it
// runs work handed to it (olstate_open on it makes it the session's owner)
// and, between work, the simulator's owner queue (olstate_sim_pump), the
// Linux stand-in for Outlook's message loop.
#pragma once

#include <olstate_sim.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <utility>

namespace test {

class OwnerLoop {
public:
    OwnerLoop() : thread_([this] { loop(); }) {}
    ~OwnerLoop() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        changed_.notify_all();
        thread_.join();
    }
    OwnerLoop(const OwnerLoop&) = delete;
    OwnerLoop& operator=(const OwnerLoop&) = delete;

    // Runs fn on the owner thread and returns its result.
    template <class F>
    auto run(F fn) -> decltype(fn()) {
        return post(std::move(fn)).get();
    }
    // Queues fn for the owner thread (e.g. to block it); the future ends with it.
    template <class F>
    auto post(F fn) -> std::future<decltype(fn())> {
        auto task = std::make_shared<std::packaged_task<decltype(fn())()>>(std::move(fn));
        auto done = task->get_future();
        {
            std::lock_guard lock(mutex_);
            work_.push_back([task] { (*task)(); });
        }
        changed_.notify_all();
        return done;
    }
    std::thread::id id() const { return thread_.get_id(); }

private:
    void loop() {
        for (;;) {
            std::function<void()> next;
            {
                std::unique_lock lock(mutex_);
                changed_.wait_for(lock, std::chrono::milliseconds(2), [&] { return stop_ || !work_.empty(); });
                if (!work_.empty()) {
                    next = std::move(work_.front());
                    work_.pop_front();
                } else if (stop_) {
                    break;
                }
            }
            if (next) next();
            olstate_sim_pump(0, nullptr);  // the owner's "message loop"
        }
        olstate_sim_pump(0, nullptr);
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::function<void()>> work_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace test
