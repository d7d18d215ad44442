#include "connection_frame.h"

#include <vector>

namespace olstate::bridge {

std::optional<protocol::Connection> read_connection_frame(olstate_session* session,
                                                          const protocol::Event& event) noexcept {
    try {
        protocol::Connection c;
        c.event = event;
        std::vector<olstate_account> accounts(OLSTATE_MAX_ACCOUNTS);
        accounts[0].struct_size = sizeof(olstate_account);
        uint32_t count = 0;
        if (olstate_get_connection_mode(session, &c.mode) != OLSTATE_OK ||
            olstate_get_offline(session, &c.offline) != OLSTATE_OK ||
            olstate_get_accounts(session, accounts.data(), OLSTATE_MAX_ACCOUNTS, &count) != OLSTATE_OK)
            return std::nullopt;
        for (uint32_t i = 0; i < count && i < OLSTATE_MAX_ACCOUNTS; ++i) {
            const olstate_account& a = accounts[i];
            c.accounts.push_back(protocol::Account{a.account_type, a.connection_mode, a.display_name, a.smtp_address});
        }
        return c;
    } catch (...) {
        return std::nullopt;  // no memory: as if it could not be read
    }
}

}  // namespace olstate::bridge
