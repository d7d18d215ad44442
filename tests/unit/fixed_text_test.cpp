// The fixed-buffer text the per-thread error records hold: no destructor,
// no allocation, and long text cut at a UTF-8 character boundary, ending
// with "...".
#include <doctest/doctest.h>

#include <string>
#include <type_traits>

#include "base/fixed_text.h"
#include "base/utf.h"

using olstate::text::FixedText;
using olstate::text::is_valid_utf8;

static_assert(std::is_trivially_destructible_v<FixedText<64>>);

TEST_CASE("fixed text: parts are joined; clear empties it") {
    FixedText<64> t;
    CHECK(t.empty());
    CHECK(std::string(t.c_str()).empty());
    t.assign({"OLSTATE_E_BUSY", ": ", "a change is in progress"});
    CHECK(t.view() == "OLSTATE_E_BUSY: a change is in progress");
    CHECK(std::string(t.c_str()) == "OLSTATE_E_BUSY: a change is in progress");
    t.assign({"again"});
    CHECK(t.view() == "again");
    t.clear();
    CHECK(t.empty());
}

TEST_CASE("fixed text: exactly full is kept whole; one byte more is cut with \"...\"") {
    FixedText<16> t;
    const std::string fifteen(15, 'a');
    t.assign({fifteen});
    CHECK(t.view() == fifteen);
    t.assign({fifteen, "b"});
    CHECK(t.view().size() == 15);
    CHECK(t.view() == std::string(12, 'a') + "...");
    t.assign({"abc", std::string(100, 'x'), "never reached"});
    CHECK(t.view() == "abc" + std::string(9, 'x') + "...");
}

TEST_CASE("fixed text: a cut never splits a UTF-8 character") {
    // Two-, three- and four-byte characters, each at every offset around the
    // cut: what is kept stays valid UTF-8 and ends with "...".
    for (const std::string& ch : {std::string("\xC3\xA9"), std::string("\xE2\x82\xAC"), std::string("\xF0\x9F\x93\xA7")}) {
        for (std::size_t lead = 0; lead < 6; ++lead) {
            CAPTURE(ch.size());
            CAPTURE(lead);
            std::string long_text(lead, 'a');
            while (long_text.size() < 200) long_text += ch;
            FixedText<32> t;
            t.assign({long_text});
            const std::string kept(t.view());
            CHECK(kept.size() <= 31);
            CHECK(kept.size() >= 31 - 3);  // backs off at most one character's tail
            CHECK(kept.substr(kept.size() - 3) == "...");
            CHECK(is_valid_utf8(kept));
            CHECK(long_text.compare(0, kept.size() - 3, kept, 0, kept.size() - 3) == 0);
        }
    }
}
