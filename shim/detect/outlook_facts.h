// Which Outlook a user has (olstate_detect_outlook): the facts read from the
// registry and the process list, and the verdict drawn from them. The
// verdict is a pure function so that every combination of facts is tested
// natively; only probe_outlook() touches the system.
#pragma once

#include <cstdint>
#include <string>

namespace olstate::detect {

struct OutlookFacts {
    bool classic_installed = false;
    std::uint32_t classic_bitness = 0;  // 32, 64, 0 = unknown
    bool classic_click_to_run = false;
    std::string classic_version;        // the Office version key, "16.0"
    bool classic_running = false;       // OUTLOOK.EXE in the caller's session
    bool new_running = false;           // olk.exe in the caller's session
    bool new_selected = false;          // the user's "New Outlook" toggle
};

// OLSTATE_OUTLOOK_* from the facts (the rules are in outlook_verdict.cpp).
std::uint32_t outlook_verdict(const OutlookFacts& facts) noexcept;

// "x86" -> 32, "x64" -> 64 (the documented values of "Bitness"); else 0.
std::uint32_t bitness_from_text(const std::wstring& value) noexcept;

// Reads the facts of this machine and user. Windows only; elsewhere every
// fact is absent. Never throws for a fact it cannot read (it is absent);
// throws std::bad_alloc only.
OutlookFacts probe_outlook();

}  // namespace olstate::detect
