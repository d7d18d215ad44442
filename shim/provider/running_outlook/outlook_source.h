// Where the no-add-in fallback provider (OLSTATE_PROVIDER_OBJECT_MODEL)
// looks for Outlook: on Windows the running Outlook.Application in the
// running object table (outlook_source_win.cpp), in tests a fake. Kept
// apart from the polling so the provider's rules (lost/back, the order of
// events, reconnecting) are tested on every platform.
#pragma once

#include <memory>

#include "provider/provider.h"

namespace olstate::provider::running_outlook {

// One look at Outlook, as the poll thread saw it.
struct Look {
    bool running = false;  // an Outlook answered (false: none runs, or it went away mid-read)
    Status status;         // the read's result when running; why not, when not
    Connection connection; // valid when running && status.ok()
    std::string profile;   // UTF-8; the profile Outlook has open ("" when unreadable)
};

class OutlookSource {
public:
    virtual ~OutlookSource() = default;
    // On the poll thread, once before its first look and once after its
    // last (a COM apartment of the thread's own). enter_thread throws Failure.
    virtual void enter_thread() = 0;
    virtual void leave_thread() noexcept = 0;
    // Finds Outlook and reads its connection; never throws. Holds nothing
    // between looks: a reference held from another process would keep
    // Outlook from exiting when its user closes it.
    virtual Look look() noexcept = 0;
};

}  // namespace olstate::provider::running_outlook
