// The one policy for every queue of events in olstate (the QUEUED
// dispatcher, the bridge client's notifier, a bridge host's per-client
// writer):
//   - first in, first out;
//   - at most `capacity` droppable items (state changes): one more makes the
//     oldest droppable item give way;
//   - items that are not droppable (the bridge's lost/back, a host's control
//     frames) are never dropped: they keep their place, and when more of them
//     wait than the buffer holds it grows;
//   - the event that followed a dropped item is flagged (Traits::mark_dropped),
//     so the gap is reported where it is; an item that could not be queued at
//     all (lost()) flags the next event pushed.
// The buffer is allocated once up front (`initial_slots`): while items fit,
// push never allocates, so a provider's thread can queue a state change
// without calling into the heap.
//
// Traits<Item> (a struct with static functions):
//   bool droppable(const Item&)   - may give way at capacity
//   bool is_event(const Item&)    - can carry the dropped flag
//   void mark_dropped(Item&)      - sets it
// Not thread-safe: every owner guards it with its own lock.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace olstate {

template <class Item, class Traits>
class BoundedQueue {
public:
    // capacity: droppable items kept at most (> 0). initial_slots: buffer
    // size allocated now (at least 1).
    BoundedQueue(std::size_t capacity, std::size_t initial_slots)
        : capacity_(capacity), buffer_(initial_slots > 0 ? initial_slots : 1) {}

    bool empty() const noexcept { return count_ == 0; }
    std::size_t size() const noexcept { return count_; }
    std::size_t slots() const noexcept { return buffer_.size(); }

    // Appends an item; true when an older droppable item gave way for it.
    // Throws std::bad_alloc (queue unchanged) only when the buffer must grow
    // and cannot; the caller then reports the item lost().
    bool push(Item item) {
        bool dropped = false;
        if (Traits::droppable(item) && droppable_ == capacity_) {
            drop_oldest_droppable(item);
            dropped = true;
        }
        if (count_ == buffer_.size()) grow();
        if (lost_pending_ && Traits::is_event(item)) {
            Traits::mark_dropped(item);
            lost_pending_ = false;
        }
        if (Traits::droppable(item)) ++droppable_;
        buffer_[at(count_)] = std::move(item);
        ++count_;
        return dropped;
    }

    // An item that could not be queued (no memory): the next event pushed
    // carries the flag.
    void lost() noexcept { lost_pending_ = true; }

    // Removes and returns the oldest item. Precondition: !empty().
    Item pop() noexcept {
        Item item = std::move(buffer_[head_]);
        head_ = at(1);
        --count_;
        if (Traits::droppable(item)) --droppable_;
        return item;
    }

    // Removes every item `remove` selects (in order, keeping the rest).
    template <class Pred>
    void remove_if(Pred remove) noexcept {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < count_; ++i) {
            Item& item = buffer_[at(i)];
            if (remove(static_cast<const Item&>(item))) {
                if (Traits::droppable(item)) --droppable_;
                continue;
            }
            if (kept != i) buffer_[at(kept)] = std::move(item);
            ++kept;
        }
        count_ = kept;
    }

private:
    std::size_t at(std::size_t i) const noexcept { return (head_ + i) % buffer_.size(); }

    // Removes the oldest droppable item and flags the event after it: the
    // next one queued, or `incoming` when it was the last.
    void drop_oldest_droppable(Item& incoming) noexcept {
        std::size_t i = 0;
        while (!Traits::droppable(buffer_[at(i)])) ++i;  // kept items ahead stay, in order
        std::size_t next = i + 1;
        while (next < count_ && !Traits::is_event(buffer_[at(next)])) ++next;
        if (next < count_) Traits::mark_dropped(buffer_[at(next)]);
        else Traits::mark_dropped(incoming);
        // Close the gap by moving the items ahead of it up one slot.
        for (; i > 0; --i) buffer_[at(i)] = std::move(buffer_[at(i - 1)]);
        head_ = at(1);
        --count_;
        --droppable_;
    }

    void grow() {
        std::vector<Item> bigger(buffer_.size() * 2);  // may throw: nothing changed yet
        for (std::size_t i = 0; i < count_; ++i) bigger[i] = std::move(buffer_[at(i)]);
        buffer_ = std::move(bigger);
        head_ = 0;
    }

    const std::size_t capacity_;
    std::vector<Item> buffer_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
    std::size_t droppable_ = 0;
    bool lost_pending_ = false;
};

}  // namespace olstate
