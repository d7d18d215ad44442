// The verdict of olstate_detect_outlook, from the facts alone.
#include <olstate.h>

#include "outlook_facts.h"

namespace olstate::detect {

std::uint32_t outlook_verdict(const OutlookFacts& f) noexcept {
    // What runs now decides first: a running OUTLOOK.EXE is what a bridge or
    // add-in serves, whatever the toggle says (the user may have switched
    // back for the day).
    if (f.classic_running) return f.new_running ? OLSTATE_OUTLOOK_BOTH : OLSTATE_OUTLOOK_CLASSIC;
    if (f.new_running) return OLSTATE_OUTLOOK_NEW;
    // Nothing runs: the toggle says which one the user starts. It is stored
    // by classic Outlook, so it can only be on where classic was used, but
    // the user then works in the new one.
    if (f.new_selected) return OLSTATE_OUTLOOK_NEW;
    if (f.classic_installed) return OLSTATE_OUTLOOK_CLASSIC;
    return OLSTATE_OUTLOOK_NONE;
}

std::uint32_t bitness_from_text(const std::wstring& value) noexcept {
    if (value == L"x86") return 32;
    if (value == L"x64") return 64;
    return 0;
}

}  // namespace olstate::detect
