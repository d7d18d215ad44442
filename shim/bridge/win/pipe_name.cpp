#include "pipe_name.h"

#include <olstate.h>

#include <cwchar>

#include "base/failure.h"

namespace olstate::bridge::win {
namespace {
const std::wstring kLocalPrefix = L"\\\\.\\pipe\\";
// Windows allows 256 characters for the whole "\\.\pipe\NAME".
constexpr std::size_t kMaxName = 240;
}

std::wstring default_pipe_name(const std::wstring& sid_text, LUID logon) {
    wchar_t luid[20];
    std::swprintf(luid, sizeof luid / sizeof luid[0], L"%08lx%08lx", static_cast<unsigned long>(logon.HighPart),
                  static_cast<unsigned long>(logon.LowPart));
    return kLocalPrefix + L"olstate-bridge-" + sid_text + L"-" + luid;
}

std::wstring pipe_path(const std::wstring& endpoint) {
    std::wstring name = endpoint;
    if (endpoint.size() > kLocalPrefix.size() &&
        CompareStringOrdinal(endpoint.c_str(), static_cast<int>(kLocalPrefix.size()), kLocalPrefix.c_str(),
                             static_cast<int>(kLocalPrefix.size()), TRUE) == CSTR_EQUAL)
        name = endpoint.substr(kLocalPrefix.size());
    // Only local pipes: a "\\server\pipe\x" path, or anything with a separator
    // left in it, is refused rather than reaching over the network.
    if (name.empty() || name.find_first_of(L"\\/") != std::wstring::npos || name.size() > kMaxName)
        throw Failure(OLSTATE_E_INVALID_ARGUMENT,
                      "a bridge endpoint on Windows is a local pipe name (NAME or \\\\.\\pipe\\NAME, at most 240 "
                      "characters, no separators)");
    return kLocalPrefix + name;
}

}  // namespace olstate::bridge::win
