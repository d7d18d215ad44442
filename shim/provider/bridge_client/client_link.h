// The bridge client's connection to a host, shared by the client's provider
// object and its two threads:
//   - the link thread reads frames (events, replies, bye) and, after a loss,
//     reconnects with capped exponential backoff when asked to;
//   - the notifier thread hands events and link changes to the receiver,
//     so user code (INLINE callbacks) never runs on the thread that reads
//     replies, and a callback may itself call get/set state.
// A receiver that returns at once (a QUEUED session: it only queues for its
// dispatcher) gets the host's state events straight from the link thread
// while no note waits for the notifier: one thread wake-up fewer per event,
// which is most of a client's cost when 16 clients share two cores. Order
// holds: only the link thread makes notes, and it delivers directly only
// when the notifier has none queued or in hand.
// Requests (get/set state) are written by the calling thread and wait for
// their reply, the connection's loss, or stop().
//
// Lifetime: held by shared_ptr from the provider and from both threads; the
// provider's destructor calls stop() and joins (or, on one of these very
// threads, detaches: the threads keep the link alive themselves).
#pragma once

#include <olstate.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "base/bounded_queue.h"
#include "bridge/frame_io.h"
#include "bridge/protocol.h"
#include "bridge/transport.h"
#include "provider/provider.h"

namespace olstate::bridge {

class ClientLink : public std::enable_shared_from_this<ClientLink> {
public:
    ClientLink(std::string endpoint, bool reconnect, std::string profile);
    ~ClientLink();
    ClientLink(const ClientLink&) = delete;
    ClientLink& operator=(const ClientLink&) = delete;

    // Connects and says hello once, on the calling thread. Throws Failure
    // (PROVIDER_NOT_FOUND: nobody serves the endpoint; PROFILE_NOT_FOUND:
    // the host serves another profile; the host's result when it refused).
    void connect_now();
    // Starts the link and notifier threads.
    void start();
    // Stops both threads' work and wakes every wait; idempotent, never blocks.
    void stop() noexcept;
    // Joins the threads (detaches one that is the calling thread).
    void join() noexcept;

    bool connected() const;
    bool ever_connected() const;
    protocol::Welcome served() const;

    // A request and its reply. Throws Failure (PROVIDER_NOT_FOUND while the
    // host is gone or when it goes away before answering).
    protocol::Reply request(protocol::Message message);

    // The receiver of events (one at a time); cleared by unadvise.
    void advise(std::weak_ptr<provider::EventReceiver> receiver);
    void unadvise() noexcept;

private:
    struct Wire {
        std::shared_ptr<Connection> connection;
        FrameReader reader;
    };
    // Events waiting for the notifier: the one queue policy, state changes
    // dropped beyond the bound, the link's LOST/BACK never.
    struct NoteTraits {
        static bool droppable(const provider::Event& e) noexcept {
            return e.kind != OLSTATE_EVENT_PROVIDER_LOST && e.kind != OLSTATE_EVENT_PROVIDER_BACK;
        }
        static bool is_event(const provider::Event&) noexcept { return true; }
        static void mark_dropped(provider::Event& e) noexcept { e.flags |= OLSTATE_EVENT_FLAG_DROPPED; }
    };

    // Connect + hello + welcome; the wire is ready for the link thread.
    std::unique_ptr<Wire> handshake(protocol::Welcome& welcome);
    void run_link() noexcept;
    void read_until_lost(Wire& wire) noexcept;
    bool reconnect_with_backoff() noexcept;
    void run_notifier() noexcept;
    void push_note(const provider::Event& note);  // with mutex_ held
    // A host's event, on the link thread: to the receiver now when that keeps
    // the order and the receiver returns at once, else queued as a note.
    void hand_over(const provider::Event& event);
    // A LOST or BACK note, with the states the link knows (with mutex_ held).
    void push_link_note(std::uint32_t kind, std::uint32_t old_state, std::uint32_t new_state);

    const std::string endpoint_;
    const bool reconnect_;
    const std::string profile_;  // requested; empty = any

    mutable std::mutex mutex_;  // guards everything below
    std::condition_variable changed_;
    bool stopping_ = false;
    std::atomic<bool> cancel_connect_{false};  // set with stopping_; read by connect() without the lock
    std::unique_ptr<Wire> wire_;                  // the connection being read (link thread)
    std::shared_ptr<Connection> connection_;      // for writing requests; null while lost
    std::shared_ptr<Connection> handshaking_;     // a connection in its hello, for stop()
    std::uint64_t generation_ = 0;                // +1 at every loss
    bool ever_connected_ = false;
    protocol::Welcome served_;
    std::uint32_t last_state_ = 0;
    std::string lost_reason_;
    std::uint32_t next_request_ = 0;
    std::map<std::uint32_t, protocol::Reply> replies_;  // only ids in awaiting_
    std::set<std::uint32_t> awaiting_;                  // requests waiting for their reply
    BoundedQueue<provider::Event, NoteTraits> notes_;
    std::weak_ptr<provider::EventReceiver> receiver_;
    bool advised_ = false;
    bool receiver_returns_at_once_ = false;  // the advised receiver's returns_at_once()
    bool notifier_busy_ = false;             // the notifier is handing over a note it popped

    std::mutex write_mutex_;  // one frame at a time on the connection
    std::thread link_thread_;
    std::thread notifier_thread_;
};

}  // namespace olstate::bridge
