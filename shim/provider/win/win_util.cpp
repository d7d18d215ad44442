#include "win_util.h"

#include <vector>

#include "../../text/utf.h"

namespace olstate::provider::win {

RegKey::RegKey(HKEY root, const std::wstring& path, REGSAM extra) {
    if (RegOpenKeyExW(root, path.c_str(), 0, KEY_READ | extra, &key_) != ERROR_SUCCESS) key_ = nullptr;
}

RegKey::~RegKey() {
    if (key_) RegCloseKey(key_);
}

std::optional<std::wstring> RegKey::string(const wchar_t* name) const {
    if (!key_) return std::nullopt;
    DWORD type = 0, bytes = 0;
    if (RegQueryValueExW(key_, name, nullptr, &type, nullptr, &bytes) != ERROR_SUCCESS) return std::nullopt;
    if (type != REG_SZ && type != REG_EXPAND_SZ && type != REG_MULTI_SZ) return std::nullopt;
    std::vector<wchar_t> buf(bytes / sizeof(wchar_t) + 2, L'\0');
    if (RegQueryValueExW(key_, name, nullptr, &type, reinterpret_cast<BYTE*>(buf.data()), &bytes) !=
        ERROR_SUCCESS)
        return std::nullopt;
    std::wstring value(buf.data());  // up to the first NUL (first string of a MULTI_SZ)
    if (type == REG_EXPAND_SZ) {
        const DWORD n = ExpandEnvironmentStringsW(value.c_str(), nullptr, 0);
        std::vector<wchar_t> out(n + 1, L'\0');
        if (n && ExpandEnvironmentStringsW(value.c_str(), out.data(), n)) value = out.data();
    }
    if (value.empty()) return std::nullopt;
    return value;
}

std::string to_utf8(const std::wstring& s) {
    return text::utf16_to_utf8(std::u16string(s.begin(), s.end()));
}

std::wstring to_wide(const std::string& s) {
    const auto u16 = text::utf8_to_utf16(s);
    return u16 ? std::wstring(u16->begin(), u16->end()) : std::wstring();
}

std::wstring system_directory() {
    wchar_t buf[MAX_PATH + 1] = {};
    const UINT n = GetSystemDirectoryW(buf, MAX_PATH);
    return std::wstring(buf, n > MAX_PATH ? 0 : n);
}

std::wstring module_path(HMODULE module) {
    std::wstring buf(32768, L'\0');
    const DWORD n = GetModuleFileNameW(module, buf.data(), static_cast<DWORD>(buf.size()));
    buf.resize(n < buf.size() ? n : 0);
    return buf;
}

std::wstring directory_of(const std::wstring& path) {
    const auto slash = path.find_last_of(L"\\/");
    return slash == std::wstring::npos ? std::wstring() : path.substr(0, slash + 1);
}

std::wstring file_name_of(const std::wstring& path) {
    const auto slash = path.find_last_of(L"\\/");
    return slash == std::wstring::npos ? path : path.substr(slash + 1);
}

bool iequals(const std::wstring& a, const std::wstring& b) {
    return CompareStringOrdinal(a.c_str(), static_cast<int>(a.size()), b.c_str(),
                                static_cast<int>(b.size()), TRUE) == CSTR_EQUAL;
}

bool file_exists(const std::wstring& path) {
    const DWORD attrs = GetFileAttributesW(path.c_str());
    return attrs != INVALID_FILE_ATTRIBUTES && !(attrs & FILE_ATTRIBUTE_DIRECTORY);
}

}  // namespace olstate::provider::win
