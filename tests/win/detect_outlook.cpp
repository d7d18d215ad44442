// olstate_detect_outlook under Wine: the registry facts (classic Outlook's
// Bitness under the MSI and the Click-to-Run keys, in either registry view;
// the user's UseNewOutlook toggle) and the process facts (copies of an idle
// program named OUTLOOK.EXE and olk.exe), each written, detected and
// removed again, and the verdict each combination gives.
//
// The keys are written into the test's own Wine prefix; each key the test
// creates is deleted at the end (and a key that already existed is left
// alone: the test then fails, since its facts would not be its own).
#include <windows.h>

#include <olstate.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "win_child.h"

namespace {

int g_failures = 0;

void check(bool ok, const std::string& what) {
    std::printf("%s: %s\n", ok ? "ok" : "FAIL", what.c_str());
    if (!ok) ++g_failures;
}

// Keys this test created, deepest last, for the cleanup.
struct CreatedKey {
    HKEY root;
    REGSAM view;
    std::wstring path;
};
std::vector<CreatedKey> g_created;

// Creates root\path (each missing parent noted) and sets a value in it.
bool write_value(HKEY root, REGSAM view, const std::wstring& path, const wchar_t* name, DWORD type,
                 const void* data, DWORD bytes) {
    std::wstring sofar;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t end = path.find(L'\\', start);
        sofar = path.substr(0, end == std::wstring::npos ? path.size() : end);
        HKEY key = nullptr;
        DWORD disposition = 0;
        if (RegCreateKeyExW(root, sofar.c_str(), 0, nullptr, 0, KEY_ALL_ACCESS | view, nullptr, &key, &disposition) !=
            ERROR_SUCCESS) {
            std::printf("FAIL: cannot create %s\n", wintest::narrow(sofar).c_str());
            return false;
        }
        if (disposition == REG_CREATED_NEW_KEY) g_created.push_back({root, view, sofar});
        if (end == std::wstring::npos) {
            const bool ok = RegSetValueExW(key, name, 0, type, static_cast<const BYTE*>(data), bytes) == ERROR_SUCCESS;
            RegCloseKey(key);
            return ok;
        }
        RegCloseKey(key);
        start = end + 1;
    }
    return false;
}

bool write_string(HKEY root, REGSAM view, const std::wstring& path, const wchar_t* name, const std::wstring& v) {
    return write_value(root, view, path, name, REG_SZ, v.c_str(), static_cast<DWORD>((v.size() + 1) * sizeof(wchar_t)));
}

bool write_dword(HKEY root, const std::wstring& path, const wchar_t* name, DWORD v) {
    return write_value(root, 0, path, name, REG_DWORD, &v, sizeof v);
}

void delete_value(HKEY root, REGSAM view, const std::wstring& path, const wchar_t* name) {
    HKEY key = nullptr;
    if (RegOpenKeyExW(root, path.c_str(), 0, KEY_SET_VALUE | view, &key) != ERROR_SUCCESS) return;
    RegDeleteValueW(key, name);
    RegCloseKey(key);
}

void remove_created_keys() {
    for (auto it = g_created.rbegin(); it != g_created.rend(); ++it)
        RegDeleteKeyExW(it->root, it->path.c_str(), it->view, 0);
    g_created.clear();
}

olstate_outlook_info detect() {
    olstate_outlook_info info;
    std::memset(&info, 0x5A, sizeof info);  // every field must be written
    info.struct_size = sizeof info;
    const olstate_result r = olstate_detect_outlook(&info);
    check(r == OLSTATE_OK, std::string("olstate_detect_outlook: ") + olstate_result_name(r) + " " +
                               olstate_last_error_message());
    return info;
}

std::string describe(const olstate_outlook_info& i) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "verdict %u installed %u bitness %u c2r %u version '%.15s' classic running %u new running %u "
                  "selected %u",
                  i.verdict, i.classic_installed, i.classic_bitness, i.classic_click_to_run, i.classic_version,
                  i.classic_running, i.new_running, i.new_selected);
    return buf;
}

const std::wstring kMsi = L"Software\\Microsoft\\Office\\16.0\\Outlook";
const std::wstring kClickToRun =
    L"Software\\Microsoft\\Office\\ClickToRun\\REGISTRY\\MACHINE\\Software\\Microsoft\\Office\\16.0\\Outlook";
const std::wstring kPreferences = L"Software\\Microsoft\\Office\\16.0\\Outlook\\Preferences";

