#include "faults.h"

#include <cstdlib>
#include <stdexcept>

#include "../base/utf.h"
#include "olstate_sim.h"

namespace olstate::sim {

Faults& Faults::get() {
    static Faults* f = new Faults;  // never destroyed: provider threads may outlive main
    return *f;
}

void Faults::set_misbehaviour(std::uint32_t mask) noexcept {
    std::vector<std::function<void()>> resumed;
    {
        std::lock_guard lock(hold_mutex_);
        misbehaviour_.store(mask);
        if (!(mask & OLSTATE_SIM_MISBEHAVE_HOLD_DONE)) resumed.swap(held_);
    }
    released_.notify_all();
    for (auto& r : resumed) {
        try {
            r();
        } catch (...) {
        }
    }
}

bool Faults::hold_until_released(std::function<void()> resume) {
    std::lock_guard lock(hold_mutex_);
    if (!misbehaves(OLSTATE_SIM_MISBEHAVE_HOLD_DONE)) return false;
    held_.push_back(std::move(resume));
    return true;
}

void Faults::wait_while_holding_done() noexcept {
    std::unique_lock lock(hold_mutex_);
    released_.wait(lock, [&] { return !misbehaves(OLSTATE_SIM_MISBEHAVE_HOLD_DONE); });
}

com::HRESULT Faults::take(std::uint32_t call) {
    std::lock_guard lock(mutex_);
    if (call >= kCalls || faults_[call].count == 0) return com::S_OK_;
    --faults_[call].count;
    return faults_[call].hr;
}

void Faults::fail_next(std::uint32_t call, com::HRESULT hr, std::uint32_t count) {
    if (call == 0 || call >= kCalls) throw std::invalid_argument("unknown call");
    std::lock_guard lock(mutex_);
    faults_[call] = {hr, count};
}

std::uint32_t Faults::not_ready_from_environment() noexcept {
    const char* v = std::getenv("OLSTATE_SIM_NOT_READY");
    if (!v || !*v) return 0;
    char* end = nullptr;
    const unsigned long n = std::strtoul(v, &end, 10);
    return (*end == '\0' && n <= 1000000) ? static_cast<std::uint32_t>(n) : 0;
}

bool Faults::take_not_ready() noexcept {
    std::uint32_t left = not_ready_.load();
    while (left > 0 && !not_ready_.compare_exchange_weak(left, left - 1)) {
    }
    return left > 0;
}

void Faults::set_known(const std::u16string& key, bool known) {
    std::lock_guard lock(mutex_);
    if (known) unknown_.erase(key);
    else unknown_.insert(key);
}

bool Faults::known(const std::u16string& key) {
    std::lock_guard lock(mutex_);
    return unknown_.count(key) == 0;
}

void Faults::reset() {
    std::lock_guard lock(mutex_);
    for (auto& f : faults_) f = {};
    unknown_.clear();
    set_misbehaviour(0);  // also lets held changes finish
    not_ready_.store(0);
}

std::u16string profile_key(const char16_t* name) {
    std::u16string key = (name && *name) ? std::u16string(name) : u"outlook";
    for (auto& c : key) {
        if (c >= u'A' && c <= u'Z') c = static_cast<char16_t>(c - u'A' + u'a');
    }
    return key;
}

std::u16string profile_key_utf8(const char* name) {
    if (!name || !*name) return profile_key(nullptr);
    const auto wide = text::utf8_to_utf16(name);
    if (!wide) throw std::invalid_argument("profile is not valid UTF-8");
    return profile_key(wide->c_str());
}

}  // namespace olstate::sim
