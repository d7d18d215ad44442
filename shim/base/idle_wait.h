// Waiting for "became idle" (a subscription's last running call returned, a
// session's last call in progress left). These waits are rare (unsubscribe,
// close), so one process-wide mutex and condition variable serve them all.
//
// Why not std::atomic::wait: libstdc++ 12 implements it on targets without a
// futex (MinGW) with a waiter pool that can miss a wakeup, which hung the
// Windows suites; a plain condition variable has no such gap.
#pragma once

#include <condition_variable>
#include <mutex>

namespace olstate::idle {

std::mutex& mutex() noexcept;
std::condition_variable& condition() noexcept;

// Blocks until done() is true; done() is evaluated under the mutex.
template <class Done>
void wait_until(Done done) {
    std::unique_lock lock(mutex());
    condition().wait(lock, done);
}

// Call after a change some waiter's done() may be waiting for. Taking the
// mutex orders the change before a waiter's next check: no lost wakeup.
inline void notify() noexcept {
    { const std::lock_guard lock(mutex()); }
    condition().notify_all();
}

}  // namespace olstate::idle
