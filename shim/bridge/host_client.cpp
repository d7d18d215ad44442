#include "host_client.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <variant>

#include "core/callback_scope.h"
#include "frame_io.h"

namespace olstate::bridge {

namespace {

// Control frames (replies...) waiting for a client that sends requests but
// does not read: beyond this it is misbehaving and is disconnected. A real
// client has at most a few requests in flight.
constexpr std::size_t kMaxControls = 64;
// The queue's buffer at first; it grows up to the host's queue length.
constexpr std::size_t kFirstSlots = 16;

bool same_profile(const std::string& a, const std::string& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

protocol::Refusal refusal(olstate_result result, std::string message) {
    return protocol::Refusal{result, std::move(message)};
}

}  // namespace

protocol::Event to_frame_event(const olstate_event& e) noexcept {
    protocol::Event ev;
    ev.kind = e.kind;
    ev.old_state = e.old_state;
    ev.new_state = e.new_state;
    ev.sequence = e.sequence;
    ev.flags = e.flags & OLSTATE_EVENT_FLAG_DROPPED;
    ev.notify_time_us = e.notify_time_us;
    return ev;
}

HostClient::HostClient(std::unique_ptr<Connection> connection, std::shared_ptr<const HostSettings> settings)
    : connection_(std::move(connection)),
      settings_(std::move(settings)),
      queue_(settings_->queue_length, kFirstSlots) {}

HostClient::~HostClient() {
    // The host joins every client before letting go of it; this is a last
    // resort that keeps a joinable thread from terminating the process.
    if (reader_.joinable()) reader_.detach();
    if (writer_.joinable()) writer_.detach();
}

void HostClient::start() {
    auto self = shared_from_this();
    writer_ = std::thread([self] { self->run_writer(); });
    try {
        reader_ = std::thread([self] { self->run_reader(); });
    } catch (...) {
        force_close();
        writer_.join();
        throw;
    }
}

void HostClient::push_connection(const KnownConnection::Frame& frame) noexcept {
    {
        std::lock_guard lock(mutex_);
        if (!welcomed_ || closing_ || abort_ || version_ < 2) return;  // version 1 knows no connection
        try {
            if (!frame) throw std::runtime_error("the connection could not be read");
            queue_.push(Outgoing{frame, true});
        } catch (...) {
            queue_.lost();  // the client learns of the gap from the next event's flag
            return;
        }
    }
    changed_.notify_all();
}

void HostClient::push_event(const olstate_event& e) noexcept {
    // LOST/BACK of a bridged bridge session are not state changes: the
    // protocol carries only CHANGE_START..CHANGE_DONE.
    if (e.kind < OLSTATE_EVENT_CHANGE_START || e.kind > OLSTATE_EVENT_CHANGE_DONE) return;
    const protocol::Event ev = to_frame_event(e);
    bool write_here = false;
    {
        std::lock_guard lock(mutex_);
        if (!welcomed_ || closing_ || abort_) return;
        // Never on a provider's notification thread (a bridged INLINE
        // session calls back there: Outlook's thread), whatever the write
        // would cost; a QUEUED session calls back on its dispatcher.
        if (!sending_ && queue_.empty() && unsent_.empty() && !inside_provider_notify()) {
            sending_ = true;  // nothing ahead of it: written below, in order
            write_here = true;
        } else {
            // At the queue length the oldest event gives way: the client is
            // slow, and only its own queue pays for it.
            try {
                queue_.push(Outgoing{ev, true, false});
            } catch (...) {
                queue_.lost();  // no memory: this event is lost like a dropped one
                return;
            }
        }
    }
    if (write_here) write_now(ev);
    else changed_.notify_all();
}

void HostClient::write_now(const protocol::Event& event) noexcept {
    std::vector<std::byte> frame;
    IoResult wrote{IoStatus::ok, 0};
    bool encoded = true;
    try {
        frame = protocol::encode(event);
        wrote = connection_->write_now(frame);
    } catch (...) {
        encoded = false;  // no memory: lost like a dropped event
    }
    const bool gone = wrote.status != IoStatus::ok;
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        sending_ = false;
        if (!encoded) {
            queue_.lost();
        } else if (gone) {
            abort_ = true;  // as when the writer's send fails: the connection ends
        } else if (wrote.bytes < frame.size()) {
            // The socket is full (a slow client): the writer finishes this
            // frame before anything else, blocking on its own thread.
            frame.erase(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(wrote.bytes));
            unsent_ = std::move(frame);
        }
        // Only when the writer has work (or must stop): waking it for
        // nothing would cost the very wake-up this write saves.
        wake = abort_ || !unsent_.empty() || !queue_.empty();
    }
    if (wake) changed_.notify_all();
    if (gone) connection_->shutdown();
}

bool HostClient::push_control(protocol::Message message, bool last) {
    bool queued = false;
    {
        std::lock_guard lock(mutex_);
        if (abort_) return false;
        if (controls_ >= kMaxControls) {
            abort_ = true;
        } else {
            queue_.push(Outgoing{std::move(message), false, last});
            ++controls_;
            if (last) closing_ = true;
            queued = true;
        }
    }
    changed_.notify_all();
    if (!queued) connection_->shutdown();
    return queued;
}

void HostClient::going_away() noexcept {
    bool failed = false;
    {
        std::lock_guard lock(mutex_);
        if (closing_ || abort_) return;
        // A bye tells a welcomed client that the host goes; a connection
        // that never was welcomed gets nothing but the close.
        if (!welcomed_) abort_ = failed = true;
    }
    if (failed) {
        changed_.notify_all();
        connection_->shutdown();
        return;
    }
    {
        std::lock_guard lock(mutex_);
        if (closing_ || abort_) return;
        closing_ = true;
        queue_.remove_if([](const Outgoing& o) { return o.event; });
        try {
            queue_.push(Outgoing{protocol::Bye{protocol::kByeGoingAway}, false, true});
        } catch (...) {
            abort_ = failed = true;
        }
    }
    changed_.notify_all();
    if (failed) connection_->shutdown();
}

void HostClient::force_close() noexcept {
    {
        std::lock_guard lock(mutex_);
        abort_ = true;
    }
    changed_.notify_all();
    connection_->shutdown();
}

bool HostClient::finished() const noexcept {
    std::lock_guard lock(mutex_);
    return reader_done_ && writer_done_;
}

bool HostClient::welcomed() const noexcept {
    std::lock_guard lock(mutex_);
    return welcomed_;
}

bool HostClient::wait_writer_until(std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mutex_);
    return changed_.wait_until(lock, until, [&] { return writer_done_; });
}

