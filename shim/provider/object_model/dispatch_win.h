// Late-bound property reads through IDispatch, with RAII for what they hand
// back (a VARIANT owns its IDispatch or BSTR). Shared by the object-model
// reader and the add-in's profile lookup. Windows only.
#pragma once

#include <oaidl.h>
#include <windows.h>

#include <cstdint>
#include <optional>
#include <string>

namespace olstate::provider::object_model {

// A VARIANT cleared on destruction (releases an IDispatch, frees a BSTR).
class Variant {
public:
    Variant() noexcept { VariantInit(&v_); }
    ~Variant() { VariantClear(&v_); }
    Variant(const Variant&) = delete;
    Variant& operator=(const Variant&) = delete;

    VARIANT* put() noexcept {
        VariantClear(&v_);
        return &v_;
    }
    const VARIANT& get() const noexcept { return v_; }

    // The held value converted (VariantChangeType), or nullopt when it has
    // no such form.
    std::optional<std::int64_t> as_integer() const noexcept;
    std::optional<bool> as_bool() const noexcept;
    // UTF-8; nullopt when it is not text.
    std::optional<std::string> as_utf8() const;
    // The held IDispatch (still owned by this VARIANT), or nullptr.
    IDispatch* as_dispatch() const noexcept;

private:
    VARIANT v_;
};

// object.name (a property get, or with `index` the parameterized
// object.name(index), as Accounts.Item(i)). The HRESULT of the failing step
// (GetIDsOfNames or Invoke; for DISP_E_EXCEPTION the exception's own code
// when it has one).
HRESULT get_property(IDispatch* object, const wchar_t* name, Variant& out,
                     std::optional<long> index = std::nullopt) noexcept;

}  // namespace olstate::provider::object_model
