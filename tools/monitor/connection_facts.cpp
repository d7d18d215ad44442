#include "connection_facts.h"

#include <cstdio>
#include <vector>

namespace olstate_monitor {

const char* mode_name(uint32_t mode) {
    switch (mode) {
        case OLSTATE_CONNECTION_NO_EXCHANGE: return "no_exchange";
        case OLSTATE_CONNECTION_OFFLINE: return "offline";
        case OLSTATE_CONNECTION_CACHED_OFFLINE: return "cached_offline";
        case OLSTATE_CONNECTION_DISCONNECTED: return "disconnected";
        case OLSTATE_CONNECTION_CACHED_DISCONNECTED: return "cached_disconnected";
        case OLSTATE_CONNECTION_CACHED_CONNECTED_HEADERS: return "cached_connected_headers";
        case OLSTATE_CONNECTION_CACHED_CONNECTED_DRIZZLE: return "cached_connected_drizzle";
        case OLSTATE_CONNECTION_CACHED_CONNECTED_FULL: return "cached_connected_full";
        case OLSTATE_CONNECTION_ONLINE: return "online";
        case OLSTATE_CONNECTION_UNKNOWN: return "none";
        default: return "unknown";
    }
}

const char* account_type_name(uint32_t type) {
    switch (type) {
        case OLSTATE_ACCOUNT_EXCHANGE: return "exchange";
        case OLSTATE_ACCOUNT_IMAP: return "imap";
        case OLSTATE_ACCOUNT_POP3: return "pop3";
        case OLSTATE_ACCOUNT_HTTP: return "http";
        case OLSTATE_ACCOUNT_EAS: return "eas";
        default: return "other";
    }
}

void print_connection(olstate_session* session, bool json, std::string (*json_string)(const char*)) {
    uint32_t caps = 0, mode = 0, offline = 0, count = 0;
    if (olstate_capabilities(session, &caps) != OLSTATE_OK || !(caps & OLSTATE_CAPABILITY_CONNECTION_MODE)) return;
    std::vector<olstate_account> accounts(OLSTATE_MAX_ACCOUNTS);
    accounts[0].struct_size = sizeof(olstate_account);
    if (olstate_get_connection_mode(session, &mode) != OLSTATE_OK || olstate_get_offline(session, &offline) != OLSTATE_OK ||
        olstate_get_accounts(session, accounts.data(), OLSTATE_MAX_ACCOUNTS, &count) != OLSTATE_OK) {
        std::fprintf(stderr, "olstate-monitor: reading the Exchange connection failed: %s\n",
                     olstate_last_error_message());
        return;
    }
    if (count > OLSTATE_MAX_ACCOUNTS) count = OLSTATE_MAX_ACCOUNTS;
    if (json) {
        std::string list;
        for (uint32_t i = 0; i < count; ++i) {
            const olstate_account& a = accounts[i];
            list += std::string(i ? "," : "") + "{\"display_name\":" + json_string(a.display_name) +
                    ",\"smtp_address\":" + json_string(a.smtp_address) + ",\"type\":\"" +
                    account_type_name(a.account_type) + "\",\"mode\":\"" + mode_name(a.connection_mode) + "\"}";
        }
        std::printf("{\"type\":\"connection\",\"mode\":\"%s\",\"offline\":%s,\"accounts\":[%s]}\n", mode_name(mode),
                    offline ? "true" : "false", list.c_str());
    } else {
        std::printf("connection:   %s%s\n", mode_name(mode), offline ? " (Outlook is offline)" : "");
        for (uint32_t i = 0; i < count; ++i) {
            const olstate_account& a = accounts[i];
            std::printf("account:      %s <%s> %s, %s\n", a.display_name, a.smtp_address,
                        account_type_name(a.account_type), mode_name(a.connection_mode));
        }
    }
    std::fflush(stdout);
}

}  // namespace olstate_monitor
