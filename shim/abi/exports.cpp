// The exported session functions: argument checks, then the session. Every
// body runs inside the firewall (abi/firewall.h): no exception leaves, and
// every call sets or clears the thread's last error.
#include <olstate.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <gsl/util>

#include "core/registry.h"
#include "base/utf.h"
#include "firewall.h"
#include "struct_check.h"

using olstate::OpenRequest;
using olstate::Session;
using olstate::SessionCall;
using olstate::abi::fail;
using olstate::abi::check_input_struct;
using olstate::abi::guarded;

namespace {

std::shared_ptr<Session> enter_session(olstate_session* session) {
    if (!session) fail(OLSTATE_E_INVALID_HANDLE, "session is NULL");
    auto s = olstate::registry::enter(session);
    if (!s) fail(OLSTATE_E_INVALID_HANDLE, "the session is closed or was never opened");
    return s;
}

void check_state(uint32_t state) {
    if (state != OLSTATE_ONLINE && state != OLSTATE_OFFLINE)
        fail(OLSTATE_E_INVALID_ARGUMENT,
             "state must be OLSTATE_ONLINE or OLSTATE_OFFLINE (got " + std::to_string(state) + ")");
}

std::string state_name(uint32_t state) {
    return state == OLSTATE_ONLINE ? "OLSTATE_ONLINE" : "OLSTATE_OFFLINE";
}

// olstate_subscribe and olstate_subscribe_ex.
olstate_result subscribe(const char* function, olstate_session* session,
                         const olstate_subscribe_options* options,
                         olstate_subscription* out_subscription) noexcept {
    return guarded(function, [&] {
        // The context belongs to olstate from here on: a failing subscribe
        // releases it before returning, whatever the reason (run while the
        // failure unwinds, before the last error is recorded, so a release
        // that calls olstate cannot overwrite it). A NULL or unreadable
        // options struct has no release to run.
        bool owned = false;
        const olstate_release release =
            options && options->struct_size >= sizeof(olstate_subscribe_options) ? options->release
                                                                                  : nullptr;
        void* const context = release ? options->context : nullptr;
        const auto release_unless_owned = gsl::finally([&] {
            if (!owned && release) release(context);
        });
        const SessionCall s(enter_session(session));
        if (!options) fail(OLSTATE_E_INVALID_ARGUMENT, "options is NULL");
        check_input_struct(options, options->struct_size, sizeof(olstate_subscribe_options),
                           "olstate_subscribe_options");
        if (!options->callback) fail(OLSTATE_E_INVALID_ARGUMENT, "callback is NULL");
        if (options->flags & ~OLSTATE_SUBSCRIBE_CURRENT_STATE)
            fail(OLSTATE_E_INVALID_ARGUMENT,
                 "unknown flags " + std::to_string(options->flags & ~OLSTATE_SUBSCRIBE_CURRENT_STATE) +
                     " (this version knows OLSTATE_SUBSCRIBE_CURRENT_STATE only)");
        if (!out_subscription) fail(OLSTATE_E_INVALID_ARGUMENT, "out_subscription is NULL");
        *out_subscription =
            s->subscribe(options->callback, options->context, options->release, options->flags);
        owned = true;
    });
}

OpenRequest request_from(const olstate_open_options& o) {
    OpenRequest r;
    if (o.profile) {
        if (!olstate::text::is_valid_utf8(o.profile))
            fail(OLSTATE_E_INVALID_ARGUMENT, "profile is not valid UTF-8");
        if (!*o.profile)
            fail(OLSTATE_E_INVALID_ARGUMENT, "profile is empty; pass NULL for the default profile");
        r.profile = o.profile;
        r.has_profile = true;
    }
    if (o.provider > OLSTATE_PROVIDER_OBJECT_MODEL)
        fail(OLSTATE_E_INVALID_ARGUMENT, "unknown provider " + std::to_string(o.provider));
    r.provider = o.provider;
    if (o.provider == OLSTATE_PROVIDER_LIBRARY) {
        if (!o.provider_path)
            fail(OLSTATE_E_INVALID_ARGUMENT, "OLSTATE_PROVIDER_LIBRARY needs provider_path");
        if (!olstate::text::is_valid_utf8(o.provider_path))
            fail(OLSTATE_E_INVALID_ARGUMENT, "provider_path is not valid UTF-8");
        r.provider_path = o.provider_path;
    } else if (o.provider == OLSTATE_PROVIDER_BRIDGE) {
        // Optional for the bridge: an endpoint of its own (NULL = the
        // current user's default endpoint).
        if (o.provider_path) {
            if (!olstate::text::is_valid_utf8(o.provider_path))
                fail(OLSTATE_E_INVALID_ARGUMENT, "provider_path (the bridge endpoint) is not valid UTF-8");
            if (!*o.provider_path)
                fail(OLSTATE_E_INVALID_ARGUMENT,
                     "provider_path (the bridge endpoint) is empty; pass NULL for the default endpoint");
        }
        r.provider_path = o.provider_path;
    } else if (o.provider_path) {
        fail(OLSTATE_E_INVALID_ARGUMENT,
             "provider_path is only for OLSTATE_PROVIDER_LIBRARY and OLSTATE_PROVIDER_BRIDGE; "
             "leave it NULL");
    }
    if (o.delivery > OLSTATE_DELIVERY_INLINE)
        fail(OLSTATE_E_INVALID_ARGUMENT, "unknown delivery " + std::to_string(o.delivery));
    r.delivery = o.delivery;
    constexpr std::uint32_t known_flags = OLSTATE_OPEN_RECONNECT | OLSTATE_OPEN_NO_FALLBACK;
    if (o.flags & ~known_flags)
        fail(OLSTATE_E_INVALID_ARGUMENT,
             "unknown flags " + std::to_string(o.flags & ~known_flags) +
                 " (this version knows OLSTATE_OPEN_RECONNECT and OLSTATE_OPEN_NO_FALLBACK)");
    // AUTO may resolve to the bridge or the object-model provider (Windows
    // outside Outlook); the resolver refuses RECONNECT where it does not.
    if ((o.flags & OLSTATE_OPEN_RECONNECT) && o.provider != OLSTATE_PROVIDER_BRIDGE &&
        o.provider != OLSTATE_PROVIDER_OBJECT_MODEL && o.provider != OLSTATE_PROVIDER_AUTO)
        fail(OLSTATE_E_INVALID_ARGUMENT,
             "OLSTATE_OPEN_RECONNECT is only for OLSTATE_PROVIDER_BRIDGE, OLSTATE_PROVIDER_OBJECT_MODEL and AUTO");
    if ((o.flags & OLSTATE_OPEN_NO_FALLBACK) && o.provider != OLSTATE_PROVIDER_AUTO)
        fail(OLSTATE_E_INVALID_ARGUMENT, "OLSTATE_OPEN_NO_FALLBACK is only for OLSTATE_PROVIDER_AUTO");
    r.flags = o.flags;
    if (o.application && o.provider == OLSTATE_PROVIDER_BRIDGE)
        fail(OLSTATE_E_INVALID_ARGUMENT,
             "application is for a session inside Outlook; a bridge session gets the connection from its host");
    if (o.application && o.provider == OLSTATE_PROVIDER_OBJECT_MODEL)
        fail(OLSTATE_E_INVALID_ARGUMENT,
             "application is for a session inside Outlook; OLSTATE_PROVIDER_OBJECT_MODEL finds the running Outlook "
             "itself");
    if (o.connection_poll_ms) {
        // AUTO: used when it falls back to the object-model provider.
        if (!o.application && o.provider != OLSTATE_PROVIDER_OBJECT_MODEL && o.provider != OLSTATE_PROVIDER_AUTO)
            fail(OLSTATE_E_INVALID_ARGUMENT,
                 "connection_poll_ms is only for a session opened with application, OLSTATE_PROVIDER_OBJECT_MODEL "
                 "or AUTO");
        if (o.connection_poll_ms < OLSTATE_CONNECTION_POLL_MIN_MS || o.connection_poll_ms > OLSTATE_CONNECTION_POLL_MAX_MS)
            fail(OLSTATE_E_INVALID_ARGUMENT,
                 "connection_poll_ms " + std::to_string(o.connection_poll_ms) + " is outside " +
                     std::to_string(OLSTATE_CONNECTION_POLL_MIN_MS) + ".." +
                     std::to_string(OLSTATE_CONNECTION_POLL_MAX_MS) + " (0: the default, " +
                     std::to_string(OLSTATE_CONNECTION_POLL_DEFAULT_MS) + ")");
        r.connection_poll_ms = o.connection_poll_ms;
    }
    r.application = o.application;
    return r;
}

// The caller's options as this version's struct: the 1.0 size (what
// olstate_open_options_init sets; the 1.3 fields then read as zero) or at
// least this version's size (a larger one with only zeros past it).
olstate_open_options options_from(const olstate_open_options* options) {
    constexpr std::size_t first_size = offsetof(olstate_open_options, application);
    olstate_open_options o{};
    if (options->struct_size == first_size) {
        std::memcpy(&o, options, first_size);
        return o;
    }
    if (options->struct_size < sizeof(olstate_open_options))
        fail(OLSTATE_E_INVALID_ARGUMENT,
             "olstate_open_options.struct_size " + std::to_string(options->struct_size) + " is neither " +
                 std::to_string(first_size) + " (ABI 1.0 to 1.2, olstate_open_options_init) nor at least " +
                 std::to_string(sizeof(olstate_open_options)) + " (sizeof)");
    check_input_struct(options, options->struct_size, sizeof(olstate_open_options), "olstate_open_options");
    std::memcpy(&o, options, sizeof o);
    return o;
}

}  // namespace

