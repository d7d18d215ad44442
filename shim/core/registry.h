// The live sessions of the process. A session handle is an id, never an
// address, and ids are never reused: a closed or made-up handle is reported
// as OLSTATE_E_INVALID_HANDLE, never dereferenced.
#pragma once

#include <olstate.h>

#include <memory>

#include "callback_scope.h"
#include "session.h"

namespace olstate {

// Holds a session for the length of one call and counts that call, so that
// close waits for it. Empty when the handle is unknown or closed.
// Also marks the thread, so that a close reached from a callback nested in
// this call does not wait for the call itself. Not movable: the mark lives
// on this stack frame.
class SessionCall {
public:
    // Takes over a call already counted by the registry.
    explicit SessionCall(std::shared_ptr<Session> s) noexcept
        : session_(std::move(s)), mark_(ThreadMark::Kind::call, session_->id()) {}
    SessionCall(const SessionCall&) = delete;
    SessionCall& operator=(const SessionCall&) = delete;
    ~SessionCall() { session_->leave_call(); }
    Session* operator->() const noexcept { return session_.get(); }

private:
    std::shared_ptr<Session> session_;
    ThreadMark mark_;
};

namespace registry {

std::uint64_t next_id() noexcept;
olstate_session* handle_of(std::uint64_t id) noexcept;
void insert(std::shared_ptr<Session> session);
// The session with this call counted, or null when unknown or closed.
std::shared_ptr<Session> enter(olstate_session* handle);
// Removes and returns the session; null if unknown or already closed.
std::shared_ptr<Session> remove(olstate_session* handle);

}  // namespace registry
}  // namespace olstate
