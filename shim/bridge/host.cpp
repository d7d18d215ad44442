#include "host.h"

#include <chrono>

#include "base/failure.h"
#include "base/module.h"
#include "frame_io.h"

namespace olstate::bridge {

namespace {

// How long writers may take to send their "going away" frame after stop()
// before their connections are closed anyway (a client that stopped reading
// must not keep a thread forever). stop() itself does not wait for it.
constexpr auto kGoodbyeGrace = std::chrono::milliseconds(500);

// The end of a stopped host's clients, on a thread of its own so that stop()
// returns at once (inside Outlook it runs on the UI thread): the writers get
// kGoodbyeGrace to say goodbye, then every connection is closed and both
// threads of each client joined. A reader may be waiting for the owner
// thread (a state change carried to Outlook's UI thread), which is exactly
// the thread stop() may run on, so it is joined here and never there. The
// thread owns the clients (and they own what they use: their connection and
// the shared settings), and the module stays loaded while it runs.
void finish_in_background(std::vector<std::shared_ptr<HostClient>> clients) noexcept {
    const auto finish = [](const std::vector<std::shared_ptr<HostClient>>& cs) noexcept {
        const auto deadline = std::chrono::steady_clock::now() + kGoodbyeGrace;
        for (const auto& c : cs) {
            try {
                c->wait_writer_until(deadline);
            } catch (...) {
            }
        }
        for (const auto& c : cs) c->force_close();
        for (const auto& c : cs) c->join();
    };
    if (clients.empty()) return;
    pin_olstate_module();
    std::shared_ptr<std::vector<std::shared_ptr<HostClient>>> owned;
    try {
        owned = std::make_shared<std::vector<std::shared_ptr<HostClient>>>(std::move(clients));
        std::thread([owned, finish]() noexcept { finish(*owned); }).detach();
    } catch (...) {
        // No memory or no thread: close every connection now and let each
        // client's own threads end on their own (they hold the client; its
        // destructor detaches them). Nothing here waits.
        for (const auto& c : owned ? *owned : clients) c->force_close();
    }
}

}  // namespace

struct Host::Hub {
    std::mutex mutex;  // guards the fields below
    std::vector<std::shared_ptr<HostClient>> clients;
    bool session_gone = false;
    std::shared_ptr<Listener> listener;
    std::shared_ptr<KnownState> known;  // set at start, before the subscription
    std::shared_ptr<KnownConnection> connection;  // likewise

    // The session's callback: follow the state, copy into each client's
    // queue, nothing more. A connection or account change is read once,
    // here, and its one frame queued to every client.
    void broadcast(const olstate_event& e) noexcept {
        if (e.kind == OLSTATE_EVENT_CONNECTION_CHANGED || e.kind == OLSTATE_EVENT_ACCOUNT_CHANGED) {
            connection->follow(to_frame_event(e), [this](const KnownConnection::Frame& frame) {
                std::lock_guard lock(mutex);
                for (const auto& c : clients) c->push_connection(frame);
            });
            return;
        }
        known->follow(e, [&] {
            std::lock_guard lock(mutex);
            for (const auto& c : clients) c->push_event(e);
        });
    }

