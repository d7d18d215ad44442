#include "connect.h"

#include <atomic>
#include <new>

#include "../shim/com/com_ptr.h"
#include "bridge_service.h"
#include "extensibility.h"
#include "module.h"
#include "outlook_profile.h"

namespace olstate::addin {
namespace {

class Connect final : public IDTExtensibility2 {
public:
    Connect() noexcept { module::object_created(); }
    ~Connect() {
        // Outlook released us without a disconnection (it should not, but a
        // host may): stop here, while the process is alive and joins are safe.
        forget_application();
        service_.stop();
        module::object_destroyed();
    }
    Connect(const Connect&) = delete;
    Connect& operator=(const Connect&) = delete;

    // IUnknown
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID iid, void** out) noexcept override {
        if (!out) return E_POINTER;
        if (IsEqualIID(iid, IID_IUnknown) || IsEqualIID(iid, IID_IDispatch) ||
            IsEqualIID(iid, IID_IDTExtensibility2)) {
            *out = static_cast<IDTExtensibility2*>(this);
            AddRef();
            return S_OK;
        }
        *out = nullptr;
        return E_NOINTERFACE;
    }
    ULONG STDMETHODCALLTYPE AddRef() noexcept override { return ++refs_; }
    ULONG STDMETHODCALLTYPE Release() noexcept override {
        const ULONG left = --refs_;
        if (left == 0) delete this;  // created by create_connect alone
        return left;
    }

    // IDispatch: Office calls IDTExtensibility2 through its vtable; there is
    // no type library, so late binding finds nothing.
    HRESULT STDMETHODCALLTYPE GetTypeInfoCount(UINT* count) noexcept override {
        if (!count) return E_POINTER;
        *count = 0;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetTypeInfo(UINT, LCID, ITypeInfo** info) noexcept override {
        if (info) *info = nullptr;
        return DISP_E_BADINDEX;
    }
    HRESULT STDMETHODCALLTYPE GetIDsOfNames(REFIID, LPOLESTR*, UINT, LCID, DISPID*) noexcept override {
        return DISP_E_UNKNOWNNAME;
    }
    HRESULT STDMETHODCALLTYPE Invoke(DISPID, REFIID, LCID, WORD, DISPPARAMS*, VARIANT*, EXCEPINFO*,
                                     UINT*) noexcept override {
        return DISP_E_MEMBERNOTFOUND;
    }

    // IDTExtensibility2. Every method answers S_OK: a failing OnConnection
    // makes Office disable the add-in (LoadBehavior 2) until the user
    // re-enables it, which a transient problem (another bridge already
    // running) must not cause. Failures are reported through
    // OutputDebugString instead.
    //
    // Startup the way Microsoft advises: OnConnection at Outlook's startup
    // only keeps the Application object; the session is opened and the
    // bridge started in OnStartupComplete, once Outlook has started. An
    // add-in connected later (ext_cm_AfterStartup: the user enabled it) gets
    // no OnStartupComplete, so it starts in OnConnection. Either way a
    // session that cannot be opened yet is retried from a timer of this
    // (Outlook's main) thread until it opens or Outlook shuts down.
    HRESULT STDMETHODCALLTYPE OnConnection(IDispatch* application, ext_ConnectMode mode, IDispatch*,
                                           SAFEARRAY**) noexcept override {
        if (mode == ext_cm_AfterStartup) {
            start_service(application);
            return S_OK;
        }
        application_ = com::ComPtr<IDispatch>::share(application);
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE OnDisconnection(ext_DisconnectMode, SAFEARRAY**) noexcept override {
        forget_application();
        service_.stop();
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE OnAddInsUpdate(SAFEARRAY**) noexcept override { return S_OK; }
    HRESULT STDMETHODCALLTYPE OnStartupComplete(SAFEARRAY**) noexcept override {
        start_service(application_.get());
        // The add-in keeps no reference of its own; the session keeps one
        // to read the Exchange connection, released when it closes
        // (OnBeginShutdown / OnDisconnection, on this thread).
        forget_application();
        return S_OK;
    }
    // Called only when Outlook's fast shutdown is off; stopping here lets
    // clients see PROVIDER_LOST before Outlook tears MAPI down.
    HRESULT STDMETHODCALLTYPE OnBeginShutdown(SAFEARRAY**) noexcept override {
        forget_application();
        service_.stop();
        return S_OK;
    }

private:
    // The profile Outlook has open, read now (the retries reuse it), and
    // the Application the session reads the Exchange connection from.
    void start_service(IDispatch* application) noexcept {
        service_.start(current_profile_name(application), application);
    }
    void forget_application() noexcept { application_.reset(); }

    std::atomic<ULONG> refs_{1};
    com::ComPtr<IDispatch> application_;  // between OnConnection and OnStartupComplete only
    BridgeService service_;
};

}  // namespace

HRESULT create_connect(REFIID iid, void** out) noexcept {
    auto* object = new (std::nothrow) Connect();
    if (!object) return E_OUTOFMEMORY;
    const HRESULT hr = object->QueryInterface(iid, out);
    object->Release();  // the creation reference; QueryInterface holds its own on success
    return hr;
}

}  // namespace olstate::addin
