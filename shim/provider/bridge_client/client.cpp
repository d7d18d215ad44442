#include "client.h"

#include <olstate.h>

#include <atomic>
#include <cstring>
#include <memory>

#include "com/com_ptr.h"
#include "com/olstate_private.h"
#include "base/failure.h"
#include "base/utf.h"
#include "bridge/client_error.h"
#include "client_link.h"

namespace olstate::bridge {

using namespace com;

namespace {

// The offline object. Every method is noexcept in effect: failures become
// OLSTATE_HR_BRIDGE with a recorded detail, never an exception into the
// session's COM calls.
class BridgeOffline final : public IMAPIOfflineMgr, public IOlstateBridgeInfo {
public:
    explicit BridgeOffline(std::shared_ptr<ClientLink> link) noexcept : link_(std::move(link)) {}
    ~BridgeOffline() {
        link_->stop();
        link_->join();
    }
    BridgeOffline(const BridgeOffline&) = delete;
    BridgeOffline& operator=(const BridgeOffline&) = delete;

    HRESULT OLSTATE_COM_CALL QueryInterface(const Guid& iid, void** out) override {
        if (!out) return E_POINTER_;
        if (iid == IID_IUnknown_ || iid == IID_IMAPIOffline || iid == IID_IMAPIOfflineMgr) {
            *out = static_cast<IMAPIOfflineMgr*>(this);
        } else if (iid == IID_IOlstateBridgeInfo) {
            *out = static_cast<IOlstateBridgeInfo*>(this);
        } else {
            *out = nullptr;
            return E_NOINTERFACE_;
        }
        AddRef();
        return S_OK_;
    }
    ULONG OLSTATE_COM_CALL AddRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
    ULONG OLSTATE_COM_CALL Release() override {
        const ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
        if (left == 0) {
            const std::unique_ptr<BridgeOffline> doomed(this);  // allocated by the factory below
        }
        return left;
    }

    HRESULT OLSTATE_COM_CALL SetCurrentState(ULONG ulFlags, ULONG ulMask, ULONG ulState, void*) override {
        if (ulMask != MAPIOFFLINE_STATE_OFFLINE_MASK ||
            (ulState != MAPIOFFLINE_STATE_ONLINE && ulState != MAPIOFFLINE_STATE_OFFLINE) ||
            (ulFlags != MAPIOFFLINE_FLAG_DEFAULT && ulFlags != MAPIOFFLINE_FLAG_BLOCK))
            return E_INVALIDARG_;
        protocol::SetState s;
        s.state = ulState;
        s.flags = ulFlags == MAPIOFFLINE_FLAG_BLOCK ? OLSTATE_SET_BLOCK : OLSTATE_SET_DEFAULT;
        return call(s, nullptr);
    }
    HRESULT OLSTATE_COM_CALL GetCapabilities(ULONG* out) override {
        if (!out) return E_INVALIDARG_;
        // Never reached a host (opened with OLSTATE_OPEN_RECONNECT before one
        // ran): a bridge follows both changes, so offer both; the session
        // caches this at open and subscriptions must work while waiting.
        *out = link_->ever_connected() ? link_->served().capabilities
                                       : (MAPIOFFLINE_CAPABILITY_OFFLINE | MAPIOFFLINE_CAPABILITY_ONLINE);
        return S_OK_;
    }
    HRESULT OLSTATE_COM_CALL GetCurrentState(ULONG* out) override {
        if (!out) return E_INVALIDARG_;
        return call(protocol::GetState{}, out);
    }
    HRESULT OLSTATE_COM_CALL Placeholder1(void*) override { return E_NOTIMPL_; }

