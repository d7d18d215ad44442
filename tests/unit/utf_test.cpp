// Strict UTF-8 at the boundary: what is accepted, what is refused.
#include <doctest/doctest.h>

#include "base/utf.h"

using namespace olstate::text;

TEST_CASE("valid UTF-8 is accepted and converts to UTF-16") {
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("Outlook"));
    CHECK(is_valid_utf8("Caf\xC3\xA9"));              // U+00E9
    CHECK(is_valid_utf8("\xE2\x82\xAC"));              // U+20AC
    CHECK(is_valid_utf8("\xF0\x9F\x93\xA7"));          // U+1F4E7 (astral)
    CHECK(*utf8_to_utf16("A\xC3\xA9") == u"A\u00E9");
    CHECK(*utf8_to_utf16("\xF0\x9F\x93\xA7") == u"\U0001F4E7");
}

TEST_CASE("invalid UTF-8 is refused") {
    CHECK_FALSE(is_valid_utf8("\xC3"));                // truncated
    CHECK_FALSE(is_valid_utf8("\xC0\xAF"));            // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));        // overlong 3-byte
    CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));        // surrogate U+D800
    CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));    // beyond U+10FFFF
    CHECK_FALSE(is_valid_utf8("\xFF"));
    CHECK_FALSE(is_valid_utf8("a\x80"));               // stray continuation
    CHECK_FALSE(utf8_to_utf16("\xC3").has_value());
}

TEST_CASE("UTF-16 converts back, unpaired surrogates become U+FFFD") {
    CHECK(utf16_to_utf8(u"Caf\u00E9 \U0001F4E7") == "Caf\xC3\xA9 \xF0\x9F\x93\xA7");
    const char16_t lone[] = {u'a', 0xD800, u'b', 0};
    CHECK(utf16_to_utf8(lone) == "a\xEF\xBF\xBD" "b");
}
