#include "callback_scope.h"

namespace olstate {
namespace {
// Heads of per-thread lists built from stack objects: no allocation.
thread_local const CallbackScope* innermost_callback = nullptr;
thread_local int provider_notify_depth = 0;
}  // namespace

CallbackScope::CallbackScope(std::uint64_t session_id) noexcept
    : session_id_(session_id), outer_(innermost_callback) {
    innermost_callback = this;
}

CallbackScope::~CallbackScope() { innermost_callback = outer_; }

bool in_callback_of(std::uint64_t session_id) noexcept {
    for (const CallbackScope* s = innermost_callback; s; s = s->outer_) {
        if (s->session_id_ == session_id) return true;
    }
    return false;
}

ProviderNotifyScope::ProviderNotifyScope() noexcept { ++provider_notify_depth; }
ProviderNotifyScope::~ProviderNotifyScope() { --provider_notify_depth; }
bool inside_provider_notify() noexcept { return provider_notify_depth > 0; }

}  // namespace olstate
