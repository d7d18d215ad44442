// HRESULTs are named in messages, with their hex value.
#include <doctest/doctest.h>

#include "com/hresult_names.h"

using namespace olstate::com;

TEST_CASE("known HRESULTs have names, unknown ones their hex value") {
    CHECK(describe_hresult(E_PENDING_) == "E_PENDING (0x8000000A)");
    CHECK(describe_hresult(MAPI_E_NOT_FOUND_) == "MAPI_E_NOT_FOUND (0x8004010F)");
    CHECK(describe_hresult(static_cast<HRESULT>(0x80041234u)) == "HRESULT 0x80041234");
    CHECK(hresult_name(static_cast<HRESULT>(0x80041234u)) == nullptr);
}
