#include "subscriptions.h"

#include <algorithm>
#include <utility>

#include "idle_wait.h"

namespace olstate {

Subscription::Subscription(olstate_subscription token, olstate_callback callback, void* context,
                           olstate_release release) noexcept
    : token_(token), callback_(callback), context_(context), release_(release) {}

bool Subscription::invoke(olstate_event event) noexcept {
    std::uint32_t s = state_.load(std::memory_order_acquire);
    do {
        if (!(s & kActive)) return false;
    } while (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel,
                                           std::memory_order_acquire));
    event.subscription = token_;
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
    if (!list_) return false;
    auto next = std::make_shared<SubscriptionList>(*list_);
    next->push_back(std::move(sub));
    list_ = std::move(next);
    return true;
}

std::shared_ptr<Subscription> SubscriptionTable::remove(olstate_subscription token) {
    std::lock_guard lock(mutex_);
    if (!list_) return nullptr;
    const auto it = std::find_if(list_->begin(), list_->end(),
                                 [&](const auto& s) { return s->token() == token; });
    if (it == list_->end()) return nullptr;
    auto found = *it;
    auto next = std::make_shared<SubscriptionList>();
    next->reserve(list_->size() - 1);
    for (const auto& s : *list_) {
        if (s != found) next->push_back(s);
    }
    std::erase_if(retired_, [](const auto& s) { return s->release_finished(); });
    retired_.push_back(found);
    list_ = std::move(next);
    return found;
}

SubscriptionTable::Closed SubscriptionTable::close() noexcept {
    std::lock_guard lock(mutex_);
    return Closed{std::move(list_), std::move(retired_)};
}

std::shared_ptr<const SubscriptionList> SubscriptionTable::snapshot() const {
    std::lock_guard lock(mutex_);
    return list_;
}

olstate_subscription next_subscription_token() noexcept {
    static std::atomic<olstate_subscription> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

}  // namespace olstate
