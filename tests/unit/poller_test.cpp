// The object-model poll's rules (provider/object_model/poller.h), with a
// fake read in place of Outlook: the first read is the starting point, each
// later one delivers its changes once and in order, a failed read keeps the
// last snapshot and reports its failure until a read succeeds.
#include <doctest/doctest.h>
#include <olstate.h>

#include <memory>
#include <vector>

#include "provider/object_model/poller.h"

using namespace olstate::provider;
using namespace olstate::provider::object_model;

namespace {

struct Recorder final : EventReceiver {
    std::vector<Event> events;
    Poller* poller = nullptr;
    std::vector<std::uint32_t> modes_seen;  // what snapshot() said inside on_event
    void on_event(const Event& e) noexcept override {
        events.push_back(e);
        Connection c;
        if (poller && poller->snapshot(c).ok()) modes_seen.push_back(c.mode);
    }
};

// What the fake "Outlook" shows now, and whether reading it fails.
struct FakeOutlook {
    Connection now{700, false, {Account{0, 700, "Mailbox", "me@example.com"}}};
    Status fail;  // ok(): reads succeed
    int reads = 0;
    Poller::Read read() {
        return [this](Connection& out) {
            ++reads;
            if (!fail.ok()) return fail;
            out = now;
            return Status{};
        };
    }
};

}  // namespace

TEST_CASE("poller: the first read is the starting point; each change is delivered once, in order") {
    FakeOutlook outlook;
    Poller poller(outlook.read());
    auto recorder = std::make_shared<Recorder>();
    recorder->poller = &poller;
    poller.set_receiver(recorder);

    Connection c;
    CHECK(poller.snapshot(c).result == OLSTATE_E_PROVIDER_FAILED);  // nothing read yet
    poller.poll();
    CHECK(recorder->events.empty());
    REQUIRE(poller.snapshot(c).ok());
    CHECK(c.mode == 700);
    REQUIRE(c.accounts.size() == 1);
    CHECK(c.accounts[0].smtp_address == "me@example.com");

    outlook.now.mode = 400;
    outlook.now.accounts[0].mode = 400;
    poller.poll();
    poller.poll();  // nothing changed since: nothing more
    REQUIRE(recorder->events.size() == 2);
    CHECK(recorder->events[0].kind == OLSTATE_EVENT_CONNECTION_CHANGED);
    CHECK(recorder->events[0].old_state == 700);
    CHECK(recorder->events[0].new_state == 400);
    CHECK(recorder->events[1].kind == OLSTATE_EVENT_ACCOUNT_CHANGED);
    CHECK(recorder->events[0].time_us != 0);
    // A callback already sees the new snapshot.
    CHECK(recorder->modes_seen == std::vector<std::uint32_t>{400, 400});
    CHECK(poller.polls() == 3);
}

TEST_CASE("poller: a failed read keeps the last snapshot, reports its failure, and the change is delivered later") {
    FakeOutlook outlook;
    Poller poller(outlook.read());
    auto recorder = std::make_shared<Recorder>();
    poller.set_receiver(recorder);
    poller.poll();

    outlook.fail = Status{OLSTATE_E_PROVIDER_FAILED, "Session.Offline failed: RPC_E_CALL_REJECTED", -2147418111};
    outlook.now.mode = 200;
    poller.poll();
    Connection c;
    const Status s = poller.snapshot(c);
    CHECK(s.result == OLSTATE_E_PROVIDER_FAILED);
    CHECK(s.message.find("Session.Offline") != std::string::npos);
    CHECK(s.hresult == -2147418111);
    CHECK(recorder->events.empty());

    outlook.fail = Status{};
    poller.poll();
    REQUIRE(poller.snapshot(c).ok());
    CHECK(c.mode == 200);
    REQUIRE(recorder->events.size() == 1);  // 700 -> 200, once
    CHECK(recorder->events[0].old_state == 700);
    CHECK(recorder->events[0].new_state == 200);
}

TEST_CASE("poller: a read that fails from the start leaves nothing to report") {
    FakeOutlook outlook;
    outlook.fail = Status{OLSTATE_E_PROVIDER_FAILED, "Application.Session failed: DISP_E_UNKNOWNNAME", 0};
    Poller poller(outlook.read());
    poller.poll();
    Connection c;
    CHECK(poller.snapshot(c).message.find("Application.Session") != std::string::npos);
}

TEST_CASE("poller: no receiver, or a receiver gone, is not an error; after stop() nothing is read") {
    FakeOutlook outlook;
    Poller poller(outlook.read());
    poller.poll();
    outlook.now.mode = 800;
    poller.poll();  // nobody to tell: the snapshot still moves on
    Connection c;
    REQUIRE(poller.snapshot(c).ok());
    CHECK(c.mode == 800);
    {
        auto gone = std::make_shared<Recorder>();
        poller.set_receiver(gone);
    }
    outlook.now.mode = 700;
    poller.poll();
    poller.stop();
    const int reads = outlook.reads;
    outlook.now.mode = 100;
    poller.poll();
    CHECK(outlook.reads == reads);
    REQUIRE(poller.snapshot(c).ok());
    CHECK(c.mode == 700);
}
