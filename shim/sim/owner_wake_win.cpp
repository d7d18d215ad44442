// A message-only window per owner thread: Outlook's offline object reaches
// its thread through that thread's message loop, and so does the strict
// simulator. Posting never blocks; the window procedure runs on the owner
// thread when its loop dispatches the message (GetMessage/DispatchMessage,
// or any modal loop).
#include <windows.h>

#include "owner_wake.h"

namespace olstate::sim {
namespace {

constexpr UINT kRunMessage = WM_APP + 0x51;
const wchar_t* const kClassName = L"olstate_sim_owner_window";

HINSTANCE this_module() {
    HMODULE module = nullptr;
    GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                       reinterpret_cast<LPCWSTR>(&this_module), &module);
    return module;
}

LRESULT CALLBACK window_procedure(HWND window, UINT message, WPARAM wparam, LPARAM lparam) {
    if (message == kRunMessage) {
        auto* run = reinterpret_cast<std::function<void()>*>(GetWindowLongPtrW(window, GWLP_USERDATA));
        if (run) (*run)();
        return 0;
    }
    return DefWindowProcW(window, message, wparam, lparam);
}

void register_class_once() {
    static const bool registered = [] {
        WNDCLASSEXW c{};
        c.cbSize = sizeof c;
        c.lpfnWndProc = window_procedure;
        c.hInstance = this_module();
        c.lpszClassName = kClassName;
        return RegisterClassExW(&c) != 0 || GetLastError() == ERROR_CLASS_ALREADY_EXISTS;
    }();
    (void)registered;
}

}  // namespace

OwnerWake::OwnerWake(std::function<void()> run) : run_(std::move(run)) {
    register_class_once();
    HWND window = CreateWindowExW(0, kClassName, L"", 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr, this_module(), nullptr);
    if (window) SetWindowLongPtrW(window, GWLP_USERDATA, reinterpret_cast<LONG_PTR>(&run_));
    window_ = window;
}

// Inboxes live as long as the process; Windows destroys the window with its
// thread. Nothing to undo here.
OwnerWake::~OwnerWake() = default;

void OwnerWake::wake() noexcept {
    if (window_) PostMessageW(static_cast<HWND>(window_), kRunMessage, 0, 0);
}

}  // namespace olstate::sim
