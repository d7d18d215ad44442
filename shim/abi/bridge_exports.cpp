// The exported bridge-host functions. Like sessions, a bridge handle is an
// id looked up in the handle table of running bridges (base/handle_table.h),
// never an address: a stopped or made-up handle is OLSTATE_E_INVALID_HANDLE,
// never dereferenced.
#include <olstate.h>

#include <cstdint>
#include <memory>

#include "base/handle_table.h"
#include "base/utf.h"
#include "bridge/host.h"
#include "core/callback_scope.h"
#include "core/registry.h"
#include "firewall.h"
#include "struct_check.h"

using olstate::abi::check_input_struct;
using olstate::abi::fail;
using olstate::abi::guarded;
using olstate::bridge::Host;

namespace {

constexpr std::uint32_t kDefaultMaxClients = 16;
constexpr std::uint32_t kMaxMaxClients = 1024;
constexpr std::uint32_t kDefaultQueueLength = 64;
constexpr std::uint32_t kMaxQueueLength = 65536;

using Bridges = olstate::HandleTable<olstate_bridge, Host>;

Bridges& bridges() {
    static Bridges* b = new Bridges;  // never destroyed: no joins in a static destructor
    return *b;
}

olstate::bridge::HostOptions options_from(const olstate_bridge_options* o) {
    olstate::bridge::HostOptions h;
    h.max_clients = kDefaultMaxClients;
    h.queue_length = kDefaultQueueLength;
    if (!o) return h;
    check_input_struct(o, o->struct_size, sizeof(olstate_bridge_options), "olstate_bridge_options");
    if (o->flags & ~OLSTATE_BRIDGE_ALLOW_SET_STATE)
        fail(OLSTATE_E_INVALID_ARGUMENT, "unknown bridge flags " +
                                             std::to_string(o->flags & ~OLSTATE_BRIDGE_ALLOW_SET_STATE));
    h.flags = o->flags;
    if (o->max_clients > kMaxMaxClients)
        fail(OLSTATE_E_INVALID_ARGUMENT, "max_clients " + std::to_string(o->max_clients) + " is more than " +
                                             std::to_string(kMaxMaxClients));
    if (o->max_clients) h.max_clients = o->max_clients;
    if (o->queue_length > kMaxQueueLength)
        fail(OLSTATE_E_INVALID_ARGUMENT, "queue_length " + std::to_string(o->queue_length) +
                                             " is more than " + std::to_string(kMaxQueueLength));
    if (o->queue_length) h.queue_length = o->queue_length;
    if (o->endpoint) {
        if (!olstate::text::is_valid_utf8(o->endpoint))
            fail(OLSTATE_E_INVALID_ARGUMENT, "endpoint is not valid UTF-8");
        if (!*o->endpoint)
            fail(OLSTATE_E_INVALID_ARGUMENT, "endpoint is empty; pass NULL for the default endpoint");
        h.endpoint = o->endpoint;
    }
    return h;
}

}  // namespace

extern "C" {

OLSTATE_API void OLSTATE_CALL olstate_bridge_options_init(olstate_bridge_options* options) {
    if (!options) return;
    *options = olstate_bridge_options{};
    options->struct_size = sizeof(olstate_bridge_options);
}

OLSTATE_API olstate_result OLSTATE_CALL olstate_bridge_start(olstate_session* session,
                                                             const olstate_bridge_options* options,
                                                             olstate_bridge** out_bridge) {
    return guarded("olstate_bridge_start", [&] {
        if (!session) fail(OLSTATE_E_INVALID_HANDLE, "session is NULL");
        std::uint64_t session_id = 0;
        {
            // Checked (and counted) like any call on the session.
            auto s = olstate::registry::enter(session);
            if (!s) fail(OLSTATE_E_INVALID_HANDLE, "the session is closed or was never opened");
            const olstate::SessionCall call(std::move(s));
            session_id = call->id();
        }
        if (!out_bridge) fail(OLSTATE_E_INVALID_ARGUMENT, "out_bridge is NULL");
        const auto host_options = options_from(options);
        std::shared_ptr<Host> host = Host::start(session, session_id, host_options);
        const std::uint64_t id = bridges().next_id();
        bridges().insert(id, std::move(host));
        *out_bridge = Bridges::handle_of(id);
    });
}

OLSTATE_API olstate_result OLSTATE_CALL olstate_bridge_endpoint(olstate_bridge* bridge,
                                                                const char** out_endpoint) {
    return guarded("olstate_bridge_endpoint", [&] {
        if (!bridge) fail(OLSTATE_E_INVALID_HANDLE, "bridge is NULL");
        const auto host = bridges().find(bridge, [](Host&) {});
        if (!host) fail(OLSTATE_E_INVALID_HANDLE, "the bridge is stopped or was never started");
        if (!out_endpoint) fail(OLSTATE_E_INVALID_ARGUMENT, "out_endpoint is NULL");
        // The host's string lives until stop, which is what the header promises.
        *out_endpoint = host->endpoint().c_str();
    });
}

OLSTATE_API olstate_result OLSTATE_CALL olstate_bridge_stop(olstate_bridge* bridge) {
    return guarded("olstate_bridge_stop", [&] {
        if (!bridge) return;
        const auto host = bridges().remove(bridge, [](Host& h) {
            // Stopping joins threads that wait for the session's callbacks:
            // from inside one of them it would wait for itself.
            if (olstate::in_callback_of(h.session_id()))
                fail(OLSTATE_E_WOULD_DEADLOCK,
                     "olstate_bridge_stop was called from inside a callback of the bridged session; "
                     "stop the bridge from another thread");
        });
        if (!host) fail(OLSTATE_E_INVALID_HANDLE, "the bridge is stopped or was never started");
        host->stop();
    });
}

}  // extern "C"
