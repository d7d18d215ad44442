// The simulated Exchange connection of one profile (ABI 1.3): the session's
// mode, NameSpace.Offline and the accounts, as Outlook's object model would
// report them. Pure state under a lock: the offline object turns each change
// it returns into a notification.
//
// The simulator keeps the mode and the online/offline state separate (a test
// sets each); in Outlook, Work Offline changes both.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "../com/olstate_connection.h"

namespace olstate::sim {

class ConnectionModel {
public:
    // A change to notify: the notify type (OLSTATE_NOTIFY_*) and old/new modes.
    struct Change {
        com::ULONG type;
        com::ULONG old_mode;
        com::ULONG new_mode;
    };

    ConnectionModel();

    // Each returns the change to notify, or nothing when nothing changed.
    // Unknown values and names throw std::invalid_argument.
    std::optional<Change> set_mode(std::uint32_t mode);
    std::optional<Change> add_account(const std::string& display_name, const std::string& smtp,
                                      std::uint32_t type, std::uint32_t mode);
    std::optional<Change> remove_account(const std::string& display_name);
    std::optional<Change> set_account_mode(const std::string& display_name, std::uint32_t mode);

    void snapshot(com::ConnectionSnapshot& out) const;
    // Whether the offline object offers olstate's connection interface.
    bool reported() const;
    void set_reported(bool reported);
    // One default Exchange account in cached mode, connected.
    void reset();

    static bool valid_mode(std::uint32_t mode) noexcept;

private:
    struct Account {
        std::string display_name;
        std::string smtp;
        std::uint32_t type;
        std::uint32_t mode;
    };
    std::vector<Account>::iterator find(const std::string& display_name);

    mutable std::mutex mutex_;
    std::uint32_t mode_ = 0;
    std::vector<Account> accounts_;
    bool reported_ = true;
};

}  // namespace olstate::sim
