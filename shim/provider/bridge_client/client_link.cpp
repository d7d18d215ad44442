#include "client_link.h"

#include <olstate.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <variant>

#include <gsl/util>

#include "base/clock.h"
#include "base/failure.h"
#include "bridge/shutdown_after.h"

namespace olstate::bridge {

using namespace std::chrono_literals;

namespace {

// Reconnect delays: start small (a host restarting is back quickly), double,
// and stay at a cap low enough that "Outlook started" is noticed promptly.
constexpr auto kFirstDelay = 50ms;
constexpr auto kMaxDelay = 2000ms;
// A host answers at once; a blocking set waits for Outlook, which may take
// a while. Beyond this the host is considered stuck (the call fails, the
// session stays usable).
constexpr auto kReplyTimeout = 60s;
// A host accepts and answers a hello at once; one that hangs (its listen
// backlog full, or it accepted and then stopped) must not hang olstate_open
// (or the reconnect thread) with it. One deadline covers the connect, the
// hello and the welcome.
constexpr auto kHandshakeTimeout = 10s;
// Notes waiting for the notifier (a slow INLINE callback); beyond this the
// oldest state events are dropped and the next one is flagged.
constexpr std::size_t kMaxNotes = 1024;
constexpr std::size_t kFirstNoteSlots = 16;

bool same_profile(const std::string& a, const std::string& b) {
    // MAPI profile names compare case-insensitively (ASCII folding, as the
    // simulator does).
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

}  // namespace

ClientLink::ClientLink(std::string endpoint, bool reconnect, std::string profile)
    : endpoint_(std::move(endpoint)),
      reconnect_(reconnect),
      profile_(std::move(profile)),
      notes_(kMaxNotes, kFirstNoteSlots) {}

ClientLink::~ClientLink() {
    // Joined or detached by the owner before the last reference goes.
    if (link_thread_.joinable()) link_thread_.detach();
    if (notifier_thread_.joinable()) notifier_thread_.detach();
}

std::unique_ptr<ClientLink::Wire> ClientLink::handshake(protocol::Welcome& welcome) {
    auto wire = std::make_unique<Wire>();
    const auto deadline = std::chrono::steady_clock::now() + kHandshakeTimeout;
    // stop() sets cancel_connect_: a closing session never waits on a connect.
    wire->connection = connect(endpoint_, ConnectLimits{deadline, &cancel_connect_});  // throws Failure
    {
        std::lock_guard lock(mutex_);
        if (stopping_) throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND, "the session is closing");
        handshaking_ = wire->connection;
    }
    // stop() can cut the hello short until this returns, however it returns.
    const auto done = gsl::finally([&] {
        std::lock_guard lock(mutex_);
        handshaking_.reset();
    });
    protocol::Hello hello;
    hello.profile = profile_;
    // A host that refuses at once (too many clients) may close before the
    // hello is written: read its answer whether or not the write worked.
    std::optional<protocol::Message> first;
    bool timed_out = false;
    {
        const auto left = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       deadline - std::chrono::steady_clock::now()),
                                   std::chrono::milliseconds(1));
        ShutdownAfter timer(wire->connection, left);
        send_message(*wire->connection, hello);
        first = wire->reader.next(*wire->connection);
        timed_out = !first && timer.fired();
    }
    if (!first) {
        const std::string why = timed_out ? "it did not answer within " +
                                                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                                   kHandshakeTimeout)
                                                                   .count()) +
                                                " s"
                                : wire->reader.error().empty() ? "it closed the connection"
                                                               : "protocol error: " + wire->reader.error();
        throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND,
                      "the bridge host at '" + endpoint_ + "' did not answer the hello: " + why);
    }
    if (auto* refusal = std::get_if<protocol::Refusal>(&*first))
        throw Failure(refusal->result,
                      "the bridge host at '" + endpoint_ + "' refused the connection: " + refusal->message);
    // A host that is going away may answer a hello with a bye: nobody serves
    // the endpoint any more (with RECONNECT: wait for the next host).
    if (std::holds_alternative<protocol::Bye>(*first))
        throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND,
                      "the bridge host at '" + endpoint_ + "' is going away (it answered the hello with a bye)");
    auto* w = std::get_if<protocol::Welcome>(&*first);
    if (!w)
        throw Failure(OLSTATE_E_PROVIDER_FAILED, "the bridge host at '" + endpoint_ +
                                                     "' answered the hello with a " +
                                                     protocol::type_name(protocol::type_of(*first)) + " frame");
    if (!profile_.empty() && !same_profile(profile_, w->profile))
        throw Failure(OLSTATE_E_PROFILE_NOT_FOUND, "the bridge host at '" + endpoint_ + "' serves profile '" +
                                                       w->profile + "', not '" + profile_ + "'");
    welcome = std::move(*w);
    return wire;
}