void HostClient::join() noexcept {
    if (reader_.joinable()) reader_.join();
    if (writer_.joinable()) writer_.join();
}

void HostClient::run_writer() noexcept {
    for (;;) {
        Outgoing out;
        std::vector<std::byte> rest;
        {
            std::unique_lock lock(mutex_);
            const auto ready = [&] { return abort_ || (!sending_ && (!unsent_.empty() || !queue_.empty())); };
            if (welcomed_ || closing_) {
                changed_.wait(lock, ready);
            } else if (!changed_.wait_until(lock, hello_deadline_, ready)) {
                break;  // no hello in time: close, send nothing
            }
            if (abort_) break;
            sending_ = true;
            if (!unsent_.empty()) {
                rest.swap(unsent_);  // a frame push_event began comes first
            } else {
                out = queue_.pop();
                if (!out.event) --controls_;
            }
        }
        const bool sent = rest.empty() ? send(out) : connection_->write_all(rest).status == IoStatus::ok;
        {
            std::lock_guard lock(mutex_);
            sending_ = false;
        }
        if (!sent || (rest.empty() && out.last)) break;
    }
    connection_->shutdown();  // wakes the reader
    {
        std::lock_guard lock(mutex_);
        writer_done_ = true;
        abort_ = true;
    }
    changed_.notify_all();
}

bool HostClient::send(const Outgoing& out) noexcept {
    if (!out.encoded) return send_message(*connection_, out.message);
    if (!out.dropped) return connection_->write_all(*out.encoded).status == IoStatus::ok;
    try {
        std::vector<std::byte> copy = *out.encoded;
        protocol::mark_connection_dropped(copy);
        return connection_->write_all(copy).status == IoStatus::ok;
    } catch (...) {
        return false;  // no memory: the connection ends, as when a write fails
    }
}

