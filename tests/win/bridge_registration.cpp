// olstate-monitor --install-addin / --uninstall-addin, checked in the registry.
#include "bridge_test.h"

using namespace wintest;
using namespace olstate::addin;

namespace bridgetest {

int run_monitor(const std::wstring& monitor, const std::wstring& args, const std::wstring& cwd, std::string* out) {
    Child c(monitor, args, cwd);
    const int code = c.wait(kStepMs);
    std::printf("$ olstate-monitor %s -> %d\n%s", narrow(args).c_str(), code, c.output().c_str());
    if (out) *out = c.output();
    return code;
}

// Whether a key created in the 32-bit view of HKCU\Software\Classes\CLSID
// stays out of the 64-bit view (Windows 7 and later: yes; Wine 8: no).

int registration(const std::wstring& monitor, const std::wstring& addin, const std::wstring& root) {
    int failed = 0;
    const auto check = [&](bool ok, const char* what) {
        std::printf("registration: %s: %s\n", what, ok ? "ok" : "FAILED");
        if (!ok) ++failed;
    };
    // 1. The 64-bit add-in, on a registry without any Office key.
    const std::string before = snapshot();
    std::string said;
    check(run_monitor(monitor, L"--install-addin --addin-path " + quote(addin), root, &said) == 0, "install exits 0");
    // The view is chosen from the DLL's PE header (what Wine's shared
    // CLSID key cannot show): the monitor says which one it wrote.
    check(said.find("(64-bit view)") != std::string::npos, "the x64 DLL goes to the 64-bit view");
    check(reg_dword(kAddinsKey, L"LoadBehavior") == 3, "LoadBehavior is 3");
    check(reg_string(0, kAddinsKey, L"FriendlyName") == kFriendlyName, "FriendlyName");
    check(!reg_string(0, kAddinsKey, L"Description").empty(), "Description");
    check(reg_string(0, kProgIdKey + L"\\CLSID", nullptr) == kClsidText, "ProgID -> CLSID");
    check(_wcsicmp(reg_string(KEY_WOW64_64KEY, kClsidKey + L"\\InprocServer32", nullptr).c_str(), addin.c_str()) == 0,
          "InprocServer32 (64-bit view) names the DLL");
    check(reg_string(KEY_WOW64_64KEY, kClsidKey + L"\\InprocServer32", L"ThreadingModel") == L"Apartment",
          "ThreadingModel Apartment");
    check(reg_string(KEY_WOW64_64KEY, kClsidKey + L"\\ProgID", nullptr) == kProgId, "CLSID -> ProgID");
    // Windows keeps a 32-bit HKCU\Software\Classes\CLSID apart (Wow6432Node);
    // Wine 8 shares one, so what can be checked depends on the registry.
    const bool redirected = clsid_is_redirected();
    std::printf("registration: this registry %s HKCU\\Software\\Classes\\CLSID per bitness\n",
                redirected ? "redirects" : "does not redirect (Wine)");
    if (redirected) check(!key_exists(KEY_WOW64_32KEY, kClsidKey), "nothing in the 32-bit view");
    check(run_monitor(monitor, L"--install-addin --addin-path " + quote(addin), root) == 0, "installing twice");
    check(run_monitor(monitor, L"--uninstall-addin", root) == 0, "uninstall exits 0");
    const std::string after = snapshot();
    check(before == after, "uninstall leaves the registry as it was");
    if (before != after) std::printf("before:\n%s\nafter:\n%s\n", before.c_str(), after.c_str());

    // 2. A 32-bit DLL next to another add-in's key: the CLSID lands where
    // 32-bit Outlook reads it, and the other add-in survives the uninstall.
    HKEY other = nullptr;
    const std::wstring other_key = L"Software\\Microsoft\\Office\\Outlook\\Addins\\Other.Addin";
    RegCreateKeyExW(HKEY_CURRENT_USER, other_key.c_str(), 0, nullptr, 0, KEY_WRITE, nullptr, &other, nullptr);
    const DWORD three = 3;
    RegSetValueExW(other, L"LoadBehavior", 0, REG_DWORD, reinterpret_cast<const BYTE*>(&three), sizeof three);
    RegCloseKey(other);
    const std::wstring dll32 = root + L"olstate_addin32.dll";
    write_dll_header(dll32, IMAGE_FILE_MACHINE_I386);
    const std::string before32 = snapshot();
    check(run_monitor(monitor, L"--install-addin --addin-path " + quote(dll32), root, &said) == 0, "install (x86 DLL)");
    check(said.find("(32-bit view)") != std::string::npos, "the x86 DLL goes to the 32-bit view");
    check(_wcsicmp(reg_string(KEY_WOW64_32KEY, kClsidKey + L"\\InprocServer32", nullptr).c_str(), dll32.c_str()) == 0,
          "InprocServer32 in the 32-bit view names the x86 DLL");
    if (redirected) {
        check(key_exists(KEY_WOW64_64KEY, L"Software\\Classes\\Wow6432Node\\CLSID\\" + std::wstring(kClsidText)),
              "the 32-bit view is Software\\Classes\\Wow6432Node\\CLSID");
        check(!key_exists(KEY_WOW64_64KEY, kClsidKey), "nothing in the 64-bit view");
    }
    check(run_monitor(monitor, L"--uninstall-addin", root) == 0, "uninstall (x86 DLL)");
    check(before32 == snapshot(), "uninstall leaves the other add-in and everything else");
    check(reg_dword(other_key, L"LoadBehavior") == 3, "the other add-in's key is untouched");
    RegDeleteTreeW(HKEY_CURRENT_USER, other_key.c_str());
    for (const wchar_t* parent : {L"Software\\Microsoft\\Office\\Outlook\\Addins", L"Software\\Microsoft\\Office\\Outlook",
                                  L"Software\\Microsoft\\Office"})
        if (!before_had(before, parent)) delete_if_empty(parent);
    check(before == snapshot(), "registry back to the start");

    // 3. Without --addin-path: olstate_addin.dll next to the monitor.
    const std::wstring beside = dir_of(monitor) + kDllName;
    check(CopyFileW(addin.c_str(), beside.c_str(), FALSE) != 0, "add-in copied next to the monitor");
    check(run_monitor(monitor, L"--install-addin", root) == 0, "install with the default path");
    check(_wcsicmp(reg_string(0, kClsidKey + L"\\InprocServer32", nullptr).c_str(), beside.c_str()) == 0,
          "the default path is next to olstate-monitor.exe");
    check(run_monitor(monitor, L"--uninstall-addin", root) == 0 && before == snapshot(), "and uninstalled");
    DeleteFileW(beside.c_str());

    // 4. Refusals and usage errors: the registry stays untouched.
    std::string out;
    const std::wstring arm = root + L"olstate_addin_arm64.dll";
    write_dll_header(arm, 0xAA64 /* IMAGE_FILE_MACHINE_ARM64 */);
    check(run_monitor(monitor, L"--install-addin --addin-path " + quote(arm), root, &out) == 1 &&
              out.find("ARM64") != std::string::npos,
          "an ARM64 DLL is refused");
    check(run_monitor(monitor, L"--install-addin --addin-path " + quote(monitor), root, &out) == 1 &&
              out.find("not a Windows DLL") != std::string::npos,
          "an EXE is refused");
    check(before == snapshot(), "refusals write nothing");
    check(run_monitor(monitor, L"--install-addin --addin-path " + quote(root + L"missing.dll"), root, &out) == 1 &&
              out.find("does not exist") != std::string::npos,
          "a missing DLL is refused");
    check(run_monitor(monitor, L"--uninstall-addin --addin-path x", root) == 2, "--addin-path with uninstall");
    check(run_monitor(monitor, L"--install-addin --uninstall-addin", root) == 2, "both at once");
    check(run_monitor(monitor, L"--uninstall-addin", root, &out) == 0 &&
              out.find("was not registered") != std::string::npos,
          "uninstall with nothing registered");
    return failed;
}

// The BUSY case alone, in a child (a crash there must fail this test only).

}  // namespace bridgetest