void ClientLink::connect_now() {
    protocol::Welcome welcome;
    auto wire = handshake(welcome);
    std::lock_guard lock(mutex_);
    connection_ = wire->connection;
    wire_ = std::move(wire);
    served_ = std::move(welcome);
    last_state_ = served_.state;
    ever_connected_ = true;
}

void ClientLink::start() {
    auto self = shared_from_this();
    link_thread_ = std::thread([self] { self->run_link(); });
    try {
        notifier_thread_ = std::thread([self] { self->run_notifier(); });
    } catch (...) {
        stop();
        join();
        throw;
    }
}

void ClientLink::stop() noexcept {
    std::shared_ptr<Connection> a, b;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        cancel_connect_ = true;
        a = connection_;
        b = handshaking_;
    }
    changed_.notify_all();
    if (a) a->shutdown();
    if (b) b->shutdown();
}

void ClientLink::join() noexcept {
    for (std::thread* t : {&link_thread_, &notifier_thread_}) {
        if (!t->joinable()) continue;
        if (t->get_id() == std::this_thread::get_id()) t->detach();
        else t->join();
    }
}

bool ClientLink::connected() const {
    std::lock_guard lock(mutex_);
    return connection_ != nullptr;
}

bool ClientLink::ever_connected() const {
    std::lock_guard lock(mutex_);
    return ever_connected_;
}

protocol::Welcome ClientLink::served() const {
    std::lock_guard lock(mutex_);
    return served_;
}

void ClientLink::run_link() noexcept {
    for (;;) {
        std::unique_ptr<Wire> wire;
        {
            std::lock_guard lock(mutex_);
            wire = std::move(wire_);
        }
        if (wire) read_until_lost(*wire);
        {
            std::lock_guard lock(mutex_);
            if (stopping_ || !reconnect_) return;
        }
        if (!reconnect_with_backoff()) return;
    }
}

void ClientLink::read_until_lost(Wire& wire) noexcept {
    std::string why = "the connection ended";
    try {
        while (auto message = wire.reader.next(*wire.connection)) {
            if (auto* e = std::get_if<protocol::Event>(&*message)) {
                provider::Event n;
                n.kind = e->kind;
                n.old_state = e->old_state;
                n.new_state = e->new_state;
                n.flags = e->flags & OLSTATE_EVENT_FLAG_DROPPED;  // lost on the host's side
                n.time_us = e->notify_time_us;                    // when the host's provider notified
                hand_over(n);
                continue;
            }
            std::lock_guard lock(mutex_);
            if (auto* r = std::get_if<protocol::Reply>(&*message)) {
                // Only a reply somebody waits for is kept: a host that sends
                // unsolicited ones cannot grow this process without bound.
                if (awaiting_.count(r->request) != 0) {
                    replies_[r->request] = std::move(*r);
                    changed_.notify_all();
                }
            } else if (auto* b = std::get_if<protocol::Bye>(&*message)) {
                why = b->reason == protocol::kByeGoingAway ? "the host went away" : "the host said bye";
                break;
            } else {
                why = std::string("protocol error: unexpected ") +
                      protocol::type_name(protocol::type_of(*message)) + " frame";
                break;
            }
        }
        if (!wire.reader.error().empty()) why = "protocol error: " + wire.reader.error();
    } catch (...) {
        why = "out of memory";
    }
    wire.connection->shutdown();
    {
        std::lock_guard lock(mutex_);
        connection_.reset();
        ++generation_;
        lost_reason_ = why;
        if (!stopping_) {
            try {
                push_link_note(OLSTATE_EVENT_PROVIDER_LOST, last_state_, last_state_);
            } catch (...) {
                notes_.lost();
            }
        }
    }
    changed_.notify_all();
}

bool ClientLink::reconnect_with_backoff() noexcept {
    auto delay = std::chrono::milliseconds(kFirstDelay);
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            // A condition variable, not a sleep: stop() ends the wait at once.
            if (changed_.wait_for(lock, delay, [&] { return stopping_; })) return false;
        }
        try {
            protocol::Welcome welcome;
            auto wire = handshake(welcome);
            std::lock_guard lock(mutex_);
            if (stopping_) {
                wire->connection->shutdown();
                return false;
            }
            const std::uint32_t before = last_state_ ? last_state_ : welcome.state;
            replies_.clear();  // late answers of a lost connection (a request that timed out)
            connection_ = wire->connection;
            wire_ = std::move(wire);
            served_ = std::move(welcome);
            last_state_ = served_.state;
            ever_connected_ = true;
            push_link_note(OLSTATE_EVENT_PROVIDER_BACK, before, served_.state);
            return true;
        } catch (...) {
            // Nobody there yet, another profile, refused: try again later.
        }
        delay = std::min(delay * 2, std::chrono::milliseconds(kMaxDelay));
    }
}

