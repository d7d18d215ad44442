// The bridge client's offline object at the COM level, as a session (or a
// careless caller) could drive it: every argument the session never passes
// still gets a defined HRESULT, never a crash. The object is opened with
// reconnect on an endpoint nobody serves, so it exists without a host.
#include <doctest/doctest.h>

#include <olstate.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include <unistd.h>

#include "provider/bridge_client/client.h"
#include "bridge/client_error.h"
#include "com/com_ptr.h"
#include "com/olstate_private.h"
#include "plain_notify_sink.h"

using namespace olstate;
using namespace olstate::com;

namespace {

std::string unserved_endpoint() {
    return "/tmp/olstate-no-host-" + std::to_string(::getpid()) + "/bridge.sock";
}

ComPtr<IMAPIOfflineMgr> open_unconnected() {
    IMAPIOfflineMgr* raw = nullptr;
    REQUIRE(bridge::open_bridge_offline_obj(unserved_endpoint(), /*reconnect=*/true, 0, nullptr,
                                            &GUID_GlobalState, nullptr, &raw) == S_OK_);
    REQUIRE(raw != nullptr);
    return ComPtr<IMAPIOfflineMgr>::adopt(raw);
}

// A sink that answers no interface at all.
struct MuteSink final : IMAPIOfflineNotify {
    HRESULT OLSTATE_COM_CALL QueryInterface(const Guid&, void** out) override {
        if (out) *out = nullptr;
        return E_NOINTERFACE_;
    }
    ULONG OLSTATE_COM_CALL AddRef() override { return 2; }
    ULONG OLSTATE_COM_CALL Release() override { return 1; }
    void OLSTATE_COM_CALL Notify(const MAPIOFFLINE_NOTIFY*) override {}
};

// A sink that only knows IMAPIOfflineNotify (no LOST/BACK extension).
using PlainSink = test_support::PlainNotifySink;
const auto advise_info = [](IMAPIOfflineNotify* sink) { return test_support::make_advise_info(sink); };

}  // namespace

TEST_CASE("bridge offline object: the factory refuses what HrOpenOfflineObj would") {
    CHECK(bridge::open_bridge_offline_obj(unserved_endpoint(), true, 0, nullptr, &GUID_GlobalState,
                                          nullptr, nullptr) == E_INVALIDARG_);
    IMAPIOfflineMgr* raw = reinterpret_cast<IMAPIOfflineMgr*>(0x1);
    CHECK(bridge::open_bridge_offline_obj(unserved_endpoint(), true, 0, nullptr, &IID_IMAPIOffline,
                                          nullptr, &raw) == E_INVALIDARG_);
    CHECK(raw == nullptr);  // cleared before the refusal
    // Without reconnect, nobody serving is PROVIDER_NOT_FOUND, recorded.
    const HRESULT hr = bridge::open_bridge_offline_obj(unserved_endpoint(), false, 0, nullptr,
                                                       &GUID_GlobalState, nullptr, &raw);
    CHECK(hr == OLSTATE_HR_BRIDGE);
    CHECK(raw == nullptr);
    const auto failure = bridge::take_failure(hr, "open");
    REQUIRE(failure);
    CHECK(failure->result() == OLSTATE_E_PROVIDER_NOT_FOUND);
}

