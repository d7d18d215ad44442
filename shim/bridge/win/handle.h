// Owning wrappers for the Win32 handles of the named-pipe transport.
#pragma once

#include <windows.h>

#include <utility>

namespace olstate::bridge::win {

// A kernel handle (pipe, event, token), closed on destruction. Both null and
// INVALID_HANDLE_VALUE mean "none", since Win32 uses either for failure.
class UniqueHandle {
public:
    UniqueHandle() noexcept = default;
    explicit UniqueHandle(HANDLE h) noexcept : h_(h == INVALID_HANDLE_VALUE ? nullptr : h) {}
    ~UniqueHandle() { reset(); }
    UniqueHandle(UniqueHandle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    UniqueHandle& operator=(UniqueHandle&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    UniqueHandle(const UniqueHandle&) = delete;
    UniqueHandle& operator=(const UniqueHandle&) = delete;

    void reset() noexcept {
        if (HANDLE h = std::exchange(h_, nullptr)) CloseHandle(h);
    }
    HANDLE get() const noexcept { return h_; }
    HANDLE* put() noexcept {
        reset();
        return &h_;
    }
    explicit operator bool() const noexcept { return h_ != nullptr; }

private:
    HANDLE h_ = nullptr;
};

// Memory the system allocated with LocalAlloc (security descriptors from
// SDDL, SID strings), freed with LocalFree.
template <class T>
class LocalPtr {
public:
    LocalPtr() noexcept = default;
    ~LocalPtr() {
        if (p_) LocalFree(reinterpret_cast<HLOCAL>(p_));
    }
    LocalPtr(LocalPtr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    LocalPtr& operator=(LocalPtr&& o) noexcept {
        std::swap(p_, o.p_);
        return *this;
    }
    LocalPtr(const LocalPtr&) = delete;
    LocalPtr& operator=(const LocalPtr&) = delete;

    T get() const noexcept { return p_; }
    T* put() noexcept { return &p_; }

private:
    T p_ = nullptr;
};

}  // namespace olstate::bridge::win
