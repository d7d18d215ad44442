// The no-add-in fallback provider's rules (OLSTATE_PROVIDER_OBJECT_MODEL),
// with a fake Outlook in place of the running object table: lost/back, the
// order of one poll's events, each change once, read-only, the state from
// Session.Offline, reconnecting like the bridge. The Windows source (COM,
// GetActiveObject) is tested under Wine: tests/win/object_model_fallback.cpp.
#include <doctest/doctest.h>

#include <olstate.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/failure.h"
#include "provider/running_outlook/polling_provider.h"

using namespace olstate;
using namespace olstate::provider;
using namespace std::chrono_literals;

namespace {

// What the fake Outlook shows; the test changes it, the poll thread reads it.
struct FakeOutlook {
    std::mutex mutex;
    bool running = true;
    Status failure;  // !ok(): the read fails with it
    Connection connection;
    std::string profile = "Outlook";
    int looks = 0;
    int threads_entered = 0, threads_left = 0;
    bool hung = false;  // look() does not return while set (Outlook not answering)
    int hung_looks = 0; // looks waiting for it
    std::condition_variable unhung;

    template <class F>
    void change(F f) {
        std::lock_guard lock(mutex);
        f(*this);
    }
    int look_count() {
        std::lock_guard lock(mutex);
        return looks;
    }
    void set_hung(bool value) {
        change([&](FakeOutlook& o) { o.hung = value; });
        unhung.notify_all();
    }
    // True once n looks wait inside the hung Outlook / the threads have left (generous deadline).
    bool wait_until(const std::function<bool(FakeOutlook&)>& what) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            {
                std::lock_guard lock(mutex);
                if (what(*this)) return true;
            }
            std::this_thread::sleep_for(2ms);
        }
        return false;
    }
};

class FakeSource final : public running_outlook::OutlookSource {
public:
    explicit FakeSource(std::shared_ptr<FakeOutlook> outlook) : outlook_(std::move(outlook)) {}
    void enter_thread() override { outlook_->change([](FakeOutlook& o) { ++o.threads_entered; }); }
    void leave_thread() noexcept override { outlook_->change([](FakeOutlook& o) { ++o.threads_left; }); }
    running_outlook::Look look() noexcept override {
        std::unique_lock lock(outlook_->mutex);
        ++outlook_->hung_looks;
        outlook_->unhung.wait(lock, [&] { return !outlook_->hung; });
        --outlook_->hung_looks;
        ++outlook_->looks;
        running_outlook::Look l;
        l.running = outlook_->running;
        if (!l.running) {
            l.status = Status{OLSTATE_E_PROVIDER_NOT_FOUND, "fake Outlook not running", 0};
            return l;
        }
        l.status = outlook_->failure;
        l.connection = outlook_->connection;
        l.profile = outlook_->profile;
        return l;
    }

private:
    std::shared_ptr<FakeOutlook> outlook_;
};

struct Recorder final : EventReceiver {
    std::mutex mutex;
    std::condition_variable grew;
    std::vector<Event> events;
    void on_event(const Event& e) noexcept override {
        {
            std::lock_guard lock(mutex);
            events.push_back(e);
        }
        grew.notify_all();
    }
    // The events once there are at least n (a generous deadline: a loaded machine).
    std::vector<Event> wait_for(std::size_t n) {
        std::unique_lock lock(mutex);
        grew.wait_for(lock, 10s, [&] { return events.size() >= n; });
        return events;
    }
    std::size_t count() {
        std::lock_guard lock(mutex);
        return events.size();
    }
};

Connection cached(std::uint32_t mode, bool offline = false) {
    Connection c;
    c.mode = mode;
    c.offline = offline;
    c.accounts.push_back(Account{OLSTATE_ACCOUNT_EXCHANGE, mode, "Work", ""});
    return c;
}

std::unique_ptr<Provider> open(const std::shared_ptr<FakeOutlook>& outlook, bool reconnect,
                               const std::string& profile = "",
                               std::chrono::milliseconds answer_wait = std::chrono::milliseconds(5000)) {
    running_outlook::PollOptions o;
    o.reconnect = reconnect;
    o.interval_ms = 5;
    o.profile = profile;
    o.open_wait = answer_wait;
    o.close_wait = answer_wait;
    return running_outlook::open_polling_provider(std::make_unique<FakeSource>(outlook), o);
}

// A few more looks than `from`: long enough for a duplicate event to show.
void let_it_poll(FakeOutlook& outlook, int from) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (outlook.look_count() < from + 5 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
}

