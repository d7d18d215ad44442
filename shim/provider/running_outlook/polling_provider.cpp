#include "polling_provider.h"

#include <olstate.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/failure.h"
#include "base/module.h"
#include "provider/object_model/poller.h"

namespace olstate::provider::running_outlook {

namespace {

std::uint32_t state_of(const Connection& c) noexcept { return c.offline ? OLSTATE_OFFLINE : OLSTATE_ONLINE; }

// MAPI profile names compare without regard to ASCII case.
bool same_profile(const std::string& a, const std::string& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
        return std::tolower(x) == std::tolower(y);
    });
}

// Takes object_model::Poller's events during one poll, so this provider
// delivers them after its own BACK and before the state change.
class Collector final : public EventReceiver {
public:
    void on_event(const Event& event) noexcept override {
        try {
            events_.push_back(event);
        } catch (...) {
            dropped_ = true;  // the next event delivered carries OLSTATE_EVENT_FLAG_DROPPED
        }
    }
    std::vector<Event> take() noexcept { return std::exchange(events_, {}); }
    bool take_dropped() noexcept { return std::exchange(dropped_, false); }

private:
    std::vector<Event> events_;  // the poll thread only
    bool dropped_ = false;
};

// Everything the poll thread touches; shared with the thread, so a provider
// destroyed on that very thread (a session closed from an INLINE callback)
// detaches it and the thread still finds all of this alive.
class Watch final : public std::enable_shared_from_this<Watch> {
public:
    Watch(std::unique_ptr<OutlookSource> source, PollOptions options)
        : source_(std::move(source)),
          options_(std::move(options)),
          collector_(std::make_shared<Collector>()),
          poller_([this](Connection& out) { return take_pending(out); }) {
        poller_.set_receiver(collector_);
    }

    // Starts the thread; returns the first look's verdict (see open), or
    // TIMEOUT when Outlook has not answered within options_.open_wait: a look
    // is a call into Outlook's process, which a modal dialog or a hung
    // Outlook can hold for as long as it likes.
    Status start() {
        std::promise<Status> opened;
        std::future<Status> verdict = opened.get_future();
        thread_ = std::thread([self = shared_from_this(), p = std::move(opened)]() mutable { self->run(p); });
        if (verdict.wait_for(options_.open_wait) != std::future_status::ready)
            return {OLSTATE_E_TIMEOUT,
                    "the running Outlook did not answer within " + std::to_string(options_.open_wait.count()) +
                        " ms (a dialog open in Outlook, or Outlook hung); try again later",
                    0};
        return verdict.get();
    }

    // Waits for the thread at most options_.close_wait. A thread still inside
    // a look then (Outlook not answering) is left to end by itself: it owns
    // this Watch, the module stays loaded for it, and it sees stopping_ when
    // Outlook returns; nobody is told of what it reads.
    void stop_and_join() noexcept {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            receiver_.reset();
        }
        wake_.notify_all();
        if (!thread_.joinable()) return;
        if (thread_.get_id() == std::this_thread::get_id()) {
            thread_.detach();
            return;
        }
        bool ended = false;
        {
            std::unique_lock lock(mutex_);
            ended = wake_.wait_for(lock, options_.close_wait, [this] { return finished_; });
        }
        if (ended) {
            thread_.join();
        } else {
            pin_olstate_module();
            thread_.detach();
        }
    }

    std::string profile() const {
        std::lock_guard lock(mutex_);
        return profile_;
    }
    void set_receiver(std::weak_ptr<EventReceiver> receiver) {
        std::lock_guard lock(mutex_);
        receiver_ = std::move(receiver);
    }

    Status connection(Connection& out) const {
        {
            std::lock_guard lock(mutex_);
            if (!running_) return not_running_locked();
        }
        return poller_.snapshot(out);
    }

