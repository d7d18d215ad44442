// A stand-in for Outlook's object model in the add-in test.
#pragma once

#include <oleauto.h>
#include <windows.h>

#include <atomic>
#include <string>

namespace bridgetest {

class FakeObject final : public IDispatch {
public:
    static FakeObject* create(const wchar_t* property, IDispatch* child, const wchar_t* text) {
        return new FakeObject(property, child, text);  // the only place these are made
    }
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
    HRESULT STDMETHODCALLTYPE GetIDsOfNames(REFIID, LPOLESTR* names, UINT count, LCID, DISPID* ids) override {
        if (count != 1 || _wcsicmp(names[0], property_.c_str()) != 0) return DISP_E_UNKNOWNNAME;
        ids[0] = 7;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE Invoke(DISPID id, REFIID, LCID, WORD flags, DISPPARAMS*, VARIANT* result, EXCEPINFO*,
                                     UINT*) override {
        if (id != 7 || !(flags & DISPATCH_PROPERTYGET) || !result) return DISP_E_MEMBERNOTFOUND;
        if (child_) {
            child_->AddRef();
            result->vt = VT_DISPATCH;
            result->pdispVal = child_;
        } else {
            result->vt = VT_BSTR;
            result->bstrVal = SysAllocString(text_.c_str());
        }
        return S_OK;
    }
    ULONG refs() const { return refs_; }

private:
    FakeObject(const wchar_t* property, IDispatch* child, const wchar_t* text)
        : property_(property), child_(child), text_(text) {
        if (child_) child_->AddRef();
    }
    ~FakeObject() {
        if (child_) child_->Release();
    }
    std::atomic<ULONG> refs_{1};
    std::wstring property_;
    IDispatch* child_;
    std::wstring text_;
};

// OnConnection with `application` (null: as if Outlook passed no object
// model, the add-in then serves the default profile).

}  // namespace bridgetest
