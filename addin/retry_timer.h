// A timer of the thread that starts it (SetTimer without a window): its
// callback runs on that thread when the thread's message loop dispatches
// WM_TIMER. In Outlook that is the main thread, the only thread on which the
// add-in may use Outlook's objects, so retrying from it needs no locking
// against Outlook and never blocks it: one attempt per tick.
#pragma once

#include <windows.h>

#include <functional>

namespace olstate::addin {

class RetryTimer {
public:
    RetryTimer() = default;
    ~RetryTimer() { stop(); }
    RetryTimer(const RetryTimer&) = delete;
    RetryTimer& operator=(const RetryTimer&) = delete;

    // Calls `tick` every `ms` milliseconds on this thread until stop();
    // replaces a running timer. False when Windows refused the timer.
    bool start(UINT ms, std::function<void()> tick) noexcept;
    // On the thread that started it. May be called from `tick` itself.
    void stop() noexcept;
    bool active() const noexcept { return id_ != 0; }

private:
    static void CALLBACK on_timer(HWND, UINT, UINT_PTR id, DWORD) noexcept;

    UINT_PTR id_ = 0;
    std::function<void()> tick_;
};

}  // namespace olstate::addin