extern "C" {

OLSTATE_API olstate_result OLSTATE_CALL olstate_open_ex(const olstate_open_options* options,
                                                        olstate_session** out_session) {
    return guarded("olstate_open_ex", [&] {
        if (!options)
            fail(OLSTATE_E_INVALID_ARGUMENT, "options is NULL (olstate_open opens with defaults)");
        if (!out_session) fail(OLSTATE_E_INVALID_ARGUMENT, "out_session is NULL");
        const OpenRequest request = request_from(options_from(options));
        const std::uint64_t id = olstate::registry::next_id();
        auto session = Session::open(request, id);
        olstate::registry::insert(std::move(session));
        *out_session = olstate::registry::handle_of(id);
    });
}

OLSTATE_API olstate_result OLSTATE_CALL olstate_open(const char* profile,
                                                     olstate_session** out_session) {
    olstate_open_options options;
    olstate_open_options_init(&options);
    options.profile = profile;
    return olstate_open_ex(&options, out_session);
}

OLSTATE_API olstate_result OLSTATE_CALL olstate_close(olstate_session* session) {
    return guarded("olstate_close", [&] {
        if (!session) return;
        const auto s = olstate::registry::remove(session);
        if (!s) fail(OLSTATE_E_INVALID_HANDLE, "the session is closed or was never opened");
        s->close();
    });
}

OLSTATE_API olstate_result OLSTATE_CALL olstate_get_session_info(olstate_session* session,
                                                                 olstate_session_info* out_info) {
    return guarded("olstate_get_session_info", [&] {
        const SessionCall s(enter_session(session));
        if (!out_info) fail(OLSTATE_E_INVALID_ARGUMENT, "out_info is NULL");
        // The sizes programs were built with: 1.0's layout (up to
        // provider_path, used until 1.2), or this one's or larger (a newer
        // header). Later fields are written only to a caller that has them.
        constexpr std::size_t first_size = offsetof(olstate_session_info, threading);
        if (out_info->struct_size != first_size && out_info->struct_size < sizeof(olstate_session_info))
            fail(OLSTATE_E_INVALID_ARGUMENT,
                 "olstate_session_info.struct_size " + std::to_string(out_info->struct_size) +
                     " is neither " + std::to_string(first_size) + " (ABI 1.0 to 1.2) nor at least " +
                     std::to_string(sizeof(olstate_session_info)) + " (sizeof)");
        olstate_session_info info{};
        std::memcpy(&info, out_info, first_size);
        s->fill_info(info);
        // Writes only the fields this version knows and the caller has room
        // for, never past them.
        std::memcpy(out_info, &info, std::min<std::size_t>(out_info->struct_size, sizeof info));
    });
}

OLSTATE_API olstate_result OLSTATE_CALL olstate_capabilities(olstate_session* session,
                                                             uint32_t* out_capabilities) {
    return guarded("olstate_capabilities", [&] {
        const SessionCall s(enter_session(session));
        if (!out_capabilities) fail(OLSTATE_E_INVALID_ARGUMENT, "out_capabilities is NULL");
        *out_capabilities = s->capabilities();
    });
}

OLSTATE_API olstate_result OLSTATE_CALL olstate_get_state(olstate_session* session,
                                                          uint32_t* out_state) {
    return guarded("olstate_get_state", [&] {
        const SessionCall s(enter_session(session));
        if (!out_state) fail(OLSTATE_E_INVALID_ARGUMENT, "out_state is NULL");
        *out_state = s->get_state();
    });
}

OLSTATE_API olstate_result OLSTATE_CALL olstate_set_state(olstate_session* session,
                                                          uint32_t state, uint32_t flags) {
    return guarded("olstate_set_state", [&] {
        const SessionCall s(enter_session(session));
        check_state(state);
        if (flags != OLSTATE_SET_DEFAULT && flags != OLSTATE_SET_BLOCK)
            fail(OLSTATE_E_INVALID_ARGUMENT,
                 "flags must be OLSTATE_SET_DEFAULT or OLSTATE_SET_BLOCK (got " +
                     std::to_string(flags) + ")");
        s->set_state(state, flags);
    });
}

OLSTATE_API olstate_result OLSTATE_CALL olstate_wait_state(olstate_session* session,
                                                           uint32_t state, uint32_t timeout_ms) {
    olstate_result waited = OLSTATE_OK;
    const olstate_result r = guarded("olstate_wait_state", [&] {
        const SessionCall s(enter_session(session));
        check_state(state);
        waited = s->wait_state(state, timeout_ms);
        switch (waited) {
            case OLSTATE_OK: return;
            case OLSTATE_E_TIMEOUT:
                fail(waited, "the session did not reach " + state_name(state) + " within " +
                                 std::to_string(timeout_ms) + " ms");
            case OLSTATE_E_INVALID_HANDLE: fail(waited, "the session was closed while waiting");
            case OLSTATE_E_PROVIDER_NOT_FOUND:
                fail(waited, "the bridge host went away while waiting (open with "
                             "OLSTATE_OPEN_RECONNECT to wait across a loss)");
            default: fail(waited, "the wait failed");
        }
    });
    return r;
}

OLSTATE_API olstate_result OLSTATE_CALL olstate_subscribe(olstate_session* session,
                                                          olstate_callback callback, void* context,
                                                          olstate_release release,
                                                          olstate_subscription* out_subscription) {
    olstate_subscribe_options options;
    olstate_subscribe_options_init(&options);
    options.callback = callback;
    options.context = context;
    options.release = release;
    return subscribe("olstate_subscribe", session, &options, out_subscription);
}

OLSTATE_API olstate_result OLSTATE_CALL olstate_subscribe_ex(
    olstate_session* session, const olstate_subscribe_options* options,
    olstate_subscription* out_subscription) {
    return subscribe("olstate_subscribe_ex", session, options, out_subscription);
}

OLSTATE_API olstate_result OLSTATE_CALL olstate_unsubscribe(olstate_session* session,
                                                            olstate_subscription subscription) {
    return guarded("olstate_unsubscribe", [&] {
        const SessionCall s(enter_session(session));
        if (subscription == 0) fail(OLSTATE_E_INVALID_HANDLE, "subscription token 0 is never valid");
        if (!s->unsubscribe(subscription))
            fail(OLSTATE_E_INVALID_HANDLE, "unknown or already removed subscription " +
                                               std::to_string(subscription));
    });
}

}  // extern "C"
