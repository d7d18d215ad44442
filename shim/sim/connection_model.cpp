#include "connection_model.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "olstate_sim.h"

namespace olstate::sim {

using namespace com;

namespace {

constexpr std::uint32_t kDefaultMode = 700;  // olCachedConnectedFull
constexpr std::uint32_t kNoAccount = 0xFFFFFFFFu;  // OLSTATE_CONNECTION_UNKNOWN

// NameSpace.Offline as Microsoft documents it: true for olOffline and
// olDisconnected; the simulator counts the cached variants of both too
// (Work Offline, network down), false for every connected mode.
ULONG offline_for(std::uint32_t mode) noexcept { return mode >= 100 && mode <= 400 ? 1 : 0; }

void copy_text(char (&out)[kConnectionTextSize], const std::string& in) {
    // Names longer than the field were refused when the account was added.
    std::memset(out, 0, sizeof out);
    std::memcpy(out, in.data(), std::min(in.size(), sizeof out - 1));
}

}  // namespace

ConnectionModel::ConnectionModel() { reset(); }

bool ConnectionModel::valid_mode(std::uint32_t mode) noexcept { return mode <= 800 && mode % 100 == 0; }

std::vector<ConnectionModel::Account>::iterator ConnectionModel::find(const std::string& display_name) {
    return std::find_if(accounts_.begin(), accounts_.end(),
                        [&](const Account& a) { return a.display_name == display_name; });
}

std::optional<ConnectionModel::Change> ConnectionModel::set_mode(std::uint32_t mode) {
    if (!valid_mode(mode)) throw std::invalid_argument("not an OlExchangeConnectionMode value");
    std::lock_guard lock(mutex_);
    if (mode == mode_) return std::nullopt;
    const Change change{OLSTATE_NOTIFY_CONNECTION_CHANGED, mode_, mode};
    mode_ = mode;
    return change;
}

std::optional<ConnectionModel::Change> ConnectionModel::add_account(const std::string& display_name,
                                                                   const std::string& smtp, std::uint32_t type,
                                                                   std::uint32_t mode) {
    if (!valid_mode(mode)) throw std::invalid_argument("not an OlExchangeConnectionMode value");
    if (type > 5) throw std::invalid_argument("not an OlAccountType value");
    if (display_name.empty() || display_name.size() >= kConnectionTextSize || smtp.size() >= kConnectionTextSize)
        throw std::invalid_argument("display name empty, or a text of 256 bytes or more");
    std::lock_guard lock(mutex_);
    if (find(display_name) != accounts_.end()) throw std::invalid_argument("an account of that name exists");
    if (accounts_.size() >= kConnectionMaxAccounts) throw std::invalid_argument("32 accounts already");
    accounts_.push_back(Account{display_name, smtp, type, mode});
    return Change{OLSTATE_NOTIFY_ACCOUNT_CHANGED, kNoAccount, mode};
}

std::optional<ConnectionModel::Change> ConnectionModel::remove_account(const std::string& display_name) {
    std::lock_guard lock(mutex_);
    const auto it = find(display_name);
    if (it == accounts_.end()) throw std::invalid_argument("no account of that name");
    const Change change{OLSTATE_NOTIFY_ACCOUNT_CHANGED, it->mode, kNoAccount};
    accounts_.erase(it);
    return change;
}

std::optional<ConnectionModel::Change> ConnectionModel::set_account_mode(const std::string& display_name,
                                                                        std::uint32_t mode) {
    if (!valid_mode(mode)) throw std::invalid_argument("not an OlExchangeConnectionMode value");
    std::lock_guard lock(mutex_);
    const auto it = find(display_name);
    if (it == accounts_.end()) throw std::invalid_argument("no account of that name");
    if (it->mode == mode) return std::nullopt;
    const Change change{OLSTATE_NOTIFY_ACCOUNT_CHANGED, it->mode, mode};
    it->mode = mode;
    return change;
}

void ConnectionModel::snapshot(ConnectionSnapshot& out) const {
    std::lock_guard lock(mutex_);
    out.mode = mode_;
    out.offline = offline_for(mode_);
    out.count = static_cast<ULONG>(accounts_.size());
    for (std::size_t i = 0; i < accounts_.size(); ++i) {
        out.accounts[i].type = accounts_[i].type;
        out.accounts[i].mode = accounts_[i].mode;
        copy_text(out.accounts[i].display_name, accounts_[i].display_name);
        copy_text(out.accounts[i].smtp_address, accounts_[i].smtp);
    }
}

bool ConnectionModel::reported() const {
    std::lock_guard lock(mutex_);
    return reported_;
}

void ConnectionModel::set_reported(bool reported) {
    std::lock_guard lock(mutex_);
    reported_ = reported;
}

void ConnectionModel::reset() {
    std::lock_guard lock(mutex_);
    reported_ = true;
    mode_ = kDefaultMode;
    accounts_.assign(1, Account{OLSTATE_SIM_DEFAULT_ACCOUNT, OLSTATE_SIM_DEFAULT_ACCOUNT, 0, kDefaultMode});
}

}  // namespace olstate::sim
