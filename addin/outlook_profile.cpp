#include "outlook_profile.h"

#include <windows.h>

#include <oleauto.h>

namespace olstate::addin {
namespace {

// A VARIANT cleared on destruction (releases an IDispatch, frees a BSTR).
struct Variant {
    VARIANT v;
    Variant() noexcept { VariantInit(&v); }
    ~Variant() { VariantClear(&v); }
    Variant(const Variant&) = delete;
    Variant& operator=(const Variant&) = delete;
};

// object.name as a property get.
bool get_property(IDispatch* object, const wchar_t* name, Variant& out) noexcept {
    DISPID id = DISPID_UNKNOWN;
    LPOLESTR names[] = {const_cast<LPOLESTR>(name)};
    if (FAILED(object->GetIDsOfNames(IID_NULL, names, 1, LOCALE_USER_DEFAULT, &id))) return false;
    DISPPARAMS no_arguments{nullptr, nullptr, 0, 0};
    return SUCCEEDED(object->Invoke(id, IID_NULL, LOCALE_USER_DEFAULT, DISPATCH_PROPERTYGET, &no_arguments, &out.v,
                                    nullptr, nullptr));
}

}  // namespace

std::optional<std::string> current_profile_name(IDispatch* application) noexcept {
    try {
        if (!application) return std::nullopt;
        Variant session;
        if (!get_property(application, L"Session", session) || session.v.vt != VT_DISPATCH || !session.v.pdispVal)
            return std::nullopt;
        Variant name;
        if (!get_property(session.v.pdispVal, L"CurrentProfileName", name) || name.v.vt != VT_BSTR ||
            !name.v.bstrVal || SysStringLen(name.v.bstrVal) == 0)
            return std::nullopt;
        const int wide = static_cast<int>(SysStringLen(name.v.bstrVal));
        const int n = WideCharToMultiByte(CP_UTF8, 0, name.v.bstrVal, wide, nullptr, 0, nullptr, nullptr);
        if (n <= 0) return std::nullopt;
        std::string out(static_cast<std::size_t>(n), '\0');
        WideCharToMultiByte(CP_UTF8, 0, name.v.bstrVal, wide, out.data(), n, nullptr, nullptr);
        return out;
    } catch (...) {
        return std::nullopt;
    }
}

}  // namespace olstate::addin
