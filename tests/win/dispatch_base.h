// The half of IDispatch every fake object model in these tests shares:
// IUnknown (IDispatch and IUnknown only, reference counted, deleted at
// zero) and no type information (olstate binds late, by name). A fake
// derives from it and implements GetIDsOfNames and Invoke.
#pragma once

#include <oleauto.h>
#include <windows.h>

#include <atomic>

namespace wintest {

class DispatchBase : public IDispatch {
public:
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID iid, void** out) override {
        if (IsEqualIID(iid, IID_IUnknown) || IsEqualIID(iid, IID_IDispatch)) {
            *out = static_cast<IDispatch*>(this);
            AddRef();
            return S_OK;
        }
        *out = nullptr;
        return E_NOINTERFACE;
    }
    ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }
    ULONG STDMETHODCALLTYPE Release() override {
        const ULONG left = --refs_;
        if (left == 0) delete this;
        return left;
    }
    HRESULT STDMETHODCALLTYPE GetTypeInfoCount(UINT* n) override {
        *n = 0;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetTypeInfo(UINT, LCID, ITypeInfo**) override { return E_NOTIMPL; }
    ULONG refs() const { return refs_; }

protected:
    DispatchBase() = default;
    virtual ~DispatchBase() = default;  // Release deletes the fake through this

private:
    std::atomic<ULONG> refs_{1};
};

}  // namespace wintest
