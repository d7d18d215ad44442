// Pipe names of the bridge: the per-user default and what a caller may pass
// as an endpoint of its own.
#pragma once

#include <windows.h>

#include <string>

namespace olstate::bridge::win {

// "\\.\pipe\olstate-bridge-<user SID>-<logon session LUID, 16 hex digits>".
// Both parts are needed: the SID keeps users apart, the logon session keeps
// apart two desktop sessions of the same user (one Outlook each).
std::wstring default_pipe_name(const std::wstring& sid_text, LUID logon);

// An endpoint as given (UTF-8, already converted): a full pipe path
// ("\\.\pipe\NAME") is used as is; a bare NAME becomes "\\.\pipe\NAME".
// Throws Failure(INVALID_ARGUMENT) for an empty name, a name with another
// path separator, or a remote pipe ("\\server\pipe\...").
std::wstring pipe_path(const std::wstring& endpoint);

}  // namespace olstate::bridge::win
