#include "com_provider.h"

#include <olstate.h>

#include <thread>

#include "base/failure.h"
#include "base/utf.h"
#include "com/com_ptr.h"
#include "com/hresult_names.h"
#include "com/mapi_offline.h"
#include "com/olstate_connection.h"
#include "notify_sink.h"
#include "outlook.h"
#include "owner_thread.h"
#include "provider/object_model/owner_poll.h"
#if defined(_WIN32)
#include "base/win/win_util.h"
#include "win/mapi_locator.h"
#endif

namespace olstate::provider {

using namespace com;

namespace {

// A failing HRESULT, as the contract's result code and message.
Status failed_call(const std::string& what, HRESULT hr) {
    std::int32_t result = OLSTATE_E_PROVIDER_FAILED;
    switch (hr) {
        case E_PENDING_: result = OLSTATE_E_BUSY; break;
        case E_NOTIMPL_:
        case MAPI_E_NO_SUPPORT_: result = OLSTATE_E_NOT_SUPPORTED; break;
        case E_OUTOFMEMORY_: result = OLSTATE_E_OUT_OF_MEMORY; break;
        default: break;
    }
    return Status{result, what + " failed: " + describe_hresult(hr), hr};
}

// The receiver the sink reaches when the session reads Outlook's object
// model: it hands each Offline State notification on, then - on the owner
// thread, where Outlook notifies - reads the object model at once, so a
// connection change that came with the notification follows it without
// waiting for the timer. A notification on another thread (a provider that
// notifies from its own thread) leaves the read to the timer: the object
// model is never called from there. The poll is held weakly and locked only
// on the owner thread, so its last reference always goes on the owner.
class PollAfterNotification final : public EventReceiver {
public:
    PollAfterNotification(std::weak_ptr<EventReceiver> target, std::weak_ptr<object_model::OwnerPoll> poll,
                          std::thread::id owner) noexcept
        : target_(std::move(target)), poll_(std::move(poll)), owner_(owner) {}

    void on_event(const Event& event) noexcept override {
        if (const auto target = target_.lock()) target->on_event(event);
        if (std::this_thread::get_id() != owner_) return;
        if (const auto poll = poll_.lock()) poll->poller().poll();
    }

private:
    const std::weak_ptr<EventReceiver> target_;
    const std::weak_ptr<object_model::OwnerPoll> poll_;
    const std::thread::id owner_;
};

// A fixed text field of a provider's snapshot: up to its first NUL (or its
// end), and nothing when it is not valid UTF-8 (never passed on unchecked).
std::string text_field(const char (&field)[kConnectionTextSize]) {
    std::size_t n = 0;
    while (n < kConnectionTextSize && field[n] != '\0') ++n;
    std::string s(field, n);
    return text::is_valid_utf8(s) ? s : std::string();
}

[[noreturn]] void throw_status(Status status) {
    throw Failure(status.result, std::move(status.message), status.hresult);
}

// HrOpenOfflineObj's MAPI_E_NOT_FOUND for this library: the profile is
// unknown, or - for Outlook's real DLL outside Outlook - the API is
// unavailable in this process.
std::int32_t result_for_profile_not_found(const ProviderLibrary& library) noexcept {
#if defined(_WIN32)
    try {
        if (!running_inside_outlook() && win::is_outlook_mapi_file(win::to_wide(library.path)))
            return OLSTATE_E_NOT_IN_OUTLOOK;
    } catch (...) {
    }
#else
    (void)library;
#endif
    return OLSTATE_E_PROFILE_NOT_FOUND;
}

// IMAPIOffline::GetCurrentState as olstate reads it. Runs on the owner
// thread; uses only what it is given (a carried call may outlive its caller).
Status read_state(IMAPIOffline* offline, std::uint32_t& out) {
    ULONG state = 0;
    const HRESULT hr = offline->GetCurrentState(&state);
    if (failed(hr)) return failed_call("IMAPIOffline::GetCurrentState", hr);
    state &= MAPIOFFLINE_STATE_OFFLINE_MASK;
    if (state != MAPIOFFLINE_STATE_ONLINE && state != MAPIOFFLINE_STATE_OFFLINE)
        return Status{OLSTATE_E_PROVIDER_FAILED,
                      "IMAPIOffline::GetCurrentState reported neither online nor offline (" +
                          std::to_string(state) + ")",
                      0};
    out = state;
    return {};
}

// IMAPIOffline::SetCurrentState, likewise on the owner thread.
Status write_state(IMAPIOffline* offline, ULONG mapi_flags, std::uint32_t state) {
    const HRESULT hr = offline->SetCurrentState(mapi_flags, MAPIOFFLINE_STATE_OFFLINE_MASK, state, nullptr);
    if (hr == E_PENDING_)
        return Status{OLSTATE_E_BUSY,
                      "IMAPIOffline::SetCurrentState: a state change is still in progress: " + describe_hresult(hr),
                      hr};
    if (failed(hr)) return failed_call("IMAPIOffline::SetCurrentState", hr);
    return {};
}

// Every call into the provider's objects goes through owner_ (owner_thread.h):
// on the thread that opened the session, directly; from any other, carried
// there. The carried lambdas hold plain interface pointers, never `this`: the
// pointers stay valid because their final Release is queued on the owner
// after every call carried before it (the destructor).
class ComProvider final : public Provider {
public:
    ComProvider(std::uint32_t kind, ProviderLibrary library, std::string profile, ObjectModelRequest object_model)
        : kind_(kind),
          library_(std::move(library)),
          profile_(std::move(profile)),
          object_model_(object_model),
          owner_(OwnerThread::for_current_thread(kind_, library_, object_model.application != nullptr)) {}
    ~ComProvider() override {
        unadvise();
        // The final Releases run on the owner thread; if they cannot reach
        // it (its window or thread is gone) the references are left behind,
        // never released from the wrong thread.
        IMAPIOffline* offline = offline_.detach();
        IMAPIOfflineMgr* manager = manager_.detach();
        IOlstateConnection* connection = connection_.detach();
        // The poll stops and releases the Application on the owner too
        // (its timer belongs to that thread).
        owner_->run_or_post([offline, manager, connection, poll = std::move(poll_)]() mutable {
            poll.reset();
            if (connection) connection->Release();
            if (offline) offline->Release();
            if (manager) manager->Release();
        });
    }
    ComProvider(const ComProvider&) = delete;
    ComProvider& operator=(const ComProvider&) = delete;

