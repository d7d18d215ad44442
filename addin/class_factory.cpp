#include "class_factory.h"

#include <new>

#include "connect.h"
#include "module.h"

namespace olstate::addin {
namespace {

class ClassFactory final : public IClassFactory {
public:
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID iid, void** out) noexcept override {
        if (!out) return E_POINTER;
        if (IsEqualIID(iid, IID_IUnknown) || IsEqualIID(iid, IID_IClassFactory)) {
            *out = static_cast<IClassFactory*>(this);
            AddRef();
            return S_OK;
        }
        *out = nullptr;
        return E_NOINTERFACE;
    }
    // A static object: references only keep the module loaded.
    ULONG STDMETHODCALLTYPE AddRef() noexcept override {
        module::object_created();
        return 2;
    }
    ULONG STDMETHODCALLTYPE Release() noexcept override {
        module::object_destroyed();
        return 1;
    }

    HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown* outer, REFIID iid, void** out) noexcept override {
        if (!out) return E_POINTER;
        *out = nullptr;
        if (outer) return CLASS_E_NOAGGREGATION;
        return create_connect(iid, out);
    }
    HRESULT STDMETHODCALLTYPE LockServer(BOOL lock) noexcept override {
        if (lock) module::lock();
        else module::unlock();
        return S_OK;
    }
};

// Trivially destructible: nothing of it runs at process exit.
ClassFactory factory;

}  // namespace

IClassFactory& class_factory() noexcept { return factory; }

}  // namespace olstate::addin
