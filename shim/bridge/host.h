// A bridge host: publishes one open session on an endpoint. It is a client
// of the public C ABI like any other program (olstate_subscribe with a
// static callback, olstate_get_state/olstate_set_state from its own
// threads), so everything the contract promises holds for it too: the
// callback never runs I/O, and the session's release tells the host that the
// session closed.
//
// No thread of the host calls the session after start: it answers from the
// state it knows (known_state.h), and a client's set is handed over as an
// asynchronous olstate_set_state (blocking sets wait for their CHANGE_DONE
// in KnownState, never inside the provider). The one exception is the
// Exchange connection (known_connection.h): read once per change, in the
// subscription's callback, on the thread that delivers the change.
//
// Threads: one accepting clients, and per client one reader and one writer
// (host_client.h). stop() returns at once: it joins only the accepting
// thread, and hands the clients to a thread of their own that lets them say
// goodbye, closes them and joins them (a reader may be waiting for the
// thread that calls stop()).
#pragma once

#include <olstate.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "host_client.h"
#include "transport.h"

namespace olstate::bridge {

struct HostOptions {
    std::uint32_t flags = 0;
    std::uint32_t max_clients = 16;
    std::uint32_t queue_length = 64;
    std::string endpoint;  // empty = default_endpoint()
};

class Host {
public:
    // Listens, subscribes, starts accepting. Throws Failure.
    static std::unique_ptr<Host> start(olstate_session* session, std::uint64_t session_id,
                                       const HostOptions& options);
    ~Host();
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;

    std::uint64_t session_id() const noexcept { return session_id_; }
    const std::string& endpoint() const noexcept { return endpoint_; }
    // Stops accepting, queues "going away" to every client and returns; the
    // clients are closed and joined in the background (kGoodbyeGrace at
    // most). Idempotent. Never call from a callback of the session.
    void stop() noexcept;

    // What the session's callback and release reach (shared with them).
    struct Hub;

private:
    Host(olstate_session* session, std::uint64_t session_id) noexcept;
    void run_accept() noexcept;

    olstate_session* const session_;
    const std::uint64_t session_id_;
    std::string endpoint_;
    std::uint32_t max_clients_ = 16;
    std::shared_ptr<HostSettings> settings_;
    std::shared_ptr<Hub> hub_;
    std::shared_ptr<Listener> listener_;  // shared with the hub (a late release shuts it)
    olstate_subscription subscription_ = 0;
    std::thread accept_thread_;
    bool stopped_ = false;
};

}  // namespace olstate::bridge
