#include "dispatcher.h"

#include <olstate.h>

namespace olstate {

Dispatcher::Dispatcher() = default;

Dispatcher::~Dispatcher() {
    // Joined or detached before the owner lets go; a joinable thread here
    // would terminate the process, so detach as a last resort.
    if (thread_.joinable()) thread_.detach();
}

void Dispatcher::start(Deliver deliver, EventNumbers& numbers) {
    deliver_ = std::move(deliver);
    std::lock_guard lock(mutex_);
    numbers_ = &numbers;
    queue_.emplace(kCapacity, kCapacity + kLinkSlots);
    thread_ = std::thread([this] { run(); });
    thread_id_ = thread_.get_id();
}

void Dispatcher::push(QueuedEvent event) noexcept {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || !queue_) return;
        event.sequence = numbers_->next();
        try {
            queue_->push(event);
        } catch (...) {
            // No memory to grow for a link event: lost like a dropped one.
            queue_->lost();
            return;
        }
        last_state_ = event.new_state;
    }
    wake_.notify_one();
}

std::uint64_t Dispatcher::last_sequence() const noexcept {
    std::lock_guard lock(mutex_);
    return numbers_ ? numbers_->last() : 0;
}

bool Dispatcher::push_current(QueuedEvent event, std::uint32_t state, std::uint64_t read_at) noexcept {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || !queue_) return false;
        event.sequence = numbers_->last();
        event.old_state = event.new_state = event.sequence == read_at ? state : last_state_;
        try {
            queue_->push(event);  // never dropped (QueuedEventTraits)
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
