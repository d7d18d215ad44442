// The Exchange connection across three processes: the host
// (olstate-bridge-test-host over the simulator), a bridge client in a
// process of its own (olstate-monitor --provider bridge --json, the library
// as a program uses it) and this test, which drives the one and reads the
// other. Also the two mixed-version pairs, each side a real process: a
// version-1 client of a version-2 host and a version-2 client of a
// version-1 host (OLSTATE_BRIDGE_PROTOCOL_MAX plays the older side).
#include "bridge_support.h"

using namespace bridge_test;

namespace {

// olstate-monitor following the bridge at `endpoint` in its own process;
// `protocol_max` set plays a client that speaks versions 1..protocol_max.
class MonitorClient {
public:
    explicit MonitorClient(const std::string& endpoint, const char* protocol_max = nullptr) {
        std::vector<std::string> argv;
        if (protocol_max) argv = {"/usr/bin/env", std::string("OLSTATE_BRIDGE_PROTOCOL_MAX=") + protocol_max};
        argv.push_back(build_file("OLSTATE_MONITOR", "olstate-monitor"));
        for (const char* a : {"--provider", "bridge", "--json", "--endpoint"}) argv.emplace_back(a);
        argv.push_back(endpoint);
        child_ = std::make_unique<Child>(argv);
        // The monitor prints its facts once subscribed: every change made
        // after this line is printed.
        session_ = next_line(20s);
        REQUIRE_MESSAGE(session_.find("\"type\":\"session\"") != std::string::npos, "monitor: " << session_);
    }
    ~MonitorClient() { child_->kill9(); }
    MonitorClient(const MonitorClient&) = delete;
    MonitorClient& operator=(const MonitorClient&) = delete;

    const std::string& session_line() const { return session_; }
    // The next line printed, "" when none came in `timeout`.
    std::string next_line(std::chrono::milliseconds timeout = 10s) { return child_->line(timeout).value_or(""); }

private:
    std::unique_ptr<Child> child_;
    std::string session_;
};

bool has(const std::string& line, const std::string& part) { return line.find(part) != std::string::npos; }

// An event line's kind, old and new value as the monitor's JSON spells them.
std::string event_of(const char* kind, const char* old_value, const char* new_value) {
    return std::string("\"kind\":\"") + kind + "\",\"old_state\":\"" + old_value + "\",\"new_state\":\"" + new_value +
           "\"";
}

// After a connection change and a toggle from online: the toggle's three
// events, in order, and nothing for the connection (a version-1 side).
void expect_only_the_state_change(MonitorClient& client) {
    for (const char* kind : {"change_start", "change", "change_done"}) {
        const std::string line = client.next_line();
        CHECK_MESSAGE(has(line, std::string("\"kind\":\"") + kind + "\",\"old_state\":\"online\""), line);
    }
    CHECK(client.next_line(500ms) == "");
}

}  // namespace

TEST_CASE("bridge connection across processes: the mode sequence and account changes reach a client process in "
          "order, once each") {
    for (const std::string delivery : {"queued", "inline"}) {
        CAPTURE(delivery);
        Watchdog dog("connection across processes", 90s);
        TempDir dir;
        Host host(dir.endpoint(), {"--delivery", delivery});
        MonitorClient client(dir.endpoint());
        CHECK(has(client.session_line(), "\"provider\":\"bridge\""));
        // Version 2: the snapshot after the facts.
        const std::string snapshot = client.next_line();
        CHECK(has(snapshot, "\"type\":\"connection\",\"mode\":\"cached_connected_full\""));
        CHECK(has(snapshot, "\"smtp_address\":\"" OLSTATE_SIM_DEFAULT_ACCOUNT "\""));

        for (const char* change : {"mode 400", "mode 700", "mode 800", "add-account second@example.com",
                                   "remove-account second@example.com"})
            REQUIRE(host.command(change) == "ok");
        const std::string expected[] = {
            event_of("connection", "cached_connected_full", "cached_disconnected"),
            event_of("connection", "cached_disconnected", "cached_connected_full"),
            event_of("connection", "cached_connected_full", "online"),
            event_of("account", "none", "cached_connected_full"),  // added
            event_of("account", "cached_connected_full", "none"),  // removed
        };
        for (const std::string& e : expected) {
            const std::string line = client.next_line();
            CHECK_MESSAGE(has(line, e), "expected " << e << "\n     got " << line);
            CHECK(has(line, "\"dropped\":false"));
        }
        // Exactly once each: nothing follows.
        CHECK(client.next_line(500ms) == "");
    }
}

TEST_CASE("bridge connection across processes: a version-1 client process of a version-2 host") {
    Watchdog dog("v1 client, v2 host", 60s);
    TempDir dir;
    Host host(dir.endpoint());
    MonitorClient client(dir.endpoint(), "1");
    REQUIRE(host.command("mode 400") == "ok");
    host.toggle();
    // No connection line, no connection event.
    expect_only_the_state_change(client);
}

TEST_CASE("bridge connection across processes: a version-2 client process of a version-1 host") {
    Watchdog dog("v2 client, v1 host", 60s);
    TempDir dir;
    Host host(dir.endpoint(), {"--protocol-max", "1"});
    MonitorClient client(dir.endpoint());
    REQUIRE(host.command("mode 400") == "ok");
    REQUIRE(host.command("add-account second@example.com") == "ok");
    host.toggle();
    expect_only_the_state_change(client);
}
