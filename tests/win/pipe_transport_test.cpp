// The bridge's named-pipe transport alone, under Wine: echo within a process
// and across processes, concurrent read and write on one connection,
// shutdown waking blocked calls, errors by result code, and the pipe's
// security descriptor read back (Wine cannot enforce a DACL with one user,
// so the test checks what the host asked the kernel for).
//
// Run with "--echo-child ENDPOINT" it is the other process of the
// cross-process test. A watchdog ends the process if anything blocks: a
// transport bug must fail the suite, never hang it.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <aclapi.h>
#include <olstate.h>
#include <sddl.h>
#include <windows.h>
#include <winternl.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bridge/transport.h"
#include "bridge/win/pipe_name.h"
#include "bridge/win/pipe_security.h"
#include "bridge/win/pipe_server_check.h"
#include "base/failure.h"
#include "base/win/win_util.h"

using namespace olstate;
using namespace olstate::bridge;

namespace {

// A unique endpoint per test, so a test that fails half-way cannot disturb
// the next one.
std::string fresh_endpoint(const char* what) {
    static std::atomic<int> n{0};
    return "olstate-test-" + std::string(what) + "-" + std::to_string(GetCurrentProcessId()) + "-" +
           std::to_string(++n);
}

gsl::span<const std::byte> bytes_of(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// Reads exactly n bytes (or fewer if the stream ends).
std::string read_n(Connection& c, std::size_t n) {
    std::string out;
    std::vector<std::byte> buf(4096);
    while (out.size() < n) {
        const auto r = c.read_some(gsl::span<std::byte>(buf.data(), std::min(buf.size(), n - out.size())));
        if (r.status != IoStatus::ok) break;
        out.append(reinterpret_cast<const char*>(buf.data()), r.bytes);
    }
    return out;
}

// Echoes everything it reads until the stream ends.
void echo(Connection& c) {
    std::vector<std::byte> buf(8192);
    for (;;) {
        const auto r = c.read_some(buf);
        if (r.status != IoStatus::ok) return;
        if (c.write_all(gsl::span<const std::byte>(buf.data(), r.bytes)).status != IoStatus::ok) return;
    }
}

// A listener on a fresh endpoint with one client connected to it: the host
// end accepted on another thread while this one connects.
struct Pair {
    std::unique_ptr<Listener> listener;
    std::unique_ptr<Connection> server_end;
    std::unique_ptr<Connection> client;
};

Pair connected_pair(const std::string& endpoint) {
    Pair p;
    p.listener = listen(endpoint);
    std::thread acceptor([&] { p.server_end = p.listener->accept(); });
    p.client = connect(endpoint);
    acceptor.join();
    REQUIRE(p.server_end);
    return p;
}

int result_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Failure& e) {
        return e.result();
    }
    return OLSTATE_OK;
}

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

std::wstring self_path() {
    std::wstring p(MAX_PATH, L'\0');
    p.resize(GetModuleFileNameW(nullptr, p.data(), MAX_PATH));
    return p;
}

}  // namespace

TEST_CASE("the default endpoint names the user's SID and the logon session") {
    const std::string endpoint = default_endpoint();
    const auto user = win::current_user_sid();
    MESSAGE("default endpoint: " << endpoint);
    CHECK(endpoint.rfind("\\\\.\\pipe\\olstate-bridge-", 0) == 0);
    CHECK(endpoint.find(provider::win::to_utf8(user.text)) != std::string::npos);
    CHECK(user.text.rfind(L"S-1-", 0) == 0);
    const LUID luid{0x2a, 0x1};
    CHECK(win::default_pipe_name(L"S-1-5-21-1", luid) == L"\\\\.\\pipe\\olstate-bridge-S-1-5-21-1-000000010000002a");
}

