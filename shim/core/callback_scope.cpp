#include "callback_scope.h"

namespace olstate {
namespace {
// Head of a per-thread list built from stack objects: no allocation.
// initial-exec: these are read on every notification, and the default
// (general-dynamic, for a library that may be dlopen'ed) costs a call to
// __tls_get_addr each time; two small variables fit glibc's static-TLS
// reserve even when libolstate is loaded late (e.g. by .NET).
#if defined(__ELF__)
#define OLSTATE_HOT_TLS [[gnu::tls_model("initial-exec")]]
#else
#define OLSTATE_HOT_TLS
#endif
OLSTATE_HOT_TLS thread_local const ThreadMark* innermost = nullptr;
OLSTATE_HOT_TLS thread_local int provider_notify_depth = 0;
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