void registry_facts() {
    olstate_outlook_info i = detect();
    check(i.verdict == OLSTATE_OUTLOOK_NONE && !i.classic_installed && !i.classic_running && !i.new_running &&
              !i.new_selected && i.classic_version[0] == '\0',
          "a prefix without Office: nothing, verdict NONE (" + describe(i) + ")");

    // A 32-bit MSI Office on 64-bit Windows writes into the 32-bit view.
    check(write_string(HKEY_LOCAL_MACHINE, KEY_WOW64_32KEY, kMsi, L"Bitness", L"x86"), "write MSI Bitness x86");
    i = detect();
    check(i.verdict == OLSTATE_OUTLOOK_CLASSIC && i.classic_installed == 1 && i.classic_bitness == 32 &&
              i.classic_click_to_run == 0 && std::string(i.classic_version) == "16.0",
          "MSI x86 in the 32-bit view: classic 16.0, 32-bit, not Click-to-Run (" + describe(i) + ")");
    delete_value(HKEY_LOCAL_MACHINE, KEY_WOW64_32KEY, kMsi, L"Bitness");

    check(write_string(HKEY_LOCAL_MACHINE, KEY_WOW64_64KEY, kClickToRun, L"Bitness", L"x64"),
          "write Click-to-Run Bitness x64");
    i = detect();
    check(i.verdict == OLSTATE_OUTLOOK_CLASSIC && i.classic_installed == 1 && i.classic_bitness == 64 &&
              i.classic_click_to_run == 1 && std::string(i.classic_version) == "16.0",
          "Click-to-Run x64: classic 16.0, 64-bit, Click-to-Run (" + describe(i) + ")");

    check(write_dword(HKEY_CURRENT_USER, kPreferences, L"UseNewOutlook", 1), "write UseNewOutlook 1");
    i = detect();
    check(i.new_selected == 1 && i.verdict == OLSTATE_OUTLOOK_NEW && i.classic_installed == 1,
          "the toggle on, nothing running: the new Outlook (" + describe(i) + ")");
    check(write_dword(HKEY_CURRENT_USER, kPreferences, L"UseNewOutlook", 0), "write UseNewOutlook 0");
    i = detect();
    check(i.new_selected == 0 && i.verdict == OLSTATE_OUTLOOK_CLASSIC, "the toggle off: classic (" + describe(i) + ")");
    check(write_string(HKEY_CURRENT_USER, 0, kPreferences, L"UseNewOutlook", L"1"), "write UseNewOutlook as text");
    i = detect();
    check(i.new_selected == 0, "a UseNewOutlook that is not a DWORD is ignored (" + describe(i) + ")");
    check(write_dword(HKEY_CURRENT_USER, kPreferences, L"UseNewOutlook", 1), "write UseNewOutlook 1 again");
}

void process_facts() {
    const std::wstring dir = wintest::dir_of(wintest::self_path()) + L"detect-outlook-children\\";
    wintest::remove_tree(dir);
    CreateDirectoryW(dir.c_str(), nullptr);
    const std::wstring idle = wintest::dir_of(wintest::self_path()) + L"olstate-win-idle.exe";
    if (!wintest::copy(idle, dir + L"OUTLOOK.EXE") || !wintest::copy(idle, dir + L"olk.exe")) {
        check(false, "copy the idle program");
        return;
    }
    {
        wintest::Child classic(dir + L"OUTLOOK.EXE", L"", dir);
        Sleep(500);  // let it appear in the process list
        olstate_outlook_info i = detect();
        check(i.classic_running == 1 && i.new_running == 0 && i.verdict == OLSTATE_OUTLOOK_CLASSIC,
              "OUTLOOK.EXE runs: classic, whatever the toggle says (" + describe(i) + ")");
        {
            wintest::Child fresh(dir + L"olk.exe", L"", dir);
            Sleep(500);
            i = detect();
            check(i.classic_running == 1 && i.new_running == 1 && i.verdict == OLSTATE_OUTLOOK_BOTH,
                  "OUTLOOK.EXE and olk.exe run: both (" + describe(i) + ")");
            classic.kill();
            classic.wait(5000);
            i = detect();
            check(i.classic_running == 0 && i.new_running == 1 && i.verdict == OLSTATE_OUTLOOK_NEW,
                  "olk.exe alone: the new Outlook (" + describe(i) + ")");
            fresh.kill();
            fresh.wait(5000);
        }
    }
    olstate_outlook_info i = detect();
    check(i.classic_running == 0 && i.new_running == 0, "both ended: neither runs (" + describe(i) + ")");
    wintest::remove_tree(dir);
}

}  // namespace

int wmain() {
    registry_facts();
    process_facts();
    remove_created_keys();
    const olstate_outlook_info i = detect();
    check(i.verdict == OLSTATE_OUTLOOK_NONE && !i.classic_installed && !i.new_selected,
          "after the cleanup: nothing again (" + describe(i) + ")");
    std::printf("%s: %d failure(s)\n", g_failures ? "FAIL" : "PASS", g_failures);
    return g_failures ? 1 : 0;
}
