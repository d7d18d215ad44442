// Who may use the bridge's pipe: the current user, nobody else.
//
// The host creates every pipe instance with a security descriptor whose
// owner is the user's SID and whose protected DACL holds one ACE granting
// that SID full access (no Everyone, no Administrators, no SYSTEM, nothing
// inherited). A client checks, before it trusts a pipe, that the pipe's owner
// is its own user: another user could otherwise create a pipe of the same
// name first and impersonate the host.
#pragma once

#include <windows.h>

#include <string>
#include <vector>

#include "handle.h"

namespace olstate::bridge::win {

// The calling process's user: its SID (binary) and its string form
// ("S-1-5-21-..."). Throws Failure(PROVIDER_FAILED) if the token cannot be read.
struct UserSid {
    std::vector<BYTE> sid;
    std::wstring text;
};
UserSid current_user_sid();

// A variable-size TOKEN_* structure of `token` (TokenUser,
// TokenIntegrityLevel...). Throws Failure(PROVIDER_FAILED).
std::vector<BYTE> token_information(HANDLE token, TOKEN_INFORMATION_CLASS which);

// The logon session the pipe name is derived from (the token's
// AuthenticationId). For an elevated process of a split-token administrator
// it is the linked (unelevated) token's session, so that a client started
// with "Run as administrator" finds the Outlook of the same desktop logon.
// Wine always reports 0.
LUID logon_session_id();

// A security descriptor for CreateNamedPipeW: owner = the user, protected
// DACL with one ACE granting the user GENERIC_ALL.
class PipeSecurity {
public:
    PipeSecurity();  // for the current user; throws Failure(PROVIDER_FAILED)
    SECURITY_ATTRIBUTES* attributes() noexcept { return &attributes_; }
    const std::wstring& sddl() const noexcept { return sddl_; }

private:
    std::wstring sddl_;
    LocalPtr<PSECURITY_DESCRIPTOR> descriptor_;
    SECURITY_ATTRIBUTES attributes_{};
};

// True when the kernel object behind `handle` is owned by `sid`. False also
// when the owner cannot be read.
bool owned_by(HANDLE handle, const std::vector<BYTE>& sid) noexcept;

}  // namespace olstate::bridge::win
