#include "registry.h"

#include "base/handle_table.h"

namespace olstate::registry {
namespace {

using Table = HandleTable<olstate_session, Session>;

Table& table() {
    static Table* t = new Table;  // never destroyed (base/handle_table.h)
    return *t;
}

}  // namespace

std::uint64_t next_id() noexcept { return table().next_id(); }

olstate_session* handle_of(std::uint64_t id) noexcept { return Table::handle_of(id); }

void insert(std::shared_ptr<Session> session) {
    const auto id = session->id();
    table().insert(id, std::move(session));
}

std::shared_ptr<Session> enter(olstate_session* handle) {
    // Counted under the table's lock: close removes under the same lock, so
    // it either sees this call or the call never finds the session.
    return table().find(handle, [](Session& s) { s.enter_call(); });
}

std::shared_ptr<Session> remove(olstate_session* handle) {
    return table().remove(handle, [](Session&) {});
}

}  // namespace olstate::registry
