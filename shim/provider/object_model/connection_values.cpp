#include "connection_values.h"

#include <olstate.h>

#include "base/utf.h"

namespace olstate::provider::object_model {

std::string fit_text(std::string_view utf8, std::size_t max_bytes) {
    if (!text::is_valid_utf8(utf8)) return {};
    if (utf8.size() <= max_bytes) return std::string(utf8);
    std::size_t n = max_bytes;
    // Back off over continuation bytes (10xxxxxx) to the start of the
    // character that did not fit.
    while (n > 0 && (static_cast<unsigned char>(utf8[n]) & 0xC0) == 0x80) --n;
    return std::string(utf8.substr(0, n));
}

std::optional<std::uint32_t> connection_mode(std::int64_t value) noexcept {
    if (value < 0 || value > OLSTATE_CONNECTION_ONLINE || value % 100 != 0) return std::nullopt;
    return static_cast<std::uint32_t>(value);
}

std::uint32_t account_type(std::int64_t value) noexcept {
    if (value < 0 || value > OLSTATE_ACCOUNT_OTHER) return OLSTATE_ACCOUNT_OTHER;
    return static_cast<std::uint32_t>(value);
}

namespace {

Event account_event(std::uint32_t old_mode, std::uint32_t new_mode) {
    Event e;
    e.kind = OLSTATE_EVENT_ACCOUNT_CHANGED;
    e.old_state = old_mode;
    e.new_state = new_mode;
    return e;
}

// The index in `list` of the account matching list_other[i] by name and
// occurrence, or list.size() when there is none.
std::size_t match(const std::vector<Account>& list, const std::vector<Account>& other, std::size_t i) {
    std::size_t occurrence = 0;
    for (std::size_t k = 0; k < i; ++k)
        if (other[k].display_name == other[i].display_name) ++occurrence;
    for (std::size_t k = 0; k < list.size(); ++k) {
        if (list[k].display_name != other[i].display_name) continue;
        if (occurrence == 0) return k;
        --occurrence;
    }
    return list.size();
}

}  // namespace

std::vector<Event> changes(const Connection& before, const Connection& after) {
    std::vector<Event> out;
    if (before.mode != after.mode) {
        Event e;
        e.kind = OLSTATE_EVENT_CONNECTION_CHANGED;
        e.old_state = before.mode;
        e.new_state = after.mode;
        out.push_back(e);
    }
    for (std::size_t i = 0; i < before.accounts.size(); ++i)
        if (match(after.accounts, before.accounts, i) == after.accounts.size())
            out.push_back(account_event(before.accounts[i].mode, OLSTATE_CONNECTION_UNKNOWN));
    for (std::size_t i = 0; i < after.accounts.size(); ++i) {
        const std::size_t k = match(before.accounts, after.accounts, i);
        if (k == before.accounts.size())
            out.push_back(account_event(OLSTATE_CONNECTION_UNKNOWN, after.accounts[i].mode));
        else if (before.accounts[k].mode != after.accounts[i].mode)
            out.push_back(account_event(before.accounts[k].mode, after.accounts[i].mode));
    }
    return out;
}

}  // namespace olstate::provider::object_model
