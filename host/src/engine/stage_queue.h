// stage_queue: the bounded, multi-producer multi-consumer queue in front of every stage.
//
// Items move in bulk (moodycamel::ConcurrentQueue bulk enqueue/dequeue, no lock per item).
// The queue is bounded twice: by a number of items (a semaphore of free slots) and by the bytes
// of the payloads it holds; a producer that finds it full blocks, which is how backpressure
// travels upstream to the source. `producer_done` closes the queue once every producer is done;
// consumers then drain what is left and `pop` returns 0.
//
// Priority lanes (`lane_config`, a stage's `priority:`): one moodycamel queue per level, behind
// the same two bounds and the same semaphores, so backpressure and closing work as with one
// lane. An item goes to lane clamp(item.priority, 0, levels - 1); a higher level is more urgent.
// `pop` serves the highest non-empty lane first (strict), or each lane in turn for `weight`
// items (weighted, a rotating credit kept by each consumer: no shared state, no lock). With
// aging, a lower lane whose oldest waiting item has waited longer than `aging_ns` is served
// before any other, so no item starves. With one level (the default) there is one lane and the
// push and pop paths are the plain ones: no per-item work.
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
#include <memory>
#include <mutex>
#include <vector>

#include "engine/item.h"
#include "engine/policy/clock.h"

namespace wprun::engine {

/// How a queue splits into priority lanes. The default is one lane (no priorities).
struct lane_config {
    unsigned levels = 1;            ///< lanes; an item's level is clamp(priority, 0, levels - 1)
    std::vector<unsigned> weights;  ///< weighted: items per turn, by level (index 0 = level 0);
                                    ///< empty = strict
    int64_t aging_ns = 0;           ///< serve a lane whose oldest item waited this long; 0 = off
    clock* time = nullptr;          ///< for aging; nullptr = the system clock
};

class stage_queue {
public:
    stage_queue(size_t max_items,
                size_t max_bytes,
                unsigned producers = 1,
                const lane_config& lanes = {});
    stage_queue(const stage_queue&) = delete;
    stage_queue& operator=(const stage_queue&) = delete;

    /// A pushing thread's handle.
    class producer {
    public:
        explicit producer(stage_queue& q) : q_(q) {
            tokens_.reserve(q.lanes_.size());
            for (auto& l : q.lanes_) tokens_.emplace_back(l->queue);
        }
        /// Moves `n` items in, blocking while the queue is full.
        void push(item* items, size_t n) { q_.push(*this, items, n); }

    private:
        friend class stage_queue;
        stage_queue& q_;
        std::vector<moodycamel::ProducerToken> tokens_;  // one per lane
    };

    /// A popping thread's handle.
    class consumer {
    public:
        explicit consumer(stage_queue& q) : q_(q) {
            tokens_.reserve(q.lanes_.size());
            for (auto& l : q.lanes_) tokens_.emplace_back(l->queue);
            lane_ = static_cast<unsigned>(q.lanes_.size() - 1);
            credit_ = q.weights_.empty() ? 0 : q.weights_[lane_];
        }
        /// Moves up to `max` items out; blocks until there is one; 0 once closed and drained.
        /// With lanes, the items come most urgent first.
        size_t pop(item* out, size_t max) { return q_.pop(*this, out, max, -1); }
        /// As `pop`, but gives up after `timeout_us` (then 0 with `finished()` false).
        size_t pop_for(item* out, size_t max, int64_t timeout_us) {
            return q_.pop(*this, out, max, timeout_us);
        }

    private:
        friend class stage_queue;
        stage_queue& q_;
        std::vector<moodycamel::ConsumerToken> tokens_;  // one per lane
        unsigned lane_ = 0;                              // weighted: the lane being served
        size_t credit_ = 0;                              // weighted: items left in its turn
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

    unsigned levels() const noexcept { return static_cast<unsigned>(lanes_.size()); }
    /// Items taken from each lane so far, by level (empty with one lane).
    std::vector<uint64_t> taken_per_level() const;
    /// The longest wait seen in each lane, in ns, by level (aging only; else empty).
    std::vector<int64_t> longest_wait_per_level() const;

private:
    struct lane {
        explicit lane(size_t capacity) : queue(capacity) {}
        moodycamel::ConcurrentQueue<item> queue;
        std::atomic<int64_t> pending{0};      // lanes > 1 only
        std::atomic<uint32_t> oldest_us{0};   // aging: when its oldest waiting item came in
        std::atomic<uint64_t> taken{0};       // lanes > 1 only
        std::atomic<uint32_t> longest_us{0};  // aging: longest wait seen
    };

    void push(producer& p, item* items, size_t n);
    size_t pop(consumer& c, item* out, size_t max, int64_t timeout_us);
    void push_lanes(producer& p, item* items, size_t n);
    size_t take_lanes(consumer& c, item* out, size_t max);
    size_t take_aged(consumer& c, item* out, size_t max);
    size_t take_weighted(consumer& c, item* out, size_t max);
    size_t take_from(consumer& c, unsigned level, item* out, size_t max);
    unsigned level_of(const item& it) const noexcept;
    uint32_t now_us() const noexcept;
    void release(const item* out, size_t got);
    void wait_for_bytes(int64_t incoming);
    void note_high_water(int64_t pending) noexcept;
    bool drained(size_t taken) const noexcept;
    bool done_taking(size_t got, size_t found) const noexcept;
    void close();

    std::vector<std::unique_ptr<lane>> lanes_;  // by level; one in the common case
    std::vector<unsigned> weights_;             // weighted: by level; empty = strict
    uint32_t aging_us_ = 0;                     // 0 = no aging
    clock* clock_ = nullptr;
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
