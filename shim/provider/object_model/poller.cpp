#include "poller.h"

#include <olstate.h>

#include "base/clock.h"
#include "connection_values.h"

namespace olstate::provider::object_model {

Poller::Poller(Read read) : read_(std::move(read)) {
    // Until the first read answers (open reads at once; a failure there
    // leaves this), there is nothing to report.
    failure_ = Status{OLSTATE_E_PROVIDER_FAILED, "Outlook's object model has not been read yet", 0};
}

void Poller::set_receiver(std::weak_ptr<EventReceiver> receiver) {
    std::lock_guard lock(mutex_);
    receiver_ = std::move(receiver);
}

void Poller::poll() noexcept {
    try {
        if (!read_) return;
        Connection now;
        Status status = read_(now);
        std::vector<Event> events;
        std::shared_ptr<EventReceiver> receiver;
        {
            std::lock_guard lock(mutex_);
            ++polls_;
            if (!status.ok()) {
                failure_ = std::move(status);
                return;
            }
            if (have_snapshot_) events = changes(last_, now);
            last_ = std::move(now);
            have_snapshot_ = true;
            failure_ = Status{};
            if (!events.empty()) receiver = receiver_.lock();
        }
        // Outside the lock: a receiver that delivers inline may call
        // snapshot() from the callback.
        if (!receiver) return;
        const std::uint64_t at = now_us();
        for (Event& e : events) {
            e.time_us = at;
            receiver->on_event(e);
        }
    } catch (...) {
        // No memory for the snapshot or the events: this poll is lost, the
        // next one compares again with the last stored snapshot.
    }
}

void Poller::stop() noexcept { read_ = nullptr; }

Status Poller::snapshot(Connection& out) const {
    std::lock_guard lock(mutex_);
    if (!failure_.ok()) return failure_;
    out = last_;
    return {};
}

std::uint64_t Poller::polls() const {
    std::lock_guard lock(mutex_);
    return polls_;
}

}  // namespace olstate::provider::object_model
