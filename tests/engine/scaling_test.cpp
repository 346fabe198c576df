// Dynamic worker count (`workers: {min, max, scale_up_after, idle}`): scale-up on backlog,
// scale-down when idle, and the invariants that must hold across both (every worker state is
// flushed, the ledger balances, no thread outlives the run, order is kept).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "engine/pipeline.h"
#include "engine/policy/worker_scaler.h"
#include "support/engine_fixtures.h"
#include "support/pitfall_fixtures.h"

namespace wprun::engine {
namespace {

using namespace wprun::testing;
using namespace std::chrono_literals;

/// Sleeps `sleep_us` per item, passes it through and sums the numbers per worker; `flush`
/// emits "sum=<total>" and records how many worker states it was given.
struct slow_sum {
    static constexpr const char* name = "slow_sum";
    static constexpr const char* description = "slow, sums per worker";
    static inline std::atomic<int> states{0};   // worker states created
    static inline std::atomic<int> flushed{0};  // states handed to flush
    struct worker {
        worker() { states.fetch_add(1); }
        uint64_t sum = 0;
    };
    static std::vector<wprun::field> schema() {
        return {{"sleep_us", WPRUN_TYPE_INT, "1000", false, "delay per item"}};
    }
    explicit slow_sum(const wprun::config& c) : sleep_us(c.get_int("sleep_us", 1000)) {}
    wprun::result process(worker& w, const wprun::job& j, wprun::emitter& out) const {
        std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
        w.sum += std::stoull(std::string(j.payload));
        out.emit(j.payload);
        return {};
    }
    wprun::result flush(worker* const* ws, size_t n, wprun::emitter& out) const {
        uint64_t total = 0;
        for (size_t i = 0; i < n; ++i) total += ws[i]->sum;
        flushed.store(static_cast<int>(n));
        out.emit("sum=" + std::to_string(total));
        return {};
    }
    int64_t sleep_us;
};

/// Yields "0".."first-1", then waits until `gate` opens (or a few seconds pass), then the rest
/// up to "total-1": two bursts with a pause between them.
class burst_source : public source {
public:
    burst_source(uint64_t first, uint64_t total, const std::atomic<bool>& gate)
        : first_(first), total_(total), gate_(gate) {}
    size_t read(item* out, size_t max) override {
        if (next_ == first_)
            for (int i = 0; i < 10'000 && !gate_.load(); ++i) std::this_thread::sleep_for(1ms);
        uint64_t end = next_ < first_ ? first_ : total_;
        size_t n = 0;
        for (; n < max && next_ < end; ++n) out[n].payload.assign(std::to_string(next_++));
        return n;
    }

private:
    uint64_t first_, total_;
    const std::atomic<bool>& gate_;
    uint64_t next_ = 0;
};

stage_config dynamic_stage(unsigned min, unsigned max, int64_t idle_ns = 0, int sleep_us = 1000) {
    auto c = make_stage<slow_sum>("slow", 1, {{"sleep_us", std::to_string(sleep_us)}}, 1024);
    c.min_workers = min;
    c.max_workers = max;
    c.scale_up_after_ns = 1'000'000;
    c.idle_ns = idle_ns;
    return c;
}

std::vector<std::string> numbers(uint64_t n) {
    std::vector<std::string> v;
    for (uint64_t i = 0; i < n; ++i) v.push_back(std::to_string(i));
    return v;
}

uint64_t sum_below(uint64_t n) { return n * (n - 1) / 2; }

/// Each event moves the count by one, within [min, max], from where the last one left it.
void expect_steps_within(const stage_report& s, unsigned min, unsigned max) {
    unsigned at = min;
    for (const auto& e : s.scaling) {
        EXPECT_EQ(e.from, at);
        EXPECT_EQ(e.to, e.reason == "backlog" ? e.from + 1 : e.from - 1) << e.reason;
        EXPECT_GE(e.to, min);
        EXPECT_LE(e.to, max);
        at = e.to;
    }
    EXPECT_GE(s.max_workers_seen, min);
    EXPECT_LE(s.max_workers_seen, max);
    EXPECT_EQ(s.workers, s.max_workers_seen);
}

class ScalingTest : public ::testing::Test {
protected:
    void SetUp() override {
        use_engine_host();
        slow_sum::states = 0;
        slow_sum::flushed = 0;
    }

    run_report run(stage_config stage, source& src, run_options opts) {
        opts.tick = 2ms;
        pipeline p({std::move(stage)});
        return p.run(src, sink, errors, opts);
    }

