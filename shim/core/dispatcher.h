// QUEUED delivery: a bounded queue filled by the provider's thread and one
// thread per session that drains it. The provider's side only takes a short
// lock to copy the event into a buffer allocated at start; it never waits for
// the consumer and never allocates. On overflow the oldest state event is
// dropped and the event after it carries OLSTATE_EVENT_FLAG_DROPPED; the
// bridge's link events (PROVIDER_LOST/BACK) are never dropped (the policy of
// base/bounded_queue.h).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "queued_event.h"

namespace olstate {

class Dispatcher {
public:
    // State events waiting at most; link events have slots of their own
    // beyond them, so that they too are queued without allocating.
    static constexpr std::size_t kCapacity = 256;
    static constexpr std::size_t kLinkSlots = 16;

    using Deliver = std::function<void(const QueuedEvent&)>;
    using Finally = std::function<void()>;

    Dispatcher();
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    // Allocates the queue and starts the thread. `deliver` runs for each
    // event on that thread; `numbers` (the session's) numbers the events.
    // Throws std::bad_alloc or std::system_error.
    void start(Deliver deliver, EventNumbers& numbers);
    // Called on the provider's thread; never blocks on the consumer. Numbers
    // the event under the queue's lock, so that concurrent provider threads
    // can never enqueue numbers out of order.
    void push(QueuedEvent event) noexcept;
    // The number of the last event pushed (0 before the first).
    std::uint64_t last_sequence() const noexcept;
    // Queues a subscription's OLSTATE_EVENT_CURRENT (event.target set) behind
    // what is waiting, numbered like the last event pushed. `state` was read
    // from the provider when last_sequence() was `read_at`; if events were
    // pushed since, the state of the last of them is the current one at this
    // point of the queue. False when stopping or out of memory.
    bool push_current(QueuedEvent event, std::uint32_t state, std::uint64_t read_at) noexcept;
    // Stops and joins from another thread; pending events are discarded.
    void stop_and_join() noexcept;
    // Called on the dispatcher thread itself (a callback closed its session):
    // the thread finishes the current delivery, runs `finally`, and detaches.
    void stop_from_inside(Finally finally) noexcept;
    bool on_dispatcher_thread() const noexcept;

private:
    void run() noexcept;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::optional<EventQueue> queue_;  // from start(): INLINE sessions never need it
    EventNumbers* numbers_ = nullptr;
    std::uint32_t last_state_ = 0;  // new_state of the last event pushed
    bool stopping_ = false;
    Deliver deliver_;
    Finally finally_;
    std::thread thread_;
    std::thread::id thread_id_;
};

}  // namespace olstate
