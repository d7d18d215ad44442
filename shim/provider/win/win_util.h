// Small RAII and string helpers for the Windows provider code.
#pragma once

#include <windows.h>

#include <optional>
#include <string>

namespace olstate::provider::win {

// An open registry key, closed on destruction.
class RegKey {
public:
    RegKey() = default;
    RegKey(HKEY root, const std::wstring& path, REGSAM extra = 0);
    ~RegKey();
    RegKey(const RegKey&) = delete;
    RegKey& operator=(const RegKey&) = delete;
    explicit operator bool() const noexcept { return key_ != nullptr; }
    // A REG_SZ / REG_EXPAND_SZ (expanded) / REG_MULTI_SZ (first string) value.
    std::optional<std::wstring> string(const wchar_t* name) const;

private:
    HKEY key_ = nullptr;
};

std::string to_utf8(const std::wstring& s);
std::wstring to_wide(const std::string& s);
std::wstring system_directory();
std::wstring module_path(HMODULE module);
std::wstring directory_of(const std::wstring& path);
std::wstring file_name_of(const std::wstring& path);
bool iequals(const std::wstring& a, const std::wstring& b);
bool file_exists(const std::wstring& path);

}  // namespace olstate::provider::win