    vector_sink sink;
    vector_error_sink errors;
};

TEST(WorkerScaler, BacklogIsItemsForEveryWorkerOrAnyWhileAllAreBusy) {
    EXPECT_FALSE(worker_scaler::backlogged(0, 1, 1));
    EXPECT_TRUE(worker_scaler::backlogged(2, 2, 0));
    EXPECT_FALSE(worker_scaler::backlogged(1, 2, 1));
    EXPECT_TRUE(worker_scaler::backlogged(1, 2, 2));
}

TEST(WorkerScaler, AddsOneWorkerPerIntervalOfLastingBacklog) {
    worker_scaler s(10);
    EXPECT_FALSE(s.due(100, true));
    EXPECT_FALSE(s.due(105, true));
    EXPECT_TRUE(s.due(110, true));
    EXPECT_FALSE(s.due(115, true));  // timing starts again after each worker
    EXPECT_FALSE(s.due(125, false));
    EXPECT_FALSE(s.due(130, true));  // a new backlog must last again
    EXPECT_TRUE(s.due(140, true));
}

TEST(WorkerScaler, DefaultWaitsForTheNextTick) {
    worker_scaler s;
    EXPECT_FALSE(s.due(100, true));
    EXPECT_TRUE(s.due(101, true));
}

TEST_F(ScalingTest, ScalesUpUnderBacklogAndNeverAboveMax) {
    counting_source src(400);
    auto r = run(dynamic_stage(1, 4), src, {});
    const stage_report& s = r.stages.at(0);
    EXPECT_GT(s.max_workers_seen, 1u);
    ASSERT_FALSE(s.scaling.empty());
    EXPECT_EQ(s.scaling.front().reason, "backlog");
    expect_steps_within(s, 1, 4);
    EXPECT_EQ(r.totals.written, 401u);  // 400 items and the flushed sum
    EXPECT_TRUE(r.totals.balanced());
}

TEST_F(ScalingTest, ScalesDownWhenIdleAndUpAgainForTheNextBurst) {
    std::atomic<bool> scaled_down{false};
    run_options opts;
    opts.on_tick = [&](const run_report& r) {  // opens the gate once back at min after a rise
        const auto& ev = r.stages.at(0).scaling;
        if (!ev.empty() && ev.back().reason == "idle" && ev.back().to == 1) scaled_down = true;
    };
    burst_source src(200, 400, scaled_down);
    auto r = run(dynamic_stage(1, 4, 20'000'000), src, opts);
    const stage_report& s = r.stages.at(0);
    ASSERT_TRUE(scaled_down.load());
    expect_steps_within(s, 1, 4);
    auto down = std::find_if(s.scaling.begin(), s.scaling.end(),
                             [](const scale_event& e) { return e.reason == "idle" && e.to == 1; });
    ASSERT_NE(down, s.scaling.end());
    EXPECT_TRUE(std::any_of(down, s.scaling.end(),
                            [](const scale_event& e) { return e.reason == "backlog"; }));
    EXPECT_TRUE(r.totals.balanced());
}

TEST_F(ScalingTest, FlushSeesEveryWorkerStateEverCreated) {
    std::atomic<bool> scaled_down{false};
    run_options opts;
    opts.on_tick = [&](const run_report& r) {
        const auto& ev = r.stages.at(0).scaling;
        if (!ev.empty() && ev.back().reason == "idle" && ev.back().to == 1) scaled_down = true;
    };
    burst_source src(200, 400, scaled_down);
    auto r = run(dynamic_stage(1, 4, 20'000'000), src, opts);
    ASSERT_FALSE(sink.lines.empty());
    EXPECT_EQ(sink.lines.back(), "sum=" + std::to_string(sum_below(400)));
    EXPECT_EQ(slow_sum::flushed.load(), slow_sum::states.load());
    EXPECT_EQ(r.stages.at(0).per_worker_in.size(), static_cast<size_t>(slow_sum::states.load()));
    EXPECT_GT(slow_sum::states.load(), 1);
}

TEST_F(ScalingTest, EveryThreadIsJoinedAndTheLedgerBalances) {
    const int baseline = baseline_thread_count();
    counting_source src(300);
    auto r = run(dynamic_stage(1, 8, 5'000'000, 500), src, {});
    EXPECT_EQ(r.totals.read, 300u);
    EXPECT_EQ(r.totals.written, 301u);
    EXPECT_TRUE(r.totals.balanced());
    EXPECT_GT(r.stages.at(0).max_workers_seen, 1u);
    EXPECT_EQ(settled_thread_count(baseline), baseline);
}

TEST_F(ScalingTest, OrderedOutputStaysInOrder) {
    counting_source src(300);
    run_options opts;
    opts.ordered = true;
    opts.window = 64;
    auto r = run(dynamic_stage(1, 4, 0, 500), src, opts);
    EXPECT_GT(r.stages.at(0).max_workers_seen, 1u);
    auto expected = numbers(300);
    expected.push_back("sum=" + std::to_string(sum_below(300)));
    EXPECT_EQ(sink.lines, expected);
    EXPECT_TRUE(r.totals.balanced());
}

TEST_F(ScalingTest, EmptyInputFinishesWithMinWorkers) {
    counting_source src(0);
    auto r = run(dynamic_stage(2, 4), src, {});
    EXPECT_EQ(r.stages.at(0).max_workers_seen, 2u);
    EXPECT_EQ(slow_sum::flushed.load(), 2);
    EXPECT_TRUE(r.totals.balanced());
}

TEST_F(ScalingTest, AFixedPoolReportsNoScaling) {
    counting_source src(50);
    auto c = make_stage<slow_sum>("slow", 3, {{"sleep_us", "10"}});
    auto r = run(std::move(c), src, {});
    EXPECT_TRUE(r.stages.at(0).scaling.empty());
    EXPECT_EQ(r.stages.at(0).max_workers_seen, 3u);
    EXPECT_EQ(r.stages.at(0).workers, 3u);
}

}  // namespace
}  // namespace wprun::engine
