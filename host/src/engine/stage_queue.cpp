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
// Aging times are kept in µs modulo 2^32 (71 minutes); an hour at most keeps them unambiguous.
constexpr int64_t max_aging_us = int64_t{3600} * 1'000'000;

int64_t payload_bytes(const item* items, size_t n) noexcept {
    int64_t total = 0;
    for (size_t i = 0; i < n; ++i) total += static_cast<int64_t>(items[i].payload.size());
    return total;
}

}  // namespace

stage_queue::stage_queue(size_t max_items,
                         size_t max_bytes,
                         unsigned producers,
                         const lane_config& lanes)
    : ready_(0, semaphore_spins),
      space_(static_cast<ssize_t>(std::max<size_t>(max_items, 1)), semaphore_spins),
      hurry_(0, 0),  // a gathering consumer sleeps at once: it is waiting on purpose
      producers_(producers),
      max_items_(std::max<size_t>(max_items, 1)),
      max_bytes_(max_bytes == 0 ? INT64_MAX : static_cast<int64_t>(max_bytes)),
      refill_(static_cast<int64_t>(std::max<size_t>(max_items_ / 4, 1))) {
    if (lanes.balance != balance_strategy::shared) {
        make_worker_lanes(lanes);
        if (producers == 0) close();
        return;
    }
    unsigned levels = std::max(lanes.levels, 1u);
    // The lanes share the item bound: each starts with its share of it and grows if needed.
    for (unsigned i = 0; i < levels; ++i)
        lanes_.push_back(std::make_unique<lane>(std::max<size_t>(max_items / levels, 32)));
    if (levels > 1 && lanes.weights.size() == levels) {
        weights_ = lanes.weights;
        for (auto& w : weights_) w = std::max(w, 1u);
    }
    if (levels > 1 && lanes.aging_ns > 0) {
        aging_us_ =
            static_cast<uint32_t>(std::clamp<int64_t>(lanes.aging_ns / 1000, 1, max_aging_us));
        clock_ = lanes.time ? lanes.time : &system_clock();
    }
    if (producers == 0) close();
}

void stage_queue::push(producer& p, item* items, size_t n) {
    if (deliver_) return deliver_(items, n);
    while (n > 0) {
        auto k = static_cast<size_t>(space_.waitMany(static_cast<ssize_t>(n)));
        if (max_bytes_ != INT64_MAX) {  // unbounded (the sink's queue): no bytes to count
            int64_t bytes = payload_bytes(items, k);
            wait_for_bytes(bytes);
            bytes_.fetch_add(bytes, std::memory_order_relaxed);
        }
        if (balancer_) {
            // Counted first: an own-lane consumer may take (and subtract) them at once.
            int64_t pending =
                pending_.fetch_add(static_cast<int64_t>(k), std::memory_order_seq_cst) +
                static_cast<int64_t>(k);
            note_high_water(pending);
            push_balanced(p, items, k);
            if (!own_lanes_) ready_.signal(static_cast<ssize_t>(k));
            hurry(pending);
            items += k;
            n -= k;
            continue;
        }
        if (lanes_.size() == 1)
            lanes_[0]->queue.enqueue_bulk(p.tokens_[0], std::make_move_iterator(items), k);
        else
            push_lanes(p, items, k);
        int64_t pending = pending_.fetch_add(static_cast<int64_t>(k), std::memory_order_seq_cst) +
                          static_cast<int64_t>(k);
        note_high_water(pending);
        ready_.signal(static_cast<ssize_t>(k));
        hurry(pending);
        items += k;
        n -= k;
    }
}