    // The subscription's release (unsubscribed by stop(), or the session
    // closed): no new clients, and every client is told the host goes away.
    void session_closed() noexcept {
        std::lock_guard lock(mutex);
        session_gone = true;
        known->close();
        listener->shutdown();
        for (const auto& c : clients) c->going_away();
    }
};

namespace {

void OLSTATE_CALL on_event(const olstate_event* event, void* context) {
    (*static_cast<std::shared_ptr<Host::Hub>*>(context))->broadcast(*event);
}

void OLSTATE_CALL on_release(void* context) {
    // Owns the context from here on (allocated in Host::start).
    const std::unique_ptr<std::shared_ptr<Host::Hub>> hub(static_cast<std::shared_ptr<Host::Hub>*>(context));
    (*hub)->session_closed();
}

void refuse(Connection& connection, olstate_result result, std::string message) noexcept {
    try {
        send_message(connection, protocol::Refusal{result, std::move(message)});
    } catch (...) {
    }
    connection.shutdown();
}

}  // namespace

Host::Host(olstate_session* session, std::uint64_t session_id) noexcept
    : session_(session), session_id_(session_id) {}

std::unique_ptr<Host> Host::start(olstate_session* session, std::uint64_t session_id, const HostOptions& options) {
    std::unique_ptr<Host> host(new Host(session, session_id));  // the factory: constructor is private
    host->max_clients_ = options.max_clients;

    auto settings = std::make_shared<HostSettings>();
    settings->session = session;
    settings->flags = options.flags;
    settings->queue_length = options.queue_length;
    settings->max_clients = options.max_clients;
    olstate_session_info info{};
    info.struct_size = sizeof info;
    if (const olstate_result r = olstate_get_session_info(session, &info))
        throw Failure(r, std::string("the session to publish: ") + olstate_last_error_message());
    settings->profile = info.profile ? info.profile : "";
    // The only reads of the session the host makes, on the starting thread
    // (inside Outlook: its UI thread). From here on the subscription keeps
    // the known state up to date and no host thread asks the session.
    std::uint32_t caps = 0, state = 0;
    olstate_result r = olstate_capabilities(session, &caps);
    if (r == OLSTATE_OK) r = olstate_get_state(session, &state);
    if (r != OLSTATE_OK)
        throw Failure(r, std::string("reading the session to publish: ") + olstate_last_error_message());
    settings->known = std::make_shared<KnownState>(caps, state);
    // The connection too, when some client can be told it (version 2).
    settings->connection = std::make_shared<KnownConnection>(
        session, (caps & OLSTATE_CAPABILITY_CONNECTION_MODE) && protocol::max_version() >= 2);
    host->settings_ = std::move(settings);

    host->endpoint_ = options.endpoint.empty() ? default_endpoint() : options.endpoint;
    host->listener_ = listen(host->endpoint_);  // throws BUSY / PROVIDER_FAILED
    host->hub_ = std::make_shared<Hub>();
    host->hub_->listener = host->listener_;
    host->hub_->known = host->settings_->known;
    host->hub_->connection = host->settings_->connection;

    // A profile that can go neither online nor offline sends no
    // notifications (olstate_subscribe refuses it, whatever other bits such
    // as CONNECTION_MODE it has): the host serves the state read above,
    // which cannot change, and subscribes to nothing.
    if (caps & (OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_OFFLINE)) {
        // CURRENT first, then every change: no change between the read above
        // and the subscription goes unseen.
        olstate_subscribe_options so;
        olstate_subscribe_options_init(&so);
        so.flags = OLSTATE_SUBSCRIBE_CURRENT_STATE;
        so.callback = on_event;
        so.release = on_release;
        // The context is the session's from the call on (released on failure too).
        so.context = std::make_unique<std::shared_ptr<Hub>>(host->hub_).release();
        if (const olstate_result sr = olstate_subscribe_ex(session, &so, &host->subscription_))
            throw Failure(sr, std::string("subscribing the bridge to the session: ") + olstate_last_error_message());
    }
    // A connection change between the first read and the subscription sent
    // no event to the host: read once more (no client is connected yet).
    host->settings_->connection->catch_up();

    host->accept_thread_ = std::thread([h = host.get()] { h->run_accept(); });
    return host;
}

Host::~Host() { stop(); }

void Host::run_accept() noexcept {
    for (;;) {
        std::unique_ptr<Connection> connection = listener_->accept();
        if (!connection) return;
        // Clients that finished are joined here, outside the hub's lock.
        std::vector<std::shared_ptr<HostClient>> done;
        std::shared_ptr<HostClient> oldest_waiting;  // not welcomed yet
        std::size_t waiting = 0;
        bool gone = false;
        {
            std::lock_guard lock(hub_->mutex);
            auto& cs = hub_->clients;
            for (auto it = cs.begin(); it != cs.end();) {
                if ((*it)->finished()) {
                    done.push_back(std::move(*it));
                    it = cs.erase(it);
                    continue;
                }
                if (!(*it)->welcomed() && waiting++ == 0) oldest_waiting = *it;
                ++it;
            }
            gone = hub_->session_gone;
        }
        for (const auto& c : done) c->join();
        // Connections that have not said hello yet are at most max_clients;
        // a new one pushes the oldest out, so silent sockets can never lock
        // real clients out (a real client says hello at once).
        if (waiting >= max_clients_ && oldest_waiting) oldest_waiting->force_close();
        const std::size_t live = settings_->welcomed.load();
        if (gone) {
            refuse(*connection, OLSTATE_E_PROVIDER_NOT_FOUND, "the bridged session is closed");
            continue;
        }
        if (live >= max_clients_) {
            refuse(*connection, OLSTATE_E_BUSY,
                   "this bridge serves " + std::to_string(max_clients_) + " clients already (its limit)");
            continue;
        }
        try {
            auto client = std::make_shared<HostClient>(std::move(connection), settings_);
            std::lock_guard lock(hub_->mutex);
            client->start();
            hub_->clients.push_back(std::move(client));
        } catch (...) {
            // No memory or no thread for this client: it is closed (the
            // connection's destructor), the host keeps serving.
        }
    }
}

void Host::stop() noexcept {
    if (stopped_) return;
    stopped_ = true;
    // A start that failed half-way has no listener or hub yet.
    if (listener_) listener_->shutdown();
    if (accept_thread_.joinable()) accept_thread_.join();
    // Waits for running callbacks (they only copy events); the release then
    // says "going away" to every client. A session already closed released
    // it before; a profile without capabilities never subscribed.
    if (subscription_) olstate_unsubscribe(session_, subscription_);
    if (!hub_) return;
    hub_->session_closed();  // also wakes every blocking set waiting for its change

    std::vector<std::shared_ptr<HostClient>> clients;
    {
        std::lock_guard lock(hub_->mutex);
        clients.swap(hub_->clients);
    }
    finish_in_background(std::move(clients));
}

}  // namespace olstate::bridge