void ClientLink::hand_over(const provider::Event& event) {
    std::shared_ptr<provider::EventReceiver> now;
    {
        std::lock_guard lock(mutex_);
        last_state_ = event.new_state;
        if (advised_ && receiver_returns_at_once_ && notes_.empty() && !notifier_busy_) now = receiver_.lock();
        // Gone (unadvised or closing): queued, the notifier drops it as before.
        if (!now) {
            push_note(event);
            return;
        }
    }
    // Outside the lock: the receiver takes its own locks, and a thread
    // holding one of those may be waiting on a request of this link.
    now->on_event(event);
}

void ClientLink::push_note(const provider::Event& note) {
    notes_.push(note);
    changed_.notify_all();
}

void ClientLink::push_link_note(std::uint32_t kind, std::uint32_t old_state, std::uint32_t new_state) {
    const auto valid = [](std::uint32_t s) { return s == OLSTATE_ONLINE || s == OLSTATE_OFFLINE; };
    if (!valid(old_state) || !valid(new_state)) {
        // A link that never reached a host knows no earlier state: report
        // the new one for both; a LOST before any state is known says "offline".
        if (!valid(new_state)) new_state = OLSTATE_OFFLINE;
        old_state = new_state;
    }
    provider::Event n;
    n.kind = kind;
    n.old_state = old_state;
    n.new_state = new_state;
    n.time_us = now_us();  // the link's own event: this process noticed it now
    push_note(n);
}

void ClientLink::run_notifier() noexcept {
    for (;;) {
        provider::Event note;
        std::shared_ptr<provider::EventReceiver> receiver;
        {
            std::unique_lock lock(mutex_);
            // Notes wait for a receiver: what happens between open and
            // advise (a loss, say) is still reported.
            changed_.wait(lock, [&] { return stopping_ || (!notes_.empty() && advised_); });
            if (stopping_) return;
            note = notes_.pop();
            receiver = receiver_.lock();
            notifier_busy_ = true;
        }
        if (receiver) receiver->on_event(note);
        receiver.reset();  // a last reference goes outside the lock
        std::lock_guard lock(mutex_);
        notifier_busy_ = false;
    }
}

protocol::Reply ClientLink::request(protocol::Message message) {
    std::shared_ptr<Connection> connection;
    std::uint64_t generation = 0;
    std::uint32_t id = 0;
    {
        std::lock_guard lock(mutex_);
        if (!connection_)
            throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND,
                          "the bridge host at '" + endpoint_ + "' is not connected (" +
                              (ever_connected_ ? lost_reason_ : std::string("no host has been reached yet")) +
                              (reconnect_ ? "); reconnecting" : ")"));
        connection = connection_;
        generation = generation_;
        id = ++next_request_;
        awaiting_.insert(id);
    }
    // However this returns, the id is no longer awaited and its reply goes.
    const auto forget = gsl::finally([&]() noexcept {
        std::lock_guard lock(mutex_);
        awaiting_.erase(id);
        replies_.erase(id);
    });
    std::visit(
        [id](auto& m) {
            if constexpr (requires { m.request; }) m.request = id;
        },
        message);
    bool sent = false;
    {
        std::lock_guard lock(write_mutex_);
        sent = send_message(*connection, message);
    }
    std::unique_lock lock(mutex_);
    const bool settled = sent && changed_.wait_for(lock, kReplyTimeout, [&] {
        return replies_.count(id) != 0 || generation_ != generation || stopping_;
    });
    if (const auto it = replies_.find(id); it != replies_.end()) {
        protocol::Reply reply = std::move(it->second);
        replies_.erase(it);
        return reply;
    }
    if (sent && !settled)
        throw Failure(OLSTATE_E_PROVIDER_FAILED,
                      "the bridge host at '" + endpoint_ + "' did not answer within " +
                          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kReplyTimeout).count()) +
                          " s");
    throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND,
                  "the bridge host at '" + endpoint_ + "' went away before answering");
}

void ClientLink::advise(std::weak_ptr<provider::EventReceiver> receiver) {
    const auto held = receiver.lock();
    const bool at_once = held && held->returns_at_once();
    {
        std::lock_guard lock(mutex_);
        receiver_ = std::move(receiver);
        receiver_returns_at_once_ = at_once;
        advised_ = true;
    }
    changed_.notify_all();
}

void ClientLink::unadvise() noexcept {
    std::lock_guard lock(mutex_);
    receiver_.reset();
    advised_ = false;
    receiver_returns_at_once_ = false;
}

}  // namespace olstate::bridge