TEST_CASE("endpoint names: bare or local pipe paths; remote and nested ones refused") {
    CHECK(win::pipe_path(L"abc") == L"\\\\.\\pipe\\abc");
    CHECK(win::pipe_path(L"\\\\.\\PIPE\\abc") == L"\\\\.\\pipe\\abc");
    CHECK(result_of([] { win::pipe_path(L"\\\\server\\pipe\\abc"); }) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(result_of([] { win::pipe_path(L"a/b"); }) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(result_of([] { win::pipe_path(L""); }) == OLSTATE_E_INVALID_ARGUMENT);
    // The whole "\\.\pipe\NAME" may have 256 characters: names up to 240.
    CHECK(win::pipe_path(std::wstring(240, L'x')).size() == 249);
    CHECK(result_of([] { win::pipe_path(std::wstring(241, L'x')); }) == OLSTATE_E_INVALID_ARGUMENT);
}

TEST_CASE("connecting where nobody listens is PROVIDER_NOT_FOUND") {
    const std::string endpoint = fresh_endpoint("none");
    try {
        connect(endpoint);
        FAIL("connected to nothing");
    } catch (const Failure& e) {
        CHECK(e.result() == OLSTATE_E_PROVIDER_NOT_FOUND);
        CHECK(std::string(e.what()).find(endpoint) != std::string::npos);
    }
}

TEST_CASE("echo between two threads, with a read blocked while the same connection writes") {
    const std::string endpoint = fresh_endpoint("echo");
    auto listener = listen(endpoint);
    // Helper threads never assert (doctest's thread-local state at thread
    // exit is fragile under MinGW); they leave results for the main thread.
    std::atomic<bool> accepted{false};
    std::thread server([&] {
        auto c = listener->accept();
        accepted = c != nullptr;
        if (c) echo(*c);
    });
    auto client = connect(endpoint);
    REQUIRE(client);
    // The reader blocks first; with a synchronous pipe handle the write
    // below would queue behind it and the test would never finish.
    const std::string data = pattern(300 * 1024);  // several pipe buffers
    std::string echoed;
    std::thread reader([&] { echoed = read_n(*client, data.size()); });
    Sleep(50);  // let the reader block (not a timing assertion: the order only matters for coverage)
    CHECK(client->write_all(bytes_of(data)).status == IoStatus::ok);
    reader.join();
    CHECK(echoed.size() == data.size());
    CHECK(echoed == data);
    client.reset();  // the server sees the end of the stream
    server.join();
    CHECK(accepted.load());
    listener->shutdown();
}

TEST_CASE("shutdown wakes a blocked read and a blocked write; later calls are broken") {
    const std::string endpoint = fresh_endpoint("shutdown");
    auto [listener, server_end, client] = connected_pair(endpoint);

    std::atomic<int> read_status{-1};
    std::thread reader([&] {
        std::byte b[16];
        read_status = static_cast<int>(client->read_some(b).status);
    });
    // Nobody reads the server end: the writer fills the pipe and blocks.
    std::atomic<int> write_status{-1};
    std::thread writer([&] { write_status = static_cast<int>(client->write_all(bytes_of(pattern(4 << 20))).status); });
    Sleep(100);
    CHECK(read_status.load() == -1);
    client->shutdown();
    reader.join();
    writer.join();
    CHECK(read_status.load() == static_cast<int>(IoStatus::broken));
    CHECK(write_status.load() == static_cast<int>(IoStatus::broken));
    std::byte b[4];
    CHECK(client->read_some(b).status == IoStatus::broken);
    CHECK(client->write_all(bytes_of("x")).status == IoStatus::broken);
    client->shutdown();  // idempotent
    listener->shutdown();
}

TEST_CASE("the peer going away ends a blocked read with closed, after the data it wrote") {
    const std::string endpoint = fresh_endpoint("close");
    auto [listener, server_end, client] = connected_pair(endpoint);
    CHECK(server_end->write_all(bytes_of("bye")).status == IoStatus::ok);
    server_end.reset();
    CHECK(read_n(*client, 3) == "bye");
    std::byte b[4];
    CHECK(client->read_some(b).status == IoStatus::closed);
    CHECK(client->write_all(bytes_of("x")).status != IoStatus::ok);
    listener->shutdown();
}

TEST_CASE("listener shutdown wakes accept, and removes the endpoint") {
    const std::string endpoint = fresh_endpoint("accept");
    auto listener = listen(endpoint);
    std::atomic<bool> returned{false};
    std::unique_ptr<Connection> got;
    std::thread acceptor([&] {
        got = listener->accept();
        returned = true;
    });
    Sleep(50);
    listener->shutdown();
    acceptor.join();
    CHECK(returned.load());
    CHECK(got == nullptr);
    CHECK(listener->accept() == nullptr);
    CHECK(result_of([&] { connect(endpoint); }) == OLSTATE_E_PROVIDER_NOT_FOUND);
    listener.reset();
    auto again = listen(endpoint);  // free again
    CHECK(again->endpoint() == endpoint);
    again->shutdown();
}

TEST_CASE("a stopped listener whose clients are still connected: a new client gets PROVIDER_NOT_FOUND") {
    const std::string endpoint = fresh_endpoint("stopping");
    auto [listener, server_end, first] = connected_pair(endpoint);
    listener->shutdown();  // the pipe name lives on with the connected instance
    try {
        connect(endpoint);
        FAIL("connected to a stopped listener");
    } catch (const Failure& e) {
        MESSAGE(std::string(e.what()));
        CHECK(e.result() == OLSTATE_E_PROVIDER_NOT_FOUND);
    }
    // The connection made before still works.
    CHECK(first->write_all(bytes_of("ok")).status == IoStatus::ok);
    CHECK(read_n(*server_end, 2) == "ok");
}

TEST_CASE("a second host on a live endpoint is BUSY; after the first stops it may listen") {
    const std::string endpoint = fresh_endpoint("busy");
    auto first = listen(endpoint);
    std::thread acceptor([&] { (void)first->accept(); });  // the probe's connection, if any
    CHECK(result_of([&] { listen(endpoint); }) == OLSTATE_E_BUSY);
    first->shutdown();
    acceptor.join();
    first.reset();
    auto second = listen(endpoint);
    CHECK(second);
    second->shutdown();
}

TEST_CASE("several clients at once, each echoed on its own") {
    const std::string endpoint = fresh_endpoint("many");
    auto listener = listen(endpoint);
    std::vector<std::thread> servers;
    std::thread acceptor([&] {
        while (auto c = listener->accept()) {
            servers.emplace_back([conn = std::shared_ptr<Connection>(std::move(c))] { echo(*conn); });
        }
    });
    std::vector<std::unique_ptr<Connection>> clients;
    for (int i = 0; i < 5; ++i) clients.push_back(connect(endpoint));
    for (int i = 0; i < 5; ++i) {
        const std::string msg = "client " + std::to_string(i);
        CHECK(clients[i]->write_all(bytes_of(msg)).status == IoStatus::ok);
        CHECK(read_n(*clients[i], msg.size()) == msg);
    }
    clients.clear();
    listener->shutdown();
    acceptor.join();
    for (auto& t : servers) t.join();
}

TEST_CASE("echo across processes") {
    const std::string endpoint = fresh_endpoint("process");
    auto listener = listen(endpoint);
    const std::wstring cmd = L"\"" + self_path() + L"\" --echo-child " + provider::win::to_wide(endpoint);
    std::wstring mutable_cmd = cmd;
    STARTUPINFOW si{};
    si.cb = sizeof si;
    PROCESS_INFORMATION pi{};
    REQUIRE(CreateProcessW(nullptr, mutable_cmd.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr, &si, &pi));
    win::UniqueHandle process(pi.hProcess), thread(pi.hThread);
    auto c = listener->accept();
    REQUIRE(c);
    const std::string data = pattern(100 * 1024);
    std::string echoed;
    std::thread reader([&] { echoed = read_n(*c, data.size()); });
    CHECK(c->write_all(bytes_of(data)).status == IoStatus::ok);
    reader.join();
    CHECK(echoed == data);
    c.reset();  // the child's read ends: it exits 0
    CHECK(WaitForSingleObject(process.get(), 30000) == WAIT_OBJECT_0);
    DWORD code = 1;
    GetExitCodeProcess(process.get(), &code);
    CHECK(code == 0);
    listener->shutdown();
}

TEST_CASE("the pipe's security: owner and the only ACE are the current user; remote clients rejected") {
    const std::string endpoint = fresh_endpoint("security");
    auto listener = listen(endpoint);
    const auto user = win::current_user_sid();
    // A client handle to the same pipe object reads back the descriptor the
    // host gave it.
    auto probe = CreateFileW(win::pipe_path(provider::win::to_wide(endpoint)).c_str(), READ_CONTROL, 0, nullptr,
                             OPEN_EXISTING, 0, nullptr);
    REQUIRE(probe != INVALID_HANDLE_VALUE);
    win::UniqueHandle handle(probe);
    PSID owner = nullptr;
    PACL dacl = nullptr;
    win::LocalPtr<PSECURITY_DESCRIPTOR> sd;
    REQUIRE(GetSecurityInfo(handle.get(), SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                            &owner, nullptr, &dacl, nullptr, sd.put()) == ERROR_SUCCESS);
    REQUIRE(owner);
    CHECK(EqualSid(owner, const_cast<BYTE*>(user.sid.data())));
    CHECK(win::owned_by(handle.get(), user.sid));
    REQUIRE(dacl);  // a NULL DACL would let everyone in
    SECURITY_DESCRIPTOR_CONTROL control = 0;
    DWORD revision = 0;
    REQUIRE(GetSecurityDescriptorControl(sd.get(), &control, &revision));
    CHECK((control & SE_DACL_PROTECTED) != 0);
    ACL_SIZE_INFORMATION size{};
    REQUIRE(GetAclInformation(dacl, &size, sizeof size, AclSizeInformation));
    CHECK(size.AceCount == 1);
    BYTE everyone[SECURITY_MAX_SID_SIZE], anonymous[SECURITY_MAX_SID_SIZE];
    DWORD n1 = sizeof everyone, n2 = sizeof anonymous;
    REQUIRE(CreateWellKnownSid(WinWorldSid, nullptr, everyone, &n1));
    REQUIRE(CreateWellKnownSid(WinAnonymousSid, nullptr, anonymous, &n2));
    for (DWORD i = 0; i < size.AceCount; ++i) {
        void* ace = nullptr;
        REQUIRE(GetAce(dacl, i, &ace));
        const auto* header = static_cast<ACE_HEADER*>(ace);
        CHECK(header->AceType == ACCESS_ALLOWED_ACE_TYPE);
        auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(ace);
        PSID sid = &allowed->SidStart;
        win::LocalPtr<LPWSTR> text;
        ConvertSidToStringSidW(sid, text.put());
        MESSAGE("ACE " << i << ": " << provider::win::to_utf8(text.get() ? text.get() : L"?") << " mask 0x"
                       << std::hex << allowed->Mask);
        CHECK(EqualSid(sid, const_cast<BYTE*>(user.sid.data())));
        CHECK_FALSE(EqualSid(sid, everyone));
        CHECK_FALSE(EqualSid(sid, anonymous));
    }
    // A pipe owned by someone else is not trusted (checked on a descriptor
    // we cannot create as another user, through the same comparison).
    BYTE system[SECURITY_MAX_SID_SIZE];
    DWORD n3 = sizeof system;
    REQUIRE(CreateWellKnownSid(WinLocalSystemSid, nullptr, system, &n3));
    CHECK_FALSE(win::owned_by(handle.get(), std::vector<BYTE>(system, system + n3)));

    // PIPE_REJECT_REMOTE_CLIENTS, where the system reports it: the pipe's
    // type field of FilePipeLocalInformation carries FILE_PIPE_REJECT_REMOTE_CLIENTS (2).
    using NtQuery = LONG(NTAPI*)(HANDLE, IO_STATUS_BLOCK*, void*, ULONG, int);
    const auto query = reinterpret_cast<NtQuery>(
        reinterpret_cast<void*>(GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtQueryInformationFile")));
    struct PipeLocalInformation {
        ULONG type, configuration, maximum_instances, current_instances, inbound_quota, read_data_available,
            outbound_quota, write_quota_available, state, end;
    } info{};
    IO_STATUS_BLOCK io{};
    const LONG status = query ? query(handle.get(), &io, &info, sizeof info, 24 /* FilePipeLocalInformation */) : -1;
    MESSAGE("FilePipeLocalInformation: status 0x" << std::hex << status << ", type " << info.type);
    if (status == 0 && (info.type & 2) == 0)
        MESSAGE("the system does not report PIPE_REJECT_REMOTE_CLIENTS (Wine): not observable here");
    else if (status == 0)
        CHECK((info.type & 2) != 0);
    listener->shutdown();
}

// ---- who serves the pipe (pipe_server_check.cpp) ----
// One Wine user can neither start a process as another user nor lower a
// process's integrity level, so the refusals go through the test reader,
// which plays the server process the system names.
namespace {

std::atomic<DWORD> seen_server_pid{0};
win::ProcessIdentity played_server;
bool play_server(DWORD pid, win::ProcessIdentity& out) {
    seen_server_pid = pid;
    out = played_server;
    return true;
}
bool unreadable_server(DWORD pid, win::ProcessIdentity&) {
    seen_server_pid = pid;
    return false;
}

struct ReaderScope {
    explicit ReaderScope(win::ServerIdentityReader r) { win::set_server_identity_reader_for_tests(r); }
    ~ReaderScope() { win::set_server_identity_reader_for_tests(nullptr); }
};

std::string refusal_of(const std::string& endpoint) {
    try {
        connect(endpoint);
    } catch (const Failure& e) {
        CHECK(e.result() == OLSTATE_E_PROVIDER_NOT_FOUND);
        return e.what();
    }
    FAIL("connect trusted a server it should have refused");
    return {};
}

std::vector<BYTE> well_known(WELL_KNOWN_SID_TYPE type) {
    BYTE sid[SECURITY_MAX_SID_SIZE];
    DWORD n = sizeof sid;
    REQUIRE(CreateWellKnownSid(type, nullptr, sid, &n));
    return std::vector<BYTE>(sid, sid + n);
}

}  // namespace

TEST_CASE("the trust rule: same user, integrity level not lower than the client's") {
    const win::ProcessIdentity me = win::current_process_identity();
    MESSAGE("this process: integrity level (RID) " << me.integrity);
    CHECK(me.user == win::current_user_sid().sid);
    CHECK(win::untrusted_server_reason(me, me).empty());
    win::ProcessIdentity higher = me;
    higher.integrity = me.integrity + 0x1000;
    CHECK(win::untrusted_server_reason(higher, me).empty());  // an elevated Outlook serves a normal client
    win::ProcessIdentity lower = me;
    lower.integrity = SECURITY_MANDATORY_LOW_RID;
    win::ProcessIdentity client = me;
    client.integrity = SECURITY_MANDATORY_MEDIUM_RID;
    CHECK(win::untrusted_server_reason(lower, client).find("lower integrity level (low, 0x1000)") !=
          std::string::npos);
    win::ProcessIdentity stranger = me;
    stranger.user = well_known(WinLocalSystemSid);
    CHECK(win::untrusted_server_reason(stranger, me).find("another user (S-1-5-18") != std::string::npos);
}

TEST_CASE("a client checks the process serving the pipe, and refuses another user, a lower level, an unknown one") {
    const std::string endpoint = fresh_endpoint("squat");
    auto listener = listen(endpoint);
    std::thread server([&] {
        // Accept (and drop) every client until shut down.
        while (auto c = listener->accept()) c.reset();
    });
    const win::ProcessIdentity me = win::current_process_identity();
    {
        // The real reader: this process serves the pipe, the system says so.
        played_server = me;
        ReaderScope scope(play_server);
        CHECK_NOTHROW(connect(endpoint));
        CHECK(seen_server_pid.load() == GetCurrentProcessId());
    }
    CHECK_NOTHROW(connect(endpoint));  // the real reader on the real token
    {
        played_server = me;
        played_server.user = well_known(WinLocalSystemSid);
        ReaderScope scope(play_server);
        const std::string why = refusal_of(endpoint);
        MESSAGE(why);
        CHECK(why.find("another user") != std::string::npos);
    }
    {
        played_server = me;
        played_server.integrity = me.integrity >= 0x1000 ? me.integrity - 0x1000 : 0;
        if (me.integrity == 0) MESSAGE("this process runs at integrity 0: no lower level to play");
        else {
            ReaderScope scope(play_server);
            const std::string why = refusal_of(endpoint);
            MESSAGE(why);
            CHECK(why.find("lower integrity level") != std::string::npos);
        }
    }
    {
        ReaderScope scope(unreadable_server);
        const std::string why = refusal_of(endpoint);
        MESSAGE(why);
        CHECK(why.find("cannot be read") != std::string::npos);
    }
    listener->shutdown();
    server.join();
}

int main(int argc, char** argv) {
    setvbuf(stdout, nullptr, _IONBF, 0);
    if (argc == 3 && std::strcmp(argv[1], "--echo-child") == 0) {
        try {
            auto c = connect(argv[2]);
            echo(*c);
            return 0;
        } catch (const std::exception& e) {
            std::printf("child: %s\n", e.what());
            return 1;
        }
    }
    // The watchdog: a blocked transport call fails the run instead of hanging CI.
    std::thread([] {
        Sleep(90 * 1000);
        std::printf("FAIL: watchdog: the transport tests did not finish in 90 s\n");
        TerminateProcess(GetCurrentProcess(), 3);
    }).detach();
    doctest::Context context(argc, argv);
    return context.run();
}

TEST_CASE("every pipe instance busy: connect gives up at its deadline, and at once when cancelled (issue 14)") {
    const std::string endpoint = fresh_endpoint("deadline");
    auto [listener, server_end, first] = connected_pair(endpoint);
    listener->shutdown();  // no new instance: every connect finds the pipe busy
    using Clock = std::chrono::steady_clock;

    // The caller's deadline (2 s here) holds, with a wide margin.
    auto t0 = Clock::now();
    ConnectLimits limits;
    limits.deadline = t0 + std::chrono::seconds(2);
    CHECK(result_of([&] { connect(endpoint, limits); }) == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(Clock::now() - t0 < std::chrono::seconds(6));

    // The default deadline (kConnectTimeout) holds as well.
    t0 = Clock::now();
    CHECK(result_of([&] { connect(endpoint); }) == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(Clock::now() - t0 < kConnectTimeout + std::chrono::seconds(5));

    // A cancel ends a wait with a minute left within a slice or so.
    std::atomic<bool> cancel{false};
    limits.deadline = Clock::now() + std::chrono::seconds(60);
    limits.cancel = &cancel;
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        cancel = true;
    });
    t0 = Clock::now();
    CHECK(result_of([&] { connect(endpoint, limits); }) == OLSTATE_E_PROVIDER_NOT_FOUND);
    canceller.join();
    CHECK(Clock::now() - t0 < std::chrono::seconds(4));
}
