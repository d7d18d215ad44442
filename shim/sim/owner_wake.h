// How posting to an owner inbox wakes the owner thread: on Windows a
// message-only window of the owner thread, whose window procedure runs the
// inbox when the thread's message loop dispatches the message; elsewhere
// nothing (the owner pumps explicitly).
#pragma once

#include <functional>

namespace olstate::sim {

class OwnerWake {
public:
    // Made on the owner thread; `run` drains the inbox without waiting.
    explicit OwnerWake(std::function<void()> run);
    ~OwnerWake();
    OwnerWake(const OwnerWake&) = delete;
    OwnerWake& operator=(const OwnerWake&) = delete;
    // Any thread.
    void wake() noexcept;

private:
    std::function<void()> run_;
#ifdef _WIN32
    void* window_ = nullptr;  // HWND of the message-only window
#endif
};

}  // namespace olstate::sim
