// Which thread of a bridge client hands the host's events to its receiver:
// the thread that reads them when the receiver returns at once (a QUEUED
// session), the notifier thread otherwise (an INLINE session runs user code
// there) - and in both cases every event in the host's order, the link's
// PROVIDER_LOST/BACK in their place. A hand-written host over the real
// transport stands in for olstate's.
#include <doctest/doctest.h>

#include <olstate.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <variant>

#include <unistd.h>

#include "bridge/frame_io.h"
#include "bridge/transport.h"
#include "scratch_dir.h"
#include "core/session.h"
#include "provider/bridge_client/client.h"

using namespace olstate;
using namespace std::chrono_literals;

namespace {

struct Delivered {
    std::uint32_t kind = 0;
    std::uint64_t time_us = 0;  // the host's number for a state event
    std::thread::id thread;
};

class RecordingReceiver final : public provider::EventReceiver {
public:
    explicit RecordingReceiver(bool at_once) : at_once_(at_once) {}
    void on_event(const provider::Event& e) noexcept override {
        {
            std::lock_guard lock(mutex_);
            seen_.push_back({e.kind, e.time_us, std::this_thread::get_id()});
        }
        changed_.notify_all();
    }
    bool returns_at_once() const noexcept override { return at_once_; }

    // Everything delivered once there are `count` (a bounded wait).
    std::vector<Delivered> wait_for(std::size_t count) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, 20s, [&] { return seen_.size() >= count; });
        return seen_;
    }

private:
    const bool at_once_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Delivered> seen_;
};

// Accepts one client, reads its hello and welcomes it.
std::shared_ptr<bridge::Connection> welcome_next(bridge::Listener& listener) {
    std::shared_ptr<bridge::Connection> c = listener.accept();
    REQUIRE(c != nullptr);
    bridge::FrameReader reader;
    const auto hello = reader.next(*c);
    REQUIRE((hello && std::holds_alternative<bridge::protocol::Hello>(*hello)));
    bridge::protocol::Welcome w;
    w.capabilities = OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_ONLINE;
    w.state = OLSTATE_ONLINE;
    w.profile = "Link";
    REQUIRE(bridge::send_message(*c, w));
    return c;
}

// State events numbered first..first+count-1 (in notify_time_us).
void send_changes(bridge::Connection& c, std::uint64_t first, int count) {
    for (int i = 0; i < count; ++i) {
        bridge::protocol::Event e;
        e.kind = OLSTATE_EVENT_CHANGE;
        e.old_state = (i % 2) ? OLSTATE_OFFLINE : OLSTATE_ONLINE;
        e.new_state = (i % 2) ? OLSTATE_ONLINE : OLSTATE_OFFLINE;
        e.sequence = first + static_cast<std::uint64_t>(i);
        e.notify_time_us = first + static_cast<std::uint64_t>(i);
        REQUIRE(bridge::send_message(c, e));
    }
}

struct Run {
    std::vector<Delivered> seen;  // the first 202 deliveries
    // After them, single changes until one came on seen[0]'s thread (5 s at most).
    bool back_on_first_thread = false;
};

// 100 changes, the host lost, back, 100 more sent right after the welcome
// (racing with the BACK note): what the receiver saw, in order.
Run run_link(bool at_once) {
    constexpr int kBurst = 100;
    Scratch dir;
    const std::string endpoint = dir.path + "/bridge.sock";
    auto listener = bridge::listen(endpoint);
    std::shared_ptr<bridge::Connection> host;
    std::thread accepting([&] { host = welcome_next(*listener); });
    auto provider = bridge::open_bridge_provider(endpoint, /*reconnect=*/true, "");
    accepting.join();
    REQUIRE(host != nullptr);
    auto receiver = std::make_shared<RecordingReceiver>(at_once);
    REQUIRE(provider->advise(receiver).ok());

    send_changes(*host, 1, kBurst);
    REQUIRE(receiver->wait_for(kBurst).size() == kBurst);
    host->shutdown();  // the client's PROVIDER_LOST
    REQUIRE(receiver->wait_for(kBurst + 1).size() == kBurst + 1);
    host = welcome_next(*listener);  // the client reconnects (backoff 50 ms)
    send_changes(*host, kBurst + 1, kBurst);
    Run run;
    run.seen = receiver->wait_for(2 * kBurst + 2);
    REQUIRE(run.seen.size() == 2 * kBurst + 2);
    // The notifier may still be handing over the burst's last notes; once it
    // is idle, the next change takes the first burst's thread again.
    const auto until = std::chrono::steady_clock::now() + 5s;
    for (std::uint64_t n = 2 * kBurst + 1; !run.back_on_first_thread && std::chrono::steady_clock::now() < until; ++n) {
        send_changes(*host, n, 1);
        const auto now = receiver->wait_for(static_cast<std::size_t>(n) + 2);
        REQUIRE(now.size() == static_cast<std::size_t>(n) + 2);
        run.back_on_first_thread = now.back().thread == run.seen[0].thread;
        if (!run.back_on_first_thread) std::this_thread::sleep_for(10ms);
    }
    provider->unadvise();
    provider.reset();
    listener->shutdown();
    return run;
}

void check_order(const std::vector<Delivered>& seen) {
    REQUIRE(seen.size() == 202);
    CHECK(seen[100].kind == OLSTATE_EVENT_PROVIDER_LOST);
    CHECK(seen[101].kind == OLSTATE_EVENT_PROVIDER_BACK);
    std::uint64_t next = 1;
    for (const auto& d : seen) {
        if (d.kind != OLSTATE_EVENT_CHANGE) continue;
        CHECK(d.time_us == next);  // none lost, none reordered
        ++next;
    }
    CHECK(next == 201);
}

}  // namespace

TEST_CASE("bridge client: a receiver that returns at once gets the host's events on the reading thread, in order") {
    const Run run = run_link(/*at_once=*/true);
    const auto& seen = run.seen;
    check_order(seen);
    const std::thread::id notifier = seen[100].thread;  // LOST comes from the notifier
    CHECK(seen[101].thread == notifier);
    const std::thread::id reader = seen[0].thread;
    CHECK(reader != notifier);
    for (int i = 0; i < 100; ++i) CHECK(seen[static_cast<std::size_t>(i)].thread == reader);
    // After BACK, once the notifier has nothing left, the reader again.
    CHECK(run.back_on_first_thread);
}

TEST_CASE("bridge client: a receiver that may run user code gets every event on the notifier thread, in order") {
    const Run run = run_link(/*at_once=*/false);
    check_order(run.seen);
    for (const auto& d : run.seen) CHECK(d.thread == run.seen[100].thread);
}

TEST_CASE("bridge client: only a QUEUED session's receiver returns at once") {
    // What decides whether the reading thread may deliver: a QUEUED
    // session only queues for its dispatcher, an INLINE one runs callbacks.
    CHECK(Session(1, OLSTATE_DELIVERY_QUEUED).returns_at_once());
    CHECK_FALSE(Session(2, OLSTATE_DELIVERY_INLINE).returns_at_once());
}
