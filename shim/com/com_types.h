// Portable COM basics: the few Windows types the Offline State API needs,
// declared so that the same code compiles on Linux and with MinGW.
//
// Windows is LLP64 (ULONG and HRESULT are 32-bit) and its WCHAR is UTF-16;
// on Linux `unsigned long` is 64-bit and wchar_t 32-bit, so the declarations
// here use fixed-width types and char16_t everywhere.
#pragma once

#include <cstdint>
#include <cstring>

// __stdcall on 32-bit Windows (COM's STDMETHODCALLTYPE); nothing elsewhere.
#if defined(_WIN32) && defined(__i386__)
#define OLSTATE_COM_CALL __stdcall
#else
#define OLSTATE_COM_CALL
#endif

namespace olstate::com {

using HRESULT = std::int32_t;
using ULONG = std::uint32_t;

struct Guid {
    std::uint32_t data1;
    std::uint16_t data2;
    std::uint16_t data3;
    std::uint8_t data4[8];
};
static_assert(sizeof(Guid) == 16);

inline bool operator==(const Guid& a, const Guid& b) noexcept {
    return std::memcmp(&a, &b, sizeof(Guid)) == 0;
}

constexpr bool succeeded(HRESULT hr) noexcept { return hr >= 0; }
constexpr bool failed(HRESULT hr) noexcept { return hr < 0; }

// HRESULTs met in this API (values from Microsoft's headers).
constexpr HRESULT S_OK_ = 0;
constexpr HRESULT S_FALSE_ = 1;
constexpr HRESULT E_NOTIMPL_ = static_cast<HRESULT>(0x80004001u);
constexpr HRESULT E_NOINTERFACE_ = static_cast<HRESULT>(0x80004002u);
constexpr HRESULT E_POINTER_ = static_cast<HRESULT>(0x80004003u);
constexpr HRESULT E_FAIL_ = static_cast<HRESULT>(0x80004005u);
constexpr HRESULT E_PENDING_ = static_cast<HRESULT>(0x8000000Au);
constexpr HRESULT E_UNEXPECTED_ = static_cast<HRESULT>(0x8000FFFFu);
constexpr HRESULT E_INVALIDARG_ = static_cast<HRESULT>(0x80070057u);
constexpr HRESULT E_OUTOFMEMORY_ = static_cast<HRESULT>(0x8007000Eu);
constexpr HRESULT MAPI_E_NO_SUPPORT_ = static_cast<HRESULT>(0x80040102u);
constexpr HRESULT MAPI_E_NOT_FOUND_ = static_cast<HRESULT>(0x8004010Fu);

// {00000000-0000-0000-C000-000000000046}
inline constexpr Guid IID_IUnknown_ = {0x00000000, 0x0000, 0x0000,
                                        {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};

// IUnknown's three slots. No virtual destructor: it would add vtable slots
// and break the COM layout.
struct IUnknown {
    virtual HRESULT OLSTATE_COM_CALL QueryInterface(const Guid& iid, void** out) = 0;
    virtual ULONG OLSTATE_COM_CALL AddRef() = 0;
    virtual ULONG OLSTATE_COM_CALL Release() = 0;

protected:
    IUnknown() = default;
    IUnknown(const IUnknown&) = default;
    IUnknown& operator=(const IUnknown&) = default;
    ~IUnknown() = default;
};

}  // namespace olstate::com
