// An owning COM reference: Release on destruction, AddRef on copy.
#pragma once

#include <utility>

namespace olstate::com {

template <class T>
class ComPtr {
public:
    ComPtr() noexcept = default;
    ComPtr(std::nullptr_t) noexcept {}
    ~ComPtr() { reset(); }

    // Takes over a reference the caller already owns (e.g. an out-parameter).
    static ComPtr adopt(T* raw) noexcept {
        ComPtr p;
        p.ptr_ = raw;
        return p;
    }
    // Adds a reference of its own.
    static ComPtr share(T* raw) noexcept {
        if (raw) raw->AddRef();
        return adopt(raw);
    }

    ComPtr(const ComPtr& other) noexcept : ptr_(other.ptr_) {
        if (ptr_) ptr_->AddRef();
    }
    ComPtr(ComPtr&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
    ComPtr& operator=(ComPtr other) noexcept {
        std::swap(ptr_, other.ptr_);
        return *this;
    }

    void reset() noexcept {
        if (T* p = std::exchange(ptr_, nullptr)) p->Release();
    }
    // For out-parameters: releases what is held, then hands out the slot.
    T** put() noexcept {
        reset();
        return &ptr_;
    }
    T* get() const noexcept { return ptr_; }
    // Hands the reference over to the caller, who must Release it (or keep
    // it on purpose): for a Release that has to run on another thread.
    [[nodiscard]] T* detach() noexcept { return std::exchange(ptr_, nullptr); }
    T* operator->() const noexcept { return ptr_; }
    explicit operator bool() const noexcept { return ptr_ != nullptr; }

private:
    T* ptr_ = nullptr;
};

}  // namespace olstate::com
