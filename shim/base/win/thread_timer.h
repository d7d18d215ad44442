// A timer of the thread that starts it (SetTimer without a window): its
// callback runs on that thread when the thread's message loop dispatches
// WM_TIMER. In Outlook that is the main thread, the only thread on which
// Outlook's objects may be used, so work done from it needs no locking
// against Outlook and never blocks it for longer than one tick's work (the
// add-in's session retries, the object-model poll).
#pragma once

#include <windows.h>

#include <functional>

namespace olstate::win {

class ThreadTimer {
public:
    ThreadTimer() = default;
    ~ThreadTimer() { stop(); }
    ThreadTimer(const ThreadTimer&) = delete;
    ThreadTimer& operator=(const ThreadTimer&) = delete;

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

}  // namespace olstate::win
