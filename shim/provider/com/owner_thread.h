// One owner thread per session (issue 13): every call into the provider's
// objects runs on the thread that opened the session. A call made there runs
// directly; one made on any other thread is carried to the owner through its
// channel (owner_channel.h) and its result carried back, waiting at most
// OLSTATE_OWNER_WAIT_MS. Without a channel (a console thread, a forgiving
// provider) every call runs directly on the caller's thread, as before.
// The header's "Threading" section is the contract this implements.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "loader.h"
#include "owner_channel.h"
#include "provider/provider.h"

namespace olstate::provider {

struct CarriedCall;  // owner_thread.cpp

class OwnerThread {
public:
    // On the opening thread, before HrOpenOfflineObj. kind: OLSTATE_PROVIDER_*.
    // The strict simulator (whatever the kind it stands in for): a
    // message-only window when this thread has a message queue, else its
    // owner inbox. Outlook's own MAPI DLL: the window on a thread with a
    // message queue, else direct calls. Everything else (the forgiving
    // simulator, any other library) runs directly. object_model: the
    // session reads Outlook's object model from a timer of this thread (ABI
    // 1.3), so it takes the window whatever the library, when this thread
    // has a message queue.
    static std::unique_ptr<OwnerThread> for_current_thread(std::uint32_t kind, const ProviderLibrary& library,
                                                           bool object_model = false);
    bool has_window() const noexcept { return threading() == OLSTATE_THREADING_OWNER_WINDOW; }

    explicit OwnerThread(std::unique_ptr<OwnerChannel> channel);
    // Hands the channel to the owner thread to be destroyed there (after
    // everything posted before), or destroys it here when on the owner.
    ~OwnerThread();
    OwnerThread(const OwnerThread&) = delete;
    OwnerThread& operator=(const OwnerThread&) = delete;

    std::uint32_t threading() const noexcept;  // OLSTATE_THREADING_*
    bool is_current() const noexcept { return !channel_ || std::this_thread::get_id() == owner_; }

    // Runs `call` on the owner thread and returns its status; `what` names
    // the call in messages. Fails with OLSTATE_E_TIMEOUT after
    // OLSTATE_OWNER_WAIT_MS, or OLSTATE_E_INVALID_HANDLE once close_waits()
    // was called; a call that had not started by then never runs. `call`
    // runs on the owner possibly after this returned: it must own what it
    // uses (values, interface pointers that outlive it; see com_provider.cpp).
    Status run(const std::string& what, std::function<Status()> call);

    // Runs `work` on the owner thread without waiting for it: now when on
    // it (or without a channel), else queued. For Unadvise and the final
    // Releases, which must happen even after close_waits(). If it cannot be
    // queued, it is dropped (never run on the wrong thread).
    void run_or_post(std::function<void()> work) noexcept;

    // Ends every run() waiting now; later ones fail at once.
    void close_waits() noexcept;

private:
    // Queues `call` through `channel`; false (and it never runs) when it
    // cannot be queued.
    static bool post_to(OwnerChannel& channel, std::shared_ptr<CarriedCall> call) noexcept;

    std::shared_ptr<OwnerChannel> channel_;  // null: direct calls
    const std::thread::id owner_;
    const std::string owner_name_;  // "thread <id>", for messages
    std::mutex mutex_;
    bool closed_ = false;
    std::set<std::shared_ptr<CarriedCall>> waiting_;
};

}  // namespace olstate::provider