    // On the opening thread, the owner: every call here runs directly.
    void open() {
        const auto wide = text::utf8_to_utf16(profile_);
        if (!wide) throw Failure(OLSTATE_E_INVALID_ARGUMENT, "profile name is not valid UTF-8");
        const std::string where = " (provider '" + library_.path + "', profile '" + profile_ + "')";
        IMAPIOfflineMgr* raw = nullptr;
        const HRESULT hr = library_.open_offline(0, wide->c_str(), &GUID_GlobalState, nullptr, &raw);
        if (failed(hr)) {
            if (hr == MAPI_E_NOT_FOUND_) {
                const std::int32_t result = result_for_profile_not_found(library_);
                throw Failure(result,
                              (result == OLSTATE_E_NOT_IN_OUTLOOK
                                   ? "Outlook's MAPI DLL answers only inside OUTLOOK.EXE; use the bridge"
                                   : "HrOpenOfflineObj did not find the profile") +
                                  where + ": " + describe_hresult(hr),
                              hr);
            }
            throw_status(failed_call("HrOpenOfflineObj" + where, hr));
        }
        manager_ = ComPtr<IMAPIOfflineMgr>::adopt(raw);
        if (!manager_)
            throw Failure(OLSTATE_E_PROVIDER_FAILED, "HrOpenOfflineObj returned S_OK but no offline object" + where);

        const HRESULT qi = manager_->QueryInterface(IID_IMAPIOffline, reinterpret_cast<void**>(offline_.put()));
        if (failed(qi)) throw_status(failed_call("QueryInterface(IID_IMAPIOffline)" + where, qi));
        if (!offline_)
            throw Failure(OLSTATE_E_PROVIDER_FAILED,
                          "QueryInterface(IID_IMAPIOffline) returned S_OK but no interface" + where);

        ULONG caps = 0;
        const HRESULT gc = offline_->GetCapabilities(&caps);
        if (failed(gc)) throw_status(failed_call("IMAPIOffline::GetCapabilities" + where, gc));
        capabilities_ = caps & (MAPIOFFLINE_CAPABILITY_OFFLINE | MAPIOFFLINE_CAPABILITY_ONLINE);

        if (object_model_.application) {
            start_object_model(where);
            return;  // the object model replaces any connection report of the offline object
        }

        // olstate's own interface: only an object that knows the Exchange
        // connection has it (com/olstate_connection.h); any failure means
        // the session simply lacks the capability.
        IOlstateConnection* connection = nullptr;
        if (succeeded(manager_->QueryInterface(IID_IOlstateConnection, reinterpret_cast<void**>(&connection))) &&
            connection) {
            connection_ = ComPtr<IOlstateConnection>::adopt(connection);
            capabilities_ |= OLSTATE_CAPABILITY_CONNECTION_MODE;
        }
    }

    std::uint32_t kind() const noexcept override { return kind_; }
    const std::string& path() const noexcept override { return library_.path; }
    std::string profile() const override { return profile_; }
    std::uint32_t capabilities() const override { return capabilities_; }
    std::uint32_t threading() const noexcept override { return owner_->threading(); }
    void close_waits() noexcept override { owner_->close_waits(); }

    Status get_state(std::uint32_t& out) override {
        // The owner writes here, perhaps after a caller that gave up is gone.
        const auto read = std::make_shared<std::uint32_t>(0);
        Status status = owner_->run("IMAPIOffline::GetCurrentState",
                                    [offline = offline_.get(), read] { return read_state(offline, *read); });
        if (status.ok()) out = *read;
        return status;
    }