private:
    Status not_running_locked() const {
        if (given_up_)
            return {OLSTATE_E_PROVIDER_NOT_FOUND,
                    "Outlook exited (the session was opened without OLSTATE_OPEN_RECONNECT, so it no longer looks "
                    "for it)",
                    0};
        return {OLSTATE_E_PROVIDER_NOT_FOUND,
                "Outlook is not running (no Outlook.Application in the running object table); the session looks "
                "for it again every " + std::to_string(options_.interval_ms) + " ms",
                0};
    }

    void run(std::promise<Status>& opened) noexcept {
        run_looks(opened);
        {
            std::lock_guard lock(mutex_);
            finished_ = true;
        }
        wake_.notify_all();
    }

    void run_looks(std::promise<Status>& opened) noexcept {
        try {
            source_->enter_thread();
        } catch (const Failure& f) {
            opened.set_value(Status{f.result(), f.what(), f.hresult()});
            return;
        } catch (...) {
            opened.set_value(Status{OLSTATE_E_OUT_OF_MEMORY, "out of memory starting the Outlook poll thread", 0});
            return;
        }
        const Status at_open = first_look(source_->look());
        const bool go_on = at_open.ok();
        opened.set_value(at_open);
        if (go_on) {
            while (sleep_interval()) {
                if (!next_look(source_->look())) break;
            }
        }
        source_->leave_thread();
    }

    // False when stopping.
    bool sleep_interval() {
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, std::chrono::milliseconds(options_.interval_ms), [this] { return stopping_; });
        return !stopping_;
    }

    Status first_look(Look look) noexcept {
        if (!look.running) {
            if (!options_.reconnect || options_.outlook_required_now)
                return {OLSTATE_E_PROVIDER_NOT_FOUND,
                        "no Outlook is running for this user (" + look.status.message +
                            "); open with OLSTATE_OPEN_RECONNECT to wait for one",
                        look.status.hresult};
            looked_before_ = true;  // lost from the start: BACK when Outlook appears
            return {};
        }
        if (!options_.profile.empty() && !look.profile.empty() && !same_profile(options_.profile, look.profile))
            return {OLSTATE_E_PROFILE_NOT_FOUND,
                    "the running Outlook has profile '" + look.profile + "' open, not '" + options_.profile + "'", 0};
        (void)next_look(std::move(look));
        return {};
    }

    // One look after the first. False when polling ends (lost, no reconnect).
    bool next_look(Look look) noexcept {
        try {
            std::vector<Event> out;
            bool go_on = true;
            if (!look.running) {
                bool was_running = false;
                {
                    std::lock_guard lock(mutex_);
                    was_running = std::exchange(running_, false);
                    if (was_running && !options_.reconnect) given_up_ = true;
                }
                if (was_running) out.push_back(event(OLSTATE_EVENT_PROVIDER_LOST, last_state_, last_state_));
                go_on = !was_running || options_.reconnect;
            } else {
                const bool ok = look.status.ok();
                const std::uint32_t now = ok ? state_of(look.connection) : last_state_;
                std::string profile = std::move(look.profile);
                pending_ = std::move(look);
                poller_.poll();  // the snapshot first: a callback on any of these events reads the new one
                bool back = false;
                {
                    std::lock_guard lock(mutex_);
                    back = !running_;
                    running_ = true;
                    if (!profile.empty()) profile_ = std::move(profile);
                }
                if (back && looked_before_) out.push_back(event(OLSTATE_EVENT_PROVIDER_BACK, ever_read_ ? last_state_ : now, now));
                for (const Event& e : collector_->take()) out.push_back(e);
                if (!back && ok && ever_read_ && now != last_state_) {
                    for (std::uint32_t kind : {OLSTATE_EVENT_CHANGE_START, OLSTATE_EVENT_CHANGE, OLSTATE_EVENT_CHANGE_DONE})
                        out.push_back(event(kind, last_state_, now));
                }
                if (ok) {
                    last_state_ = now;
                    ever_read_ = true;
                }
            }
            looked_before_ = true;
            deliver(out);
            return go_on;
        } catch (...) {
            dropped_ = true;  // out of memory: this look's events are lost, the next says so
            return true;
        }
    }

    Event event(std::uint32_t kind, std::uint32_t old_state, std::uint32_t new_state) const noexcept {
        Event e;
        e.kind = kind;
        e.old_state = old_state;
        e.new_state = new_state;
        return e;
    }

    void deliver(std::vector<Event>& events) noexcept {
        if (collector_->take_dropped()) dropped_ = true;
        if (events.empty()) return;
        std::shared_ptr<EventReceiver> receiver;
        {
            std::lock_guard lock(mutex_);
            receiver = receiver_.lock();
        }
        if (!receiver) return;
        const std::uint64_t at = now_us();
        for (Event& e : events) {
            e.time_us = at;
            if (std::exchange(dropped_, false)) e.flags |= OLSTATE_EVENT_FLAG_DROPPED;
            receiver->on_event(e);
        }
    }

    // object_model::Poller's read: hands over what this thread's look found.
    Status take_pending(Connection& out) {
        if (!pending_.status.ok()) return pending_.status;
        out = std::move(pending_.connection);
        return {};
    }

    const std::unique_ptr<OutlookSource> source_;
    const PollOptions options_;
    const std::shared_ptr<Collector> collector_;
    object_model::Poller poller_;
    std::thread thread_;

    // The poll thread only.
    Look pending_;
    std::uint32_t last_state_ = OLSTATE_OFFLINE;  // a LOST before any read says "offline", as the bridge does
    bool ever_read_ = false;
    bool looked_before_ = false;
    bool dropped_ = false;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool finished_ = false;  // run has returned (the thread is ending)
    bool running_ = false;
    bool given_up_ = false;
    std::string profile_;
    std::weak_ptr<EventReceiver> receiver_;
};

