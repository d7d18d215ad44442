// What the bridge bench reads about another process from /proc: its
// context switches (every thread's, not only the main thread's, which is
// all /proc/<pid>/status shows), its threads, their CPU time and its RSS.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace bench_bridge {

// Voluntary + involuntary context switches summed over the process's
// threads (/proc/<pid>/task/*/status). A thread that blocks and is woken
// counts one voluntary switch per wake-up; a thread that never runs counts
// none. Threads that exit during a window are not counted (none do while
// the bench measures idle processes).
std::uint64_t context_switches(pid_t pid);

// The thread ids of the process, sorted.
std::vector<pid_t> threads_of(pid_t pid);

// CPU time of the given threads of the process (/proc/<pid>/task/<tid>/schedstat,
// ns on the CPU), summed; a thread that has exited counts 0.
std::uint64_t cpu_ns(pid_t pid, const std::vector<pid_t>& tids);

// CPU time of the threads alive now (schedstat, ns). Threads that have
// exited are not counted: the bench compares windows in which none exit
// (utime + stime in /proc/<pid>/stat would count them, at 10 ms resolution).
std::uint64_t process_cpu_ns(pid_t pid);

// VmRSS in kB (/proc/<pid>/status).
long rss_kb(pid_t pid);

}  // namespace bench_bridge
