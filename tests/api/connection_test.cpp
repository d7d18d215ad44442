// The Exchange connection model (ABI 1.3): the mode, Offline, the accounts,
// their events in both delivery modes, the capability bit and bad input.
#include "support.h"

namespace {

using test::Recorder;
using test::Session;

std::vector<olstate_event> events_of(Recorder& r, uint32_t kind) {
    std::vector<olstate_event> out;
    for (const auto& seen : r.seen())
        if (seen.event.kind == kind) out.push_back(seen.event);
    return out;
}

}  // namespace

TEST_CASE("connection: a simulator session has the capability, the default mode and one account") {
    test::SimReset reset;
    Session s(test::fresh_profile("conn"));
    uint32_t caps = 0;
    REQUIRE(olstate_capabilities(s.get(), &caps) == OLSTATE_OK);
    CHECK((caps & OLSTATE_CAPABILITY_CONNECTION_MODE) != 0);
    CHECK((caps & (OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_OFFLINE)) ==
          (OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_OFFLINE));
    uint32_t mode = 0, offline = 9;
    REQUIRE(olstate_get_connection_mode(s.get(), &mode) == OLSTATE_OK);
    CHECK(mode == OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
    REQUIRE(olstate_get_offline(s.get(), &offline) == OLSTATE_OK);
    CHECK(offline == 0);
    olstate_account a[OLSTATE_MAX_ACCOUNTS];
    std::memset(a, 0x5A, sizeof a);
    a[0].struct_size = sizeof a[0];
    uint32_t n = 0;
    REQUIRE(olstate_get_accounts(s.get(), a, OLSTATE_MAX_ACCOUNTS, &n) == OLSTATE_OK);
    REQUIRE(n == 1);
    CHECK(a[0].struct_size == sizeof a[0]);
    CHECK(a[0].account_type == OLSTATE_ACCOUNT_EXCHANGE);
    CHECK(a[0].connection_mode == OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
    CHECK(a[0].reserved == 0);
    CHECK(std::string(a[0].display_name) == OLSTATE_SIM_DEFAULT_ACCOUNT);
    CHECK(std::string(a[0].smtp_address) == OLSTATE_SIM_DEFAULT_ACCOUNT);
    CHECK(a[1].struct_size == 0x5A5A5A5Au);  // nothing written past the count
    CHECK(olstate_struct_size(OLSTATE_STRUCT_ACCOUNT) == sizeof(olstate_account));
}

TEST_CASE("connection: mode, Offline and accounts follow the simulator; counting needs no array") {
    test::SimReset reset;
    Session s(test::fresh_profile("conn"));
    const char* p = s.profile().c_str();
    REQUIRE(olstate_sim_set_connection_mode(p, OLSTATE_CONNECTION_CACHED_DISCONNECTED) == 0);
    uint32_t mode = 0, offline = 0;
    REQUIRE(olstate_get_connection_mode(s.get(), &mode) == OLSTATE_OK);
    CHECK(mode == OLSTATE_CONNECTION_CACHED_DISCONNECTED);
    REQUIRE(olstate_get_offline(s.get(), &offline) == OLSTATE_OK);
    CHECK(offline == 1);

    REQUIRE(olstate_sim_add_account(p, "Büro IMAP", "buero@example.org", OLSTATE_ACCOUNT_IMAP,
                                    OLSTATE_CONNECTION_NO_EXCHANGE) == 0);
    REQUIRE(olstate_sim_add_account(p, "Second", nullptr, OLSTATE_ACCOUNT_EXCHANGE,
                                    OLSTATE_CONNECTION_ONLINE) == 0);
    uint32_t n = 0;
    REQUIRE(olstate_get_accounts(s.get(), nullptr, 0, &n) == OLSTATE_OK);
    CHECK(n == 3);
    olstate_account a[2];
    a[0].struct_size = sizeof a[0];
    REQUIRE(olstate_get_accounts(s.get(), a, 2, &n) == OLSTATE_OK);  // too small: the first two
    CHECK(n == 3);
    CHECK(std::string(a[1].display_name) == "Büro IMAP");
    CHECK(a[1].account_type == OLSTATE_ACCOUNT_IMAP);
    olstate_account all[OLSTATE_MAX_ACCOUNTS];
    all[0].struct_size = sizeof all[0];
    REQUIRE(olstate_get_accounts(s.get(), all, OLSTATE_MAX_ACCOUNTS, &n) == OLSTATE_OK);
    CHECK(std::string(all[2].smtp_address).empty());
    CHECK(all[2].connection_mode == OLSTATE_CONNECTION_ONLINE);

    REQUIRE(olstate_sim_remove_account(p, "Büro IMAP") == 0);
    REQUIRE(olstate_get_accounts(s.get(), all, OLSTATE_MAX_ACCOUNTS, &n) == OLSTATE_OK);
    CHECK(n == 2);
    CHECK(std::string(all[1].display_name) == "Second");
}

TEST_CASE("connection: a newer program's larger account struct gets zeros after the known fields") {
    test::SimReset reset;
    Session s(test::fresh_profile("conn"));
    struct Bigger {
        olstate_account known;
        uint32_t future[4];
    } b[2];
    std::memset(b, 0x77, sizeof b);
    b[0].known.struct_size = sizeof(Bigger);
    uint32_t n = 0;
    REQUIRE(olstate_get_accounts(s.get(), &b[0].known, 2, &n) == OLSTATE_OK);
    REQUIRE(n == 1);
    CHECK(b[0].known.struct_size == sizeof(Bigger));
    CHECK(b[0].future[3] == 0);
    CHECK(b[1].future[0] == 0x77777777u);  // the second element was not touched
}

TEST_CASE("connection: bad input gets INVALID_ARGUMENT or INVALID_HANDLE") {
    test::SimReset reset;
    Session s(test::fresh_profile("conn"));
    uint32_t v = 0;
    CHECK(olstate_get_connection_mode(s.get(), nullptr) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(olstate_get_offline(s.get(), nullptr) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(olstate_get_connection_mode(nullptr, &v) == OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_get_accounts(s.get(), nullptr, 0, nullptr) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(olstate_get_accounts(s.get(), nullptr, 1, &v) == OLSTATE_E_INVALID_ARGUMENT);
    olstate_account a{};
    a.struct_size = sizeof a - 1;
    CHECK(olstate_get_accounts(s.get(), &a, 1, &v) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(std::string(olstate_last_error_message()).find("struct_size") != std::string::npos);
    a.struct_size = 1u << 30;
    CHECK(olstate_get_accounts(s.get(), &a, 1, &v) == OLSTATE_E_INVALID_ARGUMENT);
    // The simulator's control API refuses bad values too.
    CHECK(olstate_sim_set_connection_mode(s.profile().c_str(), 750) == test::kEInvalidArg);
    CHECK(olstate_sim_add_account(s.profile().c_str(), nullptr, "x", 0, 0) == test::kEInvalidArg);
    CHECK(olstate_sim_add_account(s.profile().c_str(), "x", "x", 6, 0) == test::kEInvalidArg);
    CHECK(olstate_sim_set_account_mode(s.profile().c_str(), "nobody", 700) == test::kEInvalidArg);
    CHECK(olstate_sim_remove_account(s.profile().c_str(), "nobody") == test::kEInvalidArg);
}

TEST_CASE("connection: a failing poll is PROVIDER_FAILED with the HRESULT, then reads work again") {
    test::SimReset reset;
    Session s(test::fresh_profile("conn"));
    REQUIRE(olstate_sim_fail_next(OLSTATE_SIM_CALL_POLL_CONNECTION, test::kEFail, 1) == 0);
    uint32_t mode = 0;
    CHECK(olstate_get_connection_mode(s.get(), &mode) == OLSTATE_E_PROVIDER_FAILED);
    CHECK(olstate_last_error_hresult() == test::kEFail);
    CHECK(std::string(olstate_last_error_message()).find("Exchange connection") != std::string::npos);
    CHECK(olstate_get_connection_mode(s.get(), &mode) == OLSTATE_OK);
}

TEST_CASE("connection: the cached-mode sequence reaches a callback in order, exactly once per change") {
    for (const uint32_t delivery : {OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE}) {
        CAPTURE(delivery);
        test::SimReset reset;
        Session s(test::fresh_profile("conn"), delivery);
        const char* p = s.profile().c_str();
        Recorder r;
        const auto token = test::subscribe(s.get(), r);
        const uint32_t sequence[] = {OLSTATE_CONNECTION_CACHED_DISCONNECTED, OLSTATE_CONNECTION_CACHED_CONNECTED_HEADERS,
                                     OLSTATE_CONNECTION_CACHED_OFFLINE, OLSTATE_CONNECTION_CACHED_CONNECTED_FULL};
        for (const uint32_t m : sequence) REQUIRE(olstate_sim_set_connection_mode(p, m) == 0);
        REQUIRE(olstate_sim_set_connection_mode(p, OLSTATE_CONNECTION_CACHED_CONNECTED_FULL) == 0);  // same: nothing
        REQUIRE(olstate_sim_set_account_mode(p, OLSTATE_SIM_DEFAULT_ACCOUNT, OLSTATE_CONNECTION_CACHED_DISCONNECTED) ==
                0);
        REQUIRE(olstate_sim_add_account(p, "Extra", "extra@example.com", OLSTATE_ACCOUNT_EAS,
                                        OLSTATE_CONNECTION_NO_EXCHANGE) == 0);
        REQUIRE(olstate_sim_remove_account(p, "Extra") == 0);
        REQUIRE(olstate_sim_wait_idle(p) == 0);
        REQUIRE(r.wait_for(7));
        REQUIRE(olstate_unsubscribe(s.get(), token) == OLSTATE_OK);
        const auto modes = events_of(r, OLSTATE_EVENT_CONNECTION_CHANGED);
        REQUIRE(modes.size() == 4);
        uint32_t before = OLSTATE_CONNECTION_CACHED_CONNECTED_FULL;
        for (std::size_t i = 0; i < 4; ++i) {
            CHECK(modes[i].old_state == before);
            CHECK(modes[i].new_state == sequence[i]);
            before = sequence[i];
        }
        const auto accounts = events_of(r, OLSTATE_EVENT_ACCOUNT_CHANGED);
        REQUIRE(accounts.size() == 3);
        CHECK(accounts[0].old_state == OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
        CHECK(accounts[0].new_state == OLSTATE_CONNECTION_CACHED_DISCONNECTED);
        CHECK(accounts[1].old_state == OLSTATE_CONNECTION_UNKNOWN);
        CHECK(accounts[1].new_state == OLSTATE_CONNECTION_NO_EXCHANGE);
        CHECK(accounts[2].old_state == OLSTATE_CONNECTION_NO_EXCHANGE);
        CHECK(accounts[2].new_state == OLSTATE_CONNECTION_UNKNOWN);
        CHECK(r.count() == 7);
        uint64_t seq = 0;
        for (const auto& seen : r.seen()) {
            CHECK(seen.event.sequence > seq);
            seq = seen.event.sequence;
        }
    }
}

TEST_CASE("connection: a provider that is only the Offline State API lacks the capability: NOT_SUPPORTED") {
    test::SimReset reset;
    const std::string profile = test::fresh_profile("conn");
    REQUIRE(olstate_sim_set_connection_reported(profile.c_str(), 0) == 0);
    Session s(profile);
    uint32_t caps = 0, v = 0;
    REQUIRE(olstate_capabilities(s.get(), &caps) == OLSTATE_OK);
    CHECK((caps & OLSTATE_CAPABILITY_CONNECTION_MODE) == 0);
    CHECK(olstate_get_connection_mode(s.get(), &v) == OLSTATE_E_NOT_SUPPORTED);
    CHECK(olstate_get_offline(s.get(), &v) == OLSTATE_E_NOT_SUPPORTED);
    CHECK(olstate_get_accounts(s.get(), nullptr, 0, &v) == OLSTATE_E_NOT_SUPPORTED);
    // Online/offline work as before.
    CHECK(olstate_get_state(s.get(), &v) == OLSTATE_OK);
}
