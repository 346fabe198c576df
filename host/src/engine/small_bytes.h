// small_bytes: an owned byte string that keeps short payloads inline.
//
// Items carry their payload in a small_bytes so that the common case (a line, a number, a hash)
// needs no heap allocation on the hot path; longer payloads spill to the heap. Move is cheap.
// Not thread-safe; an item belongs to one thread at a time.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <utility>

namespace wprun::engine {

class small_bytes {
public:
    static constexpr uint32_t inline_capacity = 48;

    small_bytes() noexcept = default;
    explicit small_bytes(std::string_view s) { assign(s); }
    small_bytes(const small_bytes& o) { assign(o.view()); }
    small_bytes(small_bytes&& o) noexcept { steal(o); }
    small_bytes& operator=(const small_bytes& o) {
        if (this != &o) assign(o.view());
        return *this;
    }
    small_bytes& operator=(small_bytes&& o) noexcept {
        if (this != &o) {
            release();
            steal(o);
        }
        return *this;
    }
    ~small_bytes() { release(); }

    /// Replaces the content; reuses the current buffer when it is big enough.
    void assign(std::string_view s) {
        char* p = reserve_discard(s.size());
        if (!s.empty()) std::memcpy(p, s.data(), s.size());
        size_ = static_cast<uint32_t>(s.size());
    }
    /// Makes room for `n` bytes (content undefined), sets the size to `n`, returns the buffer.
    char* resize_uninitialized(size_t n) {
        char* p = reserve_discard(n);
        size_ = static_cast<uint32_t>(n);
        return p;
    }
    void clear() noexcept { size_ = 0; }

    const char* data() const noexcept { return heap() ? u_.heap : u_.local; }
    size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    std::string_view view() const noexcept { return {data(), size_}; }
    std::string str() const { return std::string(view()); }

private:
    bool heap() const noexcept { return capacity_ > inline_capacity; }
    char* buffer() noexcept { return heap() ? u_.heap : u_.local; }
    char* reserve_discard(size_t n) {
        if (n <= capacity_) return buffer();
        if (n > UINT32_MAX) throw std::bad_alloc();
        auto* p = static_cast<char*>(std::malloc(n));
        if (p == nullptr) throw std::bad_alloc();
        release();
        u_.heap = p;
        capacity_ = static_cast<uint32_t>(n);
        return p;
    }
    void release() noexcept {
        if (heap()) std::free(u_.heap);
        capacity_ = inline_capacity;
        size_ = 0;
    }
    void steal(small_bytes& o) noexcept {
        size_ = o.size_;
        capacity_ = o.capacity_;
        // One fixed-size copy of the inline bytes or the heap pointer, whichever is in use: the
        // compiler turns it into a few moves, where a copy of `size_` bytes is a libc call and
        // a branch (items are moved four times on their way from source to sink).
        std::memcpy(&u_, &o.u_, sizeof u_);
        o.capacity_ = inline_capacity;
        o.size_ = 0;
    }

    uint32_t size_ = 0;
    uint32_t capacity_ = inline_capacity;
    union {
        char local[inline_capacity];
        char* heap;
    } u_{};
};

}  // namespace wprun::engine
