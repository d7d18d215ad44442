#include "subscriptions.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "base/idle_wait.h"

namespace olstate {

Subscription::Subscription(olstate_subscription token, olstate_callback callback, void* context,
                           olstate_release release) noexcept
    : token_(token), callback_(callback), context_(context), release_(release) {}

bool Subscription::invoke(olstate_event event) noexcept {
    event.subscription = token_;
    try {
        if (primer_ && primer_->take(event)) return true;
    } catch (...) {
        return false;  // the primer's lock failed: nothing was delivered
    }
    return call(event);
}

void Subscription::prime() { primer_ = std::make_unique<CurrentStatePrimer>(); }

void Subscription::deliver_current(olstate_event current) noexcept {
    current.subscription = token_;
    call(current);
    if (!primer_) return;
    try {
        primer_->release_held([this](const olstate_event& e) { call(e); });
    } catch (...) {
        // Only a failing mutex can get here; the subscription stays priming.
    }
}

void Subscription::disown() noexcept {
    released_.store(true, std::memory_order_release);
    release_done_.store(true, std::memory_order_release);
}

bool Subscription::call(olstate_event event) noexcept {
    std::uint32_t s = state_.load(std::memory_order_acquire);
    do {
        if (!(s & kActive)) return false;
    } while (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel,
                                           std::memory_order_acquire));
    callback_(&event, context_);
    const std::uint32_t before = state_.fetch_sub(1, std::memory_order_acq_rel);
    if (!(before & kActive) && (before & kCountMask) == 1) {
        if (before & kDeferred) release_once();
        idle::notify();
    }
    return true;
}

std::uint32_t Subscription::stop(bool deferred) noexcept {
    std::uint32_t s = state_.load(std::memory_order_acquire);
    std::uint32_t next = 0;
    do {
        next = (s & ~kActive) | (deferred ? kDeferred : 0);
    } while (!state_.compare_exchange_weak(s, next, std::memory_order_acq_rel,
                                           std::memory_order_acquire));
    return s & kCountMask;
}

void Subscription::wait_idle() noexcept {
    idle::wait_until([&] { return (state_.load(std::memory_order_acquire) & kCountMask) == 0; });
}

void Subscription::release_once() noexcept {
    if (released_.exchange(true, std::memory_order_acq_rel)) return;
    if (release_) release_(context_);
    release_done_.store(true, std::memory_order_release);
    idle::notify();
}

void Subscription::wait_released() noexcept {
    idle::wait_until([&] { return release_finished(); });
}

SubscriptionTable::SubscriptionTable() : list_(std::make_shared<const SubscriptionList>()) {}

bool SubscriptionTable::add(std::shared_ptr<Subscription> sub) {
    std::lock_guard lock(mutex_);
    const auto current = load();
    if (!current) return false;
    auto next = std::make_shared<SubscriptionList>(*current);
    next->push_back(std::move(sub));
    publish(std::move(next));
    return true;
}

std::shared_ptr<Subscription> SubscriptionTable::remove(olstate_subscription token) {
    std::lock_guard lock(mutex_);
    const auto current = load();
    if (!current) return nullptr;
    const auto it = std::find_if(current->begin(), current->end(),
                                 [&](const auto& s) { return s->token() == token; });
    if (it == current->end()) return nullptr;
    auto found = *it;
    auto next = std::make_shared<SubscriptionList>();
    next->reserve(current->size() - 1);
    for (const auto& s : *current) {
        if (s != found) next->push_back(s);
    }
    std::erase_if(retired_, [](const auto& s) { return s->release_finished(); });
    retired_.push_back(found);
    publish(std::move(next));
    return found;
}

SubscriptionTable::Closed SubscriptionTable::close() noexcept {
    std::lock_guard lock(mutex_);
    auto live = load();
    publish(nullptr);
    return Closed{std::move(live), std::move(retired_)};
}

std::shared_ptr<const SubscriptionList> SubscriptionTable::snapshot() const { return load(); }

std::shared_ptr<const SubscriptionList> SubscriptionTable::load() const noexcept {
    while (publishing_.test_and_set(std::memory_order_acquire)) std::this_thread::yield();
    auto copy = list_;
    publishing_.clear(std::memory_order_release);
    return copy;
}

void SubscriptionTable::publish(std::shared_ptr<const SubscriptionList> next) noexcept {
    while (publishing_.test_and_set(std::memory_order_acquire)) std::this_thread::yield();
    list_.swap(next);
    publishing_.clear(std::memory_order_release);
    // `next` (the old list) is released here, outside the spin lock.
}

olstate_subscription next_subscription_token() noexcept {
    static std::atomic<olstate_subscription> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

}  // namespace olstate
