#include "config/policies.h"

#include <gtest/gtest.h>

#include "config/loader.h"

namespace wprun::config {
namespace {

struct stage_read {
    engine::stage_spec stage;
    diagnostics diags;
};

/// The policy keys of a stage map written as `yaml` (its first key on line 1, column 1).
stage_read read_stage(std::string_view yaml, const limiter_list& limiters = {}) {
    stage_read r;
    auto root = parse_yaml(yaml, "p.yaml", r.diags);
    if (root) read_stage_policies(*root, "stage 'api'", limiters, r.stage, r.diags);
    return r;
}

struct run_read {
    engine::pipeline_spec spec;
    diagnostics diags;
};

run_read read_run(std::string_view yaml) {
    run_read r;
    auto root = parse_yaml(yaml, "p.yaml", r.diags);
    if (root) read_run_policies(*root, r.spec, r.diags);
    return r;
}

limiter_list limiters_named(std::vector<std::string> names) {
    limiter_list out;
    engine::rate_limit_spec spec;
    spec.rate_per_s = 100;
    for (auto& name : names) out.emplace_back(std::move(name), spec);
    return out;
}

/// The first diagnostic, as printed; "" when there is none.
std::string first(const diagnostics& d) { return d.items().empty() ? "" : d.items().front().str(); }

constexpr int64_t ms = 1'000'000;
constexpr int64_t s = 1'000 * ms;

// ---- every key into the spec ---------------------------------------------------------------

TEST(StagePolicies, ReadsEveryRetryKey) {
    auto r = read_stage(
        "retry: {attempts: 5, backoff: {initial: 20ms, max: 2s, multiplier: 1.5, jitter: equal}, "
        "max_elapsed: 10s}\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    ASSERT_TRUE(r.stage.retry);
    const auto& retry = *r.stage.retry;
    EXPECT_EQ(retry.attempts, 5u);
    EXPECT_EQ(retry.initial_ns, 20 * ms);
    EXPECT_EQ(retry.max_ns, 2 * s);
    EXPECT_EQ(retry.multiplier, 1.5);
    EXPECT_EQ(retry.jitter, engine::retry_spec::jitter_kind::equal);
    EXPECT_EQ(retry.max_elapsed_ns, 10 * s);
    EXPECT_EQ(retry.where.str(), "p.yaml:1:8");
}

TEST(StagePolicies, ReadsJitterNone) {
    auto r = read_stage("retry: {backoff: {jitter: none}}\n");
    ASSERT_TRUE(r.stage.retry);
    EXPECT_EQ(r.stage.retry->jitter, engine::retry_spec::jitter_kind::none);
}

TEST(StagePolicies, ReadsAnEmptyRetryAsDefaults) {
    auto r = read_stage("retry:\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    ASSERT_TRUE(r.stage.retry);
    EXPECT_EQ(r.stage.retry->attempts, 1u);
    EXPECT_EQ(r.stage.retry->max_ns, engine::retry_spec{}.max_ns);
    EXPECT_EQ(r.stage.retry->where.str(), "p.yaml:1:1");
}

TEST(StagePolicies, ReadsARateLimitMap) {
    auto r = read_stage("rate_limit: {rate: 100/s, burst: 10}\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    ASSERT_TRUE(r.stage.rate_limit);
    EXPECT_EQ(r.stage.rate_limit->rate_per_s, 100);
    EXPECT_EQ(r.stage.rate_limit->burst, 10);
    EXPECT_EQ(r.stage.rate_limit->shared, "");
    EXPECT_EQ(r.stage.rate_limit->where.str(), "p.yaml:1:13");
}

TEST(StagePolicies, DefaultsBurstToOne) {
    auto r = read_stage("rate_limit: {rate: 0.5/s}\n");
    ASSERT_TRUE(r.stage.rate_limit);
    EXPECT_EQ(r.stage.rate_limit->rate_per_s, 0.5);
    EXPECT_EQ(r.stage.rate_limit->burst, 1);
}

TEST(StagePolicies, ReadsABreakerInFailureMode) {
    auto r = read_stage(
        "circuit_breaker:\n  failures: 3\n  open_for: 2s\n  half_open_probes: 2\n"
        "  when_open: reject\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    ASSERT_TRUE(r.stage.circuit_breaker);
    const auto& b = *r.stage.circuit_breaker;
    EXPECT_EQ(b.failures, 3u);
    EXPECT_EQ(b.ratio, 0);
    EXPECT_EQ(b.open_for_ns, 2 * s);
    EXPECT_EQ(b.half_open_probes, 2u);
    EXPECT_FALSE(b.when_open_wait);
    EXPECT_EQ(b.where.str(), "p.yaml:2:3");
}

TEST(StagePolicies, ReadsABreakerInRatioMode) {
    auto r = read_stage("circuit_breaker: {ratio: 0.5, window: 50, when_open: wait}\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    ASSERT_TRUE(r.stage.circuit_breaker);
    const auto& b = *r.stage.circuit_breaker;
    EXPECT_EQ(b.ratio, 0.5);
    EXPECT_EQ(b.window, 50u);
    EXPECT_TRUE(b.when_open_wait);
    EXPECT_EQ(b.failures, engine::breaker_spec{}.failures);
    EXPECT_EQ(b.open_for_ns, engine::breaker_spec{}.open_for_ns);
}

TEST(StagePolicies, ReadsAnEmptyBreakerAsDefaults) {
    auto r = read_stage("circuit_breaker: {}\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    ASSERT_TRUE(r.stage.circuit_breaker);
    EXPECT_EQ(r.stage.circuit_breaker->failures, 5u);
    EXPECT_EQ(r.stage.circuit_breaker->window, 20u);
    EXPECT_EQ(r.stage.circuit_breaker->half_open_probes, 1u);
}

TEST(StagePolicies, ReadsATimeout) {
    auto r = read_stage("timeout: 200ms\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_EQ(r.stage.timeout_ns, 200 * ms);
}

TEST(StagePolicies, ReadsABatch) {
    auto r = read_stage("batch: {items: 50, bytes: 1MiB, wait: 20ms}\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    ASSERT_TRUE(r.stage.batch);
    EXPECT_EQ(r.stage.batch->items, 50u);
    EXPECT_EQ(r.stage.batch->bytes, uint64_t{1} << 20);
    EXPECT_EQ(r.stage.batch->wait_ns, 20 * ms);
}

TEST(StagePolicies, ReadsAnEmptyBatchAsDefaults) {
    auto r = read_stage("batch: {}\n");
    ASSERT_TRUE(r.stage.batch);
    EXPECT_EQ(r.stage.batch->items, 100u);
    EXPECT_EQ(r.stage.batch->bytes, 0u);
    EXPECT_EQ(r.stage.batch->wait_ns, 0);
}

TEST(StagePolicies, RejectsABatchOfZeroItemsAtTheValue) {
    auto r = read_stage("batch: {items: 0}\n");
    EXPECT_NE(first(r.diags).find("p.yaml:1:16"), std::string::npos) << first(r.diags);
    EXPECT_NE(first(r.diags).find("1 to 65536"), std::string::npos) << first(r.diags);
}

TEST(StagePolicies, ReadsAStrictPriority) {
    auto r = read_stage("priority: {levels: 3, aging: 500ms}\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    ASSERT_TRUE(r.stage.priority);
    EXPECT_EQ(r.stage.priority->levels, 3u);
    EXPECT_FALSE(r.stage.priority->weighted);
    EXPECT_TRUE(r.stage.priority->weights.empty());
    EXPECT_EQ(r.stage.priority->aging_ns, 500 * ms);
}

TEST(StagePolicies, ReadsWeightsMostUrgentFirstAndStoresThemByLevel) {
    auto r = read_stage("priority: {levels: 3, policy: weighted, weights: \"4, 2,1\"}\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    ASSERT_TRUE(r.stage.priority);
    EXPECT_TRUE(r.stage.priority->weighted);
    EXPECT_EQ(r.stage.priority->weights, (std::vector<unsigned>{1, 2, 4}));
    EXPECT_EQ(r.stage.priority->aging_ns, 0);
}

TEST(StagePolicies, RequiresPriorityLevels) {
    auto r = read_stage("priority: {policy: strict}\n");
    EXPECT_NE(first(r.diags).find("missing required key 'levels'"), std::string::npos)
        << first(r.diags);
}

TEST(StagePolicies, RejectsPriorityLevelsOutOfRangeAtTheValue) {
    auto r = read_stage("priority: {levels: 17}\n");
    EXPECT_NE(first(r.diags).find("p.yaml:1:20"), std::string::npos) << first(r.diags);
    EXPECT_NE(first(r.diags).find("1 to 16"), std::string::npos) << first(r.diags);
}

TEST(StagePolicies, RejectsWeightsThatDoNotMatchTheLevels) {
    auto r = read_stage("priority: {levels: 3, policy: weighted, weights: \"4,2\"}\n");
    EXPECT_NE(first(r.diags).find("3 integers"), std::string::npos) << first(r.diags);
    auto zero = read_stage("priority: {levels: 2, policy: weighted, weights: \"4,0\"}\n");
    EXPECT_TRUE(zero.diags.has_errors());
}

TEST(StagePolicies, RejectsWeightsWithAStrictPolicy) {
    auto r = read_stage("priority: {levels: 2, weights: \"2,1\"}\n");
    EXPECT_NE(first(r.diags).find("policy: weighted"), std::string::npos) << first(r.diags);
}

TEST(StagePolicies, RejectsAnUnknownPriorityPolicyWithASuggestion) {
    auto r = read_stage("priority: {levels: 2, policy: strikt}\n");
    EXPECT_NE(first(r.diags).find("did you mean 'strict'"), std::string::npos) << first(r.diags);
}

TEST(StagePolicies, RejectsANegativeOrTooLongAging) {
    EXPECT_TRUE(read_stage("priority: {levels: 2, aging: -1s}\n").diags.has_errors());
    EXPECT_TRUE(read_stage("priority: {levels: 2, aging: 2h}\n").diags.has_errors());
}

TEST(StagePolicies, LeavesAbsentPoliciesUnset) {
    auto r = read_stage("name: api\n");
    EXPECT_FALSE(r.diags.has_errors());
    EXPECT_FALSE(r.stage.retry);
    EXPECT_FALSE(r.stage.rate_limit);
    EXPECT_FALSE(r.stage.circuit_breaker);
    EXPECT_EQ(r.stage.timeout_ns, 0);
    EXPECT_FALSE(r.stage.on_error.stop);
    EXPECT_EQ(r.stage.on_error.where.str(), "");
}

TEST(StagePolicies, ReadsOnErrorStop) {
    auto r = read_stage("on_error: stop\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_TRUE(r.stage.on_error.stop);
    EXPECT_EQ(r.stage.on_error.where.str(), "p.yaml:1:11");
}

TEST(StagePolicies, ReadsOnErrorContinue) {
    auto r = read_stage("on_error: continue\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_FALSE(r.stage.on_error.stop);
}

// ---- max_errors forms ----------------------------------------------------------------------

TEST(StagePolicies, ReadsMaxErrorsAsACount) {
    auto r = read_stage("max_errors: 10\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_EQ(r.stage.on_error.max_count, 10u);
    EXPECT_EQ(r.stage.on_error.max_percent, 0);
    EXPECT_FALSE(r.stage.on_error.stop);
    EXPECT_EQ(r.stage.on_error.where.str(), "p.yaml:1:13");
}

TEST(StagePolicies, ReadsMaxErrorsAsAPercentage) {
    auto r = read_stage("max_errors: \"5%\"\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_EQ(r.stage.on_error.max_percent, 5);
    EXPECT_EQ(r.stage.on_error.max_count, 0u);
}

TEST(StagePolicies, ReadsAFractionalUnquotedPercentage) {
    auto r = read_stage("max_errors: 0.5%\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_EQ(r.stage.on_error.max_percent, 0.5);
}

TEST(StagePolicies, ReadsMaxErrorsZeroAsStopAtTheFirstFailure) {
    auto r = read_stage("max_errors: 0\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_TRUE(r.stage.on_error.stop);
}

TEST(StagePolicies, KeepsOnErrorAsTheErrorPolicysLocation) {
    auto r = read_stage("on_error: continue\nmax_errors: 3\n");
    EXPECT_EQ(r.stage.on_error.where.str(), "p.yaml:1:11");
    EXPECT_EQ(r.stage.on_error.max_count, 3u);
}

TEST(StagePolicies, RejectsANegativeMaxErrors) {
    auto r = read_stage("max_errors: -1\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:13: error: stage 'api': max_errors must be a count of 0 or more, or a "
              "percentage above 0% and at most 100%, e.g. 10 or 5%, got '-1'");
}

TEST(StagePolicies, RejectsAZeroPercentage) {
    auto r = read_stage("max_errors: 0%\n");
    EXPECT_NE(first(r.diags).find("p.yaml:1:13: error: stage 'api': max_errors must be"),
              std::string::npos);
}

TEST(StagePolicies, RejectsAPercentageAbove100) {
    auto r = read_stage("max_errors: 100.5%\n");
    EXPECT_NE(first(r.diags).find("got '100.5%'"), std::string::npos);
}

TEST(StagePolicies, WarnsThatMaxErrorsIsIgnoredWithStop) {
    auto r = read_stage("on_error: stop\nmax_errors: 3\n");
    EXPECT_FALSE(r.diags.has_errors());
    EXPECT_EQ(first(r.diags),
              "p.yaml:2:13: warning: stage 'api': max_errors is ignored: on_error: stop stops at "
              "the first failure");
}

// ---- rate forms ----------------------------------------------------------------------------

TEST(ParseRate, ReadsPerSecond) { EXPECT_EQ(parse_rate_per_s("100/s"), 100); }

TEST(ParseRate, ReadsABareNumberAsPerSecond) { EXPECT_EQ(parse_rate_per_s("250"), 250); }

TEST(ParseRate, ReadsPerMinute) { EXPECT_EQ(parse_rate_per_s("120/m"), 2); }

TEST(ParseRate, ReadsPerHour) { EXPECT_EQ(parse_rate_per_s("1800/h"), 0.5); }

TEST(ParseRate, ReadsFractions) { EXPECT_EQ(parse_rate_per_s("0.5/s"), 0.5); }

TEST(ParseRate, AcceptsTheMaximum) { EXPECT_EQ(parse_rate_per_s("1e9/s"), 1e9); }

TEST(ParseRate, RefusesZeroAndNegative) {
    EXPECT_FALSE(parse_rate_per_s("0/s"));
    EXPECT_FALSE(parse_rate_per_s("0"));
    EXPECT_FALSE(parse_rate_per_s("-1/s"));
}

TEST(ParseRate, RefusesAboveTheMaximum) { EXPECT_FALSE(parse_rate_per_s("1000000001")); }

TEST(ParseRate, RefusesOtherUnits) {
    EXPECT_FALSE(parse_rate_per_s("100/min"));
    EXPECT_FALSE(parse_rate_per_s("100/d"));
    EXPECT_FALSE(parse_rate_per_s("100/"));
}

TEST(ParseRate, RefusesMalformedNumbers) {
    EXPECT_FALSE(parse_rate_per_s(""));
    EXPECT_FALSE(parse_rate_per_s("/s"));
    EXPECT_FALSE(parse_rate_per_s("fast"));
    EXPECT_FALSE(parse_rate_per_s("100 /s"));
    EXPECT_FALSE(parse_rate_per_s("inf"));
    EXPECT_FALSE(parse_rate_per_s("nan/s"));
}

// ---- range errors --------------------------------------------------------------------------

TEST(StagePolicies, RejectsZeroAttemptsExplainingTheFirstCall) {
    auto r = read_stage("retry: {attempts: 0}\n");
    ASSERT_EQ(r.diags.items().size(), 1u);
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:19: error: stage 'api': retry.attempts must be an integer from 1 to 1000, "
              "e.g. 3, got '0' (attempts counts the first call too: use 1 for no retry)");
}

TEST(StagePolicies, RejectsTooManyAttempts) {
    auto r = read_stage("retry: {attempts: 1001}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:19: error: stage 'api': retry.attempts must be an integer from 1 to 1000, "
              "e.g. 3, got '1001'");
}

TEST(StagePolicies, RejectsAZeroInitialBackoff) {
    auto r = read_stage("retry:\n  backoff: {initial: 0}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:2:22: error: stage 'api': retry.backoff.initial must be a duration above 0, "
              "e.g. 10ms, got '0'");
}

TEST(StagePolicies, RejectsAZeroMaxBackoff) {
    auto r = read_stage("retry: {backoff: {max: 0s}}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:24: error: stage 'api': retry.backoff.max must be a duration above 0, "
              "e.g. 1s, got '0s'");
}

TEST(StagePolicies, RejectsAMaxBackoffBelowInitial) {
    auto r = read_stage("retry: {backoff: {initial: 2s, max: 500ms}}\n");
    ASSERT_EQ(r.diags.items().size(), 1u);
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:37: error: stage 'api': retry.backoff.max must be at least initial (2s), "
              "e.g. 2s, got '500ms'");
}

TEST(StagePolicies, RejectsAnInitialBackoffAboveTheDefaultMax) {
    auto r = read_stage("retry: {backoff: {initial: 5s}}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:28: error: stage 'api': retry.backoff.initial must be at most max (1s by "
              "default; set max too), e.g. 1s, got '5s'");
}

TEST(StagePolicies, AcceptsAnEqualMaxAndInitial) {
    auto r = read_stage("retry: {backoff: {initial: 1s, max: 1s}}\n");
    EXPECT_FALSE(r.diags.has_errors()) << first(r.diags);
}

TEST(StagePolicies, RejectsAMultiplierBelowOne) {
    auto r = read_stage("retry: {backoff: {multiplier: 0.5}}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:31: error: stage 'api': retry.backoff.multiplier must be a number from 1 "
              "to 100, e.g. 2 or 1.5, got '0.5'");
}

TEST(StagePolicies, RejectsAMultiplierAbove100) {
    auto r = read_stage("retry: {backoff: {multiplier: 101}}\n");
    EXPECT_NE(first(r.diags).find("from 1 to 100, e.g. 2 or 1.5, got '101'"), std::string::npos);
}

TEST(StagePolicies, RejectsAnUnknownJitterWithASuggestion) {
    auto r = read_stage("retry: {backoff: {jitter: ful}}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:27: error: stage 'api': retry.backoff.jitter must be one of none, full, "
              "equal, got 'ful'; did you mean 'full'?");
}

TEST(StagePolicies, AcceptsZeroMaxElapsedAsNoLimit) {
    auto r = read_stage("retry: {max_elapsed: 0}\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_EQ(r.stage.retry->max_elapsed_ns, 0);
}

TEST(StagePolicies, RejectsANegativeMaxElapsed) {
    auto r = read_stage("retry: {max_elapsed: -1s}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:22: error: stage 'api': retry.max_elapsed must be a duration of 0 or more "
              "(0 = no limit), e.g. 10s, got '-1s'");
}

TEST(StagePolicies, RejectsAZeroRate) {
    auto r = read_stage("rate_limit: {rate: 0/s}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:20: error: stage 'api': rate_limit.rate must be a rate above 0 and at "
              "most 1000000000/s: N/s, N/m, N/h or N (per second), e.g. 100/s or 0.5/s, got "
              "'0/s'");
}

TEST(StagePolicies, RejectsARateAboveTheMaximum) {
    auto r = read_stage("rate_limit: {rate: 2e9/s}\n");
    EXPECT_NE(first(r.diags).find("p.yaml:1:20: error: stage 'api': rate_limit.rate must be"),
              std::string::npos);
}

TEST(StagePolicies, RejectsABurstBelowOne) {
    auto r = read_stage("rate_limit: {rate: 10, burst: 0.5}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:31: error: stage 'api': rate_limit.burst must be a number of 1 or more, "
              "e.g. 10, got '0.5'");
}

TEST(StagePolicies, RequiresARateInARateLimitMap) {
    auto r = read_stage("rate_limit: {burst: 5}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:13: error: stage 'api' rate_limit: missing required key 'rate' (e.g. "
              "'rate: 100/s')");
}

TEST(StagePolicies, RejectsZeroBreakerFailures) {
    auto r = read_stage("circuit_breaker: {failures: 0}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:29: error: stage 'api': circuit_breaker.failures must be an integer from "
              "1 to 1000000, e.g. 5, got '0'");
}

TEST(StagePolicies, RejectsABreakerRatioAboveOne) {
    auto r = read_stage("circuit_breaker: {ratio: 1.5}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:26: error: stage 'api': circuit_breaker.ratio must be a number from 0 to "
              "1 (0 = count consecutive failures), e.g. 0.5, got '1.5'");
}

TEST(StagePolicies, AcceptsARatioOfOne) {
    auto r = read_stage("circuit_breaker: {ratio: 1}\n");
    EXPECT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_EQ(r.stage.circuit_breaker->ratio, 1);
}

TEST(StagePolicies, RejectsAZeroBreakerWindow) {
    auto r = read_stage("circuit_breaker: {ratio: 0.5, window: 0}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:39: error: stage 'api': circuit_breaker.window must be an integer from 1 "
              "to 100000, e.g. 20, got '0'");
}

TEST(StagePolicies, RejectsAZeroOpenFor) {
    auto r = read_stage("circuit_breaker: {open_for: 0ms}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:29: error: stage 'api': circuit_breaker.open_for must be a duration above "
              "0, e.g. 1s, got '0ms'");
}

TEST(StagePolicies, RejectsTooManyHalfOpenProbes) {
    auto r = read_stage("circuit_breaker: {half_open_probes: 1001}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:37: error: stage 'api': circuit_breaker.half_open_probes must be an "
              "integer from 1 to 1000, e.g. 2, got '1001'");
}

TEST(StagePolicies, RejectsAnUnknownWhenOpen) {
    auto r = read_stage("circuit_breaker: {when_open: wiat}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:30: error: stage 'api': circuit_breaker.when_open must be one of reject, "
              "wait, got 'wiat'; did you mean 'wait'?");
}

TEST(StagePolicies, WarnsThatFailuresIsIgnoredWithARatio) {
    auto r = read_stage("circuit_breaker: {failures: 3, ratio: 0.5}\n");
    EXPECT_FALSE(r.diags.has_errors());
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:29: warning: stage 'api': circuit_breaker.failures is ignored: with a "
              "ratio, the breaker opens on the failure ratio over the last window calls");
}

TEST(StagePolicies, RejectsAZeroTimeout) {
    auto r = read_stage("timeout: 0\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:10: error: stage 'api': timeout must be a duration above 0, e.g. 200ms, "
              "got '0'");
}

TEST(StagePolicies, RejectsATimeoutWithoutAUnit) {
    auto r = read_stage("timeout: 200\n");
    EXPECT_NE(first(r.diags).find("got '200'"), std::string::npos);
}

TEST(StagePolicies, RejectsAnUnknownOnError) {
    auto r = read_stage("on_error: ignore\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:11: error: stage 'api': on_error must be one of continue, stop, got "
              "'ignore'");
}

TEST(StagePolicies, RejectsAScalarRetry) {
    auto r = read_stage("retry: 3\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:8: error: stage 'api': retry must be a map, not a single "
              "value");
    EXPECT_FALSE(r.stage.retry);
}

TEST(StagePolicies, RejectsAMapTimeout) {
    auto r = read_stage("timeout: {ms: 5}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:10: error: stage 'api': timeout must be a single value, not a map");
}

// ---- rate_limit: NAME ----------------------------------------------------------------------

TEST(StagePolicies, ResolvesANamedLimiter) {
    auto r = read_stage("rate_limit: api\n", limiters_named({"db", "api"}));
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    ASSERT_TRUE(r.stage.rate_limit);
    EXPECT_EQ(r.stage.rate_limit->shared, "api");
    EXPECT_EQ(r.stage.rate_limit->rate_per_s, 0);
    EXPECT_EQ(r.stage.rate_limit->burst, 0);
    EXPECT_EQ(r.stage.rate_limit->where.str(), "p.yaml:1:13");
}

TEST(StagePolicies, ReportsAnUnknownLimiterWithASuggestion) {
    auto r = read_stage("rate_limit: apx\n", limiters_named({"db", "api"}));
    ASSERT_EQ(r.diags.items().size(), 1u);
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:13: error: stage 'api': rate_limit 'apx' names no limiter; did you mean "
              "'api'? (limiters: db, api)");
}

TEST(StagePolicies, SuggestsTheMapFormForARateGivenAsAName) {
    auto r = read_stage("rate_limit: 100/s\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:13: error: stage 'api': rate_limit '100/s' names no limiter; for a rate "
              "of this stage's own, write {rate: 100/s} (limiters: none)");
}

// ---- unknown sub-keys ----------------------------------------------------------------------

TEST(StagePolicies, ReportsAnUnknownRetryKeyWithASuggestion) {
    auto r = read_stage("retry: {atempts: 3}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:9: error: unknown key 'atempts' in stage 'api' retry; did you mean "
              "'attempts'? (valid keys: attempts, backoff, max_elapsed)");
}

TEST(StagePolicies, ReportsAnUnknownBackoffKeyWithASuggestion) {
    auto r = read_stage("retry:\n  backoff:\n    inital: 5ms\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:3:5: error: unknown key 'inital' in stage 'api' retry.backoff; did you mean "
              "'initial'? (valid keys: initial, max, multiplier, jitter)");
}

TEST(StagePolicies, ReportsAnUnknownRateLimitKeyWithASuggestion) {
    auto r = read_stage("rate_limit: {rate: 5, brust: 2}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:23: error: unknown key 'brust' in stage 'api' rate_limit; did you mean "
              "'burst'? (valid keys: rate, burst)");
}

TEST(StagePolicies, ReportsAnUnknownBreakerKeyWithASuggestion) {
    auto r = read_stage("circuit_breaker: {falures: 3}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:19: error: unknown key 'falures' in stage 'api' circuit_breaker; did you "
              "mean 'failures'? (valid keys: failures, ratio, window, open_for, "
              "half_open_probes, when_open)");
}

// ---- run level: deadline, limiters ---------------------------------------------------------

TEST(RunPolicies, ReadsTheDeadline) {
    auto r = read_run("deadline: 30s\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_EQ(r.spec.deadline_ns, 30 * s);
}

TEST(RunPolicies, RejectsAZeroDeadline) {
    auto r = read_run("deadline: 0s\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:1:11: error: deadline must be a duration above 0, e.g. 30s, got '0s'");
}

TEST(RunPolicies, MaxItemBytesDefaultsTo64MiB) {
    auto r = read_run("deadline: 30s\n");
    EXPECT_EQ(r.spec.max_item_bytes, uint64_t{64} << 20);
}

TEST(RunPolicies, ReadsMaxItemBytes) {
    auto r = read_run("max_item_bytes: 1KiB\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_EQ(r.spec.max_item_bytes, 1024u);
}

TEST(RunPolicies, RejectsMaxItemBytesOutsideItsRange) {
    auto small = read_run("max_item_bytes: 100\n");
    EXPECT_EQ(first(small.diags),
              "p.yaml:1:17: error: max_item_bytes must be a size from 1KiB to 4GiB - 1, e.g. "
              "64MiB, got '100'");
    auto big = read_run("max_item_bytes: 4GiB\n");
    EXPECT_TRUE(big.diags.has_errors());
}

TEST(RunPolicies, ReadsLimitersInFileOrder) {
    auto r = read_run("limiters:\n  api: {rate: 100/s, burst: 10}\n  db: {rate: 60/m}\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    ASSERT_EQ(r.spec.limiters.size(), 2u);
    EXPECT_EQ(r.spec.limiters[0].first, "api");
    EXPECT_EQ(r.spec.limiters[0].second.rate_per_s, 100);
    EXPECT_EQ(r.spec.limiters[0].second.burst, 10);
    EXPECT_EQ(r.spec.limiters[0].second.where.str(), "p.yaml:2:8");
    EXPECT_EQ(r.spec.limiters[1].first, "db");
    EXPECT_EQ(r.spec.limiters[1].second.rate_per_s, 1);
    EXPECT_EQ(r.spec.limiters[1].second.burst, 1);
}

TEST(RunPolicies, RejectsABadLimiterName) {
    auto r = read_run("limiters:\n  a b: {rate: 1}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:2:3: error: limiter name 'a b' may only use letters, digits, '_', '.' and "
              "'-'");
}

TEST(RunPolicies, RejectsALimiterRateAtItsValue) {
    auto r = read_run("limiters:\n  api: {rate: fast}\n");
    EXPECT_NE(first(r.diags).find("p.yaml:2:15: error: limiters.api.rate must be a rate above 0"),
              std::string::npos);
}

TEST(RunPolicies, ListsALimiterWithBadValues) {
    auto r = read_run("limiters:\n  api: {rate: 0}\n");
    EXPECT_TRUE(r.diags.has_errors());
    ASSERT_EQ(r.spec.limiters.size(), 1u);
    EXPECT_EQ(r.spec.limiters[0].first, "api");
}

TEST(RunPolicies, ReportsAnUnknownLimiterKeyWithASuggestion) {
    auto r = read_run("limiters:\n  api: {rat: 1}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:2:9: error: unknown key 'rat' in limiters.api; did you mean 'rate'? (valid "
              "keys: rate, burst)");
}

TEST(RunPolicies, RejectsAListOfLimiters) {
    auto r = read_run("limiters: [api]\n");
    EXPECT_EQ(first(r.diags), "p.yaml:1:11: error: limiters must be a map, not a list");
}

// ---- through the loader: limiters, stage keys, --set ---------------------------------------

const char* pipeline = R"(source: {type: range, count: 3}
stages:
  - name: api
    processor: chaos
    retry: {attempts: 5}
    rate_limit: shared
sink: {type: null}
limiters:
  shared: {rate: 100/s}
)";

load_result load(std::string_view yaml, std::vector<std::string> overrides = {}) {
    return load_pipeline_text(yaml, "p.yaml", "/base", overrides);
}

const engine::stage_spec& api(const load_result& r) { return r.spec.stages.at(0); }

TEST(LoadPolicies, ReadsTheReferenceExample) {
    // docs/pipeline-reference.md, "Stage policies".
    auto r = load(R"(deadline: 30s
limiters:
  api: {rate: 100/s, burst: 10}
source: {type: range, count: 3}
stages:
  - name: fetch
    processor: chaos
    retry: {attempts: 5, backoff: {initial: 10ms, max: 1s, multiplier: 2, jitter: full}, max_elapsed: 10s}
    rate_limit: api
    circuit_breaker: {failures: 5, open_for: 1s, half_open_probes: 2, when_open: reject}
    timeout: 200ms
    on_error: continue
    max_errors: "5%"
sink: {type: null}
)");
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_EQ(r.spec.deadline_ns, 30 * s);
    const auto& stage = api(r);
    EXPECT_EQ(stage.retry->attempts, 5u);
    EXPECT_EQ(stage.rate_limit->shared, "api");
    EXPECT_EQ(stage.circuit_breaker->half_open_probes, 2u);
    EXPECT_EQ(stage.timeout_ns, 200 * ms);
    EXPECT_EQ(stage.on_error.max_percent, 5);
}

TEST(LoadPolicies, ResolvesALimiterWrittenAfterTheStages) {
    auto r = load(pipeline);
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    ASSERT_TRUE(api(r).rate_limit);
    EXPECT_EQ(api(r).rate_limit->shared, "shared");
    EXPECT_EQ(api(r).rate_limit->where.str(), "p.yaml:6:17");
    EXPECT_EQ(api(r).retry->attempts, 5u);
}

TEST(LoadPolicies, SuggestsAPolicyKeyForAMisspeltStageKey) {
    auto r = load(
        "source: {type: range}\nstages:\n  - {name: a, processor: b, timout: 1s}\n"
        "sink: {type: null}\n");
    EXPECT_EQ(first(r.diags),
              "p.yaml:3:29: error: unknown key 'timout' in stage 'a'; did you mean 'timeout'? "
              "(valid keys: name, processor, plugin, workers, queue, config, retry, rate_limit, "
              "circuit_breaker, timeout, on_error, max_errors, batch, priority, isolation)");
}

TEST(LoadPolicies, OverridesATimeout) {
    auto r = load(pipeline, {"stages.api.timeout=50ms"});
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_EQ(api(r).timeout_ns, 50 * ms);
}

TEST(LoadPolicies, OverridesANestedRetryKey) {
    auto r = load(pipeline, {"stages.api.retry.attempts=3"});
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_EQ(api(r).retry->attempts, 3u);
    EXPECT_EQ(api(r).retry->where.str(), "p.yaml:5:12");
}

TEST(LoadPolicies, CreatesPolicyMapsForAnOverride) {
    auto r = load(pipeline, {"stages.api.circuit_breaker.open_for=5s",
                             "stages.api.retry.backoff.initial=5ms"});
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    ASSERT_TRUE(api(r).circuit_breaker);
    EXPECT_EQ(api(r).circuit_breaker->open_for_ns, 5 * s);
    EXPECT_EQ(api(r).retry->initial_ns, 5 * ms);
    EXPECT_EQ(api(r).retry->attempts, 5u);
}

TEST(LoadPolicies, OverridesTheDeadline) {
    auto r = load(pipeline, {"deadline=5s"});
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_EQ(r.spec.deadline_ns, 5 * s);
}

TEST(LoadPolicies, MaxItemBytesReachesTheSource) {
    auto r = load(pipeline, {"max_item_bytes=2KiB"});
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_EQ(r.spec.max_item_bytes, 2048u);
    EXPECT_EQ(r.spec.source.max_item_bytes, 2048u);
}

TEST(LoadPolicies, OverridesALimiterRate) {
    auto r = load(pipeline, {"limiters.shared.rate=5/s"});
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_EQ(r.spec.limiters.at(0).second.rate_per_s, 5);
}

TEST(LoadPolicies, OverridesMaxErrorsWithAPercentage) {
    auto r = load(pipeline, {"stages.api.max_errors=5%"});
    ASSERT_FALSE(r.diags.has_errors()) << first(r.diags);
    EXPECT_EQ(api(r).on_error.max_percent, 5);
}

TEST(LoadPolicies, ReportsABadOverriddenPolicyValueAtSet) {
    auto r = load(pipeline, {"stages.api.retry.attempts=0"});
    EXPECT_EQ(first(r.diags),
              "--set: error: stage 'api': retry.attempts must be an integer from 1 to 1000, e.g. "
              "3, got '0' (attempts counts the first call too: use 1 for no retry)");
}

TEST(LoadPolicies, ReportsAnOverrideNamingAnUnknownLimiter) {
    auto r = load(pipeline, {"stages.api.rate_limit=shraed"});
    EXPECT_EQ(first(r.diags),
              "--set: error: stage 'api': rate_limit 'shraed' names no limiter; did you mean "
              "'shared'? (limiters: shared)");
}

}  // namespace
}  // namespace wprun::config
