#include <olstate.h>

#include "base/failure.h"
#include "base/win/thread_timer.h"
#include "com/com_ptr.h"
#include "owner_poll.h"
#include "reader.h"

namespace olstate::provider::object_model {

namespace {

class WindowsOwnerPoll final : public OwnerPoll {
public:
    WindowsOwnerPoll(IDispatch* application, std::uint32_t interval_ms)
        : application_(com::ComPtr<IDispatch>::share(application)),
          // Raw pointer: application_ outlives every read (the destructor
          // stops the poller before releasing it, both on this thread).
          poller_([app = application](Connection& out) {
              return read_connection(app, out, SmtpAddress::read);
          }) {
        poller_.poll();  // the starting snapshot (a failure is kept: Poller)
        if (!timer_.start(interval_ms, [this] { poller_.poll(); }))
            throw Failure(OLSTATE_E_PROVIDER_FAILED,
                          "polling Outlook's object model: Windows refused a timer (SetTimer: error " +
                              std::to_string(GetLastError()) + ")");
    }
    ~WindowsOwnerPoll() override {
        timer_.stop();  // from another thread KillTimer fails, but a late tick finds no timer and does nothing
        poller_.stop();
        // Released on the owner thread only; anywhere else (the owner's
        // window was gone, so the provider could not hand this there) the
        // reference is left behind rather than released on the wrong thread.
        if (GetCurrentThreadId() != owner_) (void)application_.detach();
    }
    WindowsOwnerPoll(const WindowsOwnerPoll&) = delete;
    WindowsOwnerPoll& operator=(const WindowsOwnerPoll&) = delete;

    Poller& poller() noexcept override { return poller_; }

private:
    const DWORD owner_ = GetCurrentThreadId();
    com::ComPtr<IDispatch> application_;  // declared first: released last
    Poller poller_;
    win::ThreadTimer timer_;
};

}  // namespace

std::shared_ptr<OwnerPoll> start_owner_poll(void* application, std::uint32_t interval_ms, bool owner_has_window) {
    if (!owner_has_window)
        throw Failure(OLSTATE_E_INVALID_ARGUMENT,
                      "options.application: reading Outlook's object model needs the opening thread to be the "
                      "Application's thread with a message loop (Outlook's main thread); this thread has no "
                      "message queue");
    return std::make_shared<WindowsOwnerPoll>(static_cast<IDispatch*>(application), interval_ms);
}

}  // namespace olstate::provider::object_model
