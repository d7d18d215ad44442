// Finding Outlook's MAPI DLL, as Microsoft's MAPIStubLibrary and the Sample
// Offline State Add-in do: the module Outlook already loaded first; else an
// ordered list of candidates, each loaded by full path only.
#pragma once

#include <string>
#include <vector>

#include "../loader.h"

namespace olstate::provider::win {

struct Candidate {
    std::wstring path;  // full path
    std::string source; // where it came from, for the error message
};

// The already-loaded olmapi32.dll / msmapi32.dll, or the first candidate that
// loads. Throws Failure(OLSTATE_E_PROVIDER_NOT_FOUND) listing every place tried.
ProviderLibrary locate_outlook_mapi();

// The fallback candidates in order (olmapi32.dll paths first). Exposed for tests.
std::vector<Candidate> mapi_candidates();

// True for Outlook's own MAPI DLL names (olmapi32.dll, msmapi32.dll).
bool is_outlook_mapi_file(const std::wstring& path);

}  // namespace olstate::provider::win
