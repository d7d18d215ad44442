// The no-add-in fallback provider (OLSTATE_PROVIDER_OBJECT_MODEL) under Wine,
// following a fake Outlook.Application (fake_outlook.h) registered in the
// running object table: the mode and accounts it reads, each change once and
// in order, Outlook leaving (RevokeActiveObject: LOST) and coming back
// (BACK), no guarded property read, read-only; AUTO falling back to it when
// no bridge runs and preferring the bridge when one does.
//
// The fake is served from this process (a multithreaded apartment the
// provider's poll thread shares); object_model_cross_process.cpp serves it
// from another process. What both leave unproven: docs/windows.md.
#include <objbase.h>
#include <oleauto.h>
#include <windows.h>

#include <olstate.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fake_outlook.h"
#include "fallback_test.h"

namespace {

using namespace fallbacktest;

// The fake Outlook in the running object table, as Outlook registers itself.
class Registration {
public:
    explicit Registration(IDispatch* application) {
        const HRESULT hr = RegisterActiveObject(application, fakeoutlook::kApplicationClsid, ACTIVEOBJECT_STRONG,
                                                &cookie_);
        if (FAILED(hr)) std::printf("FAIL: RegisterActiveObject: 0x%08lx\n", static_cast<unsigned long>(hr));
        registered_ = SUCCEEDED(hr);
    }
    ~Registration() { revoke(); }
    void revoke() {
        if (registered_) RevokeActiveObject(cookie_, nullptr);
        registered_ = false;
    }
    bool ok() const { return registered_; }

private:
    DWORD cookie_ = 0;
    bool registered_ = false;
};

void follows_outlook(const std::shared_ptr<fakeoutlook::World>& world, IDispatch* application) {
    std::printf("== the provider follows the fake Outlook\n");
    Registration registration(application);
    EXPECT(registration.ok());

    olstate_open_options o = object_model_options(OLSTATE_PROVIDER_OBJECT_MODEL, OLSTATE_OPEN_RECONNECT);
    olstate_session* s = nullptr;
    if (olstate_open_ex(&o, &s) != OLSTATE_OK) {
        std::printf("FAIL: open OBJECT_MODEL: %s\n", olstate_last_error_message());
        ++failures;
        return;
    }
    EXPECT(provider_of(s) == OLSTATE_PROVIDER_OBJECT_MODEL);
    std::uint32_t mode = 0, state = 0, caps = 0;
    EXPECT(olstate_get_connection_mode(s, &mode) == OLSTATE_OK && mode == OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
    EXPECT(olstate_get_state(s, &state) == OLSTATE_OK && state == OLSTATE_ONLINE);
    EXPECT(olstate_capabilities(s, &caps) == OLSTATE_OK && (caps & OLSTATE_CAPABILITY_CONNECTION_MODE));
    olstate_account accounts[4]{};
    accounts[0].struct_size = sizeof accounts[0];
    std::uint32_t count = 0;
    EXPECT(olstate_get_accounts(s, accounts, 4, &count) == OLSTATE_OK && count == 1);
    EXPECT(std::string(accounts[0].display_name) == "Work");
    EXPECT(accounts[0].smtp_address[0] == '\0');  // guarded from outside: never read
    EXPECT(olstate_set_state(s, OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT) == OLSTATE_E_NOT_SUPPORTED);

    Recorder recorder;
    olstate_subscription sub = 0;
    EXPECT(olstate_subscribe(s, &Recorder::on_event, &recorder, nullptr, &sub) == OLSTATE_OK);

    // The network goes: olCachedConnectedFull -> olCachedDisconnected.
    {
        std::lock_guard lock(world->mutex);
        world->mode = 400;
        world->accounts[0].mode = 400;
    }
    recorder.wait_for(2);
    // A second account appears.
    {
        std::lock_guard lock(world->mutex);
        world->accounts.push_back(fakeoutlook::FakeAccount{L"Home", 1, 0});
    }
    recorder.wait_for(3);
    // Work Offline: Session.Offline true.
    {
        std::lock_guard lock(world->mutex);
        world->mode = 200;
        world->accounts[0].mode = 200;
        world->offline = true;
    }
    recorder.wait_for(8);
    // Outlook exits (leaves the running object table), then starts again,
    // back online and connected.
    registration.revoke();
    recorder.wait_for(9);
    EXPECT(olstate_get_state(s, &state) == OLSTATE_E_PROVIDER_NOT_FOUND);
    {
        std::lock_guard lock(world->mutex);
        world->mode = 700;
        world->accounts[0].mode = 700;
        world->offline = false;
    }
    Registration again(application);
    recorder.wait_for(12);
    Sleep(1000);  // ten more polls: nothing may come twice
    const std::vector<Seen> e = recorder.wait_for(12);
    for (const Seen& x : e) std::printf("  event 0x%x %u -> %u\n", x.kind, x.old_state, x.new_state);
    EXPECT(e.size() == 12);
    if (e.size() == 12) {
        EXPECT(is(e[0], OLSTATE_EVENT_CONNECTION_CHANGED, 700, 400));
        EXPECT(is(e[1], OLSTATE_EVENT_ACCOUNT_CHANGED, 700, 400));
        EXPECT(is(e[2], OLSTATE_EVENT_ACCOUNT_CHANGED, OLSTATE_CONNECTION_UNKNOWN, 0));
        EXPECT(is(e[3], OLSTATE_EVENT_CONNECTION_CHANGED, 400, 200));
        EXPECT(is(e[4], OLSTATE_EVENT_ACCOUNT_CHANGED, 400, 200));
        EXPECT(is(e[5], OLSTATE_EVENT_CHANGE_START, OLSTATE_ONLINE, OLSTATE_OFFLINE));
        EXPECT(is(e[6], OLSTATE_EVENT_CHANGE, OLSTATE_ONLINE, OLSTATE_OFFLINE));
        EXPECT(is(e[7], OLSTATE_EVENT_CHANGE_DONE, OLSTATE_ONLINE, OLSTATE_OFFLINE));
        EXPECT(is(e[8], OLSTATE_EVENT_PROVIDER_LOST, OLSTATE_OFFLINE, OLSTATE_OFFLINE));
        EXPECT(is(e[9], OLSTATE_EVENT_PROVIDER_BACK, OLSTATE_OFFLINE, OLSTATE_ONLINE));
        EXPECT(is(e[10], OLSTATE_EVENT_CONNECTION_CHANGED, 200, 700));
        EXPECT(is(e[11], OLSTATE_EVENT_ACCOUNT_CHANGED, 200, 700));
    }
    EXPECT(olstate_get_connection_mode(s, &mode) == OLSTATE_OK && mode == OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
    EXPECT(world->guarded_reads.load() == 0);
    EXPECT(olstate_close(s) == OLSTATE_OK);
}

void auto_order(const std::shared_ptr<fakeoutlook::World>& world, IDispatch* application) {
    (void)world;
    std::printf("== AUTO: the bridge first, the object model when no bridge runs\n");
    olstate_session* s = nullptr;
    // No Outlook, no bridge: PROVIDER_NOT_FOUND naming both.
    olstate_open_options o = object_model_options(OLSTATE_PROVIDER_AUTO, 0);
    EXPECT(olstate_open_ex(&o, &s) == OLSTATE_E_PROVIDER_NOT_FOUND);
    EXPECT(std::string(olstate_last_error_message()).find("neither") != std::string::npos);

    Registration registration(application);
    EXPECT(olstate_open_ex(&o, &s) == OLSTATE_OK);
    EXPECT(provider_of(s) == OLSTATE_PROVIDER_OBJECT_MODEL);
    olstate_close(s);
    s = nullptr;
    // Switched off: the bridge alone.
    o.flags = OLSTATE_OPEN_NO_FALLBACK;
    EXPECT(olstate_open_ex(&o, &s) == OLSTATE_E_PROVIDER_NOT_FOUND);
    o.flags = 0;

    // A bridge on the user's default endpoint (serving the simulator): AUTO
    // prefers it.
    olstate_open_options sim = OLSTATE_OPEN_OPTIONS_INIT;
    sim.provider = OLSTATE_PROVIDER_SIMULATOR;
    olstate_session* served = nullptr;
    EXPECT(olstate_open_ex(&sim, &served) == OLSTATE_OK);
    olstate_bridge_options bo;
    olstate_bridge_options_init(&bo);
    olstate_bridge* bridge = nullptr;
    EXPECT(served && olstate_bridge_start(served, &bo, &bridge) == OLSTATE_OK);
    EXPECT(olstate_open_ex(&o, &s) == OLSTATE_OK);
    EXPECT(provider_of(s) == OLSTATE_PROVIDER_BRIDGE);
    olstate_close(s);
    if (bridge) olstate_bridge_stop(bridge);
    olstate_close(served);
}

}  // namespace

int wmain() {
    // A multithreaded apartment: the fake is free-threaded and the provider's
    // poll thread (an MTA of its own) calls it directly.
    if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) {
        std::printf("FAIL: CoInitializeEx\n");
        return 1;
    }
    if (!fakeoutlook::register_progid()) {
        std::printf("FAIL: cannot register the Outlook.Application ProgID\n");
        return 1;
    }
    auto world = std::make_shared<fakeoutlook::World>();
    world->accounts.push_back(fakeoutlook::FakeAccount{L"Work", 0, 700});
    IDispatch* application = fakeoutlook::make_application(world);
    auto_order(world, application);
    follows_outlook(world, application);
    application->Release();
    CoUninitialize();
    std::printf(failures ? "FAILED: %d\n" : "OK\n", failures);
    return failures ? 1 : 0;
}
