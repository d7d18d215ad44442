// Strict mode: the rules of documented Outlook, enforced and counted.
//
// Off by default (the forgiving simulator simple programs expect). On, the
// offline object belongs to the thread that opened it, calls from other
// threads fail with RPC_E_WRONG_THREAD, notifications run on the owner
// thread (owner_inbox.h), and a blocking SetCurrentState made from within a
// notification hangs for OLSTATE_SIM_HANG_MS and fails. Every broken rule is
// a violation: counted, kept as the last message, printed on stderr (one
// line starting "olstate_sim: strict violation"), and in fatal mode the end
// of the process.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace olstate::sim {

class Strict {
public:
    static Strict& get();

    // OLSTATE_SIM_STRICT_* (OFF, ON, FATAL).
    std::uint32_t mode();
    bool on() { return mode() != 0; }
    void set_mode(std::uint32_t mode);
    // Back to the process default (the OLSTATE_SIM_STRICT variable), with
    // every counter cleared.
    void reset();

    // Records a violation of `kind` (OLSTATE_SIM_VIOLATION_*).
    void violation(std::uint32_t kind, const std::string& what);
    std::uint32_t count(std::uint32_t kind);  // OLSTATE_SIM_VIOLATION_ALL: every kind
    std::string last();

    // A short, stable name for a thread in messages ("thread 3"): numbered
    // in the order the simulator first sees them.
    std::string name_of(std::thread::id id);

private:
    Strict();
    static constexpr std::uint32_t kKinds = 3;
    std::mutex mutex_;
    std::uint32_t env_mode_ = 0;
    std::uint32_t mode_ = 0;
    std::uint32_t counts_[kKinds] = {};
    std::string last_;
    std::map<std::thread::id, unsigned> names_;
};

}  // namespace olstate::sim
