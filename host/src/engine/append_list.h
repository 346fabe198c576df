// append_list: a list that one thread appends to while others read what is already in it.
//
// Holds the records of a stage's workers: a dynamic stage keeps starting and retiring workers,
// and every record must stay (its plugin state goes to `flush` at the end), so the list grows
// without bound while workers read it (error budget, flush). Elements live in segments of
// growing size (16, 32, 64, ...) that never move; `publish` makes the prepared element visible
// to readers through `size`.
// Thread-safety: one appender at a time (`prepare`, `publish`, `discard`); any thread may call
// `size` and then read elements below it.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <memory>

namespace wprun::engine {

template <class T>
class append_list {
public:
    /// Creates the next element (not yet visible to readers) and returns it.
    T& prepare() {
        auto [seg, off] = locate(size_.load(std::memory_order_relaxed));
        if (!segments_[seg]) segments_[seg] = std::make_unique<std::unique_ptr<T>[]>(first << seg);
        return *(segments_[seg][off] = std::make_unique<T>());
    }
    /// Makes the prepared element visible.
    void publish() noexcept { size_.fetch_add(1, std::memory_order_release); }
    /// Drops the prepared element (no reader has seen it).
    void discard() noexcept {
        auto [seg, off] = locate(size_.load(std::memory_order_relaxed));
        segments_[seg][off].reset();
    }
    size_t size() const noexcept { return size_.load(std::memory_order_acquire); }
    /// Element `i` < size().
    T& operator[](size_t i) const noexcept {
        auto [seg, off] = locate(i);
        return *segments_[seg][off];
    }

private:
    static constexpr size_t first = 16;  // elements in segment 0; segment k holds first << k
    struct place {
        size_t seg, off;
    };
    static place locate(size_t i) noexcept {
        size_t j = i + first;
        size_t seg = static_cast<size_t>(std::bit_width(j)) - std::bit_width(first);
        return {seg, j - (first << seg)};
    }

    std::array<std::unique_ptr<std::unique_ptr<T>[]>, 40> segments_;
    std::atomic<size_t> size_{0};
};

}  // namespace wprun::engine
