// One client connected to a bridge host: its bounded outgoing queue, the
// reader thread that answers its requests and the writer thread that drains
// its queue. The session's callback never waits for the client: on a
// QUEUED session's dispatcher, when nothing is queued or being written, it
// writes the event's frame itself without blocking (saving the writer's
// wake-up, most of the host's cost per client) and leaves what did not fit
// to the writer; otherwise, and always on a provider's notification thread
// (an INLINE session: no I/O there), it copies the event into the queue (a
// short lock). A client that stops reading fills its own
// socket and queue and nothing else: the oldest events are dropped and the
// one after them carries OLSTATE_EVENT_FLAG_DROPPED (base/bounded_queue.h's
// policy; control frames are never dropped).
#pragma once

#include <olstate.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/bounded_queue.h"
#include "known_connection.h"
#include "known_state.h"
#include "protocol.h"
#include "transport.h"

namespace olstate::bridge {

// What every client of one host shares: the bridged session and the host's
// options. Read-only after start, except the count of welcomed clients.
struct HostSettings {
    olstate_session* session = nullptr;  // a handle: calls on it are checked by the registry
    std::uint32_t flags = 0;             // OLSTATE_BRIDGE_*
    std::uint32_t queue_length = 64;
    std::uint32_t max_clients = 16;      // welcomed clients at most
    std::string profile;                 // the profile served
    // What clients are told: the host's threads never ask the session.
    std::shared_ptr<KnownState> known;
    // The Exchange connection clients are welcomed with (version 2).
    std::shared_ptr<KnownConnection> connection;
    // Clients welcomed and not yet finished: a slot is taken at the welcome,
    // so connections that never say hello never hold one.
    mutable std::atomic<std::uint32_t> welcomed{0};
};

// An event of the published session as the protocol carries it (of the
// flags, only DROPPED crosses the bridge).
protocol::Event to_frame_event(const olstate_event& e) noexcept;

// How long a connection may take to say hello before the host closes it. A
// real client sends its hello right after connecting.
constexpr std::chrono::seconds kHostHelloTimeout{5};

class HostClient : public std::enable_shared_from_this<HostClient> {
public:
    HostClient(std::unique_ptr<Connection> connection, std::shared_ptr<const HostSettings> settings);
    ~HostClient();
    HostClient(const HostClient&) = delete;
    HostClient& operator=(const HostClient&) = delete;

    void start();

    // From the session's callback, once the client has been welcomed: writes
    // the event now (non-blocking) or queues it. Never blocks on I/O.
    void push_event(const olstate_event& event) noexcept;
    // A connection or account change, encoded once by the host
    // (KnownConnection::follow) and shared by every client: version 2
    // clients get it queued, version 1 clients nothing. A null frame (the
    // host could not read the connection) is a gap the next event reports.
    void push_connection(const KnownConnection::Frame& frame) noexcept;
    // The host stops: pending events are discarded, a "going away" bye is
    // the last frame; the writer closes the connection after sending it.
    void going_away() noexcept;
    // Closes the connection now (wakes both threads).
    void force_close() noexcept;
    // Both threads have finished their work.
    bool finished() const noexcept;
    // The client has been welcomed (it said a valid hello).
    bool welcomed() const noexcept;
    // Waits until the writer has finished (it sent its last frame or gave up)
    // or `until` passes. True when it finished.
    bool wait_writer_until(std::chrono::steady_clock::time_point until);
    void join() noexcept;

private:
    struct Outgoing {
        Outgoing() = default;
        Outgoing(protocol::Message m, bool is_event, bool is_last)
            : message(std::move(m)), event(is_event), last(is_last) {}
        // A frame the host encoded once for every client.
        Outgoing(KnownConnection::Frame frame, bool is_event) : event(is_event), encoded(std::move(frame)) {}

        protocol::Message message;
        bool event = false;
        bool last = false;  // close the connection once this is written
        // Set instead of `message`: a frame the host encoded once for every
        // client (a connection frame), sent as it is...
        KnownConnection::Frame encoded;
        bool dropped = false;  // ...or with DROPPED set in a copy
    };
    struct OutgoingTraits {
        static bool droppable(const Outgoing& o) noexcept { return o.event; }
        static bool is_event(const Outgoing& o) noexcept { return o.event; }
        static void mark_dropped(Outgoing& o) noexcept {
            if (auto* e = std::get_if<protocol::Event>(&o.message)) e->flags |= OLSTATE_EVENT_FLAG_DROPPED;
            if (o.encoded) o.dropped = true;
        }
    };

    void run_reader() noexcept;
    void run_writer() noexcept;
    // Writes one queued frame; false when the connection is gone.
    bool send(const Outgoing& out) noexcept;
    // push_event's own write (sending_ taken): what fits now, the rest to
    // the writer.
    void write_now(const protocol::Event& event) noexcept;
    bool serve_hello(const protocol::Message& first);
    void answer(const protocol::Message& request);
    // The state the host knows, false once the host stopped or its session
    // closed.
    bool known_state(std::uint32_t& out) const noexcept;
    // Queues a control frame (welcome, reply, refusal, bye). False when the
    // client lets too many pile up (it does not read): it is then closed.
    bool push_control(protocol::Message message, bool last = false);

    const std::unique_ptr<Connection> connection_;
    const std::shared_ptr<const HostSettings> settings_;

    mutable std::mutex mutex_;  // guards the fields below
    std::condition_variable changed_;
    BoundedQueue<Outgoing, OutgoingTraits> queue_;
    std::size_t controls_ = 0;
    bool welcomed_ = false;
    std::uint16_t version_ = 1;  // the protocol version agreed at the welcome
    bool holds_slot_ = false; // counted in settings_->welcomed
    // Until the hello: the writer (idle anyway) closes a silent connection
    // then, so the deadline costs no thread of its own.
    const std::chrono::steady_clock::time_point hello_deadline_ =
        std::chrono::steady_clock::now() + kHostHelloTimeout;
    bool sending_ = false;    // a frame is being written (by the writer or by push_event)
    std::vector<std::byte> unsent_;  // the rest of a frame push_event began: the writer's next write
    bool closing_ = false;    // no more events; a last frame may be queued
    bool abort_ = false;      // the writer stops without sending the rest
    bool writer_done_ = false;
    bool reader_done_ = false;

    std::thread reader_;
    std::thread writer_;
};

}  // namespace olstate::bridge
