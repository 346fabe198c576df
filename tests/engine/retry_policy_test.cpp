#include "engine/policy/retry_policy.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace wprun::engine {
namespace {

constexpr int64_t ms = 1'000'000;
constexpr uint64_t any_random = 0x9e3779b97f4a7c15u;
constexpr uint64_t max_random = std::numeric_limits<uint64_t>::max();

retry_spec spec(unsigned attempts, retry_spec::jitter_kind jitter = retry_spec::jitter_kind::none) {
    retry_spec s;
    s.attempts = attempts;
    s.initial_ns = 10 * ms;
    s.max_ns = 1000 * ms;
    s.multiplier = 2.0;
    s.jitter = jitter;
    return s;
}

TEST(RetryPolicy, OneAttemptMeansNoRetry) {
    retry_policy policy(spec(1));
    EXPECT_EQ(policy.delay_before(2, 0, any_random), std::nullopt);
    EXPECT_EQ(policy.attempts(), 1u);
}

TEST(RetryPolicy, FiveAttemptsGiveDelaysBeforeAttemptsTwoToFiveOnly) {
    retry_policy policy(spec(5));
    for (uint32_t k = 2; k <= 5; ++k) EXPECT_TRUE(policy.delay_before(k, 0, any_random)) << k;
    EXPECT_EQ(policy.delay_before(6, 0, any_random), std::nullopt);
}

TEST(RetryPolicy, TheFirstCallNeverWaits) {
    retry_policy policy(spec(3));
    EXPECT_EQ(policy.delay_before(1, 0, any_random), 0);
}

TEST(RetryPolicy, WithoutJitterDelaysGrowByTheMultiplierUpToTheCap) {
    retry_policy policy(spec(12));
    const int64_t expected[] = {10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000};
    for (uint32_t k = 2; k <= 12; ++k) {
        EXPECT_EQ(policy.delay_before(k, 0, any_random), expected[k - 2] * ms) << "attempt " << k;
    }
}

TEST(RetryPolicy, MultiplierOneGivesAConstantBackoff) {
    retry_spec s = spec(6);
    s.multiplier = 1.0;
    retry_policy policy(s);
    for (uint32_t k = 2; k <= 6; ++k) EXPECT_EQ(policy.delay_before(k, 0, any_random), 10 * ms);
}

TEST(RetryPolicy, FullJitterStaysBetweenZeroAndTheDelay) {
    retry_policy policy(spec(3, retry_spec::jitter_kind::full));  // attempt 3: d = 20 ms
    EXPECT_EQ(policy.delay_before(3, 0, 0), 0);
    EXPECT_EQ(policy.delay_before(3, 0, max_random), 20 * ms);
    for (uint64_t r : {uint64_t{1}, any_random, max_random / 2, max_random - 1}) {
        const int64_t delay = *policy.delay_before(3, 0, r);
        EXPECT_GE(delay, 0) << r;
        EXPECT_LE(delay, 20 * ms) << r;
    }
    EXPECT_NEAR(*policy.delay_before(3, 0, max_random / 2), 10 * ms, 1);
}

TEST(RetryPolicy, EqualJitterStaysBetweenHalfTheDelayAndTheDelay) {
    retry_policy policy(spec(3, retry_spec::jitter_kind::equal));
    EXPECT_EQ(policy.delay_before(3, 0, 0), 10 * ms);
    EXPECT_EQ(policy.delay_before(3, 0, max_random), 20 * ms);
    for (uint64_t r : {uint64_t{1}, any_random, max_random / 2, max_random - 1}) {
        const int64_t delay = *policy.delay_before(3, 0, r);
        EXPECT_GE(delay, 10 * ms) << r;
        EXPECT_LE(delay, 20 * ms) << r;
    }
}

TEST(RetryPolicy, MaxElapsedStopsRetries) {
    retry_spec s = spec(10);
    s.max_elapsed_ns = 500 * ms;
    retry_policy policy(s);
    EXPECT_TRUE(policy.delay_before(2, 499 * ms, any_random));
    EXPECT_EQ(policy.delay_before(2, 500 * ms, any_random), std::nullopt);
    EXPECT_EQ(policy.delay_before(3, 10'000 * ms, any_random), std::nullopt);
}

TEST(RetryPolicy, ZeroMaxElapsedMeansNoTimeLimit) {
    retry_policy policy(spec(3));
    EXPECT_TRUE(policy.delay_before(3, std::numeric_limits<int64_t>::max(), any_random));
}

TEST(RetryPolicy, HugeAttemptNumbersStayAtTheCap) {
    retry_spec s = spec(std::numeric_limits<unsigned>::max());
    retry_policy policy(s);
    EXPECT_EQ(policy.delay_before(100, 0, any_random), 1000 * ms);
    EXPECT_EQ(policy.delay_before(std::numeric_limits<uint32_t>::max(), 0, any_random), 1000 * ms);
}

TEST(RetryPolicy, HugeMultiplierAndCapDoNotOverflow) {
    retry_spec s = spec(std::numeric_limits<unsigned>::max(), retry_spec::jitter_kind::full);
    s.multiplier = 1e300;
    s.max_ns = std::numeric_limits<int64_t>::max();
    retry_policy policy(s);
    const int64_t cap = std::numeric_limits<int64_t>::max();
    EXPECT_EQ(policy.delay_before(1000, 0, 0), 0);
    const int64_t top = *policy.delay_before(1000, 0, max_random);
    EXPECT_GT(top, cap / 2);
    EXPECT_LE(top, cap);
}

TEST(RetryPolicy, ACapBelowTheInitialDelayWins) {
    retry_spec s = spec(3);
    s.max_ns = 5 * ms;
    retry_policy policy(s);
    EXPECT_EQ(policy.delay_before(2, 0, any_random), 5 * ms);
}

TEST(RetryPolicy, AProcessorsLeastDelayWinsOverAShorterBackoff) {
    retry_spec s = spec(3);
    s.initial_ns = 10'000'000;
    s.jitter = retry_spec::jitter_kind::none;
    retry_policy p(s);
    EXPECT_EQ(p.delay_before(2, 0, 0, 500'000'000), 500'000'000);
    EXPECT_EQ(p.delay_before(2, 0, 0, 1'000), 10'000'000);          // a shorter wish: the backoff
    EXPECT_EQ(p.delay_before(4, 0, 0, 500'000'000), std::nullopt);  // no attempt left
}

TEST(RetryPolicy, ALeastDelayPastMaxElapsedGivesUp) {
    retry_spec s = spec(5);
    s.max_elapsed_ns = 1'000'000'000;
    retry_policy p(s);
    EXPECT_EQ(p.delay_before(2, 600'000'000, 0, 300'000'000), 300'000'000);
    EXPECT_EQ(p.delay_before(2, 600'000'000, 0, 500'000'000), std::nullopt);
}

}  // namespace
}  // namespace wprun::engine
