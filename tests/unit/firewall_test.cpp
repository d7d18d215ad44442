// The exception firewall every export runs in: whatever a body throws
// becomes a result code and the thread's last error, never an exception
// across the C boundary.
#include <doctest/doctest.h>

#include <olstate.h>

#include <new>
#include <stdexcept>
#include <string>

#include "abi/firewall.h"

using olstate::abi::guarded;

namespace {
// The internal accessors: this test links the static core, not the DLL
// (whose exports a Windows build would import).
std::string message() { return olstate::abi::last_error_message(); }
}  // namespace

TEST_CASE("the firewall turns every kind of throw into a result and a message") {
    CHECK(guarded("olstate_ok", [] {}) == OLSTATE_OK);
    CHECK(message().empty());

    CHECK(guarded("olstate_failure", [] { throw olstate::Failure(OLSTATE_E_BUSY, "busy now", 0x8000000A); }) ==
          OLSTATE_E_BUSY);
    CHECK(message().find("olstate_failure: busy now") != std::string::npos);
    CHECK(olstate::abi::last_error_hresult() == static_cast<int32_t>(0x8000000A));

    CHECK(guarded("olstate_alloc", [] { throw std::bad_alloc(); }) == OLSTATE_E_OUT_OF_MEMORY);
    CHECK(message().find("olstate_alloc: out of memory") != std::string::npos);
    CHECK(olstate::abi::last_error_hresult() == 0);

    CHECK(guarded("olstate_bug", [] { throw std::logic_error("broken invariant"); }) == OLSTATE_E_INTERNAL);
    CHECK(message().find("olstate_bug: internal error: broken invariant") != std::string::npos);

    CHECK(guarded("olstate_odd", [] { throw 42; }) == OLSTATE_E_INTERNAL);
    CHECK(message().find("olstate_odd: unknown internal error") != std::string::npos);
    CHECK(message().rfind("OLSTATE_E_INTERNAL", 0) == 0);  // every message names its result

    CHECK(guarded("olstate_ok", [] {}) == OLSTATE_OK);
    CHECK(message().empty());  // success clears the last error
}
