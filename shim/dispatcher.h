// QUEUED delivery: a bounded queue filled by the provider's thread and one
// thread per session that drains it. The provider's side only takes a short
// lock to copy the event in; it never waits for the consumer. On overflow the
// oldest state event is dropped and the next one delivered carries
// OLSTATE_EVENT_FLAG_DROPPED. The bridge's link events (PROVIDER_LOST/BACK)
// are never dropped: the contract promises them, and they are rare (one per
// connection change), so the queue may exceed its capacity by them alone.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstddef>
#include <functional>
#include <mutex>
#include <deque>
#include <thread>

#include "queued_event.h"

namespace olstate {

class Dispatcher {
public:
    static constexpr std::size_t kCapacity = 256;

    using Deliver = std::function<void(const QueuedEvent&)>;
    using Finally = std::function<void()>;

    Dispatcher();
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    // Starts the thread. `deliver` runs for each event on that thread.
    void start(Deliver deliver);
    // Called on the provider's thread; never blocks on the consumer. Numbers
    // the event (1, 2, ...) under the queue's lock, so that concurrent
    // provider threads can never enqueue numbers out of order.
    void push(QueuedEvent event) noexcept;
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
    std::deque<QueuedEvent> queue_;
    std::size_t state_events_ = 0;  // queued events that may be dropped
    bool dropped_ = false;
    std::uint64_t sequence_ = 0;
    bool stopping_ = false;
    Deliver deliver_;
    Finally finally_;
    std::thread thread_;
    std::thread::id thread_id_;
};

}  // namespace olstate
