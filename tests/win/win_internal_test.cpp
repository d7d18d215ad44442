// The Windows provider's internal pieces, through their C++ interfaces:
// path rules, registry reading, ANSI conversion and the locator's candidate
// list (order, olmapi32 first, duplicates, bare names kept for the error
// message but never loaded). Runs under Wine; writes only keys it removes.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>

#include "provider/com/win/mapi_locator.h"
#include "base/win/win_util.h"

using namespace olstate::provider::win;

namespace {

// A registry key for one test, deleted with everything under it afterwards.
class TempKey {
public:
    TempKey(HKEY root, std::wstring path) : root_(root), path_(std::move(path)) {
        HKEY k = nullptr;
        if (RegCreateKeyExW(root_, path_.c_str(), 0, nullptr, 0, KEY_WRITE, nullptr, &k, nullptr) == ERROR_SUCCESS)
            RegCloseKey(k);
    }
    ~TempKey() { RegDeleteTreeW(root_, path_.c_str()); }
    TempKey(const TempKey&) = delete;
    TempKey& operator=(const TempKey&) = delete;
    void set(const wchar_t* name, DWORD type, const std::wstring& data) const {
        HKEY k = nullptr;
        REQUIRE(RegOpenKeyExW(root_, path_.c_str(), 0, KEY_WRITE, &k) == ERROR_SUCCESS);
        // data.size() + 1 characters: the string and one NUL (a MULTI_SZ's
        // own embedded NULs are part of `data`).
        RegSetValueExW(k, name, 0, type, reinterpret_cast<const BYTE*>(data.c_str()),
                       static_cast<DWORD>((data.size() + 1) * sizeof(wchar_t)));
        RegCloseKey(k);
    }
    const std::wstring& path() const { return path_; }

private:
    HKEY root_;
    std::wstring path_;
};

bool mail_client_key_exists() {
    HKEY k = nullptr;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"Software\\Clients\\Mail\\Microsoft Outlook", 0, KEY_READ, &k) !=
        ERROR_SUCCESS)
        return false;
    RegCloseKey(k);
    return true;
}

}  // namespace

TEST_CASE("full paths only") {
    CHECK(is_full_path(L"C:\\Program Files\\Microsoft Office\\root\\Office16\\olmapi32.dll"));
    CHECK(is_full_path(L"c:/office/olmapi32.dll"));
    CHECK(is_full_path(L"\\\\server\\share\\olmapi32.dll"));
    CHECK(is_full_path(L"\\\\?\\C:\\office\\olmapi32.dll"));
    CHECK_FALSE(is_full_path(L"olmapi32.dll"));
    CHECK_FALSE(is_full_path(L".\\olmapi32.dll"));
    CHECK_FALSE(is_full_path(L"office\\olmapi32.dll"));
    CHECK_FALSE(is_full_path(L"C:olmapi32.dll"));  // relative to drive C's current directory
    CHECK_FALSE(is_full_path(L"\\olmapi32.dll"));  // relative to the current drive
    CHECK_FALSE(is_full_path(L""));
}

TEST_CASE("file names and folders") {
    CHECK(file_name_of(L"C:\\a\\b\\OLMAPI32.DLL") == L"OLMAPI32.DLL");
    CHECK(directory_of(L"C:\\a\\b\\OLMAPI32.DLL") == L"C:\\a\\b\\");
    CHECK(directory_of(L"olmapi32.dll").empty());
    CHECK(iequals(L"OUTLOOK.EXE", L"outlook.exe"));
    CHECK_FALSE(iequals(L"OUTLOOK.EXE", L"outlook.ex"));
    CHECK(is_outlook_mapi_file(L"C:\\x\\OlMapi32.dll"));
    CHECK(is_outlook_mapi_file(L"C:\\x\\MSMAPI32.DLL"));
    CHECK_FALSE(is_outlook_mapi_file(L"C:\\x\\mapi32.dll"));
    CHECK_FALSE(is_outlook_mapi_file(L"C:\\x\\olstate_sim.dll"));
}

TEST_CASE("ANSI conversion keeps embedded NULs") {
    const std::wstring multi(L"Software\\Microsoft\\Office\0LastUILanguage\0\0", 43);
    const std::string ansi = to_ansi(multi);
    CHECK(ansi.size() == multi.size());
    CHECK(from_ansi(ansi) == multi);
    CHECK(to_utf8(L"D\u00e9faut") == "D\xc3\xa9" "faut");
    CHECK(to_wide("D\xc3\xa9" "faut") == L"D\u00e9faut");
}

