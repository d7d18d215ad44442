#include "pipe_server_check.h"

#include <olstate.h>
#include <sddl.h>

#include <atomic>
#include <cstdio>

#include "../../base/failure.h"
#include "handle.h"
#include "pipe_security.h"

namespace olstate::bridge::win {
namespace {

std::atomic<ServerIdentityReader> test_reader{nullptr};

ProcessIdentity identity_of_token(HANDLE token) {
    ProcessIdentity out;
    const auto user = token_information(token, TokenUser);
    const PSID sid = reinterpret_cast<const TOKEN_USER*>(user.data())->User.Sid;
    const auto* bytes = static_cast<const BYTE*>(sid);
    out.user.assign(bytes, bytes + GetLengthSid(sid));
    const auto label = token_information(token, TokenIntegrityLevel);
    const PSID level = reinterpret_cast<const TOKEN_MANDATORY_LABEL*>(label.data())->Label.Sid;
    const UCHAR count = *GetSidSubAuthorityCount(level);
    out.integrity = count ? *GetSidSubAuthority(level, count - 1) : 0;
    return out;
}

// The real reader: the process's token, opened with the least access.
bool read_server_identity(DWORD pid, ProcessIdentity& out) {
    const UniqueHandle process(OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
    if (!process) return false;
    UniqueHandle token;
    if (!OpenProcessToken(process.get(), TOKEN_QUERY, token.put())) return false;
    try {
        out = identity_of_token(token.get());
        return true;
    } catch (...) {
        return false;
    }
}

std::string level_name(DWORD rid) {
    const char* name = rid >= SECURITY_MANDATORY_SYSTEM_RID             ? "system"
                       : rid >= SECURITY_MANDATORY_HIGH_RID             ? "high"
                       : rid >= SECURITY_MANDATORY_MEDIUM_RID           ? "medium"
                       : rid >= SECURITY_MANDATORY_LOW_RID              ? "low"
                                                                        : "untrusted";
    char text[48];
    std::snprintf(text, sizeof text, "%s, 0x%04lx", name, static_cast<unsigned long>(rid));
    return text;
}

std::string sid_text(const std::vector<BYTE>& sid) {
    LocalPtr<LPSTR> text;
    if (sid.empty() || !ConvertSidToStringSidA(const_cast<BYTE*>(sid.data()), text.put())) return "an unreadable SID";
    return text.get();
}

[[noreturn]] void refuse(const std::string& endpoint, const std::string& reason) {
    throw Failure(OLSTATE_E_PROVIDER_NOT_FOUND,
                  "not trusting the bridge pipe " + endpoint + ": " + reason +
                      " (a process may have taken the pipe's name before the olstate bridge)");
}

}  // namespace

ProcessIdentity current_process_identity() {
    UniqueHandle token;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, token.put()))
        throw Failure(OLSTATE_E_PROVIDER_FAILED,
                      "bridge pipe: OpenProcessToken failed (Windows error " + std::to_string(GetLastError()) + ")");
    return identity_of_token(token.get());
}

std::string untrusted_server_reason(const ProcessIdentity& server, const ProcessIdentity& client) {
    if (server.user.empty() || client.user.empty() ||
        !EqualSid(const_cast<BYTE*>(server.user.data()), const_cast<BYTE*>(client.user.data())))
        return "its server process runs as another user (" + sid_text(server.user) + ", this client runs as " +
               sid_text(client.user) + ")";
    if (server.integrity < client.integrity)
        return "its server process runs at a lower integrity level (" + level_name(server.integrity) +
               ") than this client (" + level_name(client.integrity) + ")";
    return {};
}

void require_trusted_pipe_server(HANDLE pipe, const std::string& endpoint) {
    const ProcessIdentity me = current_process_identity();
    if (!owned_by(pipe, me.user)) refuse(endpoint, "the pipe is not owned by the current user");
    ULONG pid = 0;
    if (!GetNamedPipeServerProcessId(pipe, &pid))
        refuse(endpoint, "the system does not say which process serves it (Windows error " +
                             std::to_string(GetLastError()) + ")");
    ProcessIdentity server;
    const ServerIdentityReader reader = test_reader.load();
    if (!(reader ? reader(pid, server) : read_server_identity(pid, server)))
        refuse(endpoint, "the user and integrity level of its server process (pid " + std::to_string(pid) +
                             ") cannot be read");
    if (const std::string why = untrusted_server_reason(server, me); !why.empty())
        refuse(endpoint, why + ", pid " + std::to_string(pid));
}

void set_server_identity_reader_for_tests(ServerIdentityReader reader) noexcept { test_reader.store(reader); }

}  // namespace olstate::bridge::win
