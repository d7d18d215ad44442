#include "client.h"

#include <olstate.h>

#include "base/failure.h"
#include "client_link.h"

namespace olstate::bridge {

namespace {

class BridgeProvider final : public provider::Provider {
public:
    BridgeProvider(std::shared_ptr<ClientLink> link, std::string endpoint) noexcept
        : link_(std::move(link)), endpoint_(std::move(endpoint)) {}
    ~BridgeProvider() override {
        link_->stop();
        link_->join();
    }
    BridgeProvider(const BridgeProvider&) = delete;
    BridgeProvider& operator=(const BridgeProvider&) = delete;

    std::uint32_t kind() const noexcept override { return OLSTATE_PROVIDER_BRIDGE; }
    const std::string& path() const noexcept override { return endpoint_; }
    std::string profile() const override { return link_->ever_connected() ? link_->served().profile : std::string(); }
    std::uint32_t capabilities() const override {
        // Never reached a host (opened with OLSTATE_OPEN_RECONNECT before one
        // ran): a bridge follows both changes, so offer both; subscriptions
        // must work while it waits.
        return link_->ever_connected() ? link_->served().capabilities
                                       : (OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_ONLINE);
    }

    provider::Status get_connection(provider::Connection& out) override {
        try {
            const protocol::Connection c = link_->connection();
            out.mode = c.mode;
            out.offline = c.offline != 0;
            out.accounts.clear();
            for (const auto& a : c.accounts)
                out.accounts.push_back(provider::Account{a.type, a.mode, a.display_name, a.smtp_address});
            return {};
        } catch (const Failure& f) {
            return provider::Status{f.result(), f.what(), 0};
        }
    }

    provider::Status get_state(std::uint32_t& state) override {
        return call(protocol::GetState{}, &state);
    }
    provider::Status set_state(std::uint32_t state, std::uint32_t flags) override {
        protocol::SetState s;
        s.state = state;
        s.flags = flags;
        return call(s, nullptr);
    }

    provider::Status advise(std::weak_ptr<provider::EventReceiver> receiver) override {
        link_->advise(std::move(receiver));
        return {};
    }
    void unadvise() noexcept override { link_->unadvise(); }

private:
    // One request to the host; a failing reply keeps the host's result,
    // message and HRESULT.
    provider::Status call(protocol::Message request, std::uint32_t* out_state) noexcept {
        try {
            const protocol::Reply reply = link_->request(std::move(request));
            if (reply.result != OLSTATE_OK)
                return {reply.result, "the bridge host answered: " + reply.message, reply.hresult};
            if (out_state) {
                if (reply.value != OLSTATE_ONLINE && reply.value != OLSTATE_OFFLINE)
                    return {OLSTATE_E_PROVIDER_FAILED, "the bridge host sent no state", 0};
                *out_state = reply.value;
            }
            return {};
        } catch (const Failure& f) {
            return {f.result(), f.what(), f.hresult()};
        } catch (...) {
            return {OLSTATE_E_OUT_OF_MEMORY, "out of memory talking to the bridge host", 0};
        }
    }

    const std::shared_ptr<ClientLink> link_;
    const std::string endpoint_;
};

}  // namespace

std::unique_ptr<provider::Provider> open_bridge_provider(const std::string& endpoint, bool reconnect,
                                                         const std::string& profile, bool host_required_now) {
    auto link = std::make_shared<ClientLink>(endpoint, reconnect, profile);
    try {
        link->connect_now();
    } catch (const Failure& f) {
        // With reconnect, "nobody there yet" is the starting point, not an
        // error; a host that answers and refuses (another profile, full)
        // still fails the open, so a mistake is reported at once.
        if (!reconnect || host_required_now || f.result() != OLSTATE_E_PROVIDER_NOT_FOUND) throw;
    }
    // The provider first: should starting the threads fail, its destructor
    // stops and joins whatever did start.
    auto provider = std::make_unique<BridgeProvider>(link, endpoint);
    link->start();
    return provider;
}

}  // namespace olstate::bridge
