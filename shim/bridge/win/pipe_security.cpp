#include "pipe_security.h"

#include <aclapi.h>
#include <olstate.h>
#include <sddl.h>

#include "base/failure.h"

namespace olstate::bridge::win {
namespace {

[[noreturn]] void fail(const char* what) {
    const DWORD error = GetLastError();
    throw Failure(OLSTATE_E_PROVIDER_FAILED,
                  std::string("bridge pipe security: ") + what + " failed (Windows error " + std::to_string(error) + ")",
                  static_cast<std::int32_t>(HRESULT_FROM_WIN32(error)));
}

UniqueHandle process_token() {
    UniqueHandle token;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, token.put())) fail("OpenProcessToken");
    return token;
}

LUID authentication_id(HANDLE token) {
    TOKEN_STATISTICS stats{};
    DWORD bytes = 0;
    if (!GetTokenInformation(token, TokenStatistics, &stats, sizeof stats, &bytes)) fail("GetTokenInformation");
    return stats.AuthenticationId;
}

}  // namespace

std::vector<BYTE> token_information(HANDLE token, TOKEN_INFORMATION_CLASS which) {
    DWORD bytes = 0;
    GetTokenInformation(token, which, nullptr, 0, &bytes);
    std::vector<BYTE> buffer(bytes ? bytes : 1);
    if (!GetTokenInformation(token, which, buffer.data(), static_cast<DWORD>(buffer.size()), &bytes))
        fail("GetTokenInformation");
    return buffer;
}

UserSid current_user_sid() {
    const UniqueHandle token = process_token();
    const auto info = token_information(token.get(), TokenUser);
    const PSID sid = reinterpret_cast<const TOKEN_USER*>(info.data())->User.Sid;
    UserSid out;
    const auto* bytes = static_cast<const BYTE*>(sid);
    out.sid.assign(bytes, bytes + GetLengthSid(sid));
    LocalPtr<LPWSTR> text;
    if (!ConvertSidToStringSidW(sid, text.put())) fail("ConvertSidToStringSidW");
    out.text = text.get();
    return out;
}

LUID logon_session_id() {
    const UniqueHandle token = process_token();
    TOKEN_ELEVATION_TYPE type{};
    DWORD bytes = 0;
    if (GetTokenInformation(token.get(), TokenElevationType, &type, sizeof type, &bytes) &&
        type == TokenElevationTypeFull) {
        // The unelevated twin of this token carries the desktop logon's id.
        TOKEN_LINKED_TOKEN linked{};
        if (GetTokenInformation(token.get(), TokenLinkedToken, &linked, sizeof linked, &bytes)) {
            const UniqueHandle owned(linked.LinkedToken);
            return authentication_id(owned.get());
        }
    }
    return authentication_id(token.get());
}

PipeSecurity::PipeSecurity() {
    const UserSid user = current_user_sid();
    // O: owner, D:P a protected DACL (nothing inherited), one allow ACE.
    sddl_ = L"O:" + user.text + L"D:P(A;;GA;;;" + user.text + L")";
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl_.c_str(), SDDL_REVISION_1, descriptor_.put(),
                                                              nullptr))
        fail("ConvertStringSecurityDescriptorToSecurityDescriptorW");
    attributes_.nLength = sizeof attributes_;
    attributes_.lpSecurityDescriptor = descriptor_.get();
    attributes_.bInheritHandle = FALSE;
}

bool owned_by(HANDLE handle, const std::vector<BYTE>& sid) noexcept {
    PSID owner = nullptr;
    LocalPtr<PSECURITY_DESCRIPTOR> descriptor;
    if (GetSecurityInfo(handle, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &owner, nullptr, nullptr, nullptr,
                        descriptor.put()) != ERROR_SUCCESS)
        return false;
    return owner && IsValidSid(owner) && GetLengthSid(owner) == sid.size() &&
           EqualSid(owner, const_cast<BYTE*>(sid.data()));
}

}  // namespace olstate::bridge::win
