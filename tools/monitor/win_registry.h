// Small registry helpers for the add-in registration: every key in a chosen
// WOW64 view, keys created with a note of which ones did not exist before
// (so uninstalling removes exactly what installing added), and deletion of
// whole trees or of keys left empty. Errors throw std::runtime_error.
#pragma once

#include <windows.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace olstate_monitor::reg {

// A key under HKEY_CURRENT_USER in a registry view: 0 (shared keys, or this
// process's own view), KEY_WOW64_32KEY or KEY_WOW64_64KEY.
struct KeyRef {
    REGSAM view = 0;
    std::wstring path;
    bool operator==(const KeyRef&) const = default;
};

class Key {
public:
    Key() = default;
    explicit Key(HKEY key) : key_(key) {}
    ~Key();
    Key(Key&& o) noexcept;
    Key& operator=(Key&& o) noexcept;
    Key(const Key&) = delete;
    Key& operator=(const Key&) = delete;
    HKEY get() const { return key_; }
    explicit operator bool() const { return key_ != nullptr; }

    void set_string(const wchar_t* name, const std::wstring& value) const;  // name nullptr: the default value
    void set_dword(const wchar_t* name, std::uint32_t value) const;
    void set_multi_string(const wchar_t* name, const std::vector<std::wstring>& values) const;
    std::vector<std::wstring> multi_string(const wchar_t* name) const;  // empty when missing

private:
    HKEY key_ = nullptr;
};

bool exists(const KeyRef& key);
// Opens for reading and writing; an empty Key when it does not exist.
Key open(const KeyRef& key);
// Creates `key` and any missing parent, appending each key it created
// (outermost first) to `created`.
Key create(const KeyRef& key, std::vector<KeyRef>& created);
// Deletes `key` with everything under it; false when it did not exist.
bool delete_tree(const KeyRef& key);
// Deletes `key` when it has neither subkeys nor values; true when deleted.
bool delete_if_empty(const KeyRef& key);

}  // namespace olstate_monitor::reg