TEST_CASE("registry values") {
    const TempKey key(HKEY_CURRENT_USER, L"Software\\olstate-test-" + std::to_wstring(GetCurrentProcessId()));
    key.set(L"sz", REG_SZ, L"plain");
    key.set(L"empty", REG_SZ, L"");
    SetEnvironmentVariableW(L"OLSTATE_TEST_DIR", L"C:\\office");
    key.set(L"expand", REG_EXPAND_SZ, L"%OLSTATE_TEST_DIR%\\olmapi32.dll");
    key.set(L"multi", REG_MULTI_SZ, std::wstring(L"first\0second\0", 13));
    const DWORD number = 7;
    {
        HKEY k = nullptr;
        REQUIRE(RegOpenKeyExW(HKEY_CURRENT_USER, key.path().c_str(), 0, KEY_WRITE, &k) == ERROR_SUCCESS);
        RegSetValueExW(k, L"dword", 0, REG_DWORD, reinterpret_cast<const BYTE*>(&number), sizeof number);
        RegCloseKey(k);
    }
    const RegKey k(HKEY_CURRENT_USER, key.path());
    REQUIRE(static_cast<bool>(k));
    CHECK(k.string(L"sz") == std::wstring(L"plain"));
    CHECK_FALSE(k.string(L"empty"));
    CHECK_FALSE(k.string(L"missing"));
    CHECK_FALSE(k.string(L"dword"));
    CHECK(k.string(L"expand") == std::wstring(L"C:\\office\\olmapi32.dll"));
    CHECK(k.string(L"multi") == std::wstring(L"first"));
    CHECK(k.multi_string(L"multi") == std::wstring(L"first\0second\0\0", 14));
    CHECK(k.multi_string(L"sz") == std::wstring(L"plain\0\0", 7));
    CHECK_FALSE(k.multi_string(L"empty"));
    CHECK_FALSE(static_cast<bool>(RegKey(HKEY_CURRENT_USER, key.path() + L"\\nope")));
}

TEST_CASE("registry views") {
    const auto views = registry_views();
    REQUIRE(!views.empty());
    CHECK(views.front() == 0);  // this process's own view first
#if defined(_WIN64)
    CHECK(views.size() == 2);
#endif
}

TEST_CASE("the locator's candidates: olmapi32 first, no duplicates, places named") {
    if (mail_client_key_exists()) {
        MESSAGE("skipped: HKLM\\Software\\Clients\\Mail\\Microsoft Outlook exists in this registry");
        return;
    }
    const TempKey client(HKEY_LOCAL_MACHINE, L"Software\\Clients\\Mail\\Microsoft Outlook");
    client.set(L"DllPathEx", REG_SZ, L"C:\\old\\msmapi32.dll");
    client.set(L"DllPath", REG_SZ, L"C:\\OLD\\MSMAPI32.DLL");  // the same file: listed once
    client.set(L"MSIApplicationLCID", REG_MULTI_SZ, std::wstring(L"Software\\x\0LCID\0", 16));
    const Search s = mapi_candidates();
    REQUIRE(!s.candidates.empty());
    CHECK(iequals(s.candidates.front().path, L"C:\\old\\msmapi32.dll"));
    int count = 0;
    for (const auto& c : s.candidates) count += iequals(c.path, L"C:\\old\\msmapi32.dll") ? 1 : 0;
    CHECK(count == 1);
    CHECK(s.candidates.front().source.find("DllPathEx") != std::string::npos);

    client.set(L"DllPath", REG_SZ, L"C:\\new\\olmapi32.dll");
    const Search t = mapi_candidates();
    REQUIRE(t.candidates.size() >= 2);
    CHECK(iequals(t.candidates[0].path, L"C:\\new\\olmapi32.dll"));  // olmapi32 moves ahead
    CHECK(iequals(t.candidates[1].path, L"C:\\old\\msmapi32.dll"));
    bool named_msi = false, named_component = false;
    for (const auto& n : t.nothing) {
        named_msi |= n.find("MsiProvideQualifiedComponentW") != std::string::npos;
        named_component |= n.find("FGetComponentPath") != std::string::npos;
    }
    for (const auto& c : t.candidates) named_component |= c.source.find("FGetComponentPath") != std::string::npos;
    CHECK(named_msi);
    CHECK(named_component);
}