class PollingProvider final : public Provider {
public:
    explicit PollingProvider(std::shared_ptr<Watch> watch) noexcept : watch_(std::move(watch)) {}
    ~PollingProvider() override { watch_->stop_and_join(); }
    PollingProvider(const PollingProvider&) = delete;
    PollingProvider& operator=(const PollingProvider&) = delete;

    std::uint32_t kind() const noexcept override { return OLSTATE_PROVIDER_OBJECT_MODEL; }
    const std::string& path() const noexcept override { return path_; }
    std::string profile() const override { return watch_->profile(); }
    // Both state bits (Outlook may be either, and changes of both are
    // reported) although set_state is refused: the session subscribes only
    // to a provider offering one of them.
    std::uint32_t capabilities() const override {
        return OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_CONNECTION_MODE;
    }
    std::uint32_t threading() const noexcept override { return OLSTATE_THREADING_DIRECT; }

    Status get_state(std::uint32_t& state) override {
        Connection c;
        Status s = watch_->connection(c);
        if (s.ok()) state = state_of(c);
        return s;
    }
    Status set_state(std::uint32_t, std::uint32_t) override {
        return {OLSTATE_E_NOT_SUPPORTED,
                "OLSTATE_PROVIDER_OBJECT_MODEL is read-only: Outlook's object model cannot change the offline "
                "state (Work Offline is the user's switch); the bridge served by the olstate add-in can",
                0};
    }
    Status get_connection(Connection& out) override { return watch_->connection(out); }

    Status advise(std::weak_ptr<EventReceiver> receiver) override {
        watch_->set_receiver(std::move(receiver));
        return {};
    }
    void unadvise() noexcept override { watch_->set_receiver({}); }

private:
    const std::shared_ptr<Watch> watch_;
    const std::string path_ = "Outlook.Application";  // what it looks for: olstate_get_session_info's provider_path
};

}  // namespace

std::unique_ptr<Provider> open_polling_provider(std::unique_ptr<OutlookSource> source, PollOptions options) {
    auto watch = std::make_shared<Watch>(std::move(source), std::move(options));
    // The provider first: should the first look fail, its destructor joins the thread.
    auto provider = std::make_unique<PollingProvider>(watch);
    Status verdict = watch->start();
    if (!verdict.ok()) throw Failure(verdict.result, std::move(verdict.message), verdict.hresult);
    return provider;
}

}  // namespace olstate::provider::running_outlook
