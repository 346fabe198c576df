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
// Worker lanes (`lane_config::balance`, a stage's `balance:` other than `shared`): one moodycamel
// queue per worker, behind the same two bounds, so memory stays bounded by the stage's `queue:`
// and a full queue still blocks the producer. The producer asks a `balancer` for each item's
// lane and moves each lane's items in with one bulk enqueue (stage_queue_balance.cpp). Worker i
// pops only lane i, waiting on that lane's own semaphore (round_robin, least_loaded, key: FIFO
// per lane per producer, so per-key order holds); with `steal` workers share the `ready_`
// semaphore as with priority lanes, take from their own lane first and else from the busiest
// one. Why lanes in the queue and not a dispatching thread in the stage: no extra hop or thread,
// the producer already holds the batch (bulk stays bulk), and the existing bounds, close and
// drain logic cover the lanes unchanged.
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
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "engine/item.h"
#include "engine/policy/balancer.h"
#include "engine/policy/clock.h"

namespace wprun::engine {

/// How a queue splits into priority lanes. The default is one lane (no priorities).
struct lane_config {
    unsigned levels = 1;            ///< lanes; an item's level is clamp(priority, 0, levels - 1)
    std::vector<unsigned> weights;  ///< weighted: items per turn, by level (index 0 = level 0);
                                    ///< empty = strict
    int64_t aging_ns = 0;           ///< serve a lane whose oldest item waited this long; 0 = off
    clock* time = nullptr;          ///< for aging; nullptr = the system clock
    /// Worker lanes instead of priority lanes: one per worker (`workers`), fed by a balancer.
    /// `shared` (the default): no worker lanes. Not combined with levels > 1.
    balance_strategy balance = balance_strategy::shared;
    unsigned workers = 1;
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
            if (q.balancer_) deal_ = std::make_unique<dealing>(q);
        }
        /// Moves `n` items in, blocking while the queue is full.
        void push(item* items, size_t n) { q_.push(*this, items, n); }