void check_event(const Event& e, std::uint32_t kind, std::uint32_t old_state, std::uint32_t new_state) {
    CHECK(e.kind == kind);
    CHECK(e.old_state == old_state);
    CHECK(e.new_state == new_state);
    CHECK(e.time_us != 0);
}

}  // namespace

TEST_CASE("object-model provider: no Outlook at open is PROVIDER_NOT_FOUND without reconnect") {
    auto outlook = std::make_shared<FakeOutlook>();
    outlook->running = false;
    try {
        open(outlook, false);
        FAIL("opened without an Outlook");
    } catch (const Failure& f) {
        CHECK(f.result() == OLSTATE_E_PROVIDER_NOT_FOUND);
        CHECK(std::string(f.what()).find("fake Outlook not running") != std::string::npos);
        CHECK(std::string(f.what()).find("OLSTATE_OPEN_RECONNECT") != std::string::npos);
    }
    // AUTO's probe: reconnect, but Outlook must run now.
    running_outlook::PollOptions o;
    o.reconnect = true;
    o.outlook_required_now = true;
    CHECK_THROWS_AS(running_outlook::open_polling_provider(std::make_unique<FakeSource>(outlook), o), Failure);
    CHECK(outlook->threads_entered == 2);
    CHECK(outlook->threads_left == 2);  // the thread ended with the failed open
}