    Status set_state(std::uint32_t state, std::uint32_t flags) override {
        const ULONG mapi_flags = flags == OLSTATE_SET_BLOCK ? MAPIOFFLINE_FLAG_BLOCK : MAPIOFFLINE_FLAG_DEFAULT;
        return owner_->run("IMAPIOffline::SetCurrentState", [offline = offline_.get(), mapi_flags, state] {
            return write_state(offline, mapi_flags, state);
        });
    }

    Status get_connection(Connection& out) override {
        if (poll_) return poll_->poller().snapshot(out);  // the last read: no call into Outlook
        if (!connection_) return Provider::get_connection(out);
        auto snapshot = std::make_unique<ConnectionSnapshot>();  // ~17 KiB: not on the stack
        const HRESULT hr = connection_->Snapshot(snapshot.get());
        if (failed(hr)) return failed_call("reading Outlook's Exchange connection", hr);
        if (snapshot->count > kConnectionMaxAccounts)
            return Status{OLSTATE_E_PROVIDER_FAILED,
                          "the provider reported " + std::to_string(snapshot->count) + " accounts, more than " +
                              std::to_string(kConnectionMaxAccounts),
                          0};
        out.mode = snapshot->mode;
        out.offline = snapshot->offline != 0;
        out.accounts.clear();
        for (ULONG i = 0; i < snapshot->count; ++i) {
            const ConnectionAccount& a = snapshot->accounts[i];
            out.accounts.push_back(Account{a.type, a.mode, text_field(a.display_name), text_field(a.smtp_address)});
        }
        return {};
    }

    Status advise(std::weak_ptr<EventReceiver> receiver) override {
        if (poll_) {
            poll_->poller().set_receiver(receiver);
            after_notification_ = std::make_shared<PollAfterNotification>(std::move(receiver), poll_, owner_id_);
            receiver = after_notification_;
        }
        sink_ = NotifySink::create(std::move(receiver));
        const auto token = std::make_shared<ULONG>(0);
        const std::string what =
            "IMAPIOfflineMgr::Advise (provider '" + library_.path + "', profile '" + profile_ + "')";
        Status status = owner_->run(what, [manager = manager_.get(), sink = sink_, token, what] {
            MAPIOFFLINE_ADVISEINFO info{};
            info.ulSize = sizeof info;
            info.ulClientToken = 0;  // opaque to the provider; olstate's sink needs none
            info.CallbackType = MAPIOFFLINE_CALLBACK_TYPE_NOTIFY;
            info.pCallback = sink.get();
            info.ulAdviseTypes = MAPIOFFLINE_ADVISE_TYPE_STATECHANGE;
            info.ulStateMask = MAPIOFFLINE_STATE_ALL;
            const HRESULT hr = manager->Advise(MAPIOFFLINE_ADVISE_DEFAULT, &info, token.get());
            return failed(hr) ? failed_call(what, hr) : Status{};
        });
        if (!status.ok()) {
            sink_.reset();
            return status;
        }
        advise_token_ = *token;
        advised_ = true;
        return {};
    }

    void unadvise() noexcept override {
        if (!advised_) return;
        advised_ = false;
        // Unadvise is documented to return S_OK; if a provider fails it
        // anyway, olstate's own guarantees do not depend on it (the sink
        // holds the receiver weakly). From another thread (the QUEUED
        // dispatcher after a close in a callback, a closing thread) it is
        // handed to the owner without waiting; a notification on its way
        // meanwhile finds the receiver gone.
        owner_->run_or_post([manager = manager_.get(), token = advise_token_, sink = std::move(sink_)] {
            manager->Unadvise(MAPIOFFLINE_UNADVISE_DEFAULT, token);
        });
    }

private:
    // On the opening (owner) thread, after the offline object opened.
    void start_object_model(const std::string& where) {
        try {
            poll_ = object_model::start_owner_poll(object_model_.application, object_model_.poll_ms,
                                                   owner_->has_window());
        } catch (const Failure& f) {
            throw Failure(f.result(), f.what() + where, f.hresult());
        }
        capabilities_ |= OLSTATE_CAPABILITY_CONNECTION_MODE;
    }

    const std::uint32_t kind_;
    const ProviderLibrary library_;
    const std::string profile_;
    const ObjectModelRequest object_model_;
    const std::thread::id owner_id_ = std::this_thread::get_id();  // made on the owner thread
    std::shared_ptr<object_model::OwnerPoll> poll_;  // null: no object model
    std::shared_ptr<PollAfterNotification> after_notification_;
    std::uint32_t capabilities_ = 0;
    ComPtr<IMAPIOfflineMgr> manager_;
    ComPtr<IMAPIOffline> offline_;
    ComPtr<IOlstateConnection> connection_;  // null: no connection capability
    ComPtr<NotifySink> sink_;
    ULONG advise_token_ = 0;
    bool advised_ = false;
    const std::unique_ptr<OwnerThread> owner_;  // declared last: gone first, after the Releases were handed to it
};

}  // namespace

std::unique_ptr<Provider> open_com_provider(std::uint32_t kind, ProviderLibrary library, const std::string& profile,
                                            ObjectModelRequest object_model) {
    auto provider = std::make_unique<ComProvider>(kind, std::move(library), profile, object_model);
    provider->open();
    return provider;
}

}  // namespace olstate::provider
