// Shared by the pieces of the Windows bridge test (bridge_host.cpp is the
// driver and the entry point): the failure counter, deadlines, the add-in's
// registry keys and the functions each piece offers the others.
#pragma once

#include <objbase.h>
#include <oleauto.h>
#include <olstate.h>
#include <windows.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "../../addin/addin_ids.h"
#include "../../addin/extensibility.h"
#include "win_child.h"
#include "expect.h"

namespace bridgetest {

extern std::atomic<int> failures;
#define EXPECT(cond) WINTEST_EXPECT_IN(bridgetest::failures, cond)

constexpr DWORD kStepMs = 30000;  // any single wait; a healthy run takes milliseconds

inline const std::wstring kAddinsKey =
    std::wstring(L"Software\\Microsoft\\Office\\Outlook\\Addins\\") + olstate::addin::kProgId;
inline const std::wstring kClsidKey = std::wstring(L"Software\\Classes\\CLSID\\") + olstate::addin::kClsidText;
inline const std::wstring kProgIdKey = std::wstring(L"Software\\Classes\\") + olstate::addin::kProgId;

// The profile Outlook "has open" in the addin scenario (not the default one).
inline const wchar_t* const kOpenProfileW = L"Br\u00fccke";
inline const char* const kOpenProfile = "Br\xc3\xbc" "cke";
inline const char* const kDefaultProfile = "Outlook";

// bridge_registry.cpp: reading and cleaning HKCU.
std::wstring reg_string(REGSAM view, const std::wstring& path, const wchar_t* name);
DWORD reg_dword(const std::wstring& path, const wchar_t* name);
bool key_exists(REGSAM view, const std::wstring& path);
std::string snapshot();
bool before_had(const std::string& snap, const wchar_t* path);
void delete_if_empty(const wchar_t* path);
bool clsid_is_redirected();
void write_dll_header(const std::wstring& path, WORD machine);

// bridge_registration.cpp: olstate-monitor --install-addin/--uninstall-addin.
int run_monitor(const std::wstring& monitor, const std::wstring& args, const std::wstring& cwd,
                std::string* out = nullptr);
int registration(const std::wstring& monitor, const std::wstring& addin, const std::wstring& root);

// bridge_clients.cpp: the client processes.
void follow(uint32_t provider, const char* endpoint, const char* profile, bool may_set,
            const wintest::NamedEvent& change, const wintest::NamedEvent& go_away,
            const std::function<void()>& end_host = {});
void follow_reconnect(const std::string& endpoint, const std::wstring& tag, DWORD first_host);
void kill_process(DWORD pid);

// bridge_hosts.cpp: the host processes.
void addin_host(const std::wstring& mapi_path, const std::wstring& tag);
void addin_fast_exit(const std::wstring& mapi_path, const std::wstring& tag);
void addin_not_ready(const std::wstring& mapi_path);
void sim_host(const std::string& endpoint, const std::wstring& tag);
void sim_busy(const std::string& endpoint);

}  // namespace bridgetest
