#include "thread_timer.h"

#include <map>
#include <mutex>

namespace olstate::win {
namespace {

// Thread timers carry no context: their ids lead back to the objects.
struct Timers {
    std::mutex mutex;
    std::map<UINT_PTR, ThreadTimer*> by_id;
};
Timers& timers() {
    static Timers* t = new Timers;  // never destroyed: WM_TIMER may come during process exit
    return *t;
}

}  // namespace

bool ThreadTimer::start(UINT ms, std::function<void()> tick) noexcept {
    stop();
    try {
        tick_ = std::move(tick);
        const UINT_PTR id = SetTimer(nullptr, 0, ms, &ThreadTimer::on_timer);
        if (!id) return false;
        std::lock_guard lock(timers().mutex);
        timers().by_id[id] = this;
        id_ = id;
        return true;
    } catch (...) {
        return false;
    }
}

void ThreadTimer::stop() noexcept {
    if (!id_) return;
    KillTimer(nullptr, id_);
    std::lock_guard lock(timers().mutex);
    timers().by_id.erase(id_);
    id_ = 0;
}

void CALLBACK ThreadTimer::on_timer(HWND, UINT, UINT_PTR id, DWORD) noexcept {
    std::function<void()> tick;
    {
        std::lock_guard lock(timers().mutex);
        const auto it = timers().by_id.find(id);
        if (it == timers().by_id.end()) return;  // stopped after the message was queued
        try {
            tick = it->second->tick_;  // a copy: tick may stop or restart this very timer
        } catch (...) {
            return;
        }
    }
    try {
        tick();
    } catch (...) {
        // Nothing may escape into Outlook's message loop.
    }
}

}  // namespace olstate::win