    private:
        friend class stage_queue;
        /// Worker lanes: the producer's own turn and reused buffers (no allocation per push).
        struct dealing {
            explicit dealing(stage_queue& q);
            balancer::cursor turn;
            std::vector<uint16_t> picks;           // lane of each item of a push
            std::vector<int64_t> loads;            // least_loaded: backlog per lane
            std::vector<std::vector<item>> lanes;  // the items of a push, by lane
        };
        stage_queue& q_;
        std::vector<moodycamel::ProducerToken> tokens_;  // one per lane
        std::unique_ptr<dealing> deal_;                  // worker lanes only
    };

    /// A popping thread's handle.
    class consumer {
    public:
        /// `worker`: with worker lanes, the lane this consumer owns (its worker's index).
        explicit consumer(stage_queue& q, unsigned worker = 0) : q_(q) {
            own_ = q.balancer_ ? worker % static_cast<unsigned>(q.lanes_.size()) : 0;
            if (q.balancer_ && !q.own_lanes_) loads_.resize(q.lanes_.size());
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
        /// As `pop`, for the one cheap consumer of a queue (the sink): while fewer than `mark`
        /// items wait, it first lets them gather for up to `linger_us` (woken early once they
        /// reach `mark`, or when the queue closes), so that it wakes once per batch and not once
        /// per producer push. Items wait at most `linger_us` longer. `mark` must be reachable
        /// without this consumer (not above what upstream can have in flight); 0: plain `pop`.
        size_t pop_gathered(item* out, size_t max, size_t mark, int64_t linger_us) {
            q_.gather(mark, linger_us);
            return q_.pop(*this, out, max, -1);
        }

    private:
        friend class stage_queue;
        stage_queue& q_;
        std::vector<moodycamel::ConsumerToken> tokens_;  // one per lane
        unsigned lane_ = 0;                              // weighted: the lane being served
        size_t credit_ = 0;                              // weighted: items left in its turn
        unsigned own_ = 0;                               // worker lanes: its own lane
        std::vector<int64_t> loads_;                     // steal: pending items by lane
    };

    /// Direct delivery, for a queue whose one consumer is cheap (a sink that discards): each
    /// push calls `take` on the pushing thread with the items (which it may move from) instead
    /// of queueing them; `take` must be safe to call from several producers at once. Nothing is
    /// queued, so consumers only see the close. Set before any push.
    void deliver_to(std::function<void(item*, size_t)> take) { deliver_ = std::move(take); }
    /// One producer has finished; when the last one has, the queue closes.
    void producer_done();
    /// Closed and empty: no item will ever come out again.
    bool finished() const noexcept { return drained(0); }

    size_t size_approx() const noexcept {
        int64_t n = pending_.load(std::memory_order_relaxed);
        return n > 0 ? static_cast<size_t>(n) : 0;
    }
    /// Payload bytes held; always 0 for a queue without a byte bound (they are not counted).
    size_t bytes_approx() const noexcept {
        int64_t n = bytes_.load(std::memory_order_relaxed);
        return n > 0 ? static_cast<size_t>(n) : 0;
    }
    /// The most items the queue ever held at once.
    size_t high_water() const noexcept { return high_water_.load(std::memory_order_relaxed); }
    size_t capacity() const noexcept { return max_items_; }
    /// Free slots a blocked producer could take now (popped slots are handed back in chunks).
    size_t free_slots() const noexcept { return space_.availableApprox(); }

    unsigned levels() const noexcept { return static_cast<unsigned>(lanes_.size()); }
    /// Items taken from each lane so far, by level (empty with one lane).
    std::vector<uint64_t> taken_per_level() const;
    /// The longest wait seen in each lane, in ns, by level (aging only; else empty).
    std::vector<int64_t> longest_wait_per_level() const;
    /// The strategy that feeds the worker lanes (`shared`: none).
    balance_strategy balance() const noexcept {
        return balancer_ ? balancer_->strategy() : balance_strategy::shared;
    }
    /// steal: items workers took from lanes other than their own.
    uint64_t stolen() const noexcept;

private:
    struct lane {
        explicit lane(size_t capacity) : queue(capacity) {}
        moodycamel::ConcurrentQueue<item> queue;
        std::atomic<int64_t> pending{0};      // lanes > 1 only
        std::atomic<uint32_t> oldest_us{0};   // aging: when its oldest waiting item came in
        std::atomic<uint64_t> taken{0};       // lanes > 1 only
        std::atomic<uint32_t> longest_us{0};  // aging: longest wait seen
        // Worker lanes only:
        std::atomic<int64_t> in_flight{0};  // least_loaded: items its worker popped last
        std::atomic<uint64_t> stolen{0};    // steal: items its worker took from other lanes
        std::unique_ptr<moodycamel::LightweightSemaphore> ready;  // own-lane pops (not steal)
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
    void free_slots(size_t got);
    void gather(size_t mark, int64_t linger_us);
    void hurry(int64_t pending) noexcept;
    void wait_for_bytes(int64_t incoming);
    void note_high_water(int64_t pending) noexcept;
    bool drained(size_t taken) const noexcept;
    // Worker lanes (stage_queue_balance.cpp).
    void make_worker_lanes(const lane_config& lanes);
    void push_balanced(producer& p, item* items, size_t n);
    size_t pop_own(consumer& c, item* out, size_t max, int64_t timeout_us);
    size_t take_stealing(consumer& c, item* out, size_t max);
    size_t steal(consumer& c, item* out, size_t max);
    size_t take_lane(consumer& c, unsigned lane, item* out, size_t max);
    bool done_taking(size_t got, size_t found) const noexcept;
    void close();

    std::function<void(item*, size_t)> deliver_;  // direct delivery (deliver_to), else empty
    std::vector<std::unique_ptr<lane>> lanes_;    // by level or by worker; one in the common case
    std::optional<balancer> balancer_;            // worker lanes only
    bool own_lanes_ = false;                      // worker lanes, each popped by its worker only
    std::atomic<unsigned> dealers_{0};            // worker lanes: producers so far (first turns)
    std::vector<unsigned> weights_;               // weighted: by level; empty = strict
    uint32_t aging_us_ = 0;                       // 0 = no aging
    clock* clock_ = nullptr;
    moodycamel::LightweightSemaphore ready_;  // items available to pop (+ wake-ups once closed)
    moodycamel::LightweightSemaphore space_;  // free item slots
    std::atomic<int64_t> pending_{0};         // pushed and not yet popped
    // Popped slots go back to `space_` in chunks of `refill_` (a quarter of the capacity): a
    // producer blocked on a full queue then wakes once per chunk, not once per popped batch
    // (on a busy machine each wake-up preempts a worker). At most `refill_ - 1` slots are held
    // back; a full queue always drains past the mark, so no producer waits for them forever.
    std::atomic<int64_t> freed_{0};
    // pop_gathered: the mark at which producers wake a consumer letting items gather (0: none
    // is), and the semaphore it waits on.
    std::atomic<int64_t> gather_mark_{0};
    moodycamel::LightweightSemaphore hurry_;
    std::atomic<int64_t> bytes_{0};  // payload bytes pushed and not yet popped
    std::atomic<size_t> high_water_{0};
    std::atomic<unsigned> producers_;
    std::atomic<bool> closed_{false};
    const size_t max_items_;
    const int64_t max_bytes_;
    const int64_t refill_;

    // Slow path only: producers waiting for the byte bound to clear.
    std::mutex bytes_mutex_;
    std::condition_variable bytes_freed_;
    std::atomic<int> bytes_waiters_{0};
};

}  // namespace wprun::engine