TEST_CASE("object-model provider: another profile is PROFILE_NOT_FOUND; the name compares without case") {
    auto outlook = std::make_shared<FakeOutlook>();
    outlook->connection = cached(OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
    try {
        open(outlook, false, "Home");
        FAIL("opened another profile");
    } catch (const Failure& f) {
        CHECK(f.result() == OLSTATE_E_PROFILE_NOT_FOUND);
        CHECK(std::string(f.what()).find("'Outlook'") != std::string::npos);
    }
    const auto p = open(outlook, false, "OUTLOOK");
    CHECK(p->profile() == "Outlook");
}

TEST_CASE("object-model provider: read-only, the state from Session.Offline, the connection from the last poll") {
    auto outlook = std::make_shared<FakeOutlook>();
    outlook->connection = cached(OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
    const auto p = open(outlook, false);
    CHECK(p->kind() == OLSTATE_PROVIDER_OBJECT_MODEL);
    CHECK(p->path() == "Outlook.Application");
    CHECK(p->capabilities() ==
          (OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_CONNECTION_MODE));
    std::uint32_t state = 0;
    REQUIRE(p->get_state(state).ok());
    CHECK(state == OLSTATE_ONLINE);
    Connection c;
    REQUIRE(p->get_connection(c).ok());
    CHECK(c.mode == OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
    REQUIRE(c.accounts.size() == 1);
    CHECK(c.accounts[0].display_name == "Work");

    const Status set = p->set_state(OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT);
    CHECK(set.result == OLSTATE_E_NOT_SUPPORTED);
    CHECK(set.message.find("read-only") != std::string::npos);

    // Session.Offline true is OFFLINE, once a poll has seen it.
    auto recorder = std::make_shared<Recorder>();
    REQUIRE(p->advise(recorder).ok());
    outlook->change([](FakeOutlook& o) { o.connection = cached(OLSTATE_CONNECTION_OFFLINE, true); });
    recorder->wait_for(5);  // CONNECTION_CHANGED, ACCOUNT_CHANGED, the state change (3)
    REQUIRE(p->get_state(state).ok());
    CHECK(state == OLSTATE_OFFLINE);

    // A read that fails (Outlook answers, a property does not): the calls
    // say so, nothing is reported as lost.
    outlook->change([](FakeOutlook& o) { o.failure = Status{OLSTATE_E_PROVIDER_FAILED, "Session.Offline failed", 0}; });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    Status s;
    while ((s = p->get_state(state)).ok() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    CHECK(s.result == OLSTATE_E_PROVIDER_FAILED);
    CHECK(s.message == "Session.Offline failed");
    CHECK(recorder->count() == 5);
    p->unadvise();
}

TEST_CASE("object-model provider: each change once, in order; Outlook exits and starts again (reconnect)") {
    auto outlook = std::make_shared<FakeOutlook>();
    outlook->connection = cached(OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
    const auto p = open(outlook, true);
    auto recorder = std::make_shared<Recorder>();
    REQUIRE(p->advise(recorder).ok());

    // The cable is pulled: the session's mode and the account's change.
    outlook->change([](FakeOutlook& o) { o.connection = cached(OLSTATE_CONNECTION_CACHED_DISCONNECTED); });
    auto events = recorder->wait_for(2);
    // Outlook exits.
    outlook->change([](FakeOutlook& o) { o.running = false; });
    events = recorder->wait_for(3);
    std::uint32_t state = 0;
    const Status lost = p->get_state(state);
    CHECK(lost.result == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(lost.message.find("not running") != std::string::npos);
    Connection c;
    CHECK(p->get_connection(c).result == OLSTATE_E_PROVIDER_NOT_FOUND);
    // It starts again, offline, its mode changed while it was away, with a
    // second account.
    outlook->change([](FakeOutlook& o) {
        o.running = true;
        o.connection = cached(OLSTATE_CONNECTION_OFFLINE, true);
        o.connection.accounts.push_back(Account{OLSTATE_ACCOUNT_IMAP, OLSTATE_CONNECTION_NO_EXCHANGE, "Home", ""});
    });
    events = recorder->wait_for(7);
    let_it_poll(*outlook, outlook->look_count());
    events = recorder->wait_for(7);
    REQUIRE(events.size() == 7);  // once each: nothing repeated by later polls
    check_event(events[0], OLSTATE_EVENT_CONNECTION_CHANGED, OLSTATE_CONNECTION_CACHED_CONNECTED_FULL,
                OLSTATE_CONNECTION_CACHED_DISCONNECTED);
    check_event(events[1], OLSTATE_EVENT_ACCOUNT_CHANGED, OLSTATE_CONNECTION_CACHED_CONNECTED_FULL,
                OLSTATE_CONNECTION_CACHED_DISCONNECTED);
    check_event(events[2], OLSTATE_EVENT_PROVIDER_LOST, OLSTATE_ONLINE, OLSTATE_ONLINE);
    check_event(events[3], OLSTATE_EVENT_PROVIDER_BACK, OLSTATE_ONLINE, OLSTATE_OFFLINE);
    check_event(events[4], OLSTATE_EVENT_CONNECTION_CHANGED, OLSTATE_CONNECTION_CACHED_DISCONNECTED,
                OLSTATE_CONNECTION_OFFLINE);
    check_event(events[5], OLSTATE_EVENT_ACCOUNT_CHANGED, OLSTATE_CONNECTION_CACHED_DISCONNECTED,
                OLSTATE_CONNECTION_OFFLINE);
    check_event(events[6], OLSTATE_EVENT_ACCOUNT_CHANGED, OLSTATE_CONNECTION_UNKNOWN,
                OLSTATE_CONNECTION_NO_EXCHANGE);
    REQUIRE(p->get_state(state).ok());
    CHECK(state == OLSTATE_OFFLINE);

    // Online again: the state change, as CHANGE_START, CHANGE, CHANGE_DONE.
    outlook->change([](FakeOutlook& o) { o.connection.offline = false; });
    events = recorder->wait_for(10);
    let_it_poll(*outlook, outlook->look_count());
    events = recorder->wait_for(10);
    REQUIRE(events.size() == 10);
    check_event(events[7], OLSTATE_EVENT_CHANGE_START, OLSTATE_OFFLINE, OLSTATE_ONLINE);
    check_event(events[8], OLSTATE_EVENT_CHANGE, OLSTATE_OFFLINE, OLSTATE_ONLINE);
    check_event(events[9], OLSTATE_EVENT_CHANGE_DONE, OLSTATE_OFFLINE, OLSTATE_ONLINE);
}

TEST_CASE("object-model provider: without reconnect it stops looking once Outlook exits") {
    auto outlook = std::make_shared<FakeOutlook>();
    outlook->connection = cached(OLSTATE_CONNECTION_ONLINE);
    const auto p = open(outlook, false);
    auto recorder = std::make_shared<Recorder>();
    REQUIRE(p->advise(recorder).ok());
    outlook->change([](FakeOutlook& o) { o.running = false; });
    auto events = recorder->wait_for(1);
    REQUIRE(events.size() == 1);
    check_event(events[0], OLSTATE_EVENT_PROVIDER_LOST, OLSTATE_ONLINE, OLSTATE_ONLINE);
    outlook->change([](FakeOutlook& o) { o.running = true; });
    const int looks = outlook->look_count();
    std::this_thread::sleep_for(100ms);  // 20 intervals
    CHECK(outlook->look_count() == looks);
    CHECK(recorder->count() == 1);  // no BACK
    std::uint32_t state = 0;
    const Status s = p->get_state(state);
    CHECK(s.result == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(s.message.find("exited") != std::string::npos);
}

TEST_CASE("object-model provider: opened with reconnect before Outlook runs, BACK when it starts") {
    auto outlook = std::make_shared<FakeOutlook>();
    outlook->running = false;
    const auto p = open(outlook, true);
    CHECK(p->profile().empty());
    std::uint32_t state = 0;
    CHECK(p->get_state(state).result == OLSTATE_E_PROVIDER_NOT_FOUND);
    auto recorder = std::make_shared<Recorder>();
    REQUIRE(p->advise(recorder).ok());
    outlook->change([](FakeOutlook& o) {
        o.running = true;
        o.connection = cached(OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
    });
    auto events = recorder->wait_for(1);
    REQUIRE(events.size() == 1);
    // Never known before: old_state = new_state, as the bridge reports it.
    check_event(events[0], OLSTATE_EVENT_PROVIDER_BACK, OLSTATE_ONLINE, OLSTATE_ONLINE);
    REQUIRE(p->get_state(state).ok());
    CHECK(state == OLSTATE_ONLINE);
    CHECK(p->profile() == "Outlook");
}

TEST_CASE("object-model provider: destroyed from its own poll thread (an INLINE callback closing), no hang") {
    auto outlook = std::make_shared<FakeOutlook>();
    outlook->connection = cached(OLSTATE_CONNECTION_ONLINE);
    struct Closer final : EventReceiver {
        std::mutex mutex;
        std::condition_variable done_cv;
        std::unique_ptr<Provider> provider;
        bool done = false;
        void on_event(const Event&) noexcept override {
            std::unique_ptr<Provider> p;
            {
                std::lock_guard lock(mutex);
                p = std::move(provider);
            }
            p.reset();  // on the poll thread: detaches it
            {
                std::lock_guard lock(mutex);
                done = true;
            }
            done_cv.notify_all();
        }
    };
    auto closer = std::make_shared<Closer>();
    auto p = open(outlook, false);
    REQUIRE(p->advise(closer).ok());
    {
        std::lock_guard lock(closer->mutex);
        closer->provider = std::move(p);
    }
    outlook->change([](FakeOutlook& o) { o.connection = cached(OLSTATE_CONNECTION_OFFLINE, true); });
    std::unique_lock lock(closer->mutex);
    CHECK(closer->done_cv.wait_for(lock, 10s, [&] { return closer->done; }));
    lock.unlock();
    // The detached thread leaves its apartment once it sees it is stopping.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        {
            std::lock_guard l(outlook->mutex);
            if (outlook->threads_left == 1) break;
        }
        std::this_thread::sleep_for(5ms);
    }
    std::lock_guard l(outlook->mutex);
    CHECK(outlook->threads_left == 1);
}

TEST_CASE("object-model provider: an Outlook that does not answer fails open with TIMEOUT and never holds close") {
    using clock = std::chrono::steady_clock;
    auto outlook = std::make_shared<FakeOutlook>();
    outlook->connection = cached(OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);

    // Hung at open: TIMEOUT after the open wait, not never.
    outlook->set_hung(true);
    auto started = clock::now();
    try {
        (void)open(outlook, true, "", 200ms);
        FAIL("opening against a hung Outlook succeeded");
    } catch (const Failure& f) {
        CHECK(f.result() == OLSTATE_E_TIMEOUT);
        CHECK(std::string(f.what()).find("did not answer within 200 ms") != std::string::npos);
    }
    CHECK(clock::now() - started < 5s);  // generous: the bound is 200 ms + 200 ms
    // The abandoned thread ends by itself once Outlook answers.
    outlook->set_hung(false);
    CHECK(outlook->wait_until([](FakeOutlook& o) { return o.threads_left == o.threads_entered; }));

    // Hung while open: close returns; nothing is delivered after it.
    auto recorder = std::make_shared<Recorder>();
    auto p = open(outlook, true, "", 200ms);
    REQUIRE(p->advise(recorder).ok());
    outlook->set_hung(true);
    REQUIRE(outlook->wait_until([](FakeOutlook& o) { return o.hung_looks == 1; }));
    outlook->change([](FakeOutlook& o) { o.connection = cached(OLSTATE_CONNECTION_CACHED_DISCONNECTED); });
    started = clock::now();
    p.reset();
    CHECK(clock::now() - started < 5s);
    const std::size_t at_close = recorder->count();
    outlook->set_hung(false);
    CHECK(outlook->wait_until([](FakeOutlook& o) { return o.threads_left == o.threads_entered; }));
    CHECK(recorder->count() == at_close);
}
