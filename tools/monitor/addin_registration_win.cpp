// olstate-monitor --install-addin / --uninstall-addin on Windows.
//
// Writes only HKEY_CURRENT_USER (no administrator rights needed):
//   Software\Microsoft\Office\Outlook\Addins\<ProgID>   LoadBehavior=3, FriendlyName, Description
//   Software\Classes\<ProgID>\CLSID                     {clsid}
//   Software\Classes\CLSID\{clsid}\InprocServer32       full DLL path, ThreadingModel=Apartment
//   Software\Classes\CLSID\{clsid}\ProgID               <ProgID>
// On 64-bit Windows HKCU\Software\Classes\CLSID is redirected per bitness:
// a 32-bit process (32-bit Outlook) reads Software\Classes\Wow6432Node\CLSID.
// The CLSID keys are therefore written in the view that matches the DLL's
// own machine type (read from its PE header), whatever the monitor's
// bitness; ProgID and the Office Addins key are shared by both views.
// Registering the 32-bit and the 64-bit DLL one after the other serves
// either Outlook.
//
// Every key the installation had to create is listed in a value of the
// add-in's own Addins key, so --uninstall-addin removes exactly those and the
// add-in's keys, and leaves anything that existed before.
#include <windows.h>

#include <shellapi.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../addin/addin_ids.h"
#include "addin_registration.h"
#include "win_registry.h"

namespace olstate_monitor {
namespace {

using namespace olstate::addin;
using reg::KeyRef;

const std::wstring kAddinsKey = std::wstring(L"Software\\Microsoft\\Office\\Outlook\\Addins\\") + kProgId;
const std::wstring kProgIdKey = std::wstring(L"Software\\Classes\\") + kProgId;
const std::wstring kClsidKey = std::wstring(L"Software\\Classes\\CLSID\\") + kClsidText;
const wchar_t* const kRecordValue = L"olstate.CreatedKeys";  // what the installation created

std::string narrow(const std::wstring& w) {
    const int n = WideCharToMultiByte(CP_UTF8, 0, w.c_str(), static_cast<int>(w.size()), nullptr, 0, nullptr, nullptr);
    std::string s(static_cast<std::size_t>(n > 0 ? n : 0), '\0');
    if (n > 0) WideCharToMultiByte(CP_UTF8, 0, w.c_str(), static_cast<int>(w.size()), s.data(), n, nullptr, nullptr);
    return s;
}

const char* view_name(REGSAM view) {
    return view == KEY_WOW64_32KEY ? "32-bit view" : view == KEY_WOW64_64KEY ? "64-bit view" : "shared";
}

// "32|path", "64|path" or "0|path".
std::wstring encode(const KeyRef& k) {
    return (k.view == KEY_WOW64_32KEY ? L"32|" : k.view == KEY_WOW64_64KEY ? L"64|" : L"0|") + k.path;
}
KeyRef decode(const std::wstring& s) {
    const auto bar = s.find(L'|');
    if (bar == std::wstring::npos) return {0, s};
    const std::wstring v = s.substr(0, bar);
    return {v == L"32" ? REGSAM(KEY_WOW64_32KEY) : v == L"64" ? REGSAM(KEY_WOW64_64KEY) : REGSAM(0), s.substr(bar + 1)};
}

// A file handle, closed on destruction.
struct File {
    HANDLE h;
    explicit File(HANDLE handle) : h(handle) {}
    ~File() {
        if (h != INVALID_HANDLE_VALUE) CloseHandle(h);
    }
    File(const File&) = delete;
    File& operator=(const File&) = delete;
};

// The registry view a DLL's bitness belongs to, from its PE header.
REGSAM view_for_dll(const std::wstring& path) {
    const File file(CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING, 0, nullptr));
    if (file.h == INVALID_HANDLE_VALUE)
        throw std::runtime_error("cannot open " + narrow(path) + " (Windows error " + std::to_string(GetLastError()) + ")");
    IMAGE_DOS_HEADER dos{};
    DWORD signature = 0;
    IMAGE_FILE_HEADER header{};
    DWORD got = 0;
    const bool ok = ReadFile(file.h, &dos, sizeof dos, &got, nullptr) && got == sizeof dos &&
                    dos.e_magic == IMAGE_DOS_SIGNATURE &&
                    SetFilePointer(file.h, dos.e_lfanew, nullptr, FILE_BEGIN) != INVALID_SET_FILE_POINTER &&
                    ReadFile(file.h, &signature, sizeof signature, &got, nullptr) && got == sizeof signature &&
                    signature == IMAGE_NT_SIGNATURE && ReadFile(file.h, &header, sizeof header, &got, nullptr) &&
                    got == sizeof header;
    if (!ok || !(header.Characteristics & IMAGE_FILE_DLL))
        throw std::runtime_error(narrow(path) + " is not a Windows DLL");
    if (header.Machine == IMAGE_FILE_MACHINE_I386) return KEY_WOW64_32KEY;
    if (header.Machine == IMAGE_FILE_MACHINE_AMD64) return KEY_WOW64_64KEY;
    throw std::runtime_error(narrow(path) + " is neither an x86 nor an x64 DLL (ARM64 Outlook is not served)");
}

std::wstring default_dll_path() {
    std::wstring self(32768, L'\0');
    self.resize(GetModuleFileNameW(nullptr, self.data(), static_cast<DWORD>(self.size())));
    return self.substr(0, self.find_last_of(L"\\/") + 1) + kDllName;
}

std::wstring full_path(const std::wstring& path) {
    std::wstring out(32768, L'\0');
    const DWORD n = GetFullPathNameW(path.c_str(), static_cast<DWORD>(out.size()), out.data(), nullptr);
    if (n == 0 || n >= out.size()) throw std::runtime_error("bad path " + narrow(path));
    out.resize(n);
    return out;
}

std::vector<KeyRef> read_record() {
    std::vector<KeyRef> record;
    if (const reg::Key addin = reg::open({0, kAddinsKey}))
        for (const auto& item : addin.multi_string(kRecordValue)) record.push_back(decode(item));
    return record;
}

void add_unique(std::vector<KeyRef>& list, const KeyRef& k) {
    for (const auto& existing : list)
        if (existing == k) return;
    list.push_back(k);
}

int install(const std::wstring& requested_path) {
    const std::wstring dll = full_path(requested_path.empty() ? default_dll_path() : requested_path);
    if (GetFileAttributesW(dll.c_str()) == INVALID_FILE_ATTRIBUTES)
        throw std::runtime_error(narrow(dll) + " does not exist (use --addin-path PATH)");
    const REGSAM view = view_for_dll(dll);

    std::vector<KeyRef> created = read_record();  // an earlier installation's, kept
    std::vector<KeyRef> now;
    {
        const reg::Key progid = reg::create({0, kProgIdKey}, now);
        progid.set_string(nullptr, kFriendlyName);
        reg::create({0, kProgIdKey + L"\\CLSID"}, now).set_string(nullptr, kClsidText);
    }
    {
        reg::create({view, kClsidKey}, now).set_string(nullptr, kFriendlyName);
        const reg::Key server = reg::create({view, kClsidKey + L"\\InprocServer32"}, now);
        server.set_string(nullptr, dll);
        server.set_string(L"ThreadingModel", L"Apartment");  // Outlook creates add-ins on its STA main thread
        reg::create({view, kClsidKey + L"\\ProgID"}, now).set_string(nullptr, kProgId);
    }
    const reg::Key addin = reg::create({0, kAddinsKey}, now);
    addin.set_dword(L"LoadBehavior", 3);  // load at startup, currently loaded
    addin.set_string(L"FriendlyName", kFriendlyName);
    addin.set_string(L"Description", kDescription);
    for (const auto& k : now) add_unique(created, k);
    std::vector<std::wstring> record;
    for (const auto& k : created) record.push_back(encode(k));
    addin.set_multi_string(kRecordValue, record);

    std::printf("registered the olstate Outlook add-in for the current user\n");
    std::printf("  HKCU\\%s (LoadBehavior 3)\n", narrow(kAddinsKey).c_str());
    std::printf("  HKCU\\%s\\CLSID = %s\n", narrow(kProgIdKey).c_str(), narrow(kClsidText).c_str());
    std::printf("  HKCU\\%s\\InprocServer32 (%s) = %s\n", narrow(kClsidKey).c_str(), view_name(view),
                narrow(dll).c_str());
    std::printf("Restart Outlook to load it.\n");
    return 0;
}

int uninstall() {
    std::vector<KeyRef> record = read_record();
    // The add-in's own keys, in both views (either bitness may have been registered).
    const KeyRef own[] = {{0, kAddinsKey}, {0, kProgIdKey}, {KEY_WOW64_64KEY, kClsidKey}, {KEY_WOW64_32KEY, kClsidKey}};
    bool removed = false;
    for (const auto& k : own) {
        if (reg::delete_tree(k)) {
            std::printf("removed HKCU\\%s (%s)\n", narrow(k.path).c_str(), view_name(k.view));
            removed = true;
        }
    }
    // Then the parents the installation created, innermost first, if nothing else lives there now.
    for (auto it = record.rbegin(); it != record.rend(); ++it) {
        if (reg::delete_if_empty(*it)) std::printf("removed HKCU\\%s (created by --install-addin)\n", narrow(it->path).c_str());
    }
    if (!removed) std::printf("the olstate Outlook add-in was not registered for the current user\n");
    return 0;
}

// argv as UTF-16 (a path may hold characters outside the ANSI code page).
std::vector<std::wstring> wide_args() {
    int n = 0;
    const std::unique_ptr<LPWSTR, decltype(&LocalFree)> args(CommandLineToArgvW(GetCommandLineW(), &n), &LocalFree);
    std::vector<std::wstring> out;
    for (int i = 0; args && i < n; ++i) out.emplace_back(args.get()[i]);
    return out;
}

}  // namespace

