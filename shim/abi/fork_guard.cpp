#include "fork_guard.h"

#include <atomic>

#ifndef _WIN32
#include <pthread.h>
#endif

namespace olstate::abi {
namespace {

std::atomic<bool> forked{false};

#ifndef _WIN32
// Runs in the child, right after fork(), before fork() returns there.
void mark_child() noexcept { forked.store(true, std::memory_order_relaxed); }

// Registered once when the library loads; glibc drops the handler again
// when the library is unloaded.
[[maybe_unused]] const int registered = pthread_atfork(nullptr, nullptr, mark_child);
#endif

}  // namespace

bool in_forked_child() noexcept { return forked.load(std::memory_order_relaxed); }

}  // namespace olstate::abi
