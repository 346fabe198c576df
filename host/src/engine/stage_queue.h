// stage_queue: the bounded, multi-producer multi-consumer queue in front of every stage.
//
// Items move in bulk (moodycamel::ConcurrentQueue bulk enqueue/dequeue, no lock per item).
// The queue is bounded twice: by a number of items (a semaphore of free slots) and by the bytes
// of the payloads it holds; a producer that finds it full blocks, which is how backpressure
// travels upstream to the source. `producer_done` closes the queue once every producer is done;
// consumers then drain what is left and `pop` returns 0.
//
// Thread-safety: every member function may be called from any thread. Each thread that pushes
// or pops should keep its own `producer` / `consumer` handle (moodycamel tokens).
#pragma once

#include <concurrentqueue/concurrentqueue.h>
#include <concurrentqueue/lightweightsemaphore.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "engine/item.h"

namespace wprun::engine {

class stage_queue {
public:
    stage_queue(size_t max_items, size_t max_bytes, unsigned producers = 1);
    stage_queue(const stage_queue&) = delete;
    stage_queue& operator=(const stage_queue&) = delete;

    /// A pushing thread's handle.
    class producer {
    public:
        explicit producer(stage_queue& q) : q_(q), token_(q.queue_) {}
        /// Moves `n` items in, blocking while the queue is full.
        void push(item* items, size_t n) { q_.push(token_, items, n); }

    private:
        stage_queue& q_;
        moodycamel::ProducerToken token_;
    };

    /// A popping thread's handle.
    class consumer {
    public:
        explicit consumer(stage_queue& q) : q_(q), token_(q.queue_) {}
        /// Moves up to `max` items out; blocks until there is one; 0 once closed and drained.
        size_t pop(item* out, size_t max) { return q_.pop(token_, out, max, -1); }
        /// As `pop`, but gives up after `timeout_us` (then 0 with `finished()` false).
        size_t pop_for(item* out, size_t max, int64_t timeout_us) {
            return q_.pop(token_, out, max, timeout_us);
        }

    private:
        stage_queue& q_;
        moodycamel::ConsumerToken token_;
    };

    /// One producer has finished; when the last one has, the queue closes.
    void producer_done();
    /// Closed and empty: no item will ever come out again.
    bool finished() const noexcept { return drained(0); }

    size_t size_approx() const noexcept {
        int64_t n = pending_.load(std::memory_order_relaxed);
        return n > 0 ? static_cast<size_t>(n) : 0;
    }
    size_t bytes_approx() const noexcept {
        int64_t n = bytes_.load(std::memory_order_relaxed);
        return n > 0 ? static_cast<size_t>(n) : 0;
    }
    /// The most items the queue ever held at once.
    size_t high_water() const noexcept { return high_water_.load(std::memory_order_relaxed); }
    size_t capacity() const noexcept { return max_items_; }

private:
    void push(moodycamel::ProducerToken& token, item* items, size_t n);
    size_t pop(moodycamel::ConsumerToken& token, item* out, size_t max, int64_t timeout_us);
    void wait_for_bytes(int64_t incoming);
    void note_high_water(int64_t pending) noexcept;
    bool drained(size_t taken) const noexcept;
    void close();

    moodycamel::ConcurrentQueue<item> queue_;
    moodycamel::LightweightSemaphore ready_;  // items available to pop (+ wake-ups once closed)
    moodycamel::LightweightSemaphore space_;  // free item slots
    std::atomic<int64_t> pending_{0};         // pushed and not yet popped
    std::atomic<int64_t> bytes_{0};           // payload bytes pushed and not yet popped
    std::atomic<size_t> high_water_{0};
    std::atomic<unsigned> producers_;
    std::atomic<bool> closed_{false};
    const size_t max_items_;
    const int64_t max_bytes_;

    // Slow path only: producers waiting for the byte bound to clear.
    std::mutex bytes_mutex_;
    std::condition_variable bytes_freed_;
    std::atomic<int> bytes_waiters_{0};
};

}  // namespace wprun::engine
