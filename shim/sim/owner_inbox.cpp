#include "owner_inbox.h"

#include <map>

#include "owner_wake.h"

namespace olstate::sim {
namespace {

struct Inboxes {
    std::mutex mutex;
    std::map<std::thread::id, OwnerInbox*> by_thread;
    std::uint64_t quit_generation = 0;
};
Inboxes& inboxes() {
    static Inboxes* i = new Inboxes;  // never destroyed, like the inboxes themselves
    return *i;
}

std::uint64_t quit_generation() {
    std::lock_guard lock(inboxes().mutex);
    return inboxes().quit_generation;
}

}  // namespace

OwnerInbox::OwnerInbox(std::thread::id owner) : owner_(owner) {}
OwnerInbox::~OwnerInbox() = default;

OwnerInbox& OwnerInbox::of_current_thread() {
    Inboxes& all = inboxes();
    const auto me = std::this_thread::get_id();
    std::lock_guard lock(all.mutex);
    OwnerInbox*& slot = all.by_thread[me];
    if (!slot) {
        // Leaked on purpose: any thread may post to it at any time.
        slot = new OwnerInbox(me);
        slot->wake_ = std::make_unique<OwnerWake>([inbox = slot] { inbox->pump(std::chrono::milliseconds(0)); });
    }
    return *slot;
}

OwnerInbox* OwnerInbox::find_current() {
    Inboxes& all = inboxes();
    std::lock_guard lock(all.mutex);
    const auto it = all.by_thread.find(std::this_thread::get_id());
    return it == all.by_thread.end() ? nullptr : it->second;
}

void OwnerInbox::quit_loops() {
    Inboxes& all = inboxes();
    std::lock_guard lock(all.mutex);
    ++all.quit_generation;
    for (auto& [id, inbox] : all.by_thread) {
        // Taking the inbox's lock orders the wakeup after a waiter's check.
        { std::lock_guard inner(inbox->mutex_); }
        inbox->changed_.notify_all();
    }
}

void OwnerInbox::post(Job job, Kind kind) {
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back({std::move(job), kind});
    }
    changed_.notify_all();
    if (wake_) wake_->wake();
}

bool OwnerInbox::run_one(std::unique_lock<std::mutex>& lock) {
    if (jobs_.empty()) return false;
    Queued next = std::move(jobs_.front());
    jobs_.pop_front();
    const unsigned notification = next.kind == Kind::notification ? 1 : 0;
    ++running_;
    notifying_ += notification;
    lock.unlock();
    next.job();
    next.job = nullptr;  // drop what the job held (sink references) before reporting idle
    lock.lock();
    --running_;
    notifying_ -= notification;
    changed_.notify_all();
    return true;
}

std::uint32_t OwnerInbox::pump(std::chrono::milliseconds first) {
    std::unique_lock lock(mutex_);
    if (first.count() > 0) changed_.wait_for(lock, first, [&] { return !jobs_.empty(); });
    std::uint32_t ran = 0;
    while (run_one(lock)) ++ran;
    return ran;
}

void OwnerInbox::pump_until(const std::function<bool()>& done) {
    std::unique_lock lock(mutex_);
    for (;;) {
        while (run_one(lock)) {
        }
        lock.unlock();
        if (done()) return;
        lock.lock();
        // The job that satisfies `done` may sit in another owner's inbox or
        // on a provider thread: look again every few milliseconds.
        changed_.wait_for(lock, std::chrono::milliseconds(5), [&] { return !jobs_.empty(); });
    }
}

void OwnerInbox::run_loop() {
    const std::uint64_t entered = quit_generation();
    std::unique_lock lock(mutex_);
    for (;;) {
        while (run_one(lock)) {
        }
        lock.unlock();
        if (quit_generation() != entered) return;
        lock.lock();
        changed_.wait_for(lock, std::chrono::milliseconds(50), [&] { return !jobs_.empty(); });
    }
}

bool OwnerInbox::in_notification() noexcept {
    std::lock_guard lock(mutex_);
    return notifying_ > 0;
}

void OwnerInbox::wait_idle() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return jobs_.empty() && running_ == 0; });
}

}  // namespace olstate::sim
