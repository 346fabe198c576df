// Priority lanes in stage_queue: strict and weighted order, aging (manual clock), bounds and
// closing across lanes, and a pipeline whose single worker takes urgent items first.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "engine/policy/clock.h"
#include "engine/stage_queue.h"
#include "support/engine_fixtures.h"

namespace wprun::engine {
namespace {

constexpr int64_t ms = 1'000'000;

item make_item(uint64_t seq, int32_t priority, size_t payload_size = 1) {
    item it;
    it.seq = seq;
    it.priority = priority;
    it.payload.assign(std::string(payload_size, 'x'));
    return it;
}

void push_one(stage_queue::producer& p, uint64_t seq, int32_t priority) {
    item it = make_item(seq, priority);
    p.push(&it, 1);
}

lane_config strict(unsigned levels, int64_t aging_ns = 0, clock* time = nullptr) {
    return {levels, {}, aging_ns, time};
}

item pop_one(stage_queue::consumer& c) {
    item it;
    EXPECT_EQ(c.pop(&it, 1), 1u);
    return it;
}

TEST(PriorityLanes, StrictServesHigherLevelsFirstAndKeepsFifoWithinALevel) {
    stage_queue q(64, 0, 1, strict(3));
    stage_queue::producer p(q);
    std::vector<item> batch;
    const std::array<int32_t, 12> prios{0, 2, 1, 0, 2, 2, 1, 0, 1, 2, 0, 1};
    for (size_t i = 0; i < prios.size(); ++i) batch.push_back(make_item(i, prios[i]));
    p.push(batch.data(), batch.size());
    q.producer_done();
    stage_queue::consumer c(q);
    int32_t last_level = 2;
    uint64_t last_seq = 0;
    for (size_t i = 0; i < prios.size(); ++i) {
        item it = pop_one(c);
        ASSERT_LE(it.priority, last_level) << "pop " << i;
        if (it.priority == last_level && i > 0) {
            EXPECT_GT(it.seq, last_seq) << "pop " << i;
        }
        last_level = it.priority;
        last_seq = it.seq;
    }
    item none;
    EXPECT_EQ(c.pop(&none, 1), 0u);
    EXPECT_EQ(q.taken_per_level(), (std::vector<uint64_t>{4, 4, 4}));
}

TEST(PriorityLanes, ClampsPrioritiesIntoTheLevels) {
    stage_queue q(8, 0, 1, strict(2));
    stage_queue::producer p(q);
    push_one(p, 0, -5);
    push_one(p, 1, 99);
    stage_queue::consumer c(q);
    EXPECT_EQ(pop_one(c).seq, 1u);
    EXPECT_EQ(pop_one(c).seq, 0u);
    EXPECT_EQ(q.taken_per_level(), (std::vector<uint64_t>{1, 1}));
}

TEST(PriorityLanes, OneLevelKeepsNoLaneCounters) {
    stage_queue q(8, 0);
    EXPECT_EQ(q.levels(), 1u);
    EXPECT_TRUE(q.taken_per_level().empty());
    EXPECT_TRUE(q.longest_wait_per_level().empty());
}

TEST(PriorityLanes, WeightedServesLevelsInProportionToTheirWeights) {
    stage_queue q(4096, 0, 1, {3, {1, 2, 4}, 0, nullptr});
    stage_queue::producer p(q);
    for (uint64_t i = 0; i < 3 * 1000; ++i) push_one(p, i, static_cast<int32_t>(i % 3));
    stage_queue::consumer c(q);
    std::array<int, 3> served{};
    for (int i = 0; i < 700; ++i) ++served[static_cast<size_t>(pop_one(c).priority)];
    EXPECT_EQ(served[2], 400);
    EXPECT_EQ(served[1], 200);
    EXPECT_EQ(served[0], 100);
}

TEST(PriorityLanes, WeightedPassesTheTurnOfAnEmptyLevel) {
    stage_queue q(64, 0, 1, {3, {1, 2, 4}, 0, nullptr});
    stage_queue::producer p(q);
    for (uint64_t i = 0; i < 10; ++i) push_one(p, i, 0);
    stage_queue::consumer c(q);
    std::vector<item> out(16);
    EXPECT_EQ(c.pop(out.data(), 16), 10u);
}

TEST(PriorityLanes, AnAgedLowItemIsServedBeforeFreshUrgentOnes) {
    manual_clock time;
    stage_queue q(64, 0, 1, strict(3, 500 * ms, &time));
    stage_queue::producer p(q);
    push_one(p, 0, 0);
    time.advance(600 * ms);
    for (uint64_t i = 1; i <= 5; ++i) push_one(p, i, 2);
    stage_queue::consumer c(q);
    EXPECT_EQ(pop_one(c).seq, 0u);
    EXPECT_EQ(pop_one(c).seq, 1u);
    EXPECT_EQ(q.longest_wait_per_level()[0], 600 * ms);
}

TEST(PriorityLanes, ALowItemYoungerThanAgingWaitsForUrgentOnes) {
    manual_clock time;
    stage_queue q(64, 0, 1, strict(3, 500 * ms, &time));
    stage_queue::producer p(q);
    push_one(p, 0, 0);
    time.advance(100 * ms);
    for (uint64_t i = 1; i <= 5; ++i) push_one(p, i, 2);
    stage_queue::consumer c(q);
    for (uint64_t i = 1; i <= 5; ++i) EXPECT_EQ(pop_one(c).seq, i);
    EXPECT_EQ(pop_one(c).seq, 0u);
}

TEST(PriorityLanes, NoLowItemStarvesUnderAConstantStreamOfUrgentOnes) {
    manual_clock time;
    stage_queue q(1024, 0, 1, strict(3, 500 * ms, &time));
    stage_queue::producer p(q);
    stage_queue::consumer c(q);
    for (uint64_t i = 0; i < 5; ++i) push_one(p, 1000 + i, 0);
    for (uint64_t i = 0; i < 4; ++i) push_one(p, i, 2);  // a backlog of urgent items
    std::vector<size_t> low_served_at;
    // Each step: one urgent item arrives, 10ms pass, one item is served. Aged after 50 steps.
    for (size_t step = 0; step < 200; ++step) {
        push_one(p, 4 + step, 2);
        time.advance(10 * ms);
        if (pop_one(c).priority == 0) low_served_at.push_back(step);
    }
    ASSERT_EQ(low_served_at.size(), 5u);
    for (size_t at : low_served_at) {
        EXPECT_GE(at, 49u);
        EXPECT_LE(at, 55u);  // within a few pops of reaching the aging limit
    }
}

TEST(PriorityLanes, CapacityHoldsAcrossLanes) {
    stage_queue q(8, 0, 1, strict(3));
    std::thread producer([&] {
        stage_queue::producer p(q);
        for (uint64_t i = 0; i < 300; ++i) push_one(p, i, static_cast<int32_t>(i % 3));
        q.producer_done();
    });
    stage_queue::consumer c(q);
    std::vector<item> out(4);
    size_t total = 0;
    while (size_t n = c.pop(out.data(), 4)) {
        total += n;
        EXPECT_LE(q.size_approx(), 8u);
    }
    producer.join();
    EXPECT_EQ(total, 300u);
    EXPECT_LE(q.high_water(), 8u);
}

TEST(PriorityLanes, ByteBoundHoldsAcrossLanes) {
    stage_queue q(1000, 100, 1, strict(3));
    std::thread producer([&] {
        stage_queue::producer p(q);
        for (uint64_t i = 0; i < 60; ++i) {
            item it = make_item(i, static_cast<int32_t>(i % 3), 40);
            p.push(&it, 1);
        }
        q.producer_done();
    });
    stage_queue::consumer c(q);
    item out;
    size_t total = 0;
    size_t max_bytes = 0;
    while (c.pop(&out, 1) == 1) {
        ++total;
        max_bytes = std::max(max_bytes, q.bytes_approx());
        std::this_thread::yield();
    }
    producer.join();
    EXPECT_EQ(total, 60u);
    EXPECT_LE(max_bytes, 100u);
}

TEST(PriorityLanes, EveryConsumerSeesTheEndAfterTheLastItem) {
    for (lane_config lanes : {strict(4), lane_config{4, {1, 2, 3, 4}, 0, nullptr}}) {
        stage_queue q(64, 0, 2, lanes);
        auto produce = [&](uint64_t first) {
            stage_queue::producer p(q);
            for (uint64_t i = 0; i < 2000; ++i)
                push_one(p, first + i, static_cast<int32_t>((first + i) % 5));
            q.producer_done();
        };
        std::atomic<size_t> total{0};
        auto consume = [&] {
            stage_queue::consumer c(q);
            std::vector<item> out(16);
            while (size_t n = c.pop(out.data(), 16)) total += n;
            EXPECT_EQ(c.pop(out.data(), 16), 0u);
        };
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i) threads.emplace_back(consume);
        threads.emplace_back(produce, 0);
        threads.emplace_back(produce, 100'000);
        for (auto& t : threads) t.join();
        EXPECT_EQ(total.load(), 4000u);
        EXPECT_TRUE(q.finished());
        uint64_t taken = 0;
        for (uint64_t n : q.taken_per_level()) taken += n;
        EXPECT_EQ(taken, 4000u);
    }
}

// ---- in a pipeline -------------------------------------------------------------------------

/// Items "<priority>:<index>" with their priority set, all handed out in one read.
class priority_source : public source {
public:
    explicit priority_source(std::vector<int32_t> prios) : prios_(std::move(prios)) {}
    size_t read(item* out, size_t max) override {
        size_t n = 0;
        for (; n < max && next_ < prios_.size(); ++n, ++next_) {
            out[n].priority = prios_[next_];
            out[n].payload.assign(std::to_string(prios_[next_]) + ":" + std::to_string(next_));
        }
        return n;
    }

private:
    std::vector<int32_t> prios_;
    size_t next_ = 0;
};

TEST(PriorityLanes, ASingleWorkerTakesUrgentItemsFirst) {
    testing::use_engine_host();
    std::vector<int32_t> prios;
    for (int i = 0; i < 60; ++i) prios.push_back((i * 7) % 3);
    priority_source src(prios);
    auto cfg = testing::make_stage<testing::echo>("prio", 1, {}, 1024);
    cfg.priority = priority_spec{3, false, {}, 0, {}};
    std::vector<stage_config> stages;
    stages.push_back(std::move(cfg));
    pipeline p(std::move(stages));
    testing::vector_sink sink;
    testing::vector_error_sink errors;
    auto report = p.run(src, sink, errors, run_options{});
    // The source pushes all 60 items at once, so the worker finds them all queued.
    std::vector<std::string> expected;
    for (int32_t level = 2; level >= 0; --level)
        for (size_t i = 0; i < prios.size(); ++i)
            if (prios[i] == level)
                expected.push_back(std::to_string(level) + ":" + std::to_string(i));
    EXPECT_EQ(sink.lines, expected);
    ASSERT_EQ(report.stages.size(), 1u);
    EXPECT_EQ(report.stages[0].per_level_in, (std::vector<uint64_t>{20, 20, 20}));
}

}  // namespace
}  // namespace wprun::engine
