// A message-only window of the owner thread: posting to it is how another
// thread hands work to Outlook's main thread (Outlook's offline object
// belongs to that thread, a single-threaded apartment with a message loop).
// The window procedure runs the work when the owner's loop dispatches the
// message (GetMessage/DispatchMessage, or any modal loop Outlook runs).
#include <windows.h>

#include <olstate.h>

#include "owner_channel.h"

namespace olstate::provider {
namespace {

constexpr UINT kWorkMessage = WM_APP + 0x0A1;
const wchar_t* const kClassName = L"olstate_owner_thread_window";

HINSTANCE olstate_instance() {
    HMODULE module = nullptr;
    GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                       reinterpret_cast<LPCWSTR>(&olstate_instance), &module);
    return module;
}

LRESULT CALLBACK owner_window_procedure(HWND window, UINT message, WPARAM wparam, LPARAM lparam) {
    if (message == kWorkMessage) {
        // wparam/lparam: the work and its context, as post() queued them.
        const auto work = reinterpret_cast<OwnerChannel::Work>(wparam);
        if (work) work(reinterpret_cast<void*>(lparam));
        return 0;
    }
    return DefWindowProcW(window, message, wparam, lparam);
}

bool register_class_once() {
    // The module is pinned for the life of the process (session.cpp), so the
    // class never outlives its window procedure.
    static const bool registered = [] {
        WNDCLASSEXW c{};
        c.cbSize = sizeof c;
        c.lpfnWndProc = owner_window_procedure;
        c.hInstance = olstate_instance();
        c.lpszClassName = kClassName;
        return RegisterClassExW(&c) != 0 || GetLastError() == ERROR_CLASS_ALREADY_EXISTS;
    }();
    return registered;
}

class WindowChannel final : public OwnerChannel {
public:
    explicit WindowChannel(HWND window) noexcept : window_(window) {}
    // DestroyWindow succeeds only on the owner thread (OwnerThread destroys
    // the channel there when it can); elsewhere it fails harmlessly and
    // Windows destroys the window with its thread.
    ~WindowChannel() override { DestroyWindow(window_); }
    WindowChannel(const WindowChannel&) = delete;
    WindowChannel& operator=(const WindowChannel&) = delete;

    bool post(Work work, void* context) noexcept override {
        return PostMessageW(window_, kWorkMessage, reinterpret_cast<WPARAM>(work),
                            reinterpret_cast<LPARAM>(context)) != FALSE;
    }
    std::uint32_t threading() const noexcept override { return OLSTATE_THREADING_OWNER_WINDOW; }

private:
    const HWND window_;
};

}  // namespace

std::unique_ptr<OwnerChannel> open_owner_window() {
    // Only a thread that already has a message queue can be expected to pump
    // one; a console thread keeps direct calls (the header's "Threading").
    if (!IsGUIThread(FALSE)) return nullptr;
    if (!register_class_once()) return nullptr;
    HWND window = CreateWindowExW(0, kClassName, L"", 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr, olstate_instance(),
                                  nullptr);
    if (!window) return nullptr;
    return std::make_unique<WindowChannel>(window);
}

}  // namespace olstate::provider
