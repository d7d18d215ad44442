// Reading, snapshotting and cleaning the registry for the bridge test.
#include "bridge_test.h"

using namespace wintest;

namespace bridgetest {

std::wstring reg_string(REGSAM view, const std::wstring& path, const wchar_t* name) {
    wchar_t buf[2048] = {};
    DWORD bytes = sizeof buf - sizeof(wchar_t);
    if (RegGetValueW(HKEY_CURRENT_USER, path.c_str(), name, RRF_RT_REG_SZ | (view == KEY_WOW64_32KEY ? RRF_SUBKEY_WOW6432KEY : view == KEY_WOW64_64KEY ? RRF_SUBKEY_WOW6464KEY : 0),
                     nullptr, buf, &bytes) != ERROR_SUCCESS)
        return L"";
    return buf;
}

DWORD reg_dword(const std::wstring& path, const wchar_t* name) {
    DWORD v = 0, bytes = sizeof v;
    if (RegGetValueW(HKEY_CURRENT_USER, path.c_str(), name, RRF_RT_REG_DWORD, nullptr, &v, &bytes) != ERROR_SUCCESS)
        return 0xFFFFFFFF;
    return v;
}

bool key_exists(REGSAM view, const std::wstring& path) {
    HKEY k = nullptr;
    if (RegOpenKeyExW(HKEY_CURRENT_USER, path.c_str(), 0, KEY_READ | view, &k) != ERROR_SUCCESS) return false;
    RegCloseKey(k);
    return true;
}

// Every key and value under `path`, one per line, sorted as enumerated.
void dump(HKEY key, const std::wstring& path, std::string& out) {
    out += narrow(path) + "\n";
    for (DWORD i = 0;; ++i) {
        wchar_t name[16384];
        DWORD name_len = 16384, type = 0, bytes = 0;
        if (RegEnumValueW(key, i, name, &name_len, nullptr, &type, nullptr, &bytes) != ERROR_SUCCESS) break;
        std::vector<BYTE> data(bytes + 2);
        name_len = 16384;
        DWORD got = bytes;
        RegEnumValueW(key, i, name, &name_len, nullptr, &type, data.data(), &got);
        out += "  " + narrow(name) + " type " + std::to_string(type) + " bytes " + std::to_string(got) + " " +
               std::string(data.begin(), data.begin() + got) + "\n";
    }
    for (DWORD i = 0;; ++i) {
        wchar_t name[256];
        DWORD name_len = 256;
        if (RegEnumKeyExW(key, i, name, &name_len, nullptr, nullptr, nullptr, nullptr) != ERROR_SUCCESS) break;
        HKEY sub = nullptr;
        if (RegOpenKeyExW(key, name, 0, KEY_READ, &sub) == ERROR_SUCCESS) {
            dump(sub, path + L"\\" + name, out);
            RegCloseKey(sub);
        }
    }
}

std::string snapshot() {
    std::string out;
    for (const wchar_t* root : {L"Software\\Classes", L"Software\\Microsoft\\Office", L"Software\\olstate"}) {
        for (REGSAM view : {REGSAM(KEY_WOW64_64KEY), REGSAM(KEY_WOW64_32KEY)}) {
            HKEY k = nullptr;
            if (RegOpenKeyExW(HKEY_CURRENT_USER, root, 0, KEY_READ | view, &k) != ERROR_SUCCESS) {
                out += narrow(root) + " (absent)\n";
                continue;
            }
            dump(k, root, out);
            RegCloseKey(k);
        }
    }
    return out;
}

bool before_had(const std::string& snap, const wchar_t* path) {
    return snap.find("\n" + narrow(path) + "\n") != std::string::npos;
}

void delete_if_empty(const wchar_t* path) {
    HKEY k = nullptr;
    if (RegOpenKeyExW(HKEY_CURRENT_USER, path, 0, KEY_READ, &k) != ERROR_SUCCESS) return;
    DWORD subkeys = 1, values = 1;
    RegQueryInfoKeyW(k, nullptr, nullptr, nullptr, &subkeys, nullptr, nullptr, &values, nullptr, nullptr, nullptr,
                     nullptr);
    RegCloseKey(k);
    if (subkeys == 0 && values == 0) RegDeleteKeyW(HKEY_CURRENT_USER, path);
}


bool clsid_is_redirected() {
    const std::wstring probe = L"Software\\Classes\\CLSID\\{0D5E3A4C-1B2F-4E6A-8C7D-olstateprobe}";
    HKEY k = nullptr;
    if (RegCreateKeyExW(HKEY_CURRENT_USER, probe.c_str(), 0, nullptr, 0, KEY_WRITE | KEY_WOW64_32KEY, nullptr, &k,
                        nullptr) != ERROR_SUCCESS)
        return false;
    RegCloseKey(k);
    const bool shared = key_exists(KEY_WOW64_64KEY, probe);
    RegDeleteKeyExW(HKEY_CURRENT_USER, probe.c_str(), KEY_WOW64_32KEY, 0);
    return !shared;
}

// A file holding only the headers of a DLL for `machine`: all the
// registration reads to pick the registry view.
void write_dll_header(const std::wstring& path, WORD machine) {
    HANDLE f = CreateFileW(path.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, 0, nullptr);
    std::vector<BYTE> image(512, 0);
    auto* dos = reinterpret_cast<IMAGE_DOS_HEADER*>(image.data());
    dos->e_magic = IMAGE_DOS_SIGNATURE;
    dos->e_lfanew = 0x80;
    *reinterpret_cast<DWORD*>(image.data() + 0x80) = IMAGE_NT_SIGNATURE;
    auto* file = reinterpret_cast<IMAGE_FILE_HEADER*>(image.data() + 0x84);
    file->Machine = machine;
    file->Characteristics = IMAGE_FILE_DLL | IMAGE_FILE_EXECUTABLE_IMAGE;
    DWORD put = 0;
    WriteFile(f, image.data(), static_cast<DWORD>(image.size()), &put, nullptr);
    CloseHandle(f);
}

// Registration alone: keys, values, views, and an exact uninstall.

}  // namespace bridgetest
