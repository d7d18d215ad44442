// Windows: which Outlook this user has, from the registry and the process
// list (no COM, no MAPI). docs/outlook-detection.md lists what is read and
// where each location comes from.
#include <windows.h>
#include <tlhelp32.h>

#include <array>
#include <memory>

#include "base/win/win_util.h"
#include "outlook_facts.h"

namespace olstate::detect {
namespace {

using provider::win::RegKey;

// Office version keys that have a 64-bit Outlook and so a "Bitness" value:
// 2010 (14.0), 2013 (15.0), 2016 and every later one, Microsoft 365 included (16.0).
constexpr std::array<const wchar_t*, 3> kVersions = {L"16.0", L"15.0", L"14.0"};

// Microsoft, "Building MAPI Applications on 32-Bit and 64-Bit Platforms":
// HKLM\Software\Microsoft\Office\<version>\Outlook, REG_SZ "Bitness",
// "x86" or "x64". A Click-to-Run installation keeps its machine keys in its
// own virtual registry, visible from outside under ClickToRun\REGISTRY\MACHINE.
constexpr const wchar_t* kMsiKey = L"Software\\Microsoft\\Office\\";
constexpr const wchar_t* kClickToRunKey = L"Software\\Microsoft\\Office\\ClickToRun\\REGISTRY\\MACHINE\\Software\\Microsoft\\Office\\";

void read_installation(OutlookFacts& f) {
    for (const wchar_t* version : kVersions) {
        for (const REGSAM view : provider::win::registry_views()) {
            for (const bool click_to_run : {true, false}) {
                const RegKey key(HKEY_LOCAL_MACHINE,
                                 std::wstring(click_to_run ? kClickToRunKey : kMsiKey) + version + L"\\Outlook", view);
                const auto bitness = key.string(L"Bitness");
                if (!bitness) continue;
                f.classic_installed = true;
                f.classic_bitness = bitness_from_text(*bitness);
                f.classic_click_to_run = click_to_run;
                f.classic_version = provider::win::to_utf8(version);
                return;  // the newest version found wins
            }
        }
    }
}

// The toggle "Try the new Outlook" / "New Outlook" in classic Outlook:
// HKCU\Software\Microsoft\Office\16.0\Outlook\Preferences, REG_DWORD
// "UseNewOutlook", 1 when the user switched to the new Outlook. Microsoft
// documents no API for it; it is the value migration tools read to learn
// which Outlook a user prefers (Quest On Demand Migration, Desktop Update
// Agent release notes: "the user's registry keys for the UseNewOutlook
// setting"). Only the 16.0 key: the toggle exists in Microsoft 365 only.
void read_toggle(OutlookFacts& f) {
    const RegKey key(HKEY_CURRENT_USER, L"Software\\Microsoft\\Office\\16.0\\Outlook\\Preferences");
    const auto value = key.dword(L"UseNewOutlook");
    f.new_selected = value && *value != 0;
}

struct HandleCloser {
    void operator()(HANDLE h) const noexcept { CloseHandle(h); }
};

// OUTLOOK.EXE and olk.exe among the processes of the caller's Windows
// session: another user's Outlook on a terminal server is not this user's.
void read_processes(OutlookFacts& f) {
    DWORD own_session = 0;
    if (!ProcessIdToSessionId(GetCurrentProcessId(), &own_session)) return;
    const HANDLE raw = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (raw == INVALID_HANDLE_VALUE) return;
    const std::unique_ptr<void, HandleCloser> snapshot(raw);
    PROCESSENTRY32W entry{};
    entry.dwSize = sizeof entry;
    for (BOOL more = Process32FirstW(raw, &entry); more; more = Process32NextW(raw, &entry)) {
        const bool classic = lstrcmpiW(entry.szExeFile, L"OUTLOOK.EXE") == 0;
        const bool fresh = lstrcmpiW(entry.szExeFile, L"olk.exe") == 0;
        if (!classic && !fresh) continue;
        DWORD session = 0;
        if (!ProcessIdToSessionId(entry.th32ProcessID, &session) || session != own_session) continue;
        (classic ? f.classic_running : f.new_running) = true;
    }
}

}  // namespace

OutlookFacts probe_outlook() {
    OutlookFacts f;
    read_installation(f);
    read_toggle(f);
    read_processes(f);
    return f;
}

}  // namespace olstate::detect