int addin_command(int, char**) {
    const std::vector<std::wstring> args = wide_args();
    bool do_install = false, do_uninstall = false, have_path = false;
    std::wstring path;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == L"--install-addin") do_install = true;
        else if (args[i] == L"--uninstall-addin") do_uninstall = true;
        else if (args[i] == L"--addin-path") {
            if (i + 1 >= args.size()) {
                std::fprintf(stderr, "olstate-monitor: --addin-path needs a value\n");
                return 2;
            }
            have_path = true;
            path = args[++i];
        }
    }
    if (!do_install && !do_uninstall) {
        if (!have_path) return -1;
        std::fprintf(stderr, "olstate-monitor: --addin-path goes with --install-addin\n");
        return 2;
    }
    if (do_install && do_uninstall) {
        std::fprintf(stderr, "olstate-monitor: --install-addin and --uninstall-addin exclude each other\n");
        return 2;
    }
    if (do_uninstall && have_path) {
        std::fprintf(stderr, "olstate-monitor: --addin-path goes with --install-addin\n");
        return 2;
    }
    const std::size_t expected = 2 + (have_path ? 2 : 0);
    if (args.size() != expected) {
        std::fprintf(stderr, "olstate-monitor: --install-addin/--uninstall-addin take no other options\n");
        return 2;
    }
    try {
        return do_install ? install(path) : uninstall();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "olstate-monitor: %s failed: %s\n", do_install ? "--install-addin" : "--uninstall-addin",
                     e.what());
        return 1;
    }
}

}  // namespace olstate_monitor
