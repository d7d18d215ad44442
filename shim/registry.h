// The live sessions of the process. A session handle is an id, never an
// address, and ids are never reused: a closed or made-up handle is reported
// as OLSTATE_E_INVALID_HANDLE, never dereferenced.
#pragma once

#include <olstate.h>

#include <memory>

#include "session.h"

namespace olstate {

// Holds a session for the length of one call and counts that call, so that
// close waits for it. Empty when the handle is unknown or closed.
class SessionCall {
public:
    SessionCall() noexcept = default;
    explicit SessionCall(std::shared_ptr<Session> s) noexcept : session_(std::move(s)) {}
    SessionCall(SessionCall&&) noexcept = default;
    SessionCall& operator=(SessionCall&&) = delete;
    SessionCall(const SessionCall&) = delete;
    ~SessionCall() {
        if (session_) session_->leave_call();
    }
    Session* operator->() const noexcept { return session_.get(); }
    explicit operator bool() const noexcept { return session_ != nullptr; }

private:
    std::shared_ptr<Session> session_;
};

namespace registry {

std::uint64_t next_id() noexcept;
olstate_session* handle_of(std::uint64_t id) noexcept;
void insert(std::shared_ptr<Session> session);
SessionCall enter(olstate_session* handle);
// Removes and returns the session; null if unknown or already closed.
std::shared_ptr<Session> remove(olstate_session* handle);

}  // namespace registry
}  // namespace olstate
