// What this thread is doing inside olstate, so that calls made from callbacks
// can behave as the contract says: unsubscribe/close from inside a callback of
// the same session never wait, and a blocking set_state on a provider's
// notification thread is refused instead of hanging Outlook.
#pragma once

#include <cstdint>

namespace olstate {

// Marks "a callback of session `session_id` runs on this thread" for its
// lifetime. Scopes nest (a callback may cause another delivery inline).
class CallbackScope {
public:
    explicit CallbackScope(std::uint64_t session_id) noexcept;
    ~CallbackScope();
    CallbackScope(const CallbackScope&) = delete;
    CallbackScope& operator=(const CallbackScope&) = delete;

private:
    std::uint64_t session_id_;
    const CallbackScope* outer_;
    friend bool in_callback_of(std::uint64_t) noexcept;
};

bool in_callback_of(std::uint64_t session_id) noexcept;

// Marks "this thread is inside a provider's IMAPIOfflineNotify::Notify".
class ProviderNotifyScope {
public:
    ProviderNotifyScope() noexcept;
    ~ProviderNotifyScope();
    ProviderNotifyScope(const ProviderNotifyScope&) = delete;
    ProviderNotifyScope& operator=(const ProviderNotifyScope&) = delete;
};

bool inside_provider_notify() noexcept;

}  // namespace olstate
