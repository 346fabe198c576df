// The engine's common pitfalls: it must not leak threads, must not deadlock when the sink is slow,
// a stage fails or the sink throws, and must survive processors that throw. Every test asserts
// outcomes (ledger, order, stop reason, thread count), never timings; runs go through a watchdog
// so that a deadlock fails the test instead of hanging it.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "engine/pipeline.h"
#include "support/engine_fixtures.h"
#include "support/pitfall_fixtures.h"

namespace wprun::engine {
namespace {

using namespace wprun::testing;
using namespace std::chrono_literals;

constexpr auto watchdog = 60s;

/// Sleeps `sleep_us` per item, passes items through, and returns FATAL on item `fatal_at`.
struct slow_fatal {
    static constexpr const char* name = "slow_fatal";
    static constexpr const char* description = "slow, then fatal";
    static std::vector<wprun::field> schema() {
        return {{"sleep_us", WPRUN_TYPE_INT, "200", false, ""},
                {"fatal_at", WPRUN_TYPE_INT, "-1", false, ""}};
    }
    explicit slow_fatal(const wprun::config& c)
        : sleep_us(c.get_int("sleep_us", 200)), fatal_at(c.get_int("fatal_at", -1)) {}
    wprun::result process(const wprun::job& j, wprun::emitter& out) const {
        std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
        if (static_cast<int64_t>(j.seq) == fatal_at) return wprun::fatal("backend gone");
        out.emit(j.payload);
        return {};
    }
    int64_t sleep_us, fatal_at;
};

std::string ledger_text(const run_report& r) {
    const ledger& l = r.totals;
    return "read " + std::to_string(l.read) + " spawned " + std::to_string(l.spawned) +
           " written " + std::to_string(l.written) + " filtered " + std::to_string(l.filtered) +
           " failed " + std::to_string(l.failed) + " cancelled " + std::to_string(l.cancelled);
}

class Pitfalls : public ::testing::Test {
protected:
    void SetUp() override { use_engine_host(); }

    /// Runs a pipeline through the watchdog.
    run_report run(std::vector<stage_config> stages,
                   source& src,
                   sink& out,
                   const run_options& opts = {}) {
        return finishes_within(watchdog, [&] {
            pipeline p(std::move(stages));
            return p.run(src, out, errors, opts);
        });
    }
    run_report run(std::vector<stage_config> stages, source& src, const run_options& opts = {}) {
        return run(std::move(stages), src, sink, opts);
    }

