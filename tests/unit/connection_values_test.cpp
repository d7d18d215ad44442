// The portable half of the object-model reader (provider/object_model/
// connection_values.h): fitting read values into a snapshot, and comparing
// two snapshots into the events one poll delivers.
#include <doctest/doctest.h>
#include <olstate.h>

#include <string>

#include "base/utf.h"
#include "provider/object_model/connection_values.h"

using namespace olstate::provider;
using namespace olstate::provider::object_model;

namespace {

Account account(const std::string& name, std::uint32_t mode, std::uint32_t type = OLSTATE_ACCOUNT_EXCHANGE) {
    return Account{type, mode, name, name + "@example.com"};
}

Connection connection(std::uint32_t mode, std::vector<Account> accounts) {
    return Connection{mode, mode >= 100 && mode <= 400, std::move(accounts)};
}

struct Expected {
    std::uint32_t kind, old_state, new_state;
};

void check(const std::vector<Event>& got, const std::vector<Expected>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        CAPTURE(i);
        CHECK(got[i].kind == want[i].kind);
        CHECK(got[i].old_state == want[i].old_state);
        CHECK(got[i].new_state == want[i].new_state);
    }
}

constexpr std::uint32_t kConn = OLSTATE_EVENT_CONNECTION_CHANGED;
constexpr std::uint32_t kAcct = OLSTATE_EVENT_ACCOUNT_CHANGED;
constexpr std::uint32_t kGone = OLSTATE_CONNECTION_UNKNOWN;

}  // namespace

TEST_CASE("object model: an unchanged snapshot gives no event") {
    const Connection c = connection(700, {account("a", 700), account("b", 0, OLSTATE_ACCOUNT_IMAP)});
    CHECK(changes(c, c).empty());
}

TEST_CASE("object model: the session's mode change comes first, then the account's") {
    const Connection before = connection(700, {account("a", 700)});
    const Connection after = connection(400, {account("a", 400)});
    check(changes(before, after), {{kConn, 700, 400}, {kAcct, 700, 400}});
}

TEST_CASE("object model: accounts removed, added and changed, each once") {
    const Connection before = connection(700, {account("gone", 700), account("kept", 700), account("same", 0)});
    const Connection after = connection(700, {account("kept", 500), account("new", 800), account("same", 0)});
    check(changes(before, after), {{kAcct, 700, kGone}, {kAcct, 700, 500}, {kAcct, kGone, 800}});
}

TEST_CASE("object model: accounts of the same name are matched in order") {
    const Connection before = connection(0, {account("x", 700), account("x", 0)});
    const Connection after = connection(0, {account("x", 700)});
    // The second "x" went away (the first kept its mode).
    check(changes(before, after), {{kAcct, 0, kGone}});
}

TEST_CASE("object model: Offline, address or type alone raise no event") {
    Connection before = connection(700, {account("a", 700)});
    Connection after = before;
    after.offline = !before.offline;
    after.accounts[0].smtp_address = "other@example.com";
    after.accounts[0].type = OLSTATE_ACCOUNT_EAS;
    CHECK(changes(before, after).empty());
}

TEST_CASE("object model: only Outlook's connection modes are accepted") {
    for (std::int64_t m = 0; m <= 800; m += 100) CHECK(connection_mode(m) == std::optional<std::uint32_t>(m));
    CHECK_FALSE(connection_mode(-100));
    CHECK_FALSE(connection_mode(50));
    CHECK_FALSE(connection_mode(900));
    CHECK_FALSE(connection_mode(0xFFFFFFFFll));
}

TEST_CASE("object model: account types beyond OlAccountType are OTHER") {
    CHECK(account_type(0) == OLSTATE_ACCOUNT_EXCHANGE);
    CHECK(account_type(4) == OLSTATE_ACCOUNT_EAS);
    CHECK(account_type(6) == OLSTATE_ACCOUNT_OTHER);
    CHECK(account_type(-1) == OLSTATE_ACCOUNT_OTHER);
}

TEST_CASE("object model: texts are cut at a character boundary") {
    CHECK(fit_text("short", 255) == "short");
    // 127 two-byte characters (254 bytes) and one more: 256 bytes do not fit
    // in 255; the cut drops the whole last character, not half of it.
    std::string name;
    for (int i = 0; i < 128; ++i) name += "\xC3\xA9";  // é
    const std::string cut = fit_text(name, 255);
    CHECK(cut.size() == 254);
    CHECK(olstate::text::is_valid_utf8(cut));
    // A four-byte character across the limit.
    const std::string emoji = std::string(253, 'a') + "\xF0\x9F\x98\x80";
    CHECK(fit_text(emoji, 255) == std::string(253, 'a'));
    CHECK(fit_text("\xC3", 255).empty());  // not UTF-8: never passed on
}
