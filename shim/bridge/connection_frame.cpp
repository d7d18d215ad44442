#include "connection_frame.h"

#include "core/registry.h"

namespace olstate::bridge {

std::optional<protocol::Connection> read_connection_frame(olstate_session* session,
                                                          const protocol::Event& event) noexcept {
    try {
        auto s = registry::enter(session);
        if (!s) return std::nullopt;  // closed
        const SessionCall call(std::move(s));
        const provider::Connection read = call->get_connection();  // throws Failure when unreadable
        protocol::Connection c;
        c.event = event;
        c.mode = read.mode;
        c.offline = read.offline ? 1u : 0u;
        for (const provider::Account& a : read.accounts) {
            if (c.accounts.size() == protocol::kMaxAccounts) break;  // the provider keeps to it; the wire must
            c.accounts.push_back(protocol::Account{a.type, a.mode, protocol::clip_utf8(a.display_name, protocol::kMaxAccountText),
                                                   protocol::clip_utf8(a.smtp_address, protocol::kMaxAccountText)});
        }
        return c;
    } catch (...) {
        return std::nullopt;  // unreadable now, or no memory: as if it could not be read
    }
}

}  // namespace olstate::bridge
