// Strict UTF-8 handling at the boundary: callers hand us UTF-8, Outlook wants
// UTF-16. Invalid input (overlong forms, surrogates, truncated sequences,
// values past U+10FFFF) is rejected, never guessed at.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace olstate::text {

bool is_valid_utf8(std::string_view s) noexcept;

// nullopt for invalid UTF-8.
std::optional<std::u16string> utf8_to_utf16(std::string_view s);

// Unpaired surrogates become U+FFFD.
std::string utf16_to_utf8(std::u16string_view s);

}  // namespace olstate::text
