// `balance:` in the engine: stage_queue's worker lanes (dealing, own-lane pops, steals, bounds,
// closing), and pipelines run with each strategy: every item exactly once, the ledger balanced,
// per-key order kept with `key`, steals on a skewed workload, FATAL and batching.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "engine/stage_queue.h"
#include "support/engine_fixtures.h"

namespace wprun::engine {
namespace {

constexpr std::array all_lanes{balance_strategy::round_robin, balance_strategy::least_loaded,
                               balance_strategy::key, balance_strategy::steal};

lane_config worker_lanes(balance_strategy s, unsigned workers) {
    lane_config c;
    c.balance = s;
    c.workers = workers;
    return c;
}

item make_item(uint64_t seq, std::string key = {}) {
    item it;
    it.seq = seq;
    it.set_key(key);
    it.payload.assign(std::to_string(seq));
    return it;
}

std::vector<uint64_t> drain(stage_queue::consumer& c) {
    std::vector<uint64_t> seqs;
    std::vector<item> out(8);
    while (size_t n = c.pop(out.data(), out.size()))
        for (size_t i = 0; i < n; ++i) seqs.push_back(out[i].seq);
    return seqs;
}

void push_seqs(stage_queue& q, uint64_t count) {
    stage_queue::producer p(q);
    std::vector<item> items;
    for (uint64_t i = 0; i < count; ++i) items.push_back(make_item(i));
    p.push(items.data(), items.size());
    q.producer_done();
}

// ---- stage_queue with worker lanes ---------------------------------------------------------

TEST(WorkerLanes, RoundRobinGivesEachWorkerItsTurnsInOrder) {
    stage_queue q(64, 0, 1, worker_lanes(balance_strategy::round_robin, 3));
    push_seqs(q, 7);
    stage_queue::consumer w0(q, 0), w1(q, 1), w2(q, 2);
    EXPECT_EQ(drain(w0), (std::vector<uint64_t>{0, 3, 6}));
    EXPECT_EQ(drain(w1), (std::vector<uint64_t>{1, 4}));
    EXPECT_EQ(drain(w2), (std::vector<uint64_t>{2, 5}));
    EXPECT_TRUE(q.finished());
    EXPECT_EQ(q.balance(), balance_strategy::round_robin);
    EXPECT_TRUE(q.taken_per_level().empty());  // worker lanes are not priority levels
}

TEST(WorkerLanes, KeyKeepsEachKeyOnOneWorkerInOrder) {
    stage_queue q(64, 0, 1, worker_lanes(balance_strategy::key, 2));
    {
        stage_queue::producer p(q);
        for (uint64_t i = 0; i < 20; ++i) {
            item it = make_item(i, "k" + std::to_string(i % 5));
            p.push(&it, 1);
        }
        q.producer_done();
    }
    std::map<uint64_t, unsigned> worker_of;  // key index -> worker
    for (unsigned w = 0; w < 2; ++w) {
        stage_queue::consumer c(q, w);
        std::map<uint64_t, uint64_t> last;
        for (uint64_t seq : drain(c)) {
            uint64_t k = seq % 5;
            auto [it, fresh] = worker_of.try_emplace(k, w);
            EXPECT_EQ(it->second, w) << "key k" << k << " on two workers";
            if (last.count(k)) {
                EXPECT_GT(seq, last[k]);
            }
            last[k] = seq;
        }
    }
    EXPECT_EQ(worker_of.size(), 5u);
}

TEST(WorkerLanes, LeastLoadedFillsTheIdleWorkersLane) {
    stage_queue q(64, 0, 1, worker_lanes(balance_strategy::least_loaded, 2));
    stage_queue::producer p(q);
    std::vector<item> first;
    for (uint64_t i = 0; i < 4; ++i) first.push_back(make_item(i));
    p.push(first.data(), first.size());  // 2 and 2
    stage_queue::consumer w0(q, 0), w1(q, 1);
    std::vector<item> out(8);
    ASSERT_EQ(w0.pop(out.data(), 8), 2u);  // worker 0 holds 2 in flight, worker 1 has 2 queued
    ASSERT_EQ(w0.pop_for(out.data(), 8, 1), 0u);  // asks again: its 2 are done, lane empty
    item next = make_item(9);
    p.push(&next, 1);
    q.producer_done();
    EXPECT_EQ(drain(w0), (std::vector<uint64_t>{9}));
    EXPECT_EQ(drain(w1), (std::vector<uint64_t>{1, 3}));
}

TEST(WorkerLanes, StealTakesFromTheBusiestLaneOnceItsOwnIsEmpty) {
    stage_queue q(64, 0, 1, worker_lanes(balance_strategy::steal, 2));
    push_seqs(q, 6);  // lane 0: 0 2 4; lane 1: 1 3 5
    stage_queue::consumer w0(q, 0);
    std::vector<item> out(8);
    ASSERT_EQ(w0.pop(out.data(), 5), 5u);
    std::vector<uint64_t> seqs;
    for (size_t i = 0; i < 5; ++i) seqs.push_back(out[i].seq);
    EXPECT_EQ(seqs, (std::vector<uint64_t>{0, 2, 4, 1, 3}));  // its own lane first
    EXPECT_EQ(q.stolen(), 2u);
    stage_queue::consumer w1(q, 1);
    EXPECT_EQ(drain(w1), (std::vector<uint64_t>{5}));
    EXPECT_EQ(q.stolen(), 2u);
}

TEST(WorkerLanes, CapacityHoldsAcrossWorkerLanes) {
    for (balance_strategy s : all_lanes) {
        stage_queue q(8, 0, 1, worker_lanes(s, 4));
        std::atomic<size_t> max_seen{0};
        std::thread producer([&] { push_seqs(q, 400); });
        std::vector<std::thread> consumers;
        std::atomic<size_t> total{0};
        for (unsigned w = 0; w < 4; ++w)
            consumers.emplace_back([&, w] {
                stage_queue::consumer c(q, w);
                std::vector<item> out(4);
                while (size_t n = c.pop(out.data(), out.size())) {
                    size_t seen = q.size_approx() + n;
                    size_t m = max_seen.load();
                    while (seen > m && !max_seen.compare_exchange_weak(m, seen)) {
                    }
                    total += n;
                }
            });
        producer.join();
        for (auto& t : consumers) t.join();
        EXPECT_EQ(total.load(), 400u) << balance_name(s);
        EXPECT_LE(q.high_water(), 8u) << balance_name(s);
    }
}

TEST(WorkerLanes, EveryWorkerSeesTheEndAndEveryItemComesOutOnce) {
    for (balance_strategy s : all_lanes) {
        stage_queue q(32, 0, 2, worker_lanes(s, 3));
        auto produce = [&](uint64_t first) {
            stage_queue::producer p(q);
            for (uint64_t i = 0; i < 3000; i += 3) {
                std::vector<item> items;
                for (uint64_t j = i; j < i + 3; ++j)
                    items.push_back(make_item(first + j, std::to_string(j % 11)));
                p.push(items.data(), items.size());
            }
            q.producer_done();
        };
        std::vector<std::vector<uint64_t>> got(3);
        std::vector<std::thread> threads;
        for (unsigned w = 0; w < 3; ++w)
            threads.emplace_back([&, w] {
                stage_queue::consumer c(q, w);
                got[w] = drain(c);
                std::vector<item> out(4);
                EXPECT_EQ(c.pop(out.data(), 4), 0u);
            });
        threads.emplace_back(produce, 0);
        threads.emplace_back(produce, 100'000);
        for (auto& t : threads) t.join();
        std::vector<uint64_t> all;
        for (auto& g : got) all.insert(all.end(), g.begin(), g.end());
        std::sort(all.begin(), all.end());
        EXPECT_EQ(all.size(), 6000u) << balance_name(s);
        EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << balance_name(s);
        EXPECT_TRUE(q.finished()) << balance_name(s);
    }
}

TEST(WorkerLanes, PopForTimesOutOnAnEmptyOwnLane) {
    stage_queue q(8, 0, 1, worker_lanes(balance_strategy::round_robin, 2));
    stage_queue::consumer w0(q, 0);
    std::vector<item> out(2);
    EXPECT_EQ(w0.pop_for(out.data(), 2, 1000), 0u);
    EXPECT_FALSE(q.finished());
    q.producer_done();
    EXPECT_EQ(w0.pop(out.data(), 2), 0u);
}

// ---- pipelines -----------------------------------------------------------------------------

/// Items "<key>:<index>" whose key is "k<index % keys>", handed out in reads of up to `max`.
class keyed_source : public source {
public:
    keyed_source(uint64_t count, uint64_t keys) : count_(count), keys_(keys) {}
    size_t read(item* out, size_t max) override {
        size_t n = 0;
        for (; n < max && next_ < count_; ++n, ++next_) {
            std::string key = "k" + std::to_string(next_ % keys_);
            out[n].set_key(key);
            out[n].payload.assign(key + ":" + std::to_string(next_));
        }
        return n;
    }

private:
    uint64_t count_, keys_, next_ = 0;
};

/// Records (key, seq) of what it writes, in the order written.
class keyed_sink : public sink {
public:
    std::vector<std::pair<std::string, uint64_t>> written;
    void write(const item& it) override { written.emplace_back(std::string(it.key()), it.seq); }
};

run_report run_one(source& src, sink& out, stage_config cfg, testing::vector_error_sink& errors) {
    testing::use_engine_host();
    std::vector<stage_config> stages;
    stages.push_back(std::move(cfg));
    pipeline p(std::move(stages));
    return p.run(src, out, errors, run_options{});
}

uint64_t sum(const std::vector<uint64_t>& v) {
    uint64_t total = 0;
    for (uint64_t n : v) total += n;
    return total;
}

TEST(Balance, EveryStrategyProcessesEveryItemExactlyOnce) {
    for (balance_strategy s : all_lanes) {
        testing::counting_source src(3000);
        testing::vector_sink sink;
        testing::vector_error_sink errors;
        auto cfg = testing::make_stage<testing::jitter>("j", 4, {{"max_us", "20"}}, 64);
        cfg.balance = s;
        run_report r = run_one(src, sink, std::move(cfg), errors);
        std::vector<uint64_t> values;
        for (const auto& l : sink.lines) values.push_back(std::stoull(l));
        std::sort(values.begin(), values.end());
        ASSERT_EQ(values.size(), 3000u) << balance_name(s);
        for (uint64_t i = 0; i < 3000; ++i) ASSERT_EQ(values[i], i) << balance_name(s);
        EXPECT_TRUE(r.totals.balanced()) << balance_name(s);
        EXPECT_EQ(r.stages[0].balance, balance_name(s));
        EXPECT_EQ(r.stages[0].per_worker_in.size(), 4u);
        EXPECT_EQ(sum(r.stages[0].per_worker_in), 3000u);
    }
}

TEST(Balance, RoundRobinSharesItemsEvenly) {
    testing::counting_source src(1000);
    testing::vector_sink sink;
    testing::vector_error_sink errors;
    auto cfg = testing::make_stage<testing::echo>("e", 4, {}, 64);
    cfg.balance = balance_strategy::round_robin;
    run_report r = run_one(src, sink, std::move(cfg), errors);
    // One producer (the source) deals in turn: 250 each, whatever the timing.
    EXPECT_EQ(r.stages[0].per_worker_in, (std::vector<uint64_t>{250, 250, 250, 250}));
    EXPECT_EQ(spread_of(r.stages[0].per_worker_in).stddev, 0.0);
}

/// Each key's seqs, in the order the sink wrote them, must rise.
void expect_per_key_order(const keyed_sink& sink) {
    std::map<std::string, uint64_t> last;
    for (const auto& [key, seq] : sink.written) {
        if (auto it = last.find(key); it != last.end()) {
            EXPECT_GT(seq, it->second) << "key " << key;
        }
        last[key] = seq;
    }
}

TEST(Balance, KeyKeepsPerKeyOrderWithSeveralWorkersAndRandomCost) {
    keyed_source src(2000, 13);
    keyed_sink sink;
    testing::vector_error_sink errors;
    auto cfg = testing::make_stage<testing::jitter>("j", 4, {{"max_us", "50"}}, 64);
    cfg.balance = balance_strategy::key;
    run_report r = run_one(src, sink, std::move(cfg), errors);
    ASSERT_EQ(sink.written.size(), 2000u);
    expect_per_key_order(sink);
    EXPECT_TRUE(r.totals.balanced());
}

TEST(Balance, KeyOrderHoldsThroughTwoKeyedStagesAndBatches) {
    testing::use_engine_host();
    keyed_source src(1500, 7);
    keyed_sink sink;
    testing::vector_error_sink errors;
    std::vector<stage_config> stages;
    stages.push_back(testing::make_stage<testing::jitter>("a", 3, {{"max_us", "30"}}, 32));
    stages.push_back(testing::make_stage<testing::batch_upper>("b", 4, {}, 32));
    stages[0].balance = stages[1].balance = balance_strategy::key;
    stages[1].batch = batch_spec{16, 0, 1'000'000, {}};
    pipeline p(std::move(stages));
    run_report r = p.run(src, sink, errors, run_options{});
    ASSERT_EQ(sink.written.size(), 1500u);
    expect_per_key_order(sink);
    EXPECT_TRUE(r.totals.balanced());
    EXPECT_GT(r.stages[1].counts.batches, 0u);
}

/// Holds item 0 until every other item is done (or 20 s pass: then `held_too_long`); the others
/// take 200 µs each, so that workers pop one item at a time (a batch sized to ~100 µs of work)
/// and no other item is held in the same batch as item 0.
struct hold_first {
    static constexpr const char* name = "hold_first";
    static constexpr const char* description = "one very expensive item";
    static inline std::atomic<uint64_t> done{0};
    static inline std::atomic<bool> held_too_long{false};
    static inline uint64_t total = 0;
    explicit hold_first(const wprun::config&) {}
    wprun::result process(const wprun::job& j, wprun::emitter& out) const {
        if (j.seq == 0) {
            auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            while (done.load() < total - 1) {
                if (std::chrono::steady_clock::now() > until) {
                    held_too_long = true;
                    break;
                }
                std::this_thread::sleep_for(std::chrono::microseconds(200));
            }
        } else {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        out.emit(j.payload);
        ++done;
        return {};
    }
};

TEST(Balance, StealLetsIdleWorkersTakeTheQueueOfABusyOne) {
    hold_first::total = 200;
    hold_first::done = 0;
    hold_first::held_too_long = false;
    testing::counting_source src(hold_first::total);
    testing::vector_sink sink;
    testing::vector_error_sink errors;
    auto cfg = testing::make_stage<hold_first>("skew", 2, {}, 256);
    cfg.balance = balance_strategy::steal;
    run_report r = run_one(src, sink, std::move(cfg), errors);
    // Item 0 finishes last only if the other worker took the items dealt behind it.
    EXPECT_FALSE(hold_first::held_too_long.load());
    EXPECT_EQ(sink.lines.size(), 200u);
    EXPECT_GT(r.stages[0].steals, 0u);
    EXPECT_TRUE(r.totals.balanced());
}

TEST(Balance, FatalStopsTheRunAndTheLedgerBalancesWithEveryStrategy) {
    for (balance_strategy s : all_lanes) {
        testing::counting_source src(5000);
        testing::vector_sink sink;
        testing::vector_error_sink errors;
        auto cfg = testing::make_stage<testing::faulty>("f", 3, {{"fatal_at", "100"}}, 16);
        cfg.balance = s;
        run_report r = run_one(src, sink, std::move(cfg), errors);
        EXPECT_EQ(r.stopped, stop_reason::fatal) << balance_name(s);
        EXPECT_TRUE(r.totals.balanced()) << balance_name(s);
        EXPECT_GE(r.totals.failed, 1u) << balance_name(s);
    }
}

TEST(Balance, FlushSeesEveryWorkersState) {
    testing::counting_source src(100);
    testing::vector_sink sink;
    testing::vector_error_sink errors;
    auto cfg = testing::make_stage<testing::summer>("sum", 3, {}, 16);
    cfg.balance = balance_strategy::least_loaded;
    run_report r = run_one(src, sink, std::move(cfg), errors);
    EXPECT_EQ(sink.lines, (std::vector<std::string>{"sum=4950"}));
    EXPECT_TRUE(r.totals.balanced());
}

TEST(Balance, DynamicWorkersOrPriorityWithWorkerLanesIsRefused) {
    auto cfg = testing::make_stage<testing::echo>("e", 2);
    cfg.balance = balance_strategy::key;
    cfg.min_workers = 1;
    cfg.max_workers = 4;
    EXPECT_THROW(stage(cfg, 1), startup_error);
    cfg.min_workers = cfg.max_workers = 0;
    cfg.priority = priority_spec{3, false, {}, 0, {}};
    EXPECT_THROW(stage(cfg, 1), startup_error);
}

}  // namespace
}  // namespace wprun::engine
