// The exception firewall around every exported function: nothing thrown
// inside olstate crosses the C boundary. A Failure becomes its result code
// and the thread's last error; bad_alloc becomes OLSTATE_E_OUT_OF_MEMORY;
// anything else is a bug, OLSTATE_E_INTERNAL naming the function.
#pragma once

#include <olstate.h>

#include <new>
#include <string>

#include "base/failure.h"
#include "fork_guard.h"
#include "last_error.h"

namespace olstate::abi {

template <class Body>
olstate_result guarded(const char* function, Body&& body) noexcept {
    try {
        if (in_forked_child())
            throw Failure(OLSTATE_E_NOT_SUPPORTED,
                          "olstate cannot be used in a child created by fork(): its sessions and bridges belong "
                          "to the parent (exec or exit in the child)");
        body();
        clear_last_error();
        return OLSTATE_OK;
    } catch (const Failure& f) {
        set_last_error(f.result(), std::string(function) + ": " + f.what(), f.hresult());
        return f.result();
    } catch (const std::bad_alloc&) {
        set_last_error(OLSTATE_E_OUT_OF_MEMORY, std::string(function) + ": out of memory", 0);
        return OLSTATE_E_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        set_last_error(OLSTATE_E_INTERNAL,
                       std::string(function) + ": internal error: " + e.what(), 0);
        return OLSTATE_E_INTERNAL;
    } catch (...) {
        set_last_error(OLSTATE_E_INTERNAL, std::string(function) + ": unknown internal error", 0);
        return OLSTATE_E_INTERNAL;
    }
}

[[noreturn]] inline void fail(olstate_result result, std::string message, std::int32_t hresult = 0) {
    throw Failure(result, std::move(message), hresult);
}

}  // namespace olstate::abi
