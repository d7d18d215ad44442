// Finding Outlook's MAPI DLL, as Microsoft's MAPIStubLibrary and the Sample
// Offline State Add-in do: the module Outlook already loaded first; else an
// ordered list of candidates, each loaded by full path only.
#pragma once

#include <string>
#include <vector>

#include "../loader.h"

namespace olstate::provider::win {

struct Candidate {
    std::wstring path;   // as found; loaded only if it is a full path
    std::string source;  // where it came from, for the error message
};

struct Search {
    std::vector<Candidate> candidates;  // in order, olmapi32.dll first, no duplicates
    std::vector<std::string> nothing;   // places asked that named no candidate
};

// The already-loaded olmapi32.dll / msmapi32.dll, or the first candidate that
// loads. Throws Failure(OLSTATE_E_PROVIDER_NOT_FOUND) listing every place tried.
ProviderLibrary locate_outlook_mapi();

// The fallback search, in order (never loads a candidate). Exposed for tests.
Search mapi_candidates();

// True for Outlook's own MAPI DLL names (olmapi32.dll, msmapi32.dll).
bool is_outlook_mapi_file(const std::wstring& path);

// True when `library` is (or looks like) Outlook's real MAPI DLL: its file
// name is olmapi32.dll / msmapi32.dll, or it exports MAPIInitialize. Such a
// DLL answers MAPI_E_NOT_FOUND to every profile outside OUTLOOK.EXE, which
// means OLSTATE_E_NOT_IN_OUTLOOK rather than an unknown profile.
bool looks_like_outlook_mapi(const ProviderLibrary& library) noexcept;

}  // namespace olstate::provider::win
