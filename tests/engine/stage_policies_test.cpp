// The stage policies composed around a processor call: retry, rate limit, circuit breaker,
// timeout and error budget. Time-based behaviour runs on a manual clock (sleeps advance it).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/pipeline.h"
#include "support/engine_fixtures.h"

namespace wprun::engine {
namespace {

using namespace wprun::testing;

class StagePolicies : public ::testing::Test {
protected:
    void SetUp() override { use_engine_host(); }
    run_report run(stage_config stage, uint64_t items, run_options opts = {}) {
        counting_source src(items);
        std::vector<stage_config> stages;
        stages.push_back(std::move(stage));
        pipeline p(std::move(stages));
        return p.run(src, sink, errors, opts);
    }
    stage_config with_clock(stage_config c) {
        c.time = &clock;
        return c;
    }
    std::vector<std::string> messages() const {
        std::vector<std::string> out;
        for (const auto& f : errors.failures) out.push_back(f.message);
        return out;
    }

    manual_clock clock;
    vector_sink sink;
    vector_error_sink errors;
};

retry_spec retries(unsigned attempts, int64_t initial_ns = 1'000'000) {
    retry_spec r;
    r.attempts = attempts;
    r.initial_ns = initial_ns;
    r.jitter = retry_spec::jitter_kind::none;
    return r;
}

TEST_F(StagePolicies, RetryCallsAgainWithTheOriginalInputUntilItSucceeds) {
    auto s = with_clock(make_stage<flaky>("api", 2, {{"fails", "2"}}));
    s.retry = retries(3);
    auto r = run(std::move(s), 50);
    ASSERT_EQ(sink.lines.size(), 50u);
    for (const auto& line : sink.lines) EXPECT_EQ(line.substr(line.find('@')), "@3");
    EXPECT_EQ(r.stages[0].counts.retried, 100u);
    EXPECT_TRUE(r.totals.balanced());
}

TEST_F(StagePolicies, RetryGivesUpAfterItsAttemptsAndRecordsThem) {
    auto s = with_clock(make_stage<flaky>("api", 1, {{"fails", "9"}}));
    s.retry = retries(3);
    auto r = run(std::move(s), 5);
    ASSERT_EQ(errors.failures.size(), 5u);
    EXPECT_EQ(errors.failures[0].attempt, 3u);
    EXPECT_EQ(errors.failures[0].message, "gave up after 3 attempt(s): try again");
    EXPECT_EQ(r.totals.failed, 5u);
}

TEST_F(StagePolicies, AttemptsOneMeansNoRetry) {
    auto s = with_clock(make_stage<flaky>("api", 1, {{"fails", "1"}}));
    s.retry = retries(1);
    auto r = run(std::move(s), 3);
    EXPECT_EQ(r.totals.failed, 3u);
    EXPECT_EQ(r.stages[0].counts.retried, 0u);
    EXPECT_EQ(errors.failures[0].attempt, 1u);
}

TEST_F(StagePolicies, BackoffGrowsExponentiallyOnTheStageClock) {
    auto s = with_clock(make_stage<flaky>("api", 1, {{"fails", "3"}}));
    s.retry = retries(4, 10'000'000);  // 10ms, 20ms, 40ms
    run(std::move(s), 1);
    EXPECT_EQ(clock.slept_ns(), 70'000'000);
}

/// RETRY on the first attempt, asking (ABI 1.1 retry_after) for `wait_ns` before the next.
struct throttled {
    static constexpr const char* name = "throttled";
    static constexpr const char* description = "asks for a delay";
    static std::vector<wprun::field> schema() {
        return {{"wait_ns", WPRUN_TYPE_INT, "0", false, ""}};
    }
    explicit throttled(const wprun::config& c) : wait_ns(c.get_int("wait_ns")) {}
    wprun::result process(const wprun::job& j, wprun::emitter& out) const {
        if (j.attempt > 1) {
            out.emit(std::string(j.payload));
            return {};
        }
        out.retry_after(static_cast<uint64_t>(wait_ns));
        return wprun::retry("slow down");
    }
    int64_t wait_ns;
};

TEST_F(StagePolicies, RetryWaitsAtLeastTheDelayTheProcessorAskedFor) {
    auto s = with_clock(make_stage<throttled>("api", 1, {{"wait_ns", "500000000"}}));
    s.retry = retries(3);  // backoff 1ms: the processor's 500ms wins
    auto r = run(std::move(s), 2);
    EXPECT_EQ(clock.slept_ns(), 1'000'000'000);
    EXPECT_EQ(r.totals.written, 2u);
}

TEST_F(StagePolicies, ADelayPastMaxElapsedGivesUpAtOnce) {
    auto s = with_clock(make_stage<throttled>("api", 1, {{"wait_ns", "5000000000"}}));
    s.retry = retries(3);
    s.retry->max_elapsed_ns = 1'000'000'000;
    auto r = run(std::move(s), 1);
    EXPECT_EQ(clock.slept_ns(), 0);
    ASSERT_EQ(errors.failures.size(), 1u);
    EXPECT_EQ(errors.failures[0].message, "gave up after 1 attempt(s): slow down");
}

TEST_F(StagePolicies, RateLimiterHoldsTheRateAfterTheBurst) {
    auto s = with_clock(make_stage<echo>("api", 1));
    s.limiter = std::make_shared<token_bucket>(100.0, 10.0, clock);
    auto r = run(std::move(s), 110);
    // 10 tokens at once, then one every 10ms: 100 more items take 1s of (simulated) waiting.
    EXPECT_NEAR(static_cast<double>(clock.slept_ns()), 1e9, 1.1e7);
    EXPECT_EQ(r.stages[0].limiter_waits, 100u);
    EXPECT_EQ(r.totals.written, 110u);
}

TEST_F(StagePolicies, OpenBreakerRejectsItemsWithCircuitOpen) {
    auto s = with_clock(make_stage<flaky>("api", 1, {{"fails", "99"}}));
    breaker_spec b;
    b.failures = 3;
    b.open_for_ns = 10'000'000'000;
    s.breaker = b;
    auto r = run(std::move(s), 20);
    auto m = messages();
    EXPECT_EQ(std::count(m.begin(), m.end(), "circuit open"), 17);
    EXPECT_EQ(r.stages[0].breaker_rejected, 17u);
    ASSERT_EQ(r.stages[0].breaker.size(), 1u);
    EXPECT_EQ(r.stages[0].breaker[0].to, "open");
    EXPECT_EQ(r.totals.failed, 20u);
}

TEST_F(StagePolicies, WaitingBreakerHoldsItemsThenProbesAndCloses) {
    auto s = with_clock(make_stage<flaky>("api", 1, {{"fails", "0"}, {"outage", "5"}}));
    breaker_spec b;
    b.failures = 2;
    b.open_for_ns = 100'000'000;
    b.when_open_wait = true;
    s.breaker = b;
    auto r = run(std::move(s), 30);
    EXPECT_EQ(r.totals.failed, 5u);  // the outage; nothing rejected as "circuit open"
    EXPECT_EQ(r.totals.written, 25u);
    ASSERT_FALSE(r.stages[0].breaker.empty());
    EXPECT_EQ(r.stages[0].breaker.back().to, "closed");
    EXPECT_GE(clock.slept_ns(), 4 * 100'000'000);  // held while open, 4 times
}

TEST_F(StagePolicies, TimeoutFailsACallThatRunsPastItAndTheProcessorSeesTheDeadline) {
    auto s = make_stage<sticky>("slow", 2);
    s.timeout_ns = 200'000'000;
    auto r = run(std::move(s), 8);
    EXPECT_EQ(r.totals.failed, 2u);
    EXPECT_EQ(r.stages[0].counts.timed_out, 2u);
    for (const auto& m : messages()) EXPECT_EQ(m, "timed out after 200ms");
    EXPECT_EQ(r.totals.written, 6u);
}

TEST_F(StagePolicies, MaxErrorsStopsIntakeAndDrainsWithABalancedLedger) {
    auto s = make_stage<faulty>("f", 1, {{"every", "1"}}, 16);
    s.on_error.max_count = 5;
    auto r = run(std::move(s), 1'000'000);
    EXPECT_EQ(r.stopped, stop_reason::error_limit);
    EXPECT_LT(r.totals.read, 1'000'000u);
    EXPECT_GT(r.totals.failed, 5u);
    EXPECT_EQ(r.totals.cancelled, 0u);  // drained, not cancelled
    EXPECT_TRUE(r.totals.balanced());
}

TEST_F(StagePolicies, OnErrorStopStopsAtTheFirstFailure) {
    auto s = make_stage<faulty>("f", 1, {{"every", "10"}}, 16);
    s.on_error.stop = true;
    auto r = run(std::move(s), 1'000'000);
    EXPECT_EQ(r.stopped, stop_reason::error_limit);
    ASSERT_FALSE(r.problems.empty());
    EXPECT_NE(r.problems[0].find("stage 'f'"), std::string::npos);
    EXPECT_TRUE(r.totals.balanced());
}

TEST_F(StagePolicies, EveryCallIsTimedForTheLatencyPercentiles) {
    auto r = run(make_stage<echo>("e", 2), 1000);
    EXPECT_EQ(r.stages[0].latency.count, 1000u);
    EXPECT_LE(r.stages[0].latency.percentile(0.5), r.stages[0].latency.max_ns);
}

TEST_F(StagePolicies, AllPoliciesComposeOnOneStage) {
    auto s = with_clock(make_stage<flaky>("api", 2, {{"fails", "1"}, {"outage", "3"}}));
    s.retry = retries(2);
    s.limiter = std::make_shared<token_bucket>(1000.0, 5.0, clock);
    breaker_spec b;
    b.failures = 100;
    s.breaker = b;
    s.timeout_ns = 10'000'000'000;
    s.on_error.max_count = 1000;
    auto r = run(std::move(s), 200);
    EXPECT_EQ(r.totals.failed, 3u);  // the outage outlasts two attempts
    EXPECT_EQ(r.totals.written, 197u);
    EXPECT_TRUE(r.totals.balanced());
}

}  // namespace
}  // namespace wprun::engine
