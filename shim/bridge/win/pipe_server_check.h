// Who serves a named pipe, and whether a client may trust it.
//
// A process of the same user at a lower integrity level (a sandboxed
// browser tab, a low-integrity helper) may be able to create the bridge's
// pipe name before Outlook's add-in does, and then feed clients any state it
// likes. Before trusting a pipe the client therefore asks the system which
// process serves it (GetNamedPipeServerProcessId) and reads that process's
// token: it must run as the client's user, at an integrity level not lower
// than the client's own; the pipe object itself must be owned by the user.
// Anything else, or anything that cannot be read, is refused with
// OLSTATE_E_PROVIDER_NOT_FOUND and a message naming the reason: for the
// client there is no trustworthy bridge there.
#pragma once

#include <windows.h>

#include <string>
#include <vector>

namespace olstate::bridge::win {

// What the check compares: a process's user SID and integrity level (the
// RID of its mandatory label: 0x1000 low, 0x2000 medium, 0x3000 high...).
struct ProcessIdentity {
    std::vector<BYTE> user;
    DWORD integrity = 0;
};

// This process's identity. Throws Failure(PROVIDER_FAILED).
ProcessIdentity current_process_identity();

// The rule alone: "" when `server` may be trusted by `client`, else why not.
std::string untrusted_server_reason(const ProcessIdentity& server, const ProcessIdentity& client);

// The whole check on a connected client handle. Throws
// Failure(OLSTATE_E_PROVIDER_NOT_FOUND) naming the reason when the pipe's
// owner or its server process is not trustworthy or cannot be identified.
void require_trusted_pipe_server(HANDLE pipe, const std::string& endpoint);

// For tests: replaces how the server process's identity is read (pid in,
// identity out, false = cannot be read); nullptr restores the real reader.
// Lets a test play a server of another user or a lower integrity level,
// which one Wine user cannot create.
using ServerIdentityReader = bool (*)(DWORD server_pid, ProcessIdentity& out);
void set_server_identity_reader_for_tests(ServerIdentityReader reader) noexcept;

}  // namespace olstate::bridge::win
