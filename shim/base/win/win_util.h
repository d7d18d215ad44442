// Small RAII and string helpers for the Windows provider code.
#pragma once

#include <windows.h>

#include <optional>
#include <string>
#include <vector>

namespace olstate::provider::win {

// An open registry key (read-only), closed on destruction. `view` is 0 (this
// process's own registry view), KEY_WOW64_64KEY or KEY_WOW64_32KEY.
class RegKey {
public:
    RegKey() = default;
    RegKey(HKEY root, const std::wstring& path, REGSAM view = 0);
    ~RegKey();
    RegKey(const RegKey&) = delete;
    RegKey& operator=(const RegKey&) = delete;
    explicit operator bool() const noexcept { return key_ != nullptr; }
    // A REG_SZ / REG_EXPAND_SZ (expanded) / REG_MULTI_SZ (first string)
    // value; nullopt when missing, of another type or empty.
    std::optional<std::wstring> string(const wchar_t* name) const;
    // A REG_MULTI_SZ (or REG_SZ) value whole: its strings, each followed by a
    // NUL, then the closing NUL - what FGetComponentPath takes as a qualifier.
    std::optional<std::wstring> multi_string(const wchar_t* name) const;
    // A REG_DWORD value; nullopt when missing or of another type.
    std::optional<DWORD> dword(const wchar_t* name) const;

private:
    std::optional<std::wstring> raw(const wchar_t* name, DWORD& type) const;
    HKEY key_ = nullptr;
};

// This process's registry view first, then the other one where it exists
// (a 32-bit process on 64-bit Windows, or a 64-bit process).
std::vector<REGSAM> registry_views();
const char* view_name(REGSAM view);

// "Windows error N: text" for GetLastError() now.
std::string last_error_text();

std::string to_utf8(const std::wstring& s);
std::wstring to_wide(const std::string& s);
// The ANSI code page (what FGetComponentPath speaks), NULs kept.
std::string to_ansi(const std::wstring& s);
std::wstring from_ansi(const std::string& s);

std::wstring system_directory();  // no trailing separator
std::wstring module_path(HMODULE module);
std::wstring directory_of(const std::wstring& path);  // with the trailing separator
std::wstring file_name_of(const std::wstring& path);
bool iequals(const std::wstring& a, const std::wstring& b);
bool file_exists(const std::wstring& path);
// "X:\..." or "\\server\..." - never a bare name or a relative path, which
// the loader would resolve through a search path or the current directory.
bool is_full_path(const std::wstring& path);

}  // namespace olstate::provider::win
