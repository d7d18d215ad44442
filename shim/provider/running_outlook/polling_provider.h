// The no-add-in fallback provider (OLSTATE_PROVIDER_OBJECT_MODEL, ABI 1.3):
// a separate program follows a running Outlook by polling its object model
// from outside, on a thread of its own, every `interval_ms`:
//   - each look finds Outlook afresh (OutlookSource) and reads the
//     connection (object_model/reader.h through object_model::Poller, which
//     keeps the snapshot and computes CONNECTION_CHANGED/ACCOUNT_CHANGED);
//   - Outlook gone -> PROVIDER_LOST once; found again (only with
//     OLSTATE_OPEN_RECONNECT, like the bridge) -> PROVIDER_BACK once;
//   - NameSpace.Offline flipping -> CHANGE_START, CHANGE, CHANGE_DONE;
//   - read-only: set_state is NOT_SUPPORTED (the object model has no setter
//     for Offline, and Work Offline is the user's switch);
//   - get_state and the connection calls answer from the last look (at
//     most one interval old) and never call Outlook on the caller's thread.
// The order of one look's events: BACK, CONNECTION_CHANGED, ACCOUNT_CHANGED
// (object_model's order), then the state change.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "outlook_source.h"
#include "provider/provider.h"

namespace olstate::provider::running_outlook {

struct PollOptions {
    bool reconnect = false;          // OLSTATE_OPEN_RECONNECT
    std::uint32_t interval_ms = 5000;
    std::string profile;             // UTF-8; "" = whichever profile Outlook has open
    bool outlook_required_now = false;  // PROVIDER_NOT_FOUND at open even with reconnect (AUTO's probe)
    // A look calls into Outlook's process, which may not answer (a modal
    // dialog, a hung Outlook). Open waits this long for the first look, then
    // fails with TIMEOUT; close waits this long for the poll thread, then
    // leaves it to end by itself (documented with OLSTATE_PROVIDER_OBJECT_MODEL).
    std::chrono::milliseconds open_wait{5000};
    std::chrono::milliseconds close_wait{2000};
};

// Starts the poll thread and waits for its first look (at most
// options.open_wait: then TIMEOUT). Throws Failure:
// PROVIDER_NOT_FOUND when no Outlook runs (only without reconnect: with it
// the provider starts lost and keeps looking), PROFILE_NOT_FOUND when
// Outlook has another profile open, the source's failure to set up its
// thread.
std::unique_ptr<Provider> open_polling_provider(std::unique_ptr<OutlookSource> source, PollOptions options);

}  // namespace olstate::provider::running_outlook
