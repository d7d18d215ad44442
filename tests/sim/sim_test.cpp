// The simulator at the COM level, as a client written from Microsoft's
// documentation sees it: a hand-written IMAPIOfflineNotify sink, calls
// through the raw vtable, IUnknown rules, Advise validation, placeholders.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <olstate_sim.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "com/mapi_offline.h"
#include "plain_notify_sink.h"

extern "C" olstate::com::HRESULT OLSTATE_COM_CALL HrOpenOfflineObj(
    olstate::com::ULONG, const char16_t*, const olstate::com::Guid*, const olstate::com::Guid*,
    olstate::com::IMAPIOfflineMgr**);

// Using-declarations (not a using-directive) so these names hide Windows'
// own HRESULT and IUnknown where windows.h is included.
namespace simtest {
using olstate::com::E_INVALIDARG_;
using olstate::com::E_NOINTERFACE_;
using olstate::com::E_NOTIMPL_;
using olstate::com::E_PENDING_;
using olstate::com::E_POINTER_;
using olstate::com::E_FAIL_;
using olstate::com::S_OK_;
using olstate::com::Guid;
using olstate::com::GUID_GlobalState;
using olstate::com::HRESULT;
using olstate::com::IID_IMAPIOffline;
using olstate::com::IID_IMAPIOfflineNotify;
using olstate::com::IID_IUnknown_;
using olstate::com::IMAPIOffline;
using olstate::com::IMAPIOfflineMgr;
using olstate::com::IMAPIOfflineNotify;
using olstate::com::IUnknown;
using olstate::com::MAPIOFFLINE_ADVISEINFO;
using olstate::com::MAPIOFFLINE_ADVISE_TYPE_STATECHANGE;
using olstate::com::MAPIOFFLINE_CALLBACK_TYPE;
using olstate::com::MAPIOFFLINE_CALLBACK_TYPE_NOTIFY;
using olstate::com::MAPIOFFLINE_CAPABILITY_OFFLINE;
using olstate::com::MAPIOFFLINE_CAPABILITY_ONLINE;
using olstate::com::MAPIOFFLINE_FLAG_BLOCK;
using olstate::com::MAPIOFFLINE_NOTIFY;
using olstate::com::MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START;
using olstate::com::MAPIOFFLINE_STATE_ALL;
using olstate::com::MAPIOFFLINE_STATE_OFFLINE;
using olstate::com::MAPIOFFLINE_STATE_OFFLINE_MASK;
using olstate::com::MAPIOFFLINE_STATE_ONLINE;
using olstate::com::ULONG;

namespace {

// What Microsoft's sample add-in does: a plain COM object that records.
class TestSink final : public olstate::test_support::PlainNotifySink {
public:
    void OLSTATE_COM_CALL Notify(const MAPIOFFLINE_NOTIFY* n) override {
        if (!n) {
            ++nulls;
            return;
        }
        std::lock_guard lock(mutex);
        seen.push_back(*n);
    }
    std::atomic<int> nulls{0};
    std::mutex mutex;
    std::vector<MAPIOFFLINE_NOTIFY> seen;
};

// An IUnknown that is not a notify sink.
class NotASink final : public IUnknown {
public:
    HRESULT OLSTATE_COM_CALL QueryInterface(const Guid&, void** out) override {
        *out = nullptr;
        return E_NOINTERFACE_;
    }
    ULONG OLSTATE_COM_CALL AddRef() override { return 2; }
    ULONG OLSTATE_COM_CALL Release() override { return 1; }
};

IMAPIOfflineMgr* open(const char16_t* profile) {
    IMAPIOfflineMgr* mgr = nullptr;
    REQUIRE(HrOpenOfflineObj(0, profile, &GUID_GlobalState, nullptr, &mgr) == S_OK_);
    REQUIRE(mgr != nullptr);
    return mgr;
}

// Every sink here is advised with this client token; Notify must carry it back.
constexpr ULONG kClientToken = 77;
MAPIOFFLINE_ADVISEINFO advise_info(IUnknown* sink) { return olstate::test_support::make_advise_info(sink, kClientToken); }

}  // namespace

TEST_CASE("HrOpenOfflineObj checks its arguments and shares one object per profile") {
    olstate_sim_reset();
    IMAPIOfflineMgr* mgr = nullptr;
    const Guid other = IID_IMAPIOffline;
    CHECK(HrOpenOfflineObj(0, u"sim-a", &other, nullptr, &mgr) == E_INVALIDARG_);
    CHECK(HrOpenOfflineObj(0, u"sim-a", nullptr, nullptr, &mgr) == E_INVALIDARG_);
    CHECK(HrOpenOfflineObj(0, u"sim-a", &GUID_GlobalState, nullptr, nullptr) == E_INVALIDARG_);
    IMAPIOfflineMgr* a = open(u"sim-a");
    IMAPIOfflineMgr* b = open(u"SIM-A");
    IMAPIOfflineMgr* c = open(u"sim-b");
    CHECK(a == b);
    CHECK(a != c);
    CHECK(olstate_sim_outstanding_refs() == 3);
    CHECK(olstate_sim_live_objects() == 2);
    a->Release();
    b->Release();
    c->Release();
    CHECK(olstate_sim_outstanding_refs() == 0);
    CHECK(olstate_sim_live_objects() == 0);
}

TEST_CASE("IUnknown rules and placeholder slots") {
    IMAPIOfflineMgr* mgr = open(u"sim-qi");
    void* out = reinterpret_cast<void*>(1);
    CHECK(mgr->QueryInterface(IID_IMAPIOffline, &out) == S_OK_);
    CHECK(out == static_cast<IMAPIOffline*>(mgr));
    static_cast<IUnknown*>(out)->Release();
    CHECK(mgr->QueryInterface(IID_IUnknown_, &out) == S_OK_);
    static_cast<IUnknown*>(out)->Release();
    CHECK(mgr->QueryInterface(IID_IMAPIOfflineNotify, &out) == E_NOINTERFACE_);
    CHECK(out == nullptr);
    CHECK(mgr->QueryInterface(IID_IMAPIOffline, nullptr) == E_POINTER_);
    CHECK(mgr->Placeholder1(nullptr) == E_NOTIMPL_);
    CHECK(mgr->Placeholder2(nullptr) == E_NOTIMPL_);
    CHECK(mgr->Placeholder8(nullptr) == E_NOTIMPL_);
    mgr->Release();
    CHECK(olstate_sim_outstanding_refs() == 0);
}

TEST_CASE("the documented vtable slots: Advise is slot 7, Unadvise slot 8, 16 slots in all") {
    IMAPIOfflineMgr* mgr = open(u"sim-slots");
    // Call through the raw vtable the way a C client would.
    void** vtable = *reinterpret_cast<void***>(mgr);
    using GetCaps = HRESULT(OLSTATE_COM_CALL*)(IMAPIOfflineMgr*, ULONG*);
    using AdviseFn = HRESULT(OLSTATE_COM_CALL*)(IMAPIOfflineMgr*, ULONG, MAPIOFFLINE_ADVISEINFO*, ULONG*);
    using UnadviseFn = HRESULT(OLSTATE_COM_CALL*)(IMAPIOfflineMgr*, ULONG, ULONG);
    using Placeholder = HRESULT(OLSTATE_COM_CALL*)(IMAPIOfflineMgr*, void*);
    ULONG caps = 0;
    CHECK(reinterpret_cast<GetCaps>(vtable[4])(mgr, &caps) == S_OK_);
    CHECK(caps == (MAPIOFFLINE_CAPABILITY_OFFLINE | MAPIOFFLINE_CAPABILITY_ONLINE));
    TestSink sink;
    auto info = advise_info(&sink);
    ULONG token = 0;
    CHECK(reinterpret_cast<AdviseFn>(vtable[7])(mgr, 0, &info, &token) == S_OK_);
    CHECK(token != 0);
    CHECK(olstate_sim_advised_sinks() == 1);
    CHECK(reinterpret_cast<UnadviseFn>(vtable[8])(mgr, 0, token) == S_OK_);
    CHECK(olstate_sim_advised_sinks() == 0);
    for (int slot : {6, 9, 10, 11, 12, 13, 14, 15})
        CHECK(reinterpret_cast<Placeholder>(vtable[slot])(mgr, nullptr) == E_NOTIMPL_);
    mgr->Release();
}

TEST_CASE("Advise validates as documented, holds the sink until Unadvise") {
    olstate_sim_reset();
    IMAPIOfflineMgr* mgr = open(u"sim-advise");
    TestSink sink;
    ULONG token = 0;
    auto info = advise_info(&sink);
    CHECK(mgr->Advise(1, &info, &token) == E_INVALIDARG_);
    info.ulSize = sizeof info - 1;
    CHECK(mgr->Advise(0, &info, &token) == E_INVALIDARG_);
    info = advise_info(&sink);
    info.ulAdviseTypes = 2;
    CHECK(mgr->Advise(0, &info, &token) == E_INVALIDARG_);
    info = advise_info(&sink);
    info.ulStateMask = MAPIOFFLINE_STATE_OFFLINE_MASK;
    CHECK(mgr->Advise(0, &info, &token) == E_INVALIDARG_);
    info = advise_info(&sink);
    info.CallbackType = static_cast<MAPIOFFLINE_CALLBACK_TYPE>(1);
    CHECK(mgr->Advise(0, &info, &token) == E_INVALIDARG_);
    info = advise_info(nullptr);
    CHECK(mgr->Advise(0, &info, &token) == E_INVALIDARG_);
    NotASink not_a_sink;
    info = advise_info(&not_a_sink);
    CHECK(mgr->Advise(0, &info, &token) == E_NOINTERFACE_);
    CHECK(olstate_sim_advised_sinks() == 0);

    info = advise_info(&sink);
    REQUIRE(mgr->Advise(0, &info, &token) == S_OK_);
    CHECK(sink.refs == 2);  // the simulator holds one
    CHECK(mgr->Unadvise(1, token) == E_INVALIDARG_);
    CHECK(mgr->Unadvise(0, token + 1000) == E_INVALIDARG_);
    CHECK(mgr->Unadvise(0, token) == S_OK_);
    CHECK(sink.refs == 1);
    CHECK(olstate_sim_held_sinks() == 0);
    mgr->Release();
}

TEST_CASE("a change: START, CHANGE, DONE with the client token; E_PENDING; BLOCK; same state") {
    olstate_sim_reset();
    IMAPIOfflineMgr* mgr = open(u"sim-change");
    IMAPIOffline* off = nullptr;
    REQUIRE(mgr->QueryInterface(IID_IMAPIOffline, reinterpret_cast<void**>(&off)) == S_OK_);
    TestSink sink;
    auto info = advise_info(&sink);
    ULONG token = 0;
    REQUIRE(mgr->Advise(0, &info, &token) == S_OK_);

    CHECK(off->SetCurrentState(0, 1, MAPIOFFLINE_STATE_OFFLINE, nullptr) == E_INVALIDARG_);  // mask
    CHECK(off->SetCurrentState(0, 3, 3, nullptr) == E_INVALIDARG_);                         // state
    CHECK(off->SetCurrentState(0x10, 3, 1, nullptr) == E_INVALIDARG_);                      // flags
    int reserved = 0;
    CHECK(off->SetCurrentState(0, 3, 1, &reserved) == E_INVALIDARG_);

    CHECK(off->SetCurrentState(MAPIOFFLINE_FLAG_BLOCK, 3, MAPIOFFLINE_STATE_OFFLINE, nullptr) == S_OK_);
    {
        std::lock_guard lock(sink.mutex);
        REQUIRE(sink.seen.size() == 3);  // BLOCK returns after DONE reached every sink
        for (ULONG i = 0; i < 3; ++i) {
            CHECK(sink.seen[i].ulSize == sizeof(MAPIOFFLINE_NOTIFY));
            CHECK(sink.seen[i].NotifyType == MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START + i);
            CHECK(sink.seen[i].ulClientToken == kClientToken);
            CHECK(sink.seen[i].Info.StateChange.ulMask == MAPIOFFLINE_STATE_OFFLINE_MASK);
            CHECK(sink.seen[i].Info.StateChange.ulStateOld == MAPIOFFLINE_STATE_ONLINE);
            CHECK(sink.seen[i].Info.StateChange.ulStateNew == MAPIOFFLINE_STATE_OFFLINE);
        }
    }
    ULONG state = 0;
    CHECK(off->GetCurrentState(&state) == S_OK_);
    CHECK(state == MAPIOFFLINE_STATE_OFFLINE);
    CHECK(off->SetCurrentState(0, 3, MAPIOFFLINE_STATE_OFFLINE, nullptr) == S_OK_);  // same: nothing sent
    olstate_sim_wait_idle("sim-change");
    CHECK(sink.seen.size() == 3);

    // While an asynchronous change is in flight: E_PENDING.
    olstate_sim_set_delivery("sim-change", OLSTATE_SIM_DELIVERY_POOL, 1);
    olstate_sim_fail_next(OLSTATE_SIM_CALL_GET_STATE, 0, 0);
    CHECK(off->SetCurrentState(0, 3, MAPIOFFLINE_STATE_ONLINE, nullptr) == S_OK_);
    const HRESULT again = off->SetCurrentState(0, 3, MAPIOFFLINE_STATE_OFFLINE, nullptr);
    CHECK((again == E_PENDING_ || again == S_OK_));  // S_OK only if the change already finished
    olstate_sim_wait_idle("sim-change");

    CHECK(mgr->Unadvise(0, token) == S_OK_);
    off->Release();
    mgr->Release();
    CHECK(olstate_sim_outstanding_refs() == 0);
}

TEST_CASE("the user's Work Offline click and controls reach sinks; counters return to zero") {
    olstate_sim_reset();
    IMAPIOfflineMgr* mgr = open(u"sim-user");
    TestSink sink;
    auto info = advise_info(&sink);
    ULONG token = 0;
    REQUIRE(mgr->Advise(0, &info, &token) == S_OK_);
    CHECK(olstate_sim_set_state("sim-user", MAPIOFFLINE_STATE_OFFLINE, 1) == S_OK_);
    CHECK(olstate_sim_send_raw("sim-user", 9, 0x40, 1, 2, 0, 2) == S_OK_);
    CHECK(olstate_sim_send_null("sim-user") == S_OK_);
    olstate_sim_wait_idle("sim-user");
    {
        std::lock_guard lock(sink.mutex);
        CHECK(sink.seen.size() == 3 + 2);
        CHECK(sink.seen[3].NotifyType == 9);  // raw fields are sent as given
        CHECK(sink.seen[3].Info.StateChange.ulMask == 0x40);
    }
    CHECK(sink.nulls == 1);
    uint32_t state = 0;
    CHECK(olstate_sim_get_state("sim-user", &state) == S_OK_);
    CHECK(state == MAPIOFFLINE_STATE_OFFLINE);
    CHECK(olstate_sim_set_state("sim-user", 7, 0) == E_INVALIDARG_);
    CHECK(olstate_sim_fail_next(99, E_FAIL_, 1) == E_INVALIDARG_);
    CHECK(olstate_sim_set_state("bad\xC3", 1, 0) == E_INVALIDARG_);
    olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_LATE_NOTIFY);
    CHECK(mgr->Unadvise(0, token) == S_OK_);
    olstate_sim_wait_idle("sim-user");
    olstate_sim_set_misbehaviour(0);
    CHECK(sink.seen.size() == 3 + 2 + 1);  // one more after Unadvise
    CHECK(olstate_sim_held_sinks() == 0);
    CHECK(sink.refs == 1);
    mgr->Release();
    CHECK(olstate_sim_outstanding_refs() == 0);
}

}  // namespace simtest
