// GCC 12 reports a false -Wstringop-overflow inside moodycamel's atomics once they are inlined
// here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif

#include "engine/stage_queue.h"

#include <algorithm>
#include <chrono>
#include <iterator>

namespace wprun::engine {
namespace {

// Few spins before sleeping: stages often run more threads than there are cores.
constexpr int semaphore_spins = 64;
// Once closed, `ready_` is flooded with this many permits so that no consumer ever sleeps again.
constexpr ssize_t closed_permits = ssize_t{1} << 40;

int64_t payload_bytes(const item* items, size_t n) noexcept {
    int64_t total = 0;
    for (size_t i = 0; i < n; ++i) total += static_cast<int64_t>(items[i].payload.size());
    return total;
}

}  // namespace

stage_queue::stage_queue(size_t max_items, size_t max_bytes, unsigned producers)
    : queue_(std::max<size_t>(max_items, 32)),
      ready_(0, semaphore_spins),
      space_(static_cast<ssize_t>(std::max<size_t>(max_items, 1)), semaphore_spins),
      producers_(producers),
      max_items_(std::max<size_t>(max_items, 1)),
      max_bytes_(max_bytes == 0 ? INT64_MAX : static_cast<int64_t>(max_bytes)) {
    if (producers == 0) close();
}

void stage_queue::push(moodycamel::ProducerToken& token, item* items, size_t n) {
    while (n > 0) {
        auto k = static_cast<size_t>(space_.waitMany(static_cast<ssize_t>(n)));
        int64_t bytes = payload_bytes(items, k);
        wait_for_bytes(bytes);
        bytes_.fetch_add(bytes, std::memory_order_relaxed);
        queue_.enqueue_bulk(token, std::make_move_iterator(items), k);
        note_high_water(pending_.fetch_add(static_cast<int64_t>(k), std::memory_order_release) +
                        static_cast<int64_t>(k));
        ready_.signal(static_cast<ssize_t>(k));
        items += k;
        n -= k;
    }
}

size_t stage_queue::pop(moodycamel::ConsumerToken& token,
                        item* out,
                        size_t max,
                        int64_t timeout_us) {
    ssize_t taken = ready_.waitMany(static_cast<ssize_t>(max), timeout_us);
    if (taken <= 0) return 0;  // timed out
    auto permits = static_cast<size_t>(taken);
    size_t got = 0;
    // A permit guarantees an item, except the flood of permits given out at close; the loop
    // retries because a dequeue may briefly miss an item another producer is still publishing.
    while (got < permits) {
        got += queue_.try_dequeue_bulk(token, out + got, permits - got);
        if (got < permits && drained(got)) break;
    }
    if (got == 0) return 0;
    bytes_.fetch_sub(payload_bytes(out, got), std::memory_order_relaxed);
    pending_.fetch_sub(static_cast<int64_t>(got), std::memory_order_acq_rel);
    space_.signal(static_cast<ssize_t>(got));
    if (bytes_waiters_.load(std::memory_order_seq_cst) > 0) {
        std::lock_guard lock(bytes_mutex_);
        bytes_freed_.notify_all();
    }
    return got;
}

bool stage_queue::drained(size_t taken) const noexcept {
    // `taken`: items this consumer holds but has not yet subtracted from pending_.
    return closed_.load(std::memory_order_acquire) &&
           pending_.load(std::memory_order_acquire) <= static_cast<int64_t>(taken);
}

void stage_queue::wait_for_bytes(int64_t incoming) {
    auto too_full = [&] {
        int64_t held = bytes_.load(std::memory_order_seq_cst);
        return held > 0 && held + incoming > max_bytes_;
    };
    if (!too_full()) return;
    bytes_waiters_.fetch_add(1, std::memory_order_seq_cst);
    {
        std::unique_lock lock(bytes_mutex_);
        // The timeout is a safety net only; consumers notify whenever bytes are freed.
        while (too_full()) bytes_freed_.wait_for(lock, std::chrono::milliseconds(5));
    }
    bytes_waiters_.fetch_sub(1, std::memory_order_seq_cst);
}

void stage_queue::note_high_water(int64_t pending) noexcept {
    auto now = static_cast<size_t>(pending);
    size_t seen = high_water_.load(std::memory_order_relaxed);
    while (now > seen && !high_water_.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
    }
}

void stage_queue::producer_done() {
    if (producers_.fetch_sub(1, std::memory_order_acq_rel) == 1) close();
}

void stage_queue::close() {
    closed_.store(true, std::memory_order_release);
    ready_.signal(closed_permits);
}

}  // namespace wprun::engine
