// Checking a caller's input struct against the size this version knows.
#pragma once

#include <olstate.h>

#include <cstdint>
#include <string>

#include "firewall.h"

namespace olstate::abi {

// Beyond this a struct_size is not a newer struct but garbage; refuse it
// rather than read that far.
inline constexpr std::uint32_t kMaxStructSize = 4096;

// Accepts this version's size, or a larger one whose unknown tail is zero
// (a newer caller that left its new fields at their defaults).
inline void check_input_struct(const void* s, std::uint32_t size, std::size_t known, const char* name) {
    if (size < known)
        fail(OLSTATE_E_INVALID_ARGUMENT, std::string(name) + ".struct_size " +
                                             std::to_string(size) + " is smaller than " +
                                             std::to_string(known) + " (set it to sizeof)");
    if (size > kMaxStructSize)
        fail(OLSTATE_E_INVALID_ARGUMENT,
             std::string(name) + ".struct_size " + std::to_string(size) + " is implausible");
    const auto* bytes = static_cast<const unsigned char*>(s);
    for (std::size_t i = known; i < size; ++i) {
        if (bytes[i] != 0)
            fail(OLSTATE_E_INVALID_ARGUMENT,
                 std::string(name) + " has non-zero fields this library (" OLSTATE_VERSION
                                     ") does not know, at byte " + std::to_string(i));
    }
}

}  // namespace olstate::abi
