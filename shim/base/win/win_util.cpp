#include "win_util.h"

#include "base/utf.h"

namespace olstate::provider::win {

RegKey::RegKey(HKEY root, const std::wstring& path, REGSAM view) {
    if (RegOpenKeyExW(root, path.c_str(), 0, KEY_READ | view, &key_) != ERROR_SUCCESS) key_ = nullptr;
}

RegKey::~RegKey() {
    if (key_) RegCloseKey(key_);
}

std::optional<std::wstring> RegKey::raw(const wchar_t* name, DWORD& type) const {
    if (!key_) return std::nullopt;
    for (int attempt = 0; attempt < 4; ++attempt) {  // the value may grow between the calls
        DWORD bytes = 0;
        if (RegQueryValueExW(key_, name, nullptr, &type, nullptr, &bytes) != ERROR_SUCCESS) return std::nullopt;
        if (type != REG_SZ && type != REG_EXPAND_SZ && type != REG_MULTI_SZ) return std::nullopt;
        // Room for a value stored without its terminating NULs.
        std::wstring buf(bytes / sizeof(wchar_t) + 2, L'\0');
        DWORD got = static_cast<DWORD>((buf.size()) * sizeof(wchar_t));
        const LSTATUS rc = RegQueryValueExW(key_, name, nullptr, &type, reinterpret_cast<BYTE*>(buf.data()), &got);
        if (rc == ERROR_MORE_DATA) continue;
        if (rc != ERROR_SUCCESS) return std::nullopt;
        buf.resize(got / sizeof(wchar_t));
        return buf;
    }
    return std::nullopt;
}

std::optional<std::wstring> RegKey::string(const wchar_t* name) const {
    DWORD type = 0;
    auto value = raw(name, type);
    if (!value) return std::nullopt;
    value->resize(wcsnlen(value->c_str(), value->size()));  // the first string of a MULTI_SZ
    if (type == REG_EXPAND_SZ) {
        const DWORD n = ExpandEnvironmentStringsW(value->c_str(), nullptr, 0);
        std::wstring out(n + 1, L'\0');
        if (n && ExpandEnvironmentStringsW(value->c_str(), out.data(), n + 1)) value = out.c_str();
    }
    if (value->empty()) return std::nullopt;
    return value;
}

std::optional<std::wstring> RegKey::multi_string(const wchar_t* name) const {
    DWORD type = 0;
    auto value = raw(name, type);
    if (!value || type == REG_EXPAND_SZ) return std::nullopt;
    // Drop trailing NULs, then end every string with one and the list with one more.
    while (!value->empty() && value->back() == L'\0') value->pop_back();
    if (value->empty()) return std::nullopt;
    value->push_back(L'\0');
    value->push_back(L'\0');
    return value;
}

std::optional<DWORD> RegKey::dword(const wchar_t* name) const {
    if (!key_) return std::nullopt;
    DWORD type = 0, value = 0, bytes = sizeof value;
    if (RegQueryValueExW(key_, name, nullptr, &type, reinterpret_cast<BYTE*>(&value), &bytes) != ERROR_SUCCESS ||
        type != REG_DWORD || bytes != sizeof value)
        return std::nullopt;
    return value;
}

std::vector<REGSAM> registry_views() {
#if defined(_WIN64)
    return {0, KEY_WOW64_32KEY};
#else
    BOOL wow64 = FALSE;
    if (IsWow64Process(GetCurrentProcess(), &wow64) && wow64) return {0, KEY_WOW64_64KEY};
    return {0};
#endif
}

const char* view_name(REGSAM view) {
    if (view == KEY_WOW64_32KEY) return " (32-bit view)";
    if (view == KEY_WOW64_64KEY) return " (64-bit view)";
    return "";
}

std::string to_utf8(const std::wstring& s) {
    return text::utf16_to_utf8(std::u16string(s.begin(), s.end()));
}

std::wstring to_wide(const std::string& s) {
    const auto u16 = text::utf8_to_utf16(s);
    return u16 ? std::wstring(u16->begin(), u16->end()) : std::wstring();
}

std::string to_ansi(const std::wstring& s) {
    if (s.empty()) return {};
    const int n = WideCharToMultiByte(CP_ACP, 0, s.data(), static_cast<int>(s.size()), nullptr, 0, nullptr, nullptr);
    std::string out(static_cast<std::size_t>(n > 0 ? n : 0), '\0');
    if (n > 0) WideCharToMultiByte(CP_ACP, 0, s.data(), static_cast<int>(s.size()), out.data(), n, nullptr, nullptr);
    return out;
}

std::wstring from_ansi(const std::string& s) {
    if (s.empty()) return {};
    const int n = MultiByteToWideChar(CP_ACP, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
    std::wstring out(static_cast<std::size_t>(n > 0 ? n : 0), L'\0');
    if (n > 0) MultiByteToWideChar(CP_ACP, 0, s.data(), static_cast<int>(s.size()), out.data(), n);
    return out;
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
    return CompareStringOrdinal(a.c_str(), static_cast<int>(a.size()), b.c_str(), static_cast<int>(b.size()), TRUE) ==
           CSTR_EQUAL;
}

bool file_exists(const std::wstring& path) {
    const DWORD attrs = GetFileAttributesW(path.c_str());
    return attrs != INVALID_FILE_ATTRIBUTES && !(attrs & FILE_ATTRIBUTE_DIRECTORY);
}

bool is_full_path(const std::wstring& p) {
    const auto sep = [](wchar_t c) { return c == L'\\' || c == L'/'; };
    const bool drive = p.size() >= 3 && ((p[0] >= L'A' && p[0] <= L'Z') || (p[0] >= L'a' && p[0] <= L'z')) &&
                       p[1] == L':' && sep(p[2]);
    const bool unc = p.size() >= 3 && sep(p[0]) && sep(p[1]) && !sep(p[2]);
    return drive || unc;
}

std::string last_error_text() {
    const DWORD code = GetLastError();
    wchar_t* buf = nullptr;
    const DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                       FORMAT_MESSAGE_IGNORE_INSERTS,
                                   nullptr, code, 0, reinterpret_cast<wchar_t*>(&buf), 0, nullptr);
    std::u16string text;
    if (n && buf) text.assign(reinterpret_cast<const char16_t*>(buf), n);
    if (buf) LocalFree(buf);
    while (!text.empty() && (text.back() == u'\n' || text.back() == u'\r' || text.back() == u'.'))
        text.pop_back();
    return "Windows error " + std::to_string(code) + (text.empty() ? "" : ": " + text::utf16_to_utf8(text));
}


}  // namespace olstate::provider::win
