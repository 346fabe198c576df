// stage_queue's worker lanes (a stage's `balance:` other than `shared`): see stage_queue.h.
// Kept apart from the priority lanes so that each file reads as one mechanism.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif

#include <algorithm>
#include <iterator>

#include "engine/stage_queue.h"

namespace wprun::engine {
namespace {

constexpr int semaphore_spins = 64;  // as for the shared queue

}  // namespace

stage_queue::producer::dealing::dealing(stage_queue& q)
    : loads(q.lanes_.size()), lanes(q.lanes_.size()) {
    // Producers start their turns on different lanes, so small pushes spread too.
    turn.next =
        q.dealers_.fetch_add(1, std::memory_order_relaxed) % static_cast<unsigned>(q.lanes_.size());
}

void stage_queue::make_worker_lanes(const lane_config& cfg) {
    unsigned workers = std::max(cfg.workers, 1u);
    balancer_.emplace(cfg.balance, workers);
    own_lanes_ = cfg.balance != balance_strategy::steal;
    // The lanes share the item bound, as priority lanes do: each starts with its share of it.
    for (unsigned i = 0; i < workers; ++i) {
        lanes_.push_back(std::make_unique<lane>(std::max<size_t>(max_items_ / workers, 32)));
        if (own_lanes_)
            lanes_.back()->ready =
                std::make_unique<moodycamel::LightweightSemaphore>(0, semaphore_spins);
    }
}

// The items of one push, dealt to their lanes: one bulk enqueue per lane, in order (FIFO per
// lane per producer, which is what keeps per-key order).
void stage_queue::push_balanced(producer& p, item* items, size_t n) {
    producer::dealing& d = *p.deal_;
    d.picks.resize(n);
    if (balancer_->uses_loads())
        for (size_t i = 0; i < lanes_.size(); ++i)
            d.loads[i] = lanes_[i]->pending.load(std::memory_order_relaxed) +
                         lanes_[i]->in_flight.load(std::memory_order_relaxed);
    balancer_->assign(items, n, d.turn, d.loads.data(), d.picks.data());
    for (size_t i = 0; i < n; ++i) d.lanes[d.picks[i]].push_back(std::move(items[i]));
    for (size_t i = 0; i < lanes_.size(); ++i) {
        std::vector<item>& mine = d.lanes[i];
        if (mine.empty()) continue;
        lane& l = *lanes_[i];
        l.queue.enqueue_bulk(p.tokens_[i], std::make_move_iterator(mine.begin()), mine.size());
        l.pending.fetch_add(static_cast<int64_t>(mine.size()), std::memory_order_acq_rel);
        if (own_lanes_) l.ready->signal(static_cast<ssize_t>(mine.size()));
        mine.clear();
    }
}

// round_robin, least_loaded, key: a worker waits on its own lane's semaphore and pops only it.
size_t stage_queue::pop_own(consumer& c, item* out, size_t max, int64_t timeout_us) {
    lane& l = *lanes_[c.own_];
    l.in_flight.store(0, std::memory_order_relaxed);  // the last batch is done
    ssize_t taken = l.ready->waitMany(static_cast<ssize_t>(max), timeout_us);
    if (taken <= 0) return 0;  // timed out
    auto permits = static_cast<size_t>(taken);
    size_t got = 0;
    // As the shared pop: a permit guarantees an item, except the flood given out at close. Once
    // closed, the lane is drained when its count is what this consumer holds, or when a pass
    // found nothing more (should two consumers ever share a lane, neither waits for the other).
    while (got < permits) {
        size_t found = l.queue.try_dequeue_bulk(c.tokens_[c.own_], out + got, permits - got);
        got += found;
        if (got < permits && closed_.load(std::memory_order_acquire) &&
            (l.pending.load(std::memory_order_acquire) <= static_cast<int64_t>(got) ||
             (found == 0 && got > 0)))
            break;
    }
    if (got == 0) return 0;
    l.pending.fetch_sub(static_cast<int64_t>(got), std::memory_order_acq_rel);
    l.in_flight.store(static_cast<int64_t>(got), std::memory_order_relaxed);
    release(out, got);
    return got;
}

// steal: the permits of the shared `ready_` semaphore are matched from the worker's own lane
// first, then from the busiest other lane.
size_t stage_queue::take_stealing(consumer& c, item* out, size_t permits) {
    size_t got = 0;
    while (got < permits) {
        size_t before = got;
        got += take_lane(c, c.own_, out + got, permits - got);
        if (got < permits) got += steal(c, out + got, permits - got);
        if (got < permits && done_taking(got, got - before)) break;
    }
    return got;
}

size_t stage_queue::steal(consumer& c, item* out, size_t max) {
    auto lanes = static_cast<unsigned>(lanes_.size());
    for (unsigned i = 0; i < lanes; ++i)
        c.loads_[i] = lanes_[i]->pending.load(std::memory_order_relaxed);
    std::optional<unsigned> from = balancer::victim(c.loads_.data(), lanes, c.own_);
    if (!from) return 0;
    size_t k = take_lane(c, *from, out, max);
    if (k > 0) lanes_[c.own_]->stolen.fetch_add(k, std::memory_order_relaxed);
    return k;
}

size_t stage_queue::take_lane(consumer& c, unsigned index, item* out, size_t max) {
    lane& l = *lanes_[index];
    size_t k = l.queue.try_dequeue_bulk(c.tokens_[index], out, max);
    if (k > 0) l.pending.fetch_sub(static_cast<int64_t>(k), std::memory_order_acq_rel);
    return k;
}

uint64_t stage_queue::stolen() const noexcept {
    uint64_t total = 0;
    if (balancer_)
        for (const auto& l : lanes_) total += l->stolen.load(std::memory_order_relaxed);
    return total;
}

}  // namespace wprun::engine
