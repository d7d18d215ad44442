#include "win_registry.h"

#include <stdexcept>
#include <utility>

namespace olstate_monitor::reg {
namespace {

std::string narrow(const std::wstring& w) {
    const int n = WideCharToMultiByte(CP_UTF8, 0, w.c_str(), static_cast<int>(w.size()), nullptr, 0, nullptr, nullptr);
    std::string s(static_cast<std::size_t>(n > 0 ? n : 0), '\0');
    if (n > 0) WideCharToMultiByte(CP_UTF8, 0, w.c_str(), static_cast<int>(w.size()), s.data(), n, nullptr, nullptr);
    return s;
}

[[noreturn]] void fail(const char* what, const std::wstring& path, LSTATUS rc) {
    throw std::runtime_error(std::string(what) + " HKCU\\" + narrow(path) + " failed (Windows error " +
                             std::to_string(rc) + ")");
}

std::pair<std::wstring, std::wstring> split_parent(const std::wstring& path) {
    const auto slash = path.find_last_of(L'\\');
    if (slash == std::wstring::npos) return {L"", path};
    return {path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

Key::~Key() {
    if (key_) RegCloseKey(key_);
}
Key::Key(Key&& o) noexcept : key_(std::exchange(o.key_, nullptr)) {}
Key& Key::operator=(Key&& o) noexcept {
    std::swap(key_, o.key_);
    return *this;
}

void Key::set_string(const wchar_t* name, const std::wstring& value) const {
    const LSTATUS rc = RegSetValueExW(key_, name, 0, REG_SZ, reinterpret_cast<const BYTE*>(value.c_str()),
                                      static_cast<DWORD>((value.size() + 1) * sizeof(wchar_t)));
    if (rc != ERROR_SUCCESS) throw std::runtime_error("writing a registry value failed (Windows error " + std::to_string(rc) + ")");
}

void Key::set_dword(const wchar_t* name, std::uint32_t value) const {
    const DWORD v = value;
    const LSTATUS rc = RegSetValueExW(key_, name, 0, REG_DWORD, reinterpret_cast<const BYTE*>(&v), sizeof v);
    if (rc != ERROR_SUCCESS) throw std::runtime_error("writing a registry value failed (Windows error " + std::to_string(rc) + ")");
}

void Key::set_multi_string(const wchar_t* name, const std::vector<std::wstring>& values) const {
    std::wstring data;
    for (const auto& v : values) data += v + L'\0';
    data += L'\0';
    const LSTATUS rc = RegSetValueExW(key_, name, 0, REG_MULTI_SZ, reinterpret_cast<const BYTE*>(data.data()),
                                      static_cast<DWORD>(data.size() * sizeof(wchar_t)));
    if (rc != ERROR_SUCCESS) throw std::runtime_error("writing a registry value failed (Windows error " + std::to_string(rc) + ")");
}

std::vector<std::wstring> Key::multi_string(const wchar_t* name) const {
    DWORD type = 0, bytes = 0;
    if (RegQueryValueExW(key_, name, nullptr, &type, nullptr, &bytes) != ERROR_SUCCESS || type != REG_MULTI_SZ)
        return {};
    std::wstring data(bytes / sizeof(wchar_t) + 2, L'\0');
    DWORD got = static_cast<DWORD>(data.size() * sizeof(wchar_t));
    if (RegQueryValueExW(key_, name, nullptr, &type, reinterpret_cast<BYTE*>(data.data()), &got) != ERROR_SUCCESS)
        return {};
    data.resize(got / sizeof(wchar_t));
    std::vector<std::wstring> out;
    for (std::size_t start = 0; start < data.size();) {
        const std::size_t end = data.find(L'\0', start);
        const std::wstring item = data.substr(start, end == std::wstring::npos ? std::wstring::npos : end - start);
        if (item.empty()) break;
        out.push_back(item);
        if (end == std::wstring::npos) break;
        start = end + 1;
    }
    return out;
}

bool exists(const KeyRef& key) {
    HKEY k = nullptr;
    if (RegOpenKeyExW(HKEY_CURRENT_USER, key.path.c_str(), 0, KEY_READ | key.view, &k) != ERROR_SUCCESS) return false;
    const Key owned(k);
    return true;
}

Key open(const KeyRef& key) {
    HKEY k = nullptr;
    if (RegOpenKeyExW(HKEY_CURRENT_USER, key.path.c_str(), 0, KEY_READ | KEY_WRITE | key.view, &k) != ERROR_SUCCESS)
        return Key();
    return Key(k);
}

Key create(const KeyRef& key, std::vector<KeyRef>& created) {
    // Note every missing component, outermost first, before creating them.
    for (std::size_t pos = key.path.find(L'\\');; pos = key.path.find(L'\\', pos + 1)) {
        const KeyRef prefix{key.view, key.path.substr(0, pos)};
        if (!exists(prefix)) created.push_back(prefix);
        if (pos == std::wstring::npos) break;
    }
    HKEY k = nullptr;
    const LSTATUS rc = RegCreateKeyExW(HKEY_CURRENT_USER, key.path.c_str(), 0, nullptr, 0,
                                       KEY_READ | KEY_WRITE | key.view, nullptr, &k, nullptr);
    if (rc != ERROR_SUCCESS) fail("creating", key.path, rc);
    return Key(k);
}

bool delete_tree(const KeyRef& key) {
    if (!exists(key)) return false;
    const auto [parent, leaf] = split_parent(key.path);
    HKEY p = nullptr;
    LSTATUS rc = RegOpenKeyExW(HKEY_CURRENT_USER, parent.c_str(), 0, KEY_ALL_ACCESS | key.view, &p);
    if (rc != ERROR_SUCCESS) fail("opening", parent, rc);
    const Key owner(p);
    rc = RegDeleteTreeW(owner.get(), leaf.c_str());
    if (rc != ERROR_SUCCESS && rc != ERROR_FILE_NOT_FOUND) fail("deleting", key.path, rc);
    // RegDeleteTree leaves the key itself on some systems: remove it in its view.
    rc = RegDeleteKeyExW(owner.get(), leaf.c_str(), key.view, 0);
    if (rc != ERROR_SUCCESS && rc != ERROR_FILE_NOT_FOUND) fail("deleting", key.path, rc);
    return true;
}

bool delete_if_empty(const KeyRef& key) {
    DWORD subkeys = 0, values = 0;
    {
        HKEY k = nullptr;
        if (RegOpenKeyExW(HKEY_CURRENT_USER, key.path.c_str(), 0, KEY_READ | key.view, &k) != ERROR_SUCCESS)
            return false;
        const Key owned(k);
        if (RegQueryInfoKeyW(owned.get(), nullptr, nullptr, nullptr, &subkeys, nullptr, nullptr, &values, nullptr,
                             nullptr, nullptr, nullptr) != ERROR_SUCCESS)
            return false;
    }
    if (subkeys != 0 || values != 0) return false;
    return delete_tree(key);
}

}  // namespace olstate_monitor::reg
