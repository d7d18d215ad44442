// A process that exits with sessions still open must neither hang nor
// crash: no joins or locks in static destructors. Exits 0 from main while
// events are in flight.
#include <olstate.h>
#include <olstate_sim.h>

#include <cstdio>

namespace {
void OLSTATE_CALL ignore(const olstate_event*, void*) {}
}  // namespace

int main() {
    olstate_session* queued = nullptr;
    olstate_session* inline_session = nullptr;
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = OLSTATE_PROVIDER_SIMULATOR;
    o.profile = "exit-test";
    if (olstate_open_ex(&o, &queued) != OLSTATE_OK) return 1;
    o.delivery = OLSTATE_DELIVERY_INLINE;
    if (olstate_open_ex(&o, &inline_session) != OLSTATE_OK) return 1;
    olstate_subscription t = 0;
    olstate_subscribe(queued, ignore, nullptr, nullptr, &t);
    olstate_subscribe(inline_session, ignore, nullptr, nullptr, &t);
    olstate_sim_send_raw("exit-test", 2, 3, 2, 1, 0, 500);  // still being delivered at exit
    olstate_set_state(queued, OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT);
    std::puts("exiting with two live sessions");
    return 0;
}
