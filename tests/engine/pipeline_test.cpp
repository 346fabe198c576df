#include "engine/pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/engine_fixtures.h"

namespace wprun::engine {
namespace {

using namespace wprun::testing;

class PipelineTest : public ::testing::Test {
protected:
    void SetUp() override { use_engine_host(); }

    run_report run(std::vector<stage_config> stages, source& src, run_options opts = {}) {
        pipeline p(std::move(stages));
        return p.run(src, sink, errors, opts);
    }

    vector_sink sink;
    vector_error_sink errors;
};

std::vector<std::string> numbers(uint64_t n) {
    std::vector<std::string> v;
    for (uint64_t i = 0; i < n; ++i) v.push_back(std::to_string(i));
    return v;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

void expect_balanced(const run_report& r) {
    EXPECT_TRUE(r.totals.balanced())
        << "read " << r.totals.read << " spawned " << r.totals.spawned << " written "
        << r.totals.written << " filtered " << r.totals.filtered << " failed " << r.totals.failed
        << " cancelled " << r.totals.cancelled;
}

TEST_F(PipelineTest, EveryItemIsProcessedExactlyOnce) {
    counting_source src(10000);
    auto r = run({make_stage<echo>("a", 4), make_stage<echo>("b", 3)}, src);
    EXPECT_EQ(sorted(sink.lines), sorted(numbers(10000)));
    EXPECT_EQ(r.totals.read, 10000u);
    EXPECT_EQ(r.totals.written, 10000u);
    expect_balanced(r);
    EXPECT_TRUE(sink.closed);
}

/// A sink that says it is cheap (as `null` does): the engine may write it from the workers. It
/// records which threads wrote and fails the test if two writes ever overlap.
class cheap_sink : public vector_sink {
public:
    bool cheap() const noexcept override { return true; }
    void write(const item& it) override {
        EXPECT_FALSE(busy.exchange(true)) << "two writes at once";
        vector_sink::write(it);
        writers.insert(std::this_thread::get_id());
        busy = false;
    }
    std::atomic<bool> busy{false};
    std::set<std::thread::id> writers;
};

TEST_F(PipelineTest, ACheapUnorderedSinkIsWrittenByTheWorkersOneAtATime) {
    counting_source src(20000);
    cheap_sink out;
    pipeline p({make_stage<echo>("a", 2), make_stage<faulty>("check", 3, {{"every", "100"}})});
    auto r = p.run(src, out, errors, {});
    std::vector<std::string> expected;
    for (uint64_t i = 0; i < 20000; ++i)
        if (i % 100 != 0) expected.push_back(std::to_string(i));
    EXPECT_EQ(sorted(out.lines), sorted(expected));
    EXPECT_EQ(errors.failures.size(), 200u);  // failures still reach the error sink
    EXPECT_EQ(r.totals.written, 19800u);
    expect_balanced(r);
    EXPECT_TRUE(out.closed);
    EXPECT_FALSE(out.writers.count(std::this_thread::get_id()));  // not the calling thread
}

TEST_F(PipelineTest, ACheapSinkStillGetsFlushOutputsLastAndWithoutStagesTheSourcesItems) {
    {
        counting_source src(1000);
        cheap_sink out;
        pipeline p({make_stage<echo>("a", 2), make_stage<summer>("sum", 3)});
        auto r = p.run(src, out, errors, {});
        EXPECT_EQ(out.lines, (std::vector<std::string>{"sum=499500"}));
        expect_balanced(r);
    }
    counting_source src(500);
    cheap_sink out;
    pipeline none({});
    auto r = none.run(src, out, errors, {});
    EXPECT_EQ(sorted(out.lines), sorted(numbers(500)));
    EXPECT_EQ(r.totals.written, 500u);
    expect_balanced(r);
}

TEST_F(PipelineTest, ACheapOrderedSinkWrittenByTheWorkersKeepsSourceOrderThroughFanOutAndFailures) {
    counting_source src(300);
    cheap_sink out;
    run_options o;
    o.ordered = true;
    o.window = 32;
    pipeline p({make_stage<faulty>("f", 3, {{"every", "7"}}), make_stage<drop_odd>("odd", 2),
                make_stage<fanout>("split", 4, {{"n", "3"}}),
                make_stage<jitter>("slow", 4, {{"max_us", "100"}})});
    auto r = p.run(src, out, errors, o);
    std::vector<std::string> expected;
    for (int i = 0; i < 300; ++i)
        if (i % 7 != 0 && i % 2 == 0)
            for (int k = 0; k < 3; ++k)
                expected.push_back(std::to_string(i) + "." + std::to_string(k));
    EXPECT_EQ(out.lines, expected);
    EXPECT_EQ(r.totals.failed, 43u);
    EXPECT_EQ(errors.failures.size(), 43u);
    expect_balanced(r);
    EXPECT_FALSE(out.writers.count(std::this_thread::get_id()));
}

TEST_F(PipelineTest, ShardsCoverEveryItemExactlyOnce) {
    std::vector<std::string> all;
    for (uint64_t k = 0; k < 3; ++k) {
        sink.lines.clear();
        counting_source src(1000);
        run_options o;
        o.part = {k, 3};
        auto r = run({make_stage<echo>("a", 2)}, src, o);
        expect_balanced(r);
        EXPECT_EQ(r.totals.read + r.other_shards, 1000u);
        ASSERT_TRUE(r.total.has_value());
        EXPECT_EQ(*r.total, r.totals.read);
        for (const std::string& line : sink.lines) EXPECT_EQ(std::stoul(line) % 3, k) << line;
        all.insert(all.end(), sink.lines.begin(), sink.lines.end());
    }
    EXPECT_EQ(sorted(all), sorted(numbers(1000)));
}

TEST_F(PipelineTest, AShardedRunRefusesAnOrderedSink) {
    counting_source src(10);
    run_options o;
    o.ordered = true;
    o.part = {0, 2};
    EXPECT_THROW(run({make_stage<echo>("a", 1)}, src, o), std::invalid_argument);
}

TEST_F(PipelineTest, ReportCountsEachWorkersShare) {
    counting_source src(5000);
    auto r = run({make_stage<echo>("a", 4)}, src);
    ASSERT_EQ(r.stages.size(), 1u);
    EXPECT_EQ(r.stages[0].workers, 4u);
    uint64_t sum = 0;
    for (uint64_t n : r.stages[0].per_worker_in) sum += n;
    EXPECT_EQ(sum, 5000u);
    EXPECT_EQ(r.stages[0].counts.in, 5000u);
}

TEST_F(PipelineTest, OrderedSinkWritesInSourceOrderDespiteRandomDelays) {
    counting_source src(2000);
    run_options o;
    o.ordered = true;
    o.window = 64;
    auto r =
        run({make_stage<jitter>("slow", 8, {{"max_us", "300"}}), make_stage<echo>("b", 3)}, src, o);
    EXPECT_EQ(sink.lines, numbers(2000));
    expect_balanced(r);
}

TEST_F(PipelineTest, OrderedOutputSurvivesFanOutFilteringAndFailures) {
    counting_source src(300);
    run_options o;
    o.ordered = true;
    o.window = 32;
    auto r = run({make_stage<faulty>("f", 3, {{"every", "7"}}), make_stage<drop_odd>("odd", 2),
                  make_stage<fanout>("split", 4, {{"n", "3"}}),
                  make_stage<jitter>("slow", 4, {{"max_us", "100"}})},
                 src, o);
    std::vector<std::string> expected;
    for (int i = 0; i < 300; ++i)
        if (i % 7 != 0 && i % 2 == 0)
            for (int k = 0; k < 3; ++k)
                expected.push_back(std::to_string(i) + "." + std::to_string(k));
    EXPECT_EQ(sink.lines, expected);
    EXPECT_EQ(r.totals.failed, 43u);
    expect_balanced(r);
}

TEST_F(PipelineTest, FanOutCountsSpawnedItemsInTheLedger) {
    counting_source src(100);
    auto r = run({make_stage<fanout>("split", 2, {{"n", "4"}})}, src);
    EXPECT_EQ(r.totals.written, 400u);
    EXPECT_EQ(r.totals.spawned, 300u);
    expect_balanced(r);
}

TEST_F(PipelineTest, FilteredItemsAreCounted) {
    counting_source src(100);
    auto r = run({make_stage<drop_odd>("even", 2)}, src);
    EXPECT_EQ(r.totals.written, 50u);
    EXPECT_EQ(r.totals.filtered, 50u);
    EXPECT_EQ(r.stages[0].counts.filtered, 50u);
    expect_balanced(r);
}

TEST_F(PipelineTest, RejectedItemsReachTheErrorSinkWithStageSeqAttemptAndMessage) {
    counting_source src(20);
    auto r = run({make_stage<echo>("first", 1), make_stage<faulty>("check", 2, {{"every", "5"}}),
                  make_stage<echo>("last", 1)},
                 src);
    ASSERT_EQ(errors.failures.size(), 4u);
    auto f = errors.failures;
    std::sort(f.begin(), f.end(), [](auto& a, auto& b) { return a.seq < b.seq; });
    EXPECT_EQ(f[1].seq, 5u);
    EXPECT_EQ(f[1].stage, "check");
    EXPECT_EQ(f[1].attempt, 1u);
    EXPECT_EQ(f[1].message, "bad item 5");
    EXPECT_EQ(f[1].payload, "5");
    EXPECT_EQ(r.totals.failed, 4u);
    EXPECT_EQ(r.totals.written, 16u);
    expect_balanced(r);
}

TEST_F(PipelineTest, AnOutputLargerThanMaxItemBytesFailsItsInputItem) {
    vector_source src({"small", std::string(2000, 'x'), "also small"});
    run_options o;
    o.max_item_bytes = 1024;
    auto r = run({make_stage<echo>("e", 1)}, src, o);
    EXPECT_EQ(sorted(sink.lines), (std::vector<std::string>{"also small", "small"}));
    ASSERT_EQ(errors.failures.size(), 1u);
    EXPECT_EQ(errors.failures[0].stage, "e");
    EXPECT_NE(errors.failures[0].message.find("output larger than max_item_bytes (1KiB)"),
              std::string::npos)
        << errors.failures[0].message;
    EXPECT_EQ(r.totals.failed, 1u);
    expect_balanced(r);
}

TEST_F(PipelineTest, ExceptionsBecomeRejectsWithTheirMessage) {
    counting_source src(10);
    auto r = run({make_stage<faulty>("t", 2, {{"throw_every", "1"}})}, src);
    ASSERT_EQ(errors.failures.size(), 10u);
    EXPECT_EQ(errors.failures[0].message, "exception: boom");
    EXPECT_EQ(r.totals.failed, 10u);
    EXPECT_EQ(r.stopped, stop_reason::none);
    expect_balanced(r);
}

TEST_F(PipelineTest, RetryWithoutARetryPolicyFailsTheItemAndSaysWhy) {
    counting_source src(4);
    auto r = run({make_stage<faulty>("t", 1, {{"retry_every", "2"}})}, src);
    ASSERT_EQ(errors.failures.size(), 2u);
    EXPECT_NE(errors.failures[0].message.find("no retry policy"), std::string::npos);
    expect_balanced(r);
}

TEST_F(PipelineTest, FatalStopsTheRunCleanlyAndTheLedgerStillBalances) {
    counting_source src(100000);
    auto r = run({make_stage<faulty>("f", 2, {{"fatal_at", "50"}}), make_stage<echo>("b", 2)}, src);
    EXPECT_EQ(r.stopped, stop_reason::fatal);
    ASSERT_FALSE(r.problems.empty());
    EXPECT_NE(r.problems[0].find("stage 'f'"), std::string::npos);
    EXPECT_LT(r.totals.read, 100000u);
    EXPECT_GE(r.totals.failed, 1u);
    expect_balanced(r);
}

TEST_F(PipelineTest, OrderedRunStoppedByFatalBalancesAndKeepsOrder) {
    counting_source src(100000);
    run_options o;
    o.ordered = true;
    o.window = 128;
    auto r = run({make_stage<jitter>("j", 4, {{"max_us", "50"}}),
                  make_stage<faulty>("f", 2, {{"fatal_at", "300"}})},
                 src, o);
    EXPECT_EQ(r.stopped, stop_reason::fatal);
    for (size_t i = 1; i < sink.lines.size(); ++i)
        ASSERT_LT(std::stoull(sink.lines[i - 1]), std::stoull(sink.lines[i]));
    EXPECT_EQ(std::count(sink.lines.begin(), sink.lines.end(), "300"), 0);
    expect_balanced(r);
}

TEST_F(PipelineTest, FirstInterruptStopsIntakeAndDrainsWhatWasRead) {
    counting_source src(100000000);
    std::atomic<int> interrupts{0};
    run_options o;
    o.interrupts = &interrupts;
    std::thread later([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        interrupts = 1;
    });
    auto r = run({make_stage<echo>("a", 2)}, src, o);
    later.join();
    EXPECT_EQ(r.stopped, stop_reason::interrupted);
    EXPECT_LT(r.totals.read, 100000000u);
    EXPECT_EQ(r.totals.written, r.totals.read);  // drained, nothing cancelled
    expect_balanced(r);
}

TEST_F(PipelineTest, SecondInterruptCancelsQueuedItems) {
    counting_source src(100000000);
    std::atomic<int> interrupts{2};
    run_options o;
    o.interrupts = &interrupts;
    auto r = run({make_stage<jitter>("slow", 2, {{"max_us", "1000"}})}, src, o);
    EXPECT_EQ(r.stopped, stop_reason::interrupted);
    expect_balanced(r);
}

TEST_F(PipelineTest, DeadlineCancelsRemainingItems) {
    counting_source src(100000000);
    run_options o;
    o.deadline = std::chrono::milliseconds(100);
    auto r = run({make_stage<jitter>("slow", 2, {{"max_us", "500"}})}, src, o);
    EXPECT_EQ(r.stopped, stop_reason::deadline);
    EXPECT_GT(r.totals.cancelled + r.totals.written, 0u);
    expect_balanced(r);
}

TEST_F(PipelineTest, FlushEmitsAggregatesAfterAllItems) {
    counting_source src(1000);
    run_options o;
    o.ordered = true;
    auto r = run({make_stage<summer>("sum", 4)}, src, o);
    EXPECT_EQ(sink.lines, (std::vector<std::string>{"sum=499500"}));
    EXPECT_EQ(r.totals.filtered, 1000u);
    EXPECT_EQ(r.totals.spawned, 1u);
    expect_balanced(r);
}

TEST_F(PipelineTest, ProcessBatchOutputsAreRegroupedByJob) {
    vector_source src({"a", "bad", "c", "d"});
    run_options o;
    o.ordered = true;
    auto stage = make_stage<batch_upper>("up", 1);
    stage.batch = batch_spec{};  // one group of all four, however slowly the source delivers
    stage.batch->items = 4;
    stage.batch->wait_ns = 10'000'000'000;
    std::vector<stage_config> stages;
    stages.push_back(std::move(stage));
    auto r = run(std::move(stages), src, o);
    EXPECT_EQ(sink.lines, (std::vector<std::string>{"A", "C", "D"}));
    EXPECT_EQ(r.stages[0].counts.batches, 1u);
    EXPECT_EQ(r.totals.failed, 1u);
    expect_balanced(r);
}

TEST_F(PipelineTest, WorkerCreationFailureStopsTheRunWithoutLosingItems) {
    counting_source src(1000);
    auto r = run({make_stage<no_workers>("broken", 2)}, src);
    EXPECT_EQ(r.stopped, stop_reason::fatal);
    ASSERT_FALSE(r.problems.empty());
    EXPECT_NE(r.problems[0].find("no resources"), std::string::npos);
    expect_balanced(r);
}

TEST_F(PipelineTest, ConfigRejectedAtCreateIsAStartupError) {
    try {
        pipeline p({make_stage<picky>("p", 1)});
        FAIL() << "expected startup_error";
    } catch (const startup_error& e) {
        EXPECT_EQ(e.code(), exit_code::usage);
        EXPECT_NE(std::string(e.what()).find("level must be 1..9"), std::string::npos);
    }
}

TEST_F(PipelineTest, BackpressureKeepsEveryQueueWithinItsBound) {
    counting_source src(5000);
    auto r = run({make_stage<echo>("fast", 2, {}, 16),
                  make_stage<jitter>("slow", 2, {{"max_us", "20"}}, 16)},
                 src);
    for (const auto& s : r.stages) EXPECT_LE(s.queue_high_water, 16u) << s.name;
    expect_balanced(r);
}

TEST_F(PipelineTest, RunsWithNoStagesAtAll) {
    counting_source src(10);
    auto r = run({}, src);
    EXPECT_EQ(sink.lines, numbers(10));
    expect_balanced(r);
}

TEST_F(PipelineTest, ReportCarriesTheSourceTotalWhenKnown) {
    counting_source counted(10);
    EXPECT_EQ(run({make_stage<echo>("a", 1)}, counted).total, std::optional<uint64_t>(10));
    vector_source unknown({"a", "b"});
    EXPECT_FALSE(run({make_stage<echo>("a", 1)}, unknown).total.has_value());
}

TEST_F(PipelineTest, TickSnapshotsShowQueueDepthWithinCapacity) {
    counting_source src(3000);
    run_options o;
    o.tick = std::chrono::milliseconds(1);
    size_t ticks = 0;
    bool within = true;
    o.on_tick = [&](const run_report& r) {
        ++ticks;
        for (const auto& s : r.stages) within = within && s.queue_depth <= s.queue_capacity;
        EXPECT_EQ(r.total, std::optional<uint64_t>(3000));
    };
    run({make_stage<jitter>("slow", 2, {{"max_us", "50"}}, 32)}, src, o);
    EXPECT_GT(ticks, 0u);
    EXPECT_TRUE(within);
}

}  // namespace
}  // namespace wprun::engine
