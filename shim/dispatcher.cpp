#include "dispatcher.h"

#include <olstate.h>

namespace olstate {

Dispatcher::Dispatcher() = default;

Dispatcher::~Dispatcher() {
    // Joined or detached before the owner lets go; a joinable thread here
    // would terminate the process, so detach as a last resort.
    if (thread_.joinable()) thread_.detach();
}

void Dispatcher::start(Deliver deliver) {
    deliver_ = std::move(deliver);
    std::lock_guard lock(mutex_);
    queue_.emplace();
    thread_ = std::thread([this] { run(); });
    thread_id_ = thread_.get_id();
}

void Dispatcher::push(QueuedEvent event) noexcept {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || !queue_) return;
        event.sequence = sequence_ + 1;
        try {
            if (queue_->push(event)) dropped_ = true;
        } catch (...) {
            // No memory to grow for a link event: lost like a dropped one.
            dropped_ = true;
            return;
        }
        ++sequence_;
        last_state_ = event.new_state;
    }
    wake_.notify_one();
}

std::uint64_t Dispatcher::last_sequence() const noexcept {
    std::lock_guard lock(mutex_);
    return sequence_;
}

bool Dispatcher::push_current(QueuedEvent event, std::uint32_t state, std::uint64_t read_at) noexcept {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || !queue_) return false;
        event.sequence = sequence_;
        event.old_state = event.new_state = sequence_ == read_at ? state : last_state_;
        try {
            queue_->push(event);  // never drops: CURRENT counts as a link event
        } catch (...) {
            return false;
        }
    }
    wake_.notify_one();
    return true;
}

void Dispatcher::run() noexcept {
    for (;;) {
        QueuedEvent event;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_->empty(); });
            if (stopping_) break;
            event = queue_->pop();
            if (dropped_ && event.target == 0) {  // CURRENT leaves the flag to the next change
                event.flags |= OLSTATE_EVENT_FLAG_DROPPED;
                dropped_ = false;
            }
        }
        deliver_(event);
    }
    Finally finally;
    {
        std::lock_guard lock(mutex_);
        finally = std::move(finally_);
    }
    if (finally) {
        // Closed from inside a callback: nobody will join this thread.
        thread_.detach();
        finally();  // may destroy this Dispatcher: touch nothing after it
    }
}

void Dispatcher::stop_and_join() noexcept {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Dispatcher::stop_from_inside(Finally finally) noexcept {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        finally_ = std::move(finally);
    }
}

bool Dispatcher::on_dispatcher_thread() const noexcept {
    std::lock_guard lock(mutex_);
    return thread_id_ == std::this_thread::get_id();
}

}  // namespace olstate
