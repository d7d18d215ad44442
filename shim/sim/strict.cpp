#include "strict.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(_WIN32)
#include <windows.h>
#endif

#include "olstate_sim.h"

namespace olstate::sim {
namespace {

// OLSTATE_SIM_STRICT: unset, "" or "0" off; "fatal" fatal; anything else on.
std::uint32_t mode_from_environment() {
    const char* v = std::getenv("OLSTATE_SIM_STRICT");
    if (!v || !*v || std::strcmp(v, "0") == 0) return OLSTATE_SIM_STRICT_OFF;
    if (std::strcmp(v, "fatal") == 0) return OLSTATE_SIM_STRICT_FATAL;
    return OLSTATE_SIM_STRICT_ON;
}

[[noreturn]] void end_process() {
#if defined(_WIN32)
    // Not ExitProcess: DLL detach handlers would run while other threads sit
    // in the simulator; the test only needs the process gone with a code.
    TerminateProcess(GetCurrentProcess(), OLSTATE_SIM_FATAL_EXIT_CODE);
#endif
    std::_Exit(OLSTATE_SIM_FATAL_EXIT_CODE);
}

}  // namespace

Strict& Strict::get() {
    static Strict* s = new Strict;  // never destroyed: provider threads may outlive main
    return *s;
}

Strict::Strict() : env_mode_(mode_from_environment()), mode_(env_mode_) {}

std::uint32_t Strict::mode() {
    std::lock_guard lock(mutex_);
    return mode_;
}

void Strict::set_mode(std::uint32_t mode) {
    std::lock_guard lock(mutex_);
    mode_ = mode;
}

void Strict::reset() {
    std::lock_guard lock(mutex_);
    mode_ = env_mode_;
    for (auto& c : counts_) c = 0;
    last_.clear();
}

void Strict::violation(std::uint32_t kind, const std::string& what) {
    bool fatal = false;
    {
        std::lock_guard lock(mutex_);
        if (kind > 0 && kind < kKinds) ++counts_[kind];
        last_ = what;
        fatal = mode_ == OLSTATE_SIM_STRICT_FATAL;
    }
    std::fprintf(stderr, "olstate_sim: strict violation: %s\n", what.c_str());
    std::fflush(stderr);
    if (fatal) {
        std::fprintf(stderr, "olstate_sim: OLSTATE_SIM_STRICT=fatal: ending the process (exit code %d)\n",
                     OLSTATE_SIM_FATAL_EXIT_CODE);
        std::fflush(stderr);
        end_process();
    }
}

std::uint32_t Strict::count(std::uint32_t kind) {
    std::lock_guard lock(mutex_);
    if (kind != OLSTATE_SIM_VIOLATION_ALL) return kind < kKinds ? counts_[kind] : 0;
    std::uint32_t all = 0;
    for (const auto c : counts_) all += c;
    return all;
}

std::string Strict::last() {
    std::lock_guard lock(mutex_);
    return last_;
}

std::string Strict::name_of(std::thread::id id) {
    std::lock_guard lock(mutex_);
    const auto it = names_.emplace(id, static_cast<unsigned>(names_.size() + 1)).first;
    return "thread " + std::to_string(it->second);
}

}  // namespace olstate::sim
