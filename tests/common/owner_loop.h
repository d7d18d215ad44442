// A thread that plays Outlook's main thread for the strict simulator: it
// runs work handed to it (olstate_open on it makes it the session's owner)
// and, between work, the simulator's owner queue (olstate_sim_pump), the
// Linux stand-in for Outlook's message loop. On Windows it also dispatches
// the thread's window messages, as Outlook's loop does: there a thread with a
// message queue (under Wine, every thread) gets OLSTATE_THREADING_OWNER_WINDOW,
// whose carried calls arrive as messages.
#pragma once

#include <olstate.h>
#include <olstate_sim.h>

#ifdef _WIN32
#include <windows.h>
#endif

#include <chrono>
#include <cstdint>
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

    // The threading a session opened on this thread reports under the strict
    // simulator: OWNER_WINDOW where the thread has a message queue (Windows),
    // else OWNER_LOOP.
    std::uint32_t expected_threading() {
#ifdef _WIN32
        return run([] { return IsGUIThread(FALSE) != FALSE; }) ? OLSTATE_THREADING_OWNER_WINDOW
                                                                : OLSTATE_THREADING_OWNER_LOOP;
#else
        return OLSTATE_THREADING_OWNER_LOOP;
#endif
    }

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
            pump();
        }
        pump();
    }

    // The owner's "message loop": the simulator's owner queue, and on Windows
    // the thread's messages.
    static void pump() {
        olstate_sim_pump(0, nullptr);
#ifdef _WIN32
        MSG msg;
        while (PeekMessageW(&msg, nullptr, 0, 0, PM_REMOVE)) {
            TranslateMessage(&msg);
            DispatchMessageW(&msg);
        }
#endif
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::function<void()>> work_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace test
