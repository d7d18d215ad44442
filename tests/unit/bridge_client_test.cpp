// The bridge client as a provider, without a host: what a session (or a
// careless caller) gets from it before any host answers.
#include <doctest/doctest.h>

#include <olstate.h>

#include <string>

#include <unistd.h>

#include "base/failure.h"
#include "provider/bridge_client/client.h"

using namespace olstate;

namespace {

std::string unserved_endpoint() {
    return "/tmp/olstate-no-host-" + std::to_string(::getpid()) + "/bridge.sock";
}

struct NullReceiver final : provider::EventReceiver {
    void on_event(const provider::Event&) noexcept override {}
};

}  // namespace

TEST_CASE("bridge client: without reconnect, nobody serving is PROVIDER_NOT_FOUND") {
    try {
        bridge::open_bridge_provider(unserved_endpoint(), /*reconnect=*/false, "");
        FAIL("opened without a host");
    } catch (const Failure& f) {
        CHECK(f.result() == OLSTATE_E_PROVIDER_NOT_FOUND);
        CHECK(std::string(f.what()).find(unserved_endpoint()) != std::string::npos);
    }
}

TEST_CASE("bridge client: with reconnect it waits for a host, offering both capabilities and no profile") {
    const auto p = bridge::open_bridge_provider(unserved_endpoint(), /*reconnect=*/true, "Outlook");
    CHECK(p->kind() == OLSTATE_PROVIDER_BRIDGE);
    CHECK(p->path() == unserved_endpoint());
    CHECK(p->capabilities() == (OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_ONLINE));
    CHECK(p->profile().empty());  // nothing served yet

    std::uint32_t state = 99;
    const provider::Status got = p->get_state(state);
    CHECK(got.result == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(got.message.find("not connected") != std::string::npos);
    CHECK(state == 99);  // untouched on failure
    const provider::Status set = p->set_state(OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT);
    CHECK(set.result == OLSTATE_E_PROVIDER_NOT_FOUND);

    // One receiver at a time, held weakly: advising a receiver that is gone
    // by the time an event comes is harmless.
    auto receiver = std::make_shared<NullReceiver>();
    CHECK(p->advise(receiver).ok());
    p->unadvise();
    CHECK(p->advise(receiver).ok());
    receiver.reset();
    p->unadvise();
    p->unadvise();  // twice is harmless
}
