// Text in a fixed buffer: what the per-thread error records hold, so that
// recording a failure never allocates and cannot fail. It has no destructor
// (the records are freed at thread exit without running any code on them).
// Text longer than the buffer is cut at a UTF-8 character boundary and ends
// with "...".
#pragma once

#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <string_view>
#include <type_traits>

namespace olstate::text {

template <std::size_t N>
class FixedText {
    static_assert(N >= 8, "room for a few characters and the \"...\"");

public:
    static constexpr std::size_t kMaxBytes = N - 1;  // without the NUL

    // Replaces the text with the parts, one after the other.
    void assign(std::initializer_list<std::string_view> parts) noexcept {
        size_ = 0;
        bool cut = false;
        for (const std::string_view part : parts) {
            const std::size_t room = kMaxBytes - size_;
            const std::size_t n = part.size() < room ? part.size() : room;
            std::memcpy(text_ + size_, part.data(), n);
            size_ += n;
            if (n < part.size()) {
                cut = true;
                break;
            }
        }
        if (cut) mark_cut();
        text_[size_] = '\0';
    }
    void clear() noexcept {
        size_ = 0;
        text_[0] = '\0';
    }
    const char* c_str() const noexcept { return text_; }
    std::string_view view() const noexcept { return {text_, size_}; }
    bool empty() const noexcept { return size_ == 0; }

private:
    // Makes room for "..." and backs off to the start of a UTF-8 character,
    // so the text stays valid UTF-8.
    void mark_cut() noexcept {
        size_ = kMaxBytes - 3;
        while (size_ > 0 && (static_cast<unsigned char>(text_[size_]) & 0xC0) == 0x80) --size_;
        std::memcpy(text_ + size_, "...", 3);
        size_ += 3;
    }

    char text_[N] = {};
    std::size_t size_ = 0;
};

}  // namespace olstate::text