    vector_sink sink;
    vector_error_sink errors;
};

run_options ordered(size_t window) {
    run_options o;
    o.ordered = true;
    o.window = window;
    return o;
}

// ---- threads ----------------------------------------------------------------------------------

TEST_F(Pitfalls, ThreadCountIsBackToBaselineAfterRunsHoweverTheyEnd) {
    const int baseline = baseline_thread_count();
    ASSERT_GT(baseline, 0);
    auto check = [&](const char* what, const run_report& r) {
        EXPECT_TRUE(r.totals.balanced()) << what << ": " << ledger_text(r);
        EXPECT_EQ(settled_thread_count(baseline), baseline) << what;
    };
    {
        counting_source src(5000);
        check("clean", run({make_stage<echo>("a", 4), make_stage<fanout>("b", 3)}, src));
    }
    {
        counting_source src(100000);
        auto r = run({make_stage<echo>("a", 4), make_stage<faulty>("f", 4, {{"fatal_at", "100"}})},
                     src, ordered(64));
        EXPECT_EQ(r.stopped, stop_reason::fatal);
        check("fatal", r);
    }
    {
        counting_source src(100000000);
        run_options o;
        o.deadline = 50ms;
        auto r = run({make_stage<sticky>("s", 4)}, src, o);
        EXPECT_EQ(r.stopped, stop_reason::deadline);
        check("deadline", r);
    }
    for (int count : {1, 2}) {
        counting_source src(100000000);
        std::atomic<int> interrupts{count};
        run_options o;
        o.interrupts = &interrupts;
        o.tick = 1ms;
        auto r = run({make_stage<jitter>("j", 4, {{"max_us", "100"}})}, src, o);
        EXPECT_EQ(r.stopped, stop_reason::interrupted);
        check(count == 1 ? "one interrupt" : "two interrupts", r);
    }
    {
        counting_source src(20000);
        check("64 workers",
              run({make_stage<echo>("wide", 64, {}, 8), make_stage<echo>("b", 64, {}, 8)}, src));
    }
    {
        counting_source src(1000);
        check("no workers", run({make_stage<echo>("a", 8), make_stage<no_workers>("n", 8)}, src));
    }
    {
        counting_source src(1000);
        throwing_sink broken(10);
        check("sink throws", run({make_stage<echo>("a", 8)}, src, broken));
    }
}

TEST_F(Pitfalls, SixtyFourWorkersOnTinyQueuesAccountForEveryItem) {
    counting_source src(20000);
    auto r =
        run({make_stage<echo>("a", 64, {}, 1), make_stage<jitter>("b", 64, {{"max_us", "20"}}, 2)},
            src, ordered(64));
    EXPECT_EQ(r.totals.written, 20000u) << ledger_text(r);
    EXPECT_TRUE(in_source_order(sink.lines));
    EXPECT_TRUE(r.totals.balanced()) << ledger_text(r);
}

// ---- slow sink --------------------------------------------------------------------------------

class SlowSink : public Pitfalls, public ::testing::WithParamInterface<bool> {};

TEST_P(SlowSink, RunCompletesAndEveryItemIsWritten) {
    counting_source src(600);
    slow_sink slow(50us);
    run_options o = ordered(8);
    o.ordered = GetParam();
    o.sink_queue = 2;
    auto r =
        run({make_stage<echo>("a", 4, {}, 2), make_stage<fanout>("split", 3, {{"n", "2"}}, 2),
             make_stage<jitter>("j", 4, {{"max_us", "30"}}, 1), make_stage<echo>("d", 2, {}, 1)},
            src, slow, o);
    EXPECT_EQ(r.stopped, stop_reason::none);
    EXPECT_EQ(r.totals.written, 1200u) << ledger_text(r);
    EXPECT_EQ(slow.lines.size(), 1200u);
    EXPECT_TRUE(!GetParam() || in_source_order(slow.lines));
    EXPECT_TRUE(r.totals.balanced()) << ledger_text(r);
}

INSTANTIATE_TEST_SUITE_P(OrderedAndNot, SlowSink, ::testing::Bool());

// ---- a stage fails ----------------------------------------------------------------------------

TEST_F(Pitfalls, FatalInAMiddleStageWhileUpstreamAndSourceAreBlockedStopsCleanly) {
    // The failing stage is the bottleneck: the queue in front of it is full (stage "fast" blocks
    // pushing), the reorder window is exhausted (the source blocks on it), the sink is slow.
    counting_source src(1000000);
    slow_sink slow(100us);
    run_options o = ordered(16);
    o.sink_queue = 2;
    auto r = run({make_stage<echo>("fast", 4, {}, 2),
                  make_stage<slow_fatal>("fails", 2, {{"sleep_us", "300"}, {"fatal_at", "200"}}, 2),
                  make_stage<echo>("after", 2, {}, 2)},
                 src, slow, o);
    EXPECT_EQ(r.stopped, stop_reason::fatal);
    EXPECT_LT(r.totals.read, 1000000u);
    EXPECT_GE(r.totals.failed, 1u);
    EXPECT_EQ(std::count(slow.lines.begin(), slow.lines.end(), "200"), 0);
    EXPECT_TRUE(in_source_order(slow.lines));
    EXPECT_TRUE(r.totals.balanced()) << ledger_text(r);
}

TEST_F(Pitfalls, FatalInAMiddleStageOfAnUnorderedRunStopsCleanly) {
    counting_source src(1000000);
    slow_sink slow(50us);
    run_options o;
    o.sink_queue = 2;
    auto r = run({make_stage<echo>("fast", 4, {}, 2),
                  make_stage<slow_fatal>("fails", 2, {{"sleep_us", "300"}, {"fatal_at", "200"}}, 2),
                  make_stage<fanout>("split", 2, {{"n", "3"}}, 2)},
                 src, slow, o);
    EXPECT_EQ(r.stopped, stop_reason::fatal);
    EXPECT_LT(r.totals.read, 1000000u);
    EXPECT_TRUE(r.totals.balanced()) << ledger_text(r);
}

// ---- the sink throws --------------------------------------------------------------------------

class ThrowingSink : public Pitfalls, public ::testing::WithParamInterface<bool> {};

TEST_P(ThrowingSink, StopsTheRunOnTheTenthWriteWithABalancedLedger) {
    counting_source src(100000);
    throwing_sink broken(10);
    run_options o = ordered(32);
    o.ordered = GetParam();
    auto r = run({make_stage<echo>("a", 4, {}, 4), make_stage<fanout>("split", 2, {{"n", "2"}}, 4)},
                 src, broken, o);
    EXPECT_EQ(r.stopped, stop_reason::error);
    ASSERT_FALSE(r.problems.empty());
    EXPECT_NE(r.problems[0].find("sink: disk full"), std::string::npos) << r.problems[0];
    EXPECT_EQ(broken.lines.size(), 9u);  // nothing is written after the failing write
    EXPECT_LT(r.totals.read, 100000u);
    EXPECT_GE(r.totals.cancelled, 1u);
    EXPECT_TRUE(!GetParam() || in_source_order(broken.lines));
    EXPECT_TRUE(r.totals.balanced()) << ledger_text(r);
}

INSTANTIATE_TEST_SUITE_P(OrderedAndNot, ThrowingSink, ::testing::Bool());

// ---- processors that throw --------------------------------------------------------------------

TEST_F(Pitfalls, ProcessorThatThrowsOnEveryItemFailsEveryItemAndTheRunGoesOn) {
    counting_source src(2000);
    auto r =
        run({make_stage<echo>("a", 4, {}, 4),
             make_stage<faulty>("boom", 8, {{"throw_every", "1"}}, 4), make_stage<echo>("c", 2)},
            src, ordered(16));
    EXPECT_EQ(r.stopped, stop_reason::none);
    EXPECT_EQ(r.totals.failed, 2000u);
    EXPECT_EQ(errors.failures.size(), 2000u);
    EXPECT_TRUE(sink.lines.empty());
    EXPECT_TRUE(r.totals.balanced()) << ledger_text(r);
}

TEST_F(Pitfalls, ProcessorThatThrowsOnWorkerCreationStopsTheRunWithoutLosingItems) {
    counting_source src(100000);
    auto r = run({make_stage<echo>("a", 4, {}, 2), make_stage<no_workers>("broken", 8, {}, 2),
                  make_stage<echo>("c", 2, {}, 2)},
                 src, ordered(16));
    EXPECT_EQ(r.stopped, stop_reason::fatal);
    ASSERT_FALSE(r.problems.empty());
    EXPECT_NE(r.problems[0].find("no resources"), std::string::npos) << r.problems[0];
    EXPECT_LT(r.totals.read, 100000u);
    EXPECT_TRUE(sink.lines.empty());
    EXPECT_TRUE(r.totals.balanced()) << ledger_text(r);
}

// ---- flush outputs that a later stage drops -----------------------------------------------------

TEST_F(Pitfalls, OrderedSinkAcceptsAFlushOutputThatALaterStageFilters) {
    counting_source src(3);  // summer emits "sum=3" at flush; drop_odd filters it
    auto r = run({make_stage<summer>("sum", 2), make_stage<drop_odd>("even", 2)}, src, ordered(8));
    EXPECT_EQ(r.stopped, stop_reason::none);
    EXPECT_TRUE(sink.lines.empty());
    EXPECT_EQ(r.totals.filtered, 4u);
    EXPECT_EQ(r.totals.spawned, 1u);
    EXPECT_TRUE(r.totals.balanced()) << ledger_text(r);
}

TEST_F(Pitfalls, OrderedSinkAcceptsAFlushOutputThatALaterStageRejects) {
    counting_source src(3);
    auto r = run({make_stage<summer>("sum", 2), make_stage<faulty>("no", 2, {{"every", "1"}})}, src,
                 ordered(8));
    EXPECT_TRUE(sink.lines.empty());
    ASSERT_EQ(errors.failures.size(), 1u);
    EXPECT_EQ(errors.failures[0].payload, "sum=3");
    EXPECT_EQ(r.totals.failed, 1u);
    EXPECT_TRUE(r.totals.balanced()) << ledger_text(r);
}

}  // namespace
}  // namespace wprun::engine
