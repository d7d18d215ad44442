// The object-model provider on Windows: its source finds the running
// Outlook.Application in the running object table (GetActiveObject) at every
// look, reads it with the one object-model reader (object_model/reader.h,
// never Account.SmtpAddress: from outside it is guarded) and releases it.
#include <objbase.h>
#include <oleauto.h>
#include <windows.h>

#include <olstate.h>

#include "base/failure.h"
#include "com/com_ptr.h"
#include "com/hresult_names.h"
#include "open_running_outlook.h"
#include "provider/object_model/dispatch_win.h"
#include "provider/object_model/reader.h"

namespace olstate::provider::running_outlook {

namespace {

// The errors with which a call into a process that exited (or is exiting)
// fails: Outlook is gone, not broken.
bool outlook_went_away(std::int32_t hr) noexcept {
    switch (static_cast<std::uint32_t>(hr)) {
        case 0x80010108u:  // RPC_E_DISCONNECTED
        case 0x80010007u:  // RPC_E_SERVER_DIED
        case 0x80010012u:  // RPC_E_SERVER_DIED_DNE
        case 0x800706BAu:  // RPC_S_SERVER_UNAVAILABLE
        case 0x800706BEu:  // RPC_S_CALL_FAILED
        case 0x800401FDu:  // CO_E_OBJNOTCONNECTED
            return true;
        default: return false;
    }
}

Status not_found(const std::string& what, HRESULT hr) {
    return Status{OLSTATE_E_PROVIDER_NOT_FOUND,
                  what + ": " + com::describe_hresult(static_cast<com::HRESULT>(hr)), static_cast<std::int32_t>(hr)};
}

class RunningOutlookSource final : public OutlookSource {
public:
    // A multithreaded apartment of this thread's own: its calls go straight
    // to Outlook's proxy, with no message loop to run (the thread is
    // outside Outlook, so calling Outlook from it is allowed).
    void enter_thread() override {
        const HRESULT hr = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
        if (FAILED(hr))
            throw Failure(OLSTATE_E_PROVIDER_FAILED,
                          "the Outlook poll thread could not enter COM (CoInitializeEx): " +
                              com::describe_hresult(static_cast<com::HRESULT>(hr)),
                          static_cast<std::int32_t>(hr));
    }
    void leave_thread() noexcept override { CoUninitialize(); }

    Look look() noexcept override {
        Look l;
        try {
            CLSID clsid{};
            HRESULT hr = CLSIDFromProgID(L"Outlook.Application", &clsid);
            if (FAILED(hr)) {
                l.status = not_found("Outlook.Application is not registered (Outlook is not installed)", hr);
                return l;
            }
            com::ComPtr<IUnknown> running;
            hr = GetActiveObject(clsid, nullptr, running.put());
            if (FAILED(hr) || !running) {
                l.status = not_found("Outlook is not running (GetActiveObject(Outlook.Application))", hr);
                return l;
            }
            com::ComPtr<IDispatch> application;
            hr = running->QueryInterface(IID_IDispatch, reinterpret_cast<void**>(application.put()));
            l.running = !outlook_went_away(hr);
            if (FAILED(hr)) {
                l.status = Status{OLSTATE_E_PROVIDER_FAILED,
                                  "the running Outlook.Application has no IDispatch: " +
                                      com::describe_hresult(static_cast<com::HRESULT>(hr)),
                                  static_cast<std::int32_t>(hr)};
                return l;
            }
            l.status = object_model::read_connection(application.get(), l.connection, object_model::SmtpAddress::skip);
            if (!l.status.ok() && outlook_went_away(l.status.hresult)) {
                l.running = false;
                return l;
            }
            l.profile = profile_name(application.get());
        } catch (...) {
            l.running = false;
            l.status = Status{OLSTATE_E_OUT_OF_MEMORY, "out of memory reading Outlook's object model", 0};
        }
        return l;
    }

private:
    // Session.CurrentProfileName (not on the object-model guard's list); ""
    // when it cannot be read: the profile is then not checked.
    static std::string profile_name(IDispatch* application) {
        object_model::Variant session;
        if (FAILED(object_model::get_property(application, L"Session", session)) || !session.as_dispatch())
            return {};
        object_model::Variant name;
        if (FAILED(object_model::get_property(session.as_dispatch(), L"CurrentProfileName", name))) return {};
        return name.as_utf8().value_or(std::string());
    }
};

}  // namespace

std::unique_ptr<Provider> open_running_outlook(PollOptions options) {
    return open_polling_provider(std::make_unique<RunningOutlookSource>(), std::move(options));
}

}  // namespace olstate::provider::running_outlook
