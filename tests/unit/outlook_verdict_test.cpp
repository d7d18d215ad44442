// The verdict of olstate_detect_outlook from its facts, for every
// combination of the four facts it depends on, and the "Bitness" texts.
#include <doctest/doctest.h>

#include <olstate.h>

#include <iterator>

#include "detect/outlook_facts.h"

using olstate::detect::OutlookFacts;
using olstate::detect::outlook_verdict;

namespace {

constexpr auto N = OLSTATE_OUTLOOK_NONE, C = OLSTATE_OUTLOOK_CLASSIC, W = OLSTATE_OUTLOOK_NEW,
               B = OLSTATE_OUTLOOK_BOTH;

// Every combination, written out: classic installed, classic running, new
// running, toggle on -> verdict. What runs decides; with nothing running,
// the toggle, then the installation.
struct Row {
    bool installed, classic_running, new_running, selected;
    std::uint32_t verdict;
};
constexpr Row kTable[] = {
    {false, false, false, false, N}, {true, false, false, false, C},
    {false, true, false, false, C},  {true, true, false, false, C},
    {false, false, true, false, W},  {true, false, true, false, W},
    {false, true, true, false, B},   {true, true, true, false, B},
    {false, false, false, true, W},  {true, false, false, true, W},
    {false, true, false, true, C},   {true, true, false, true, C},
    {false, false, true, true, W},   {true, false, true, true, W},
    {false, true, true, true, B},    {true, true, true, true, B},
};

}  // namespace

TEST_CASE("outlook verdict: every combination of installed, running, new running, toggle") {
    static_assert(std::size(kTable) == 16);
    for (const Row& row : kTable) {
        OutlookFacts f;
        f.classic_installed = row.installed;
        f.classic_running = row.classic_running;
        f.new_running = row.new_running;
        f.new_selected = row.selected;
        CAPTURE(row.installed);
        CAPTURE(row.classic_running);
        CAPTURE(row.new_running);
        CAPTURE(row.selected);
        CHECK(outlook_verdict(f) == row.verdict);
    }
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
