// HRESULTs are named in messages, with their hex value.
#include <doctest/doctest.h>

#include "com/hresult_names.h"

using namespace olstate::com;

TEST_CASE("known HRESULTs have names, unknown ones their hex value") {
    CHECK(describe_hresult(E_PENDING_) == "E_PENDING (0x8000000A)");
    CHECK(describe_hresult(MAPI_E_NOT_FOUND_) == "MAPI_E_NOT_FOUND (0x8004010F)");
    // Those the object model answers (issue 17).
    CHECK(describe_hresult(static_cast<HRESULT>(0x80010001u)) == "RPC_E_CALL_REJECTED (0x80010001)");
    CHECK(describe_hresult(static_cast<HRESULT>(0x80020006u)) == "DISP_E_UNKNOWNNAME (0x80020006)");
    CHECK(describe_hresult(static_cast<HRESULT>(0x80041234u)) == "HRESULT 0x80041234");
    CHECK(hresult_name(static_cast<HRESULT>(0x80041234u)) == nullptr);
}
