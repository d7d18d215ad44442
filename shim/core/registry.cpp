#include "registry.h"

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace olstate::registry {
namespace {

struct Table {
    std::mutex mutex;
    std::unordered_map<std::uint64_t, std::shared_ptr<Session>> live;
};

// Never destroyed: sessions left open at process exit stay valid for
// threads still running, and no lock is taken in a static destructor.
Table& table() {
    static Table* t = new Table;
    return *t;
}

std::uint64_t id_of(olstate_session* handle) noexcept {
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(handle));
}

}  // namespace

std::uint64_t next_id() noexcept {
    static std::atomic<std::uint64_t> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

olstate_session* handle_of(std::uint64_t id) noexcept {
    return reinterpret_cast<olstate_session*>(static_cast<std::uintptr_t>(id));
}

void insert(std::shared_ptr<Session> session) {
    Table& t = table();
    std::lock_guard lock(t.mutex);
    const auto id = session->id();
    t.live.emplace(id, std::move(session));
}

std::shared_ptr<Session> enter(olstate_session* handle) {
    Table& t = table();
    std::lock_guard lock(t.mutex);
    const auto it = t.live.find(id_of(handle));
    if (it == t.live.end()) return nullptr;
    // Counted under the registry lock: close removes under the same lock, so
    // it either sees this call or the call never finds the session.
    it->second->enter_call();
    return it->second;
}

std::shared_ptr<Session> remove(olstate_session* handle) {
    Table& t = table();
    std::lock_guard lock(t.mutex);
    const auto it = t.live.find(id_of(handle));
    if (it == t.live.end()) return nullptr;
    auto session = std::move(it->second);
    t.live.erase(it);
    return session;
}

}  // namespace olstate::registry