void HostClient::run_reader() noexcept {
    try {
        FrameReader reader;
        auto first = reader.next(*connection_);
        if (first && serve_hello(*first)) {
            while (auto message = reader.next(*connection_)) {
                const protocol::Type t = protocol::type_of(*message);
                if (t == protocol::Type::bye) break;
                if (t != protocol::Type::get_state && t != protocol::Type::set_state && t != protocol::Type::ping) {
                    push_control(refusal(OLSTATE_E_INVALID_ARGUMENT,
                                         std::string("protocol error: a client may not send a ") +
                                             protocol::type_name(t) + " frame here"),
                                 true);
                    break;
                }
                answer(*message);
            }
        }
        if (!reader.error().empty())
            push_control(refusal(OLSTATE_E_INVALID_ARGUMENT, "protocol error: " + reader.error()), true);
    } catch (...) {
        // Out of memory while serving this client: drop it, keep the host.
    }
    bool flush_last = false;
    {
        std::lock_guard lock(mutex_);
        reader_done_ = true;
        if (holds_slot_) settings_->welcomed.fetch_sub(1);
        holds_slot_ = false;
        // A message queued last (a refusal, a bye) is sent before the writer
        // closes; anything else ends the connection now. closing_ means such
        // a message was queued: the writer may already have taken it off the
        // queue and be sending it, so an empty queue does not mean it is gone.
        flush_last = closing_ && !abort_;
        if (!flush_last) abort_ = true;
    }
    changed_.notify_all();
    if (!flush_last) connection_->shutdown();
}

bool HostClient::serve_hello(const protocol::Message& first) {
    const auto* hello = std::get_if<protocol::Hello>(&first);
    if (!hello) {
        push_control(refusal(OLSTATE_E_INVALID_ARGUMENT,
                             std::string("protocol error: the first frame must be a hello, not a ") +
                                 protocol::type_name(protocol::type_of(first))),
                     true);
        return false;
    }
    const std::uint16_t low = std::max(hello->min_version, protocol::kMinVersion);
    const std::uint16_t high = std::min(hello->max_version, protocol::max_version());
    if (low > high) {
        push_control(refusal(OLSTATE_E_NOT_SUPPORTED,
                             "this host speaks bridge protocol versions " + std::to_string(protocol::kMinVersion) +
                                 ".." + std::to_string(protocol::max_version()) + ", the client " +
                                 std::to_string(hello->min_version) + ".." + std::to_string(hello->max_version)),
                     true);
        return false;
    }
    if (!hello->profile.empty() && !same_profile(hello->profile, settings_->profile)) {
        push_control(refusal(OLSTATE_E_PROFILE_NOT_FOUND,
                             "this bridge serves profile '" + settings_->profile + "', not '" + hello->profile + "'"),
                     true);
        return false;
    }
    // The state the host knows: this thread never calls the session (inside
    // Outlook it is not the thread that may call Outlook).
    std::uint32_t caps = settings_->known->capabilities();
    std::uint32_t state = 0;
    const auto refuse_closed = [&] {
        push_control(refusal(OLSTATE_E_PROVIDER_NOT_FOUND, "the bridged session is closed"), true);
        return false;
    };
    if (!known_state(state)) return refuse_closed();  // before a slot is taken
    // A slot among max_clients, taken only now: idle connections hold none.
    std::uint32_t taken = settings_->welcomed.load();
    do {
        if (taken >= settings_->max_clients) {
            push_control(refusal(OLSTATE_E_BUSY, "this bridge serves " + std::to_string(settings_->max_clients) +
                                                     " clients already (its limit)"),
                         true);
            return false;
        }
    } while (!settings_->welcomed.compare_exchange_weak(taken, taken + 1));
    {
        std::lock_guard lock(mutex_);
        holds_slot_ = true;  // given back when the reader ends, however this returns
    }
    // Version 1 knows only online/offline: its decoder refuses other bits.
    if (high < 2) caps &= OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_OFFLINE;
    protocol::Welcome w;
    w.version = high;
    w.flags = (settings_->flags & OLSTATE_BRIDGE_ALLOW_SET_STATE) ? protocol::kWelcomeSetAllowed : 0;
    w.profile = settings_->profile;
    bool welcomed = false;
    // Under the known state's and the known connection's locks: no state
    // event and no connection change is fanned out between the state and
    // the snapshot this client gets and the moment it counts as welcomed
    // (it gets either the old state and the change's events, or the new
    // state; never the old state alone).
    const bool open = settings_->known->welcome([&](std::uint32_t state_now) {
        w.state = state_now;
        settings_->connection->welcome([&](const KnownConnection::Frame& snapshot) {
            // The host's snapshot, never a read from this thread; none (the
            // session does not report it, or the last read failed): not offered.
            const bool with_connection = (caps & OLSTATE_CAPABILITY_CONNECTION_MODE) && snapshot;
            w.capabilities = with_connection ? caps : caps & ~OLSTATE_CAPABILITY_CONNECTION_MODE;
            // Welcome first, then events: both under the queue's lock.
            std::lock_guard lock(mutex_);
            if (abort_ || closing_) return;
            queue_.push(Outgoing{std::move(w), false, false});
            ++controls_;
            // Version 2 with the capability: the snapshot right after the welcome.
            if (with_connection) {
                queue_.push(Outgoing{snapshot, false});
                ++controls_;
            }
            version_ = high;
            welcomed_ = welcomed = true;
        });
    });
    if (!open) return refuse_closed();  // closed since the look above
    if (welcomed) changed_.notify_all();
    return welcomed;
}

