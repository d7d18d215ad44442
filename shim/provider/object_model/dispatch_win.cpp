#include "dispatch_win.h"

#include <oleauto.h>

#include "base/utf.h"

namespace olstate::provider::object_model {

namespace {

// EXCEPINFO's strings freed on destruction.
struct ExceptionInfo {
    EXCEPINFO info{};
    ~ExceptionInfo() {
        SysFreeString(info.bstrSource);
        SysFreeString(info.bstrDescription);
        SysFreeString(info.bstrHelpFile);
    }
};

}  // namespace

std::optional<std::int64_t> Variant::as_integer() const noexcept {
    VARIANT converted;
    VariantInit(&converted);
    if (FAILED(VariantChangeType(&converted, const_cast<VARIANT*>(&v_), 0, VT_I8))) return std::nullopt;
    return converted.llVal;  // VT_I8 owns nothing: no VariantClear needed
}

std::optional<bool> Variant::as_bool() const noexcept {
    VARIANT converted;
    VariantInit(&converted);
    if (FAILED(VariantChangeType(&converted, const_cast<VARIANT*>(&v_), 0, VT_BOOL))) return std::nullopt;
    return converted.boolVal != VARIANT_FALSE;
}

std::optional<std::string> Variant::as_utf8() const {
    if (v_.vt != VT_BSTR) return std::nullopt;
    if (!v_.bstrVal) return std::string();  // a null BSTR is the empty string
    return text::utf16_to_utf8(
        std::u16string_view(reinterpret_cast<const char16_t*>(v_.bstrVal), SysStringLen(v_.bstrVal)));
}

IDispatch* Variant::as_dispatch() const noexcept { return v_.vt == VT_DISPATCH ? v_.pdispVal : nullptr; }

HRESULT get_property(IDispatch* object, const wchar_t* name, Variant& out, std::optional<long> index) noexcept {
    if (!object) return E_POINTER;
    DISPID id = DISPID_UNKNOWN;
    LPOLESTR names[] = {const_cast<LPOLESTR>(name)};
    const HRESULT named = object->GetIDsOfNames(IID_NULL, names, 1, LOCALE_USER_DEFAULT, &id);
    if (FAILED(named)) return named;
    VARIANT argument;
    VariantInit(&argument);
    DISPPARAMS parameters{nullptr, nullptr, 0, 0};
    if (index) {
        argument.vt = VT_I4;
        argument.lVal = *index;
        parameters.rgvarg = &argument;
        parameters.cArgs = 1;
    }
    ExceptionInfo exception;
    // Item(i) is a method in Outlook's type library and a default property
    // to some callers: ask for either, as VBA does.
    const WORD how = index ? static_cast<WORD>(DISPATCH_METHOD | DISPATCH_PROPERTYGET) : DISPATCH_PROPERTYGET;
    const HRESULT hr = object->Invoke(id, IID_NULL, LOCALE_USER_DEFAULT, how, &parameters, out.put(),
                                      &exception.info, nullptr);
    if (hr == DISP_E_EXCEPTION && FAILED(exception.info.scode)) return exception.info.scode;
    return hr;
}

}  // namespace olstate::provider::object_model