TEST_CASE("bridge offline object: interfaces, placeholders and arguments") {
    const auto mgr = open_unconnected();

    CHECK(mgr->QueryInterface(IID_IMAPIOffline, nullptr) == E_POINTER_);
    void* out = reinterpret_cast<void*>(0x1);
    CHECK(mgr->QueryInterface(IID_IMAPIOfflineNotify, &out) == E_NOINTERFACE_);
    CHECK(out == nullptr);
    ComPtr<IOlstateBridgeInfo> info;
    REQUIRE(mgr->QueryInterface(IID_IOlstateBridgeInfo, reinterpret_cast<void**>(info.put())) == S_OK_);

    // Outlook's reserved slots: never meant to be called, answered anyway.
    CHECK(mgr->Placeholder1(nullptr) == E_NOTIMPL_);
    CHECK(mgr->Placeholder2(nullptr) == E_NOTIMPL_);
    CHECK(mgr->Placeholder3(nullptr) == E_NOTIMPL_);
    CHECK(mgr->Placeholder4(nullptr) == E_NOTIMPL_);
    CHECK(mgr->Placeholder5(nullptr) == E_NOTIMPL_);
    CHECK(mgr->Placeholder6(nullptr) == E_NOTIMPL_);
    CHECK(mgr->Placeholder7(nullptr) == E_NOTIMPL_);
    CHECK(mgr->Placeholder8(nullptr) == E_NOTIMPL_);

    CHECK(mgr->GetCapabilities(nullptr) == E_INVALIDARG_);
    ULONG caps = 0;
    REQUIRE(mgr->GetCapabilities(&caps) == S_OK_);
    CHECK(caps == (MAPIOFFLINE_CAPABILITY_OFFLINE | MAPIOFFLINE_CAPABILITY_ONLINE));  // no host yet
    CHECK(mgr->GetCurrentState(nullptr) == E_INVALIDARG_);
    ULONG state = 0;
    const HRESULT gs = mgr->GetCurrentState(&state);
    CHECK(gs == OLSTATE_HR_BRIDGE);
    const auto lost = bridge::take_failure(gs, "GetCurrentState");
    REQUIRE(lost);
    CHECK(lost->result() == OLSTATE_E_PROVIDER_NOT_FOUND);

    CHECK(mgr->SetCurrentState(MAPIOFFLINE_FLAG_DEFAULT, MAPIOFFLINE_STATE_ALL, MAPIOFFLINE_STATE_ONLINE,
                               nullptr) == E_INVALIDARG_);  // wrong mask
    CHECK(mgr->SetCurrentState(7, MAPIOFFLINE_STATE_OFFLINE_MASK, MAPIOFFLINE_STATE_ONLINE, nullptr) ==
          E_INVALIDARG_);  // unknown flags

    CHECK(info->GetServedProfile(nullptr, 0, nullptr) == E_INVALIDARG_);
    ULONG needed = 99;
    CHECK(info->GetServedProfile(nullptr, 0, &needed) == S_OK_);
    CHECK(needed == 0);  // nothing served yet
}

TEST_CASE("bridge offline object: Advise and Unadvise keep one sink and check their arguments") {
    const auto mgr = open_unconnected();
    ULONG token = 0;
    PlainSink sink;
    auto info = advise_info(&sink);

    CHECK(mgr->Advise(0, nullptr, &token) == E_INVALIDARG_);
    CHECK(mgr->Advise(0, &info, nullptr) == E_INVALIDARG_);
    auto small = info;
    small.ulSize = sizeof small - 4;
    CHECK(mgr->Advise(0, &small, &token) == E_INVALIDARG_);
    auto wrong_type = info;
    wrong_type.CallbackType = static_cast<decltype(info.CallbackType)>(7);
    CHECK(mgr->Advise(0, &wrong_type, &token) == E_INVALIDARG_);
    auto no_sink = info;
    no_sink.pCallback = nullptr;
    CHECK(mgr->Advise(0, &no_sink, &token) == E_INVALIDARG_);

    // A sink that is not an IMAPIOfflineNotify after all: its answer comes
    // back, and the object is still free for a proper sink.
    MuteSink mute;
    auto mute_info = advise_info(&mute);
    CHECK(mgr->Advise(0, &mute_info, &token) == E_NOINTERFACE_);

    // A plain sink (no LOST/BACK extension) is accepted; a second is not.
    REQUIRE(mgr->Advise(0, &info, &token) == S_OK_);
    CHECK(sink.refs > 1);  // held while advised
    ULONG second = 0;
    CHECK(mgr->Advise(0, &info, &second) == E_UNEXPECTED_);

    CHECK(mgr->Unadvise(0, token + 1) == E_INVALIDARG_);
    CHECK(mgr->Unadvise(0, token) == S_OK_);
    CHECK(mgr->Unadvise(0, token) == E_INVALIDARG_);  // once only
    CHECK(sink.refs == 1);  // released on Unadvise
}
