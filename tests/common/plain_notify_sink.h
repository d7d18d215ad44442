// An IMAPIOfflineNotify written the way Microsoft's sample add-in writes one:
// a plain COM object with its own reference count, answering IUnknown and
// IMAPIOfflineNotify and nothing else. It never deletes itself (the tests
// and the bench keep their sinks on the stack and check the count instead).
// The simulator test, the bridge object test and the bench's hand-written
// baseline derive from it and add only what their Notify does.
#pragma once

#include <atomic>

#include "com/mapi_offline.h"

namespace olstate::test_support {

class PlainNotifySink : public com::IMAPIOfflineNotify {
public:
    com::HRESULT OLSTATE_COM_CALL QueryInterface(const com::Guid& iid, void** out) override {
        if (!out) return com::E_POINTER_;
        if (iid == com::IID_IUnknown_ || iid == com::IID_IMAPIOfflineNotify) {
            *out = static_cast<com::IMAPIOfflineNotify*>(this);
            AddRef();
            return com::S_OK_;
        }
        *out = nullptr;
        return com::E_NOINTERFACE_;
    }
    com::ULONG OLSTATE_COM_CALL AddRef() override { return ++refs; }
    com::ULONG OLSTATE_COM_CALL Release() override { return --refs; }
    void OLSTATE_COM_CALL Notify(const com::MAPIOFFLINE_NOTIFY*) override {}

    std::atomic<com::ULONG> refs{1};  // the creator's reference
};

// What a documented client passes to IMAPIOfflineMgr::Advise: notify
// callbacks for state changes, every state.
inline com::MAPIOFFLINE_ADVISEINFO make_advise_info(com::IUnknown* sink, com::ULONG client_token = 0) {
    com::MAPIOFFLINE_ADVISEINFO info{};
    info.ulSize = sizeof info;
    info.ulClientToken = client_token;
    info.CallbackType = com::MAPIOFFLINE_CALLBACK_TYPE_NOTIFY;
    info.pCallback = sink;
    info.ulAdviseTypes = com::MAPIOFFLINE_ADVISE_TYPE_STATECHANGE;
    info.ulStateMask = com::MAPIOFFLINE_STATE_ALL;
    return info;
}

}  // namespace olstate::test_support