size_t stage_queue::pop(consumer& c, item* out, size_t max, int64_t timeout_us) {
    if (own_lanes_) return pop_own(c, out, max, timeout_us);
    ssize_t taken = ready_.waitMany(static_cast<ssize_t>(max), timeout_us);
    if (taken <= 0) return 0;  // timed out
    auto permits = static_cast<size_t>(taken);
    size_t got = 0;
    if (balancer_) {
        got = take_stealing(c, out, permits);
    } else if (lanes_.size() > 1) {
        got = take_lanes(c, out, permits);
    } else {
        // A permit guarantees an item, except the flood of permits given out at close; the loop
        // retries because a dequeue may briefly miss an item another producer is still
        // publishing.
        while (got < permits) {
            size_t found =
                lanes_[0]->queue.try_dequeue_bulk(c.tokens_[0], out + got, permits - got);
            got += found;
            if (got < permits && done_taking(got, found)) break;
        }
    }
    if (got == 0) return 0;
    release(out, got);
    return got;
}

void stage_queue::release(const item* out, size_t got) {
    pending_.fetch_sub(static_cast<int64_t>(got), std::memory_order_acq_rel);
    free_slots(got);
    if (max_bytes_ == INT64_MAX) return;
    bytes_.fetch_sub(payload_bytes(out, got), std::memory_order_relaxed);
    if (bytes_waiters_.load(std::memory_order_seq_cst) > 0) {
        std::lock_guard lock(bytes_mutex_);
        bytes_freed_.notify_all();
    }
}

void stage_queue::free_slots(size_t got) {
    auto n = static_cast<int64_t>(got);
    if (refill_ > 1) {
        if (freed_.fetch_add(n, std::memory_order_acq_rel) + n < refill_) return;
        // Whoever crosses the mark hands back all that is held (another may have just done so).
        if ((n = freed_.exchange(0, std::memory_order_acq_rel)) == 0) return;
    }
    space_.signal(static_cast<ssize_t>(n));
}

// pop_gathered: announce the mark, then wait unless enough items (or the close) are already
// there. The producer side (`hurry`) reads the mark after adding to pending_, the consumer
// reads pending_ after setting the mark (both seq_cst): one of them sees the other, so a wake
// is never lost; a stray permit only shortens the next wait.
void stage_queue::gather(size_t mark, int64_t linger_us) {
    if (mark == 0 || linger_us <= 0) return;
    auto m = static_cast<int64_t>(mark);
    if (pending_.load(std::memory_order_relaxed) >= m || closed_.load(std::memory_order_acquire))
        return;
    gather_mark_.store(m, std::memory_order_seq_cst);
    if (pending_.load(std::memory_order_seq_cst) < m && !closed_.load(std::memory_order_seq_cst))
        hurry_.wait(linger_us);
    gather_mark_.store(0, std::memory_order_relaxed);
}

void stage_queue::hurry(int64_t pending) noexcept {
    int64_t mark = gather_mark_.load(std::memory_order_seq_cst);
    if (mark > 0 && pending >= mark && gather_mark_.exchange(0, std::memory_order_acq_rel) > 0)
        hurry_.signal();
}

// ---- lanes ---------------------------------------------------------------------------------

unsigned stage_queue::level_of(const item& it) const noexcept {
    auto top = static_cast<int32_t>(lanes_.size() - 1);
    return static_cast<unsigned>(std::clamp(it.priority, int32_t{0}, top));
}

uint32_t stage_queue::now_us() const noexcept {
    return static_cast<uint32_t>(clock_->now_ns() / 1000);
}

void stage_queue::push_lanes(producer& p, item* items, size_t n) {
    uint32_t now = aging_us_ ? now_us() : 0;
    // Runs of one level go in with one bulk enqueue each, in order: FIFO per level per producer.
    for (size_t i = 0; i < n;) {
        unsigned level = level_of(items[i]);
        size_t j = i;
        for (; j < n && level_of(items[j]) == level; ++j) items[j].queued_us = now;
        lane& l = *lanes_[level];
        l.queue.enqueue_bulk(p.tokens_[level], std::make_move_iterator(items + i), j - i);
        if (l.pending.fetch_add(static_cast<int64_t>(j - i), std::memory_order_acq_rel) <= 0 &&
            aging_us_)
            l.oldest_us.store(now, std::memory_order_relaxed);
        i = j;
    }
}

