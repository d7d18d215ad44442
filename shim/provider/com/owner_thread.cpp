#include "owner_thread.h"

#include <olstate.h>

#include <chrono>
#include <condition_variable>
#include <sstream>
#include <utility>

#include <gsl/util>

#if defined(_WIN32)
#include <windows.h>
#endif

namespace olstate::provider {

// One call on its way to the owner thread, shared by the waiter and the job.
struct CarriedCall {
    enum class Stage { queued, running, done, abandoned };

    std::function<Status()> call;
    std::mutex mutex;
    std::condition_variable finished;
    Stage stage = Stage::queued;
    bool closed = false;  // the session closed while a caller waited
    Status result;
};

namespace {

// The job every channel runs on the owner thread. Nothing may escape it: it
// runs inside the owner's message loop (Outlook's) or the simulator's pump.
void OLSTATE_SEAM_CALL run_carried(void* context) noexcept {
    const std::unique_ptr<std::shared_ptr<CarriedCall>> held(static_cast<std::shared_ptr<CarriedCall>*>(context));
    CarriedCall& c = **held;
    {
        std::lock_guard lock(c.mutex);
        if (c.stage == CarriedCall::Stage::abandoned) return;  // its caller gave up before it started
        c.stage = CarriedCall::Stage::running;
    }
    Status result;
    try {
        result = c.call();
    } catch (...) {
        result = Status{OLSTATE_E_OUT_OF_MEMORY, "out of memory on the owner thread", 0};
    }
    c.call = nullptr;  // what it held (references, the retired channel) goes here, on the owner
    {
        std::lock_guard lock(c.mutex);
        c.result = std::move(result);
        c.stage = CarriedCall::Stage::done;
    }
    c.finished.notify_all();
}

std::string current_thread_name() {
#if defined(_WIN32)
    return "thread " + std::to_string(GetCurrentThreadId());
#else
    std::ostringstream name;
    name << "thread " << std::this_thread::get_id();
    return name.str();
#endif
}

}  // namespace

std::unique_ptr<OwnerThread> OwnerThread::for_current_thread(std::uint32_t kind, const ProviderLibrary& library,
                                                             bool object_model) {
    if (object_model) {
        // The object model belongs to this thread: every carried call and
        // the poll's timer run in its message loop. The window first, as
        // below; the strict simulator's inbox is made (and left unused)
        // as below too.
        std::unique_ptr<OwnerChannel> window = open_owner_window();
        if (library.owner_current) (void)open_owner_inbox(library);
        if (window) return std::make_unique<OwnerThread>(std::move(window));
    }
    if (library.owner_current) {
        // The simulator (also standing in for Outlook's MAPI DLL in tests)
        // decides by its own mode: strict keeps Outlook's rule, forgiving
        // lets any thread call, as before. The window first: making the
        // simulator's inbox may give this thread a message queue of its own
        // (the simulator's window on Windows).
        std::unique_ptr<OwnerChannel> window = open_owner_window();
        std::unique_ptr<OwnerChannel> inbox = open_owner_inbox(library);
        if (!inbox) return std::make_unique<OwnerThread>(nullptr);
        return std::make_unique<OwnerThread>(window ? std::move(window) : std::move(inbox));
    }
    // Outlook's own MAPI DLL: its main thread's message loop (a thread
    // without a message queue keeps direct calls). Any other library: direct.
    if (kind == OLSTATE_PROVIDER_OUTLOOK) return std::make_unique<OwnerThread>(open_owner_window());
    return std::make_unique<OwnerThread>(nullptr);
}

OwnerThread::OwnerThread(std::unique_ptr<OwnerChannel> channel)
    : channel_(std::move(channel)), owner_(std::this_thread::get_id()), owner_name_(current_thread_name()) {}

OwnerThread::~OwnerThread() {
    if (!channel_ || is_current()) return;  // destroyed here, on the owner (or there is none)
    // The channel's last reference rides with a last job: the owner destroys
    // it (its window is the owner's to destroy) after everything posted
    // before. If that cannot be posted, it ends here.
    OwnerChannel& via = *channel_;
    auto last = std::make_shared<CarriedCall>();
    last->call = [keep = std::move(channel_)]() { return Status{}; };
    post_to(via, std::move(last));
}

bool OwnerThread::post_to(OwnerChannel& channel, std::shared_ptr<CarriedCall> call) noexcept {
    try {
        auto held = std::make_unique<std::shared_ptr<CarriedCall>>(std::move(call));
        if (!channel.post(&run_carried, held.get())) return false;  // `held` frees it: never runs
        (void)held.release();  // run_carried owns it now
        return true;
    } catch (...) {
        return false;  // no memory to carry it
    }
}

std::uint32_t OwnerThread::threading() const noexcept {
    return channel_ ? channel_->threading() : OLSTATE_THREADING_DIRECT;
}

Status OwnerThread::run(const std::string& what, std::function<Status()> call) {
    if (is_current()) return call();
    auto carried = std::make_shared<CarriedCall>();
    carried->call = std::move(call);
    {
        std::lock_guard lock(mutex_);
        if (closed_)
            return Status{OLSTATE_E_INVALID_HANDLE, what + ": the session is closing", 0};
        waiting_.insert(carried);
    }
    const auto forget = gsl::finally([&] {
        std::lock_guard lock(mutex_);
        waiting_.erase(carried);
    });
    if (!post_to(*channel_, carried))
        return Status{OLSTATE_E_PROVIDER_FAILED,
                      what + ": cannot reach the session's owner thread (" + owner_name_ +
                          ", which opened it): its message window or its thread is gone",
                      0};
    std::unique_lock lock(carried->mutex);
    carried->finished.wait_for(lock, std::chrono::milliseconds(OLSTATE_OWNER_WAIT_MS), [&] {
        return carried->stage == CarriedCall::Stage::done || carried->closed;
    });
    if (carried->stage == CarriedCall::Stage::done) return std::move(carried->result);
    const bool started = carried->stage == CarriedCall::Stage::running;
    if (!started) carried->stage = CarriedCall::Stage::abandoned;  // it will never run
    const std::string fate = started ? " (it is still running there; its result is dropped)"
                                     : " (it was not started and never will be)";
    if (carried->closed)
        return Status{OLSTATE_E_INVALID_HANDLE,
                      what + ": the session was closed while the call waited for its owner thread (" +
                          owner_name_ + ")" + fate,
                      0};
    return Status{OLSTATE_E_TIMEOUT,
                  what + ": the session's owner thread (" + owner_name_ + ", which opened it) did not run " +
                      "the call within OLSTATE_OWNER_WAIT_MS (" + std::to_string(OLSTATE_OWNER_WAIT_MS) +
                      " ms): it is busy or blocked, or does not run its message loop" + fate,
                  0};
}

void OwnerThread::run_or_post(std::function<void()> work) noexcept {
    try {
        if (is_current()) {
            work();
            return;
        }
        auto carried = std::make_shared<CarriedCall>();
        carried->call = [work = std::move(work)]() {
            work();
            return Status{};
        };
        post_to(*channel_, std::move(carried));  // nobody waits; dropped if it cannot be posted
    } catch (...) {
        // No memory to carry it: dropped, never run on the wrong thread.
    }
}

void OwnerThread::close_waits() noexcept {
    std::set<std::shared_ptr<CarriedCall>> now;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        now.swap(waiting_);
    }
    for (const auto& c : now) {
        {
            std::lock_guard lock(c->mutex);
            c->closed = true;
        }
        c->finished.notify_all();
    }
}

}  // namespace olstate::provider
