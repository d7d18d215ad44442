// The one table behind every handle the C API hands out (sessions, bridges):
// a handle is an id, never an address; ids start at 1 and are never reused,
// so a closed or made-up handle is simply not found - never dereferenced.
//
// Keep a table in a function-local static that is never destroyed (`new`,
// no delete): objects left open at process exit stay reachable for threads
// still running, and no lock is taken in a static destructor.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace olstate {

template <class Handle, class T>
class HandleTable {
public:
    std::uint64_t next_id() noexcept { return counter_.fetch_add(1, std::memory_order_relaxed) + 1; }
    static Handle* handle_of(std::uint64_t id) noexcept {
        return reinterpret_cast<Handle*>(static_cast<std::uintptr_t>(id));
    }
    static std::uint64_t id_of(Handle* handle) noexcept {
        return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(handle));
    }

    void insert(std::uint64_t id, std::shared_ptr<T> object) {
        std::lock_guard lock(mutex_);
        live_.emplace(id, std::move(object));
    }

    // The object, with `on_found(T&)` run under the table's lock (to count a
    // call that a concurrent remove must then see); null when unknown.
    template <class OnFound>
    std::shared_ptr<T> find(Handle* handle, OnFound on_found) {
        std::lock_guard lock(mutex_);
        const auto it = live_.find(id_of(handle));
        if (it == live_.end()) return nullptr;
        on_found(*it->second);
        return it->second;
    }

    // Removes and returns the object; null when unknown. `check(T&)` runs
    // under the lock first and may throw to refuse (nothing is removed).
    template <class Check>
    std::shared_ptr<T> remove(Handle* handle, Check check) {
        std::lock_guard lock(mutex_);
        const auto it = live_.find(id_of(handle));
        if (it == live_.end()) return nullptr;
        check(*it->second);
        auto object = std::move(it->second);
        live_.erase(it);
        return object;
    }

private:
    std::atomic<std::uint64_t> counter_{0};
    std::mutex mutex_;
    std::unordered_map<std::uint64_t, std::shared_ptr<T>> live_;
};

}  // namespace olstate
