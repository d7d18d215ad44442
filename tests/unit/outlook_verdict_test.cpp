// The verdict of olstate_detect_outlook from its facts, for every
// combination of the four facts it depends on, and the "Bitness" texts.
#include <doctest/doctest.h>

#include <olstate.h>

#include "detect/outlook_facts.h"

using olstate::detect::OutlookFacts;
using olstate::detect::outlook_verdict;

namespace {

// The rule written the other way round, as a table a reader can check:
// what runs decides; with nothing running the toggle, then the installation.
std::uint32_t expected(bool installed, bool classic_running, bool new_running, bool selected) {
    if (classic_running && new_running) return OLSTATE_OUTLOOK_BOTH;
    if (classic_running) return OLSTATE_OUTLOOK_CLASSIC;
    if (new_running || selected) return OLSTATE_OUTLOOK_NEW;
    return installed ? OLSTATE_OUTLOOK_CLASSIC : OLSTATE_OUTLOOK_NONE;
}

}  // namespace

TEST_CASE("outlook verdict: every combination of installed, running, new running, toggle") {
    int checked = 0;
    for (int bits = 0; bits < 16; ++bits) {
        OutlookFacts f;
        f.classic_installed = (bits & 1) != 0;
        f.classic_running = (bits & 2) != 0;
        f.new_running = (bits & 4) != 0;
        f.new_selected = (bits & 8) != 0;
        CAPTURE(bits);
        CHECK(outlook_verdict(f) == expected(f.classic_installed, f.classic_running, f.new_running, f.new_selected));
        ++checked;
    }
    CHECK(checked == 16);
}

TEST_CASE("outlook verdict: the cases a tool prints a message for") {
    OutlookFacts nothing;
    CHECK(outlook_verdict(nothing) == OLSTATE_OUTLOOK_NONE);

    OutlookFacts switched;  // classic installed, the user toggled to the new one
    switched.classic_installed = true;
    switched.new_selected = true;
    CHECK(outlook_verdict(switched) == OLSTATE_OUTLOOK_NEW);

    OutlookFacts back_for_today = switched;  // the same user runs classic Outlook now
    back_for_today.classic_running = true;
    CHECK(outlook_verdict(back_for_today) == OLSTATE_OUTLOOK_CLASSIC);

    OutlookFacts new_only;  // the new Outlook alone (Windows 11's preinstalled app)
    new_only.new_running = true;
    CHECK(outlook_verdict(new_only) == OLSTATE_OUTLOOK_NEW);

    OutlookFacts bitness_does_not_matter;
    bitness_does_not_matter.classic_installed = true;
    bitness_does_not_matter.classic_bitness = 64;
    bitness_does_not_matter.classic_click_to_run = true;
    CHECK(outlook_verdict(bitness_does_not_matter) == OLSTATE_OUTLOOK_CLASSIC);
}

TEST_CASE("outlook verdict: the documented Bitness texts, and nothing else") {
    CHECK(olstate::detect::bitness_from_text(L"x86") == 32);
    CHECK(olstate::detect::bitness_from_text(L"x64") == 64);
    CHECK(olstate::detect::bitness_from_text(L"X64") == 0);
    CHECK(olstate::detect::bitness_from_text(L"arm64") == 0);
    CHECK(olstate::detect::bitness_from_text(L"") == 0);
}