size_t stage_queue::take_lanes(consumer& c, item* out, size_t permits) {
    size_t got = 0;
    // As in the one-lane path: retry until the permits are matched, or the queue is drained.
    while (got < permits) {
        size_t before = got;
        if (aging_us_) got += take_aged(c, out + got, permits - got);
        if (!weights_.empty()) {
            got += take_weighted(c, out + got, permits - got);
        } else {
            for (unsigned level = levels(); level-- > 0 && got < permits;)
                got += take_from(c, level, out + got, permits - got);
        }
        if (got < permits && done_taking(got, got - before)) break;
    }
    return got;
}

size_t stage_queue::take_aged(consumer& c, item* out, size_t max) {
    uint32_t now = now_us();
    size_t got = 0;
    // Below the top lane, oldest first: a lane whose oldest item waited past `aging` goes first.
    for (unsigned level = 0; level + 1 < levels() && got < max; ++level) {
        lane& l = *lanes_[level];
        if (l.pending.load(std::memory_order_acquire) <= 0) continue;
        if (now - l.oldest_us.load(std::memory_order_relaxed) < aging_us_) continue;
        got += take_from(c, level, out + got, max - got);
    }
    return got;
}

size_t stage_queue::take_weighted(consumer& c, item* out, size_t max) {
    size_t got = 0;
    // Each lane in turn, from the top, for `weight` items; an empty lane passes its turn.
    for (unsigned short_lanes = 0; got < max && short_lanes < levels();) {
        size_t want = std::min(max - got, c.credit_);
        size_t k = want ? take_from(c, c.lane_, out + got, want) : 0;
        got += k;
        c.credit_ -= k;
        if (k == want && c.credit_ > 0) continue;
        short_lanes = k > 0 ? 0 : short_lanes + 1;
        c.lane_ = c.lane_ == 0 ? levels() - 1 : c.lane_ - 1;
        c.credit_ = weights_[c.lane_];
    }
    return got;
}

size_t stage_queue::take_from(consumer& c, unsigned level, item* out, size_t max) {
    lane& l = *lanes_[level];
    size_t k = l.queue.try_dequeue_bulk(c.tokens_[level], out, max);
    if (k == 0) return 0;
    l.pending.fetch_sub(static_cast<int64_t>(k), std::memory_order_acq_rel);
    l.taken.fetch_add(k, std::memory_order_relaxed);
    if (aging_us_) {
        // The next item in the lane came in no earlier than the last one taken.
        uint32_t now = now_us();
        l.oldest_us.store(out[k - 1].queued_us, std::memory_order_relaxed);
        uint32_t waited = now - out[0].queued_us;
        uint32_t seen = l.longest_us.load(std::memory_order_relaxed);
        while (waited > seen &&
               !l.longest_us.compare_exchange_weak(seen, waited, std::memory_order_relaxed)) {
        }
    }
    return k;
}

std::vector<uint64_t> stage_queue::taken_per_level() const {
    std::vector<uint64_t> counts;
    if (lanes_.size() > 1 && !balancer_)
        for (const auto& l : lanes_) counts.push_back(l->taken.load(std::memory_order_relaxed));
    return counts;
}

std::vector<int64_t> stage_queue::longest_wait_per_level() const {
    std::vector<int64_t> waits;
    if (aging_us_)
        for (const auto& l : lanes_)
            waits.push_back(int64_t{l->longest_us.load(std::memory_order_relaxed)} * 1000);
    return waits;
}

bool stage_queue::done_taking(size_t got, size_t found) const noexcept {
    // Drained: nothing left for anyone. Or closed, so the permits are the flood, not a count of
    // items: a pass that found nothing more returns what this consumer holds. Waiting for
    // `drained` alone would livelock when two consumers split the last items between them, each
    // waiting for `pending_` to drop to what it holds.
    return drained(got) || (found == 0 && got > 0 && closed_.load(std::memory_order_acquire));
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
    closed_.store(true, std::memory_order_seq_cst);
    ready_.signal(closed_permits);
    hurry_.signal();
    if (own_lanes_)
        for (auto& l : lanes_) l->ready->signal(closed_permits);
}

}  // namespace wprun::engine
