// The portable half of reading Outlook's object model (ABI 1.3): checking
// the values a reader got from NameSpace/Account properties and fitting them
// into provider::Connection, and comparing two snapshots into the events a
// poll delivers. No COM here, so Linux tests cover it (tests/unit).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "provider/provider.h"

namespace olstate::provider::object_model {

// A text field as olstate_account holds it: at most `max_bytes` bytes of
// UTF-8 (OLSTATE_ACCOUNT_TEXT_SIZE - 1), cut at a character boundary so the
// result stays valid UTF-8. Input that is not valid UTF-8 yields "".
std::string fit_text(std::string_view utf8, std::size_t max_bytes);

// Outlook's OlExchangeConnectionMode values (0, 100, ... 800); nullopt for
// any other number (a future Outlook's new mode is reported as a failed
// read rather than passed on as a value the header does not define).
std::optional<std::uint32_t> connection_mode(std::int64_t value) noexcept;

// OlAccountType 0..5; any other number is OLSTATE_ACCOUNT_OTHER.
std::uint32_t account_type(std::int64_t value) noexcept;

// The events that turn `before` into `after`, in the order they are
// delivered: CONNECTION_CHANGED (old and new session mode) first when the
// mode changed, then one ACCOUNT_CHANGED per account that went away (its
// mode -> OLSTATE_CONNECTION_UNKNOWN, in `before`'s order), then per account
// that came (UNKNOWN -> its mode) or changed its mode (old -> new), in
// `after`'s order. Accounts are matched by display name (the n-th account of
// a name with the n-th of the same name). Changes of NameSpace.Offline,
// an address or an account type alone raise no event: they are in the
// snapshot the calls read. time_us is left 0 (the caller stamps it).
std::vector<Event> changes(const Connection& before, const Connection& after);

}  // namespace olstate::provider::object_model