    HRESULT OLSTATE_COM_CALL Advise(ULONG, MAPIOFFLINE_ADVISEINFO* info, ULONG* token) override {
        if (!info || !token || !info->pCallback || info->ulSize < sizeof(MAPIOFFLINE_ADVISEINFO) ||
            info->CallbackType != MAPIOFFLINE_CALLBACK_TYPE_NOTIFY)
            return E_INVALIDARG_;
        if (advised_.exchange(true)) return E_UNEXPECTED_;  // one sink per object: the session's
        ComPtr<IMAPIOfflineNotify> sink;
        const HRESULT hr = info->pCallback->QueryInterface(IID_IMAPIOfflineNotify, reinterpret_cast<void**>(sink.put()));
        if (failed(hr) || !sink) {
            advised_ = false;
            return failed(hr) ? hr : E_NOINTERFACE_;
        }
        // Optional: a sink that does not know olstate's extension still gets
        // every state change, just no LOST/BACK.
        ComPtr<IOlstateBridgeNotify> link_sink;
        info->pCallback->QueryInterface(IID_IOlstateBridgeNotify, reinterpret_cast<void**>(link_sink.put()));
        try {
            link_->advise(std::move(sink), std::move(link_sink), info->ulClientToken);
        } catch (...) {
            advised_ = false;
            return E_OUTOFMEMORY_;
        }
        *token = kAdviseToken;
        return S_OK_;
    }
    HRESULT OLSTATE_COM_CALL Unadvise(ULONG, ULONG token) override {
        if (token != kAdviseToken || !advised_.exchange(false)) return E_INVALIDARG_;
        link_->unadvise();
        return S_OK_;
    }
    HRESULT OLSTATE_COM_CALL Placeholder2(void*) override { return E_NOTIMPL_; }
    HRESULT OLSTATE_COM_CALL Placeholder3(void*) override { return E_NOTIMPL_; }
    HRESULT OLSTATE_COM_CALL Placeholder4(void*) override { return E_NOTIMPL_; }
    HRESULT OLSTATE_COM_CALL Placeholder5(void*) override { return E_NOTIMPL_; }
    HRESULT OLSTATE_COM_CALL Placeholder6(void*) override { return E_NOTIMPL_; }
    HRESULT OLSTATE_COM_CALL Placeholder7(void*) override { return E_NOTIMPL_; }
    HRESULT OLSTATE_COM_CALL Placeholder8(void*) override { return E_NOTIMPL_; }

    HRESULT OLSTATE_COM_CALL GetServedProfile(char* buffer, ULONG capacity, ULONG* needed) override {
        if (!needed) return E_INVALIDARG_;
        const std::string profile = link_->ever_connected() ? link_->served().profile : std::string();
        *needed = static_cast<ULONG>(profile.size());
        if (buffer && capacity > profile.size()) std::memcpy(buffer, profile.c_str(), profile.size() + 1);
        return S_OK_;
    }

private:
    static constexpr ULONG kAdviseToken = 1;

    // One request to the host; the reply's failure keeps the host's result,
    // message and HRESULT.
    HRESULT call(protocol::Message request, ULONG* out_state) noexcept {
        try {
            const protocol::Reply reply = link_->request(std::move(request));
            if (reply.result != OLSTATE_OK)
                return record_failure(reply.result, "the bridge host answered: " + reply.message, reply.hresult);
            if (out_state) {
                if (reply.value != MAPIOFFLINE_STATE_ONLINE && reply.value != MAPIOFFLINE_STATE_OFFLINE)
                    return record_failure(OLSTATE_E_PROVIDER_FAILED, "the bridge host sent no state");
                *out_state = reply.value;
            }
            return S_OK_;
        } catch (const Failure& f) {
            return record_failure(f.result(), f.what(), f.hresult());
        } catch (...) {
            return E_OUTOFMEMORY_;
        }
    }

    std::atomic<ULONG> refs_{1};
    std::atomic<bool> advised_{false};
    const std::shared_ptr<ClientLink> link_;
};

}  // namespace

HRESULT open_bridge_offline_obj(const std::string& endpoint, bool reconnect, ULONG, const char16_t* profile,
                                const Guid* guid, const Guid*, IMAPIOfflineMgr** out) noexcept {
    try {
        if (!out) return E_INVALIDARG_;
        *out = nullptr;
        if (guid && !(*guid == GUID_GlobalState)) return E_INVALIDARG_;
        std::u16string wide;
        if (profile) wide = profile;
        auto link = std::make_shared<ClientLink>(endpoint, reconnect, text::utf16_to_utf8(wide));
        try {
            link->connect_now();
        } catch (const Failure& f) {
            // With reconnect, "nobody there yet" is the starting point, not an
            // error; a host that answers and refuses (another profile, full)
            // still fails the open, so a mistake is reported at once.
            if (!reconnect || f.result() != OLSTATE_E_PROVIDER_NOT_FOUND) throw;
        }
        // The object first: should starting the threads fail, its
        // destructor stops and joins whatever did start.
        auto object = std::make_unique<BridgeOffline>(link);
        link->start();
        *out = object.release();  // the COM reference; Release frees it
        return S_OK_;
    } catch (const Failure& f) {
        return record_failure(f.result(), f.what(), f.hresult());
    } catch (...) {
        return record_failure(OLSTATE_E_OUT_OF_MEMORY, "out of memory opening the bridge");
    }
}

}  // namespace olstate::bridge
