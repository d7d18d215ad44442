#include "callback_scope.h"

namespace olstate {
namespace {
// Head of a per-thread list built from stack objects: no allocation.
thread_local const ThreadMark* innermost = nullptr;
thread_local int provider_notify_depth = 0;
}  // namespace

ThreadMark::ThreadMark(Kind kind, std::uint64_t session_id) noexcept
    : kind_(kind), session_id_(session_id), outer_(innermost) {
    innermost = this;
}

ThreadMark::~ThreadMark() { innermost = outer_; }

bool marked(ThreadMark::Kind kind, std::uint64_t session_id) noexcept {
    for (const ThreadMark* m = innermost; m; m = m->outer_) {
        if (m->kind_ == kind && m->session_id_ == session_id) return true;
    }
    return false;
}

ProviderNotifyScope::ProviderNotifyScope() noexcept { ++provider_notify_depth; }
ProviderNotifyScope::~ProviderNotifyScope() { --provider_notify_depth; }
bool inside_provider_notify() noexcept { return provider_notify_depth > 0; }

}  // namespace olstate