bool HostClient::known_state(std::uint32_t& out) const noexcept {
    // The session must still be open: with capabilities 0 there is no
    // subscription whose release would say that it closed. Capabilities are
    // the session's cached copy, so this never reaches the provider.
    std::uint32_t caps = 0;
    return settings_->known->state(out) && olstate_capabilities(settings_->session, &caps) == OLSTATE_OK;
}

void HostClient::answer(const protocol::Message& request) {
    protocol::Reply reply;
    olstate_result r = OLSTATE_OK;
    std::string message;  // the failure's reason when it is not olstate's last error
    if (const auto* g = std::get_if<protocol::GetState>(&request)) {
        reply.request = g->request;
        std::uint32_t state = 0;
        if (known_state(state)) {
            reply.value = state;
        } else {
            r = OLSTATE_E_PROVIDER_NOT_FOUND;
            message = "the bridged session is closed";
        }
    } else if (const auto* s = std::get_if<protocol::SetState>(&request)) {
        reply.request = s->request;
        if (!(settings_->flags & OLSTATE_BRIDGE_ALLOW_SET_STATE)) {
            reply.result = OLSTATE_E_NOT_SUPPORTED;
            reply.message =
                "this bridge host does not let clients change the state (the host enables it with "
                "OLSTATE_BRIDGE_ALLOW_SET_STATE, olstate-monitor --serve --allow-set)";
            push_control(std::move(reply));
            return;
        }
        // Always asynchronous: the provider carries the change to the thread
        // that owns the session (Outlook's UI thread), which a blocking change
        // would hold up. A blocking request waits here, for the CHANGE_DONE
        // the host's own subscription sees, and only this client waits.
        // A host that is stopping hands over no more changes (its owner
        // thread may be closing the session).
        std::uint32_t known = 0;
        if (!known_state(known)) {
            r = OLSTATE_E_PROVIDER_NOT_FOUND;
            message = "the bridged session is closed";
        } else {
            r = olstate_set_state(settings_->session, s->state, OLSTATE_SET_DEFAULT);
        }
        if (r == OLSTATE_OK && s->flags == OLSTATE_SET_BLOCK) {
            r = settings_->known->wait_until_reached(s->state, kBlockingSetWait, message);
        }
    } else if (const auto* p = std::get_if<protocol::Ping>(&request)) {
        reply.request = p->request;
    }
    if (r != OLSTATE_OK) {
        // The host's session closed: for the client the provider is gone.
        reply.result = r == OLSTATE_E_INVALID_HANDLE ? OLSTATE_E_PROVIDER_NOT_FOUND : r;
        if (message.empty()) {
            reply.hresult = olstate_last_error_hresult();
            reply.message = olstate_last_error_message();
        } else {
            reply.message = std::move(message);
        }
    }
    push_control(std::move(reply));
}

}  // namespace olstate::bridge
