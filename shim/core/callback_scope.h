// What this thread is doing inside olstate, so that calls made from callbacks
// behave as the contract says: unsubscribe/close from inside a callback of the
// same session never wait, close never waits for a call this very thread is
// still inside, and a blocking set_state on a provider's notification thread
// is refused instead of hanging Outlook.
#pragma once

#include <cstdint>

namespace olstate {

// A mark on this thread for its lifetime: "a callback of session S runs
// here" or "an olstate call on session S is in progress here". Marks nest
// (a call may cause a delivery inline, whose callback makes another call).
class ThreadMark {
public:
    enum class Kind { callback, call };
    ThreadMark(Kind kind, std::uint64_t session_id) noexcept;
    ~ThreadMark();
    ThreadMark(const ThreadMark&) = delete;
    ThreadMark& operator=(const ThreadMark&) = delete;

private:
    Kind kind_;
    std::uint64_t session_id_;
    const ThreadMark* outer_;
    friend bool marked(Kind, std::uint64_t) noexcept;
};

bool marked(ThreadMark::Kind kind, std::uint64_t session_id) noexcept;
inline bool in_callback_of(std::uint64_t session_id) noexcept {
    return marked(ThreadMark::Kind::callback, session_id);
}
inline bool in_call_on(std::uint64_t session_id) noexcept {
    return marked(ThreadMark::Kind::call, session_id);
}

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
