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
        default: break;
    }
    // What calls into Outlook's object model (IDispatch, COM calls into
    // another apartment or process) answer; values from winerror.h.
    switch (static_cast<unsigned>(hr)) {
        case 0x80010001u: return "RPC_E_CALL_REJECTED";
        case 0x8001010Au: return "RPC_E_SERVERCALL_RETRYLATER";
        case 0x8001010Eu: return "RPC_E_WRONG_THREAD";
        case 0x80010108u: return "RPC_E_DISCONNECTED";
        case 0x800706BAu: return "RPC_S_SERVER_UNAVAILABLE";
        case 0x80020003u: return "DISP_E_MEMBERNOTFOUND";
        case 0x80020005u: return "DISP_E_TYPEMISMATCH";
        case 0x80020006u: return "DISP_E_UNKNOWNNAME";
        case 0x80020009u: return "DISP_E_EXCEPTION";
        case 0x8002000Bu: return "DISP_E_BADINDEX";
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
