#include "hresult_names.h"

#include <cstdio>

namespace olstate::com {

const char* hresult_name(HRESULT hr) noexcept {
    switch (hr) {
        case S_OK_: return "S_OK";
        case E_NOTIMPL_: return "E_NOTIMPL";
        case E_NOINTERFACE_: return "E_NOINTERFACE";
        case E_POINTER_: return "E_POINTER";
        case E_FAIL_: return "E_FAIL";
        case E_PENDING_: return "E_PENDING";
        case E_UNEXPECTED_: return "E_UNEXPECTED";
        case E_INVALIDARG_: return "E_INVALIDARG";
        case E_OUTOFMEMORY_: return "E_OUTOFMEMORY";
        case MAPI_E_NO_SUPPORT_: return "MAPI_E_NO_SUPPORT";
        case MAPI_E_NOT_FOUND_: return "MAPI_E_NOT_FOUND";
        default: return nullptr;
    }
}

std::string describe_hresult(HRESULT hr) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(hr));
    if (const char* name = hresult_name(hr)) return std::string(name) + " (" + hex + ")";
    return std::string("HRESULT ") + hex;
}

}  // namespace olstate::com
