#include "dispatcher.h"

#include <olstate.h>

#include <algorithm>
#include <optional>

namespace olstate {

namespace {
bool is_link_event(const QueuedEvent& e) noexcept {
    return e.kind == OLSTATE_EVENT_PROVIDER_LOST || e.kind == OLSTATE_EVENT_PROVIDER_BACK;
}
}  // namespace

Dispatcher::Dispatcher() = default;

Dispatcher::~Dispatcher() {
    // Joined or detached before the owner lets go; a joinable thread here
    // would terminate the process, so detach as a last resort.
    if (thread_.joinable()) thread_.detach();
}

void Dispatcher::start(Deliver deliver) {
    deliver_ = std::move(deliver);
    std::lock_guard lock(mutex_);
    thread_ = std::thread([this] { run(); });
    thread_id_ = thread_.get_id();
}

void Dispatcher::push(QueuedEvent event) noexcept {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        const bool link = is_link_event(event);
        if (!link && state_events_ == kCapacity) {
            // Drop the oldest state event (never a link event).
            const auto it = std::find_if(queue_.begin(), queue_.end(),
                                         [](const QueuedEvent& e) { return !is_link_event(e); });
            queue_.erase(it);
            --state_events_;
            dropped_ = true;
        }
        event.sequence = sequence_ + 1;
        try {
            queue_.push_back(event);
        } catch (...) {
            // No memory for the event: it is lost like a dropped one.
            dropped_ = true;
            return;
        }
        ++sequence_;
        if (!link) ++state_events_;
    }
    wake_.notify_one();
}

void Dispatcher::run() noexcept {
    for (;;) {
        QueuedEvent event;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) break;
            event = queue_.front();
            queue_.pop_front();
            if (!is_link_event(event)) --state_events_;
            if (dropped_) {
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
