// adaptive_limit (AIMD on latency and errors) and adaptive_gate (the permits it moves), driven
// by a manual clock: no sleeps, every window closes exactly when the test moves time.
#include "engine/policy/adaptive_limit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "engine/policy/adaptive_gate.h"
#include "engine/policy/clock.h"

namespace wprun::engine {
namespace {

constexpr int64_t ms = 1'000'000;
constexpr int64_t window = 100 * ms;

adaptive_limit::params settings(unsigned min = 1, unsigned max = 64, unsigned initial = 1) {
    adaptive_limit::params p;
    p.min = min;
    p.max = max;
    p.initial = initial;
    p.window_ns = window;
    return p;
}

/// One window at the current limit: calls of `latency` that kept every permit busy.
std::optional<adaptive_limit::change> busy_window(adaptive_limit& a,
                                                  manual_clock& t,
                                                  int64_t latency,
                                                  uint64_t errors = 0) {
    a.reached_limit();
    a.record(latency, a.limit());
    a.record_errors(errors);
    t.advance(window);
    return a.update(t.now_ns());
}

TEST(AdaptiveLimit, AddsOneEachWindowWhileLatencyIsSteady) {
    manual_clock t;
    adaptive_limit a(settings(), t.now_ns());
    for (unsigned want = 2; want <= 5; ++want) {
        auto c = busy_window(a, t, 10 * ms);
        ASSERT_TRUE(c);
        EXPECT_EQ(c->from, want - 1);
        EXPECT_EQ(c->to, want);
        EXPECT_STREQ(c->reason, "steady");
    }
}

TEST(AdaptiveLimit, NothingChangesBeforeTheWindowEnds) {
    manual_clock t;
    adaptive_limit a(settings(), t.now_ns());
    a.reached_limit();
    a.record(10 * ms);
    t.advance(window - 1);
    EXPECT_FALSE(a.update(t.now_ns()));
    t.advance(1);
    EXPECT_TRUE(a.update(t.now_ns()));
}

TEST(AdaptiveLimit, DoesNotGrowWhenTheLimitWasNotReached) {
    manual_clock t;
    adaptive_limit a(settings(), t.now_ns());
    a.record(10 * ms, 3);  // the input, not the limit, held the stage back
    t.advance(window);
    EXPECT_FALSE(a.update(t.now_ns()));
    EXPECT_EQ(a.limit(), 1u);
}

TEST(AdaptiveLimit, AWindowWithoutCallsChangesNothing) {
    manual_clock t;
    adaptive_limit a(settings(1, 64, 4), t.now_ns());
    a.reached_limit();
    t.advance(window);
    EXPECT_FALSE(a.update(t.now_ns()));
    EXPECT_EQ(a.limit(), 4u);
}

TEST(AdaptiveLimit, ErrorsMultiplyTheLimitByTheDecreaseRatio) {
    manual_clock t;
    adaptive_limit a(settings(1, 64, 40), t.now_ns());
    auto c = busy_window(a, t, 10 * ms, 1);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->to, 36u);  // floor(40 × 0.9)
    EXPECT_STREQ(c->reason, "errors");
}

TEST(AdaptiveLimit, ASmallLimitStillDecreasesByOne) {
    manual_clock t;
    adaptive_limit a(settings(1, 64, 5), t.now_ns());
    auto c = busy_window(a, t, 10 * ms, 2);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->to, 4u);
}

TEST(AdaptiveLimit, LatencyAboveTheThresholdDecreases) {
    manual_clock t;
    adaptive_limit a(settings(1, 64, 10), t.now_ns());
    busy_window(a, t, 10 * ms);  // learns 10ms (and grows to 11)
    auto c = busy_window(a, t, 20 * ms);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->from, 11u);
    EXPECT_EQ(c->to, 9u);  // floor(11 × 0.9)
    EXPECT_STREQ(c->reason, "latency");
}

TEST(AdaptiveLimit, LatencyWithinTheThresholdStillGrows) {
    manual_clock t;
    adaptive_limit a(settings(1, 64, 10), t.now_ns());
    busy_window(a, t, 10 * ms);
    auto c = busy_window(a, t, 10 * ms + ms / 2);  // +5%: inside 2 × the 5% minimum deviation
    ASSERT_TRUE(c);
    EXPECT_STREQ(c->reason, "steady");
}

TEST(AdaptiveLimit, TwiceTheAverageIsSlowHoweverNoisyThePast) {
    manual_clock t;
    adaptive_limit a(settings(1, 64, 10), t.now_ns());
    for (int i = 0; i < 20; ++i) busy_window(a, t, (i % 2 ? 5 : 15) * ms);  // deviation ~5ms
    auto c = busy_window(a, t, static_cast<int64_t>(a.average_ns() * 2.1));
    ASSERT_TRUE(c);
    EXPECT_STREQ(c->reason, "latency");
}

TEST(AdaptiveLimit, StaysWithinMinAndMax) {
    manual_clock t;
    adaptive_limit a(settings(2, 4, 2), t.now_ns());
    for (int i = 0; i < 10; ++i) busy_window(a, t, 10 * ms);
    EXPECT_EQ(a.limit(), 4u);
    for (int i = 0; i < 10; ++i) busy_window(a, t, 10 * ms, 1);
    EXPECT_EQ(a.limit(), 2u);
    EXPECT_FALSE(busy_window(a, t, 10 * ms, 1));  // at min: no change to report
}

/// A backend with a knee: 10ms per call up to `knee` calls at once, +10ms per call above it.
int64_t knee_latency(unsigned concurrency, unsigned knee) {
    return 10 * ms * (1 + static_cast<int64_t>(std::max(concurrency, knee) - knee));
}

TEST(AdaptiveLimit, ConvergesNearTheKneeOfTheBackend) {
    manual_clock t;
    adaptive_limit a(settings(1, 64), t.now_ns());
    std::vector<unsigned> seen;
    for (int i = 0; i < 300; ++i) {
        busy_window(a, t, knee_latency(a.limit(), 8));
        if (i >= 100) seen.push_back(a.limit());
    }
    auto [lo, hi] = std::minmax_element(seen.begin(), seen.end());
    EXPECT_GE(*lo, 6u);  // after a decrease from just above the knee
    EXPECT_LE(*hi, 10u);
    std::sort(seen.begin(), seen.end());
    EXPECT_NEAR(seen[seen.size() / 2], 8, 1);
}

TEST(AdaptiveLimit, RelearnsABackendThatSlowsDownAtAnyConcurrency) {
    manual_clock t;
    adaptive_limit a(settings(1, 64, 4), t.now_ns());
    for (int i = 0; i < 4; ++i) busy_window(a, t, 10 * ms);
    unsigned before = a.limit();
    for (int i = 0; i < 40; ++i) busy_window(a, t, 20 * ms);  // twice as slow, however many
    EXPECT_GT(a.average_ns(), 15.0 * ms);                     // learned at the minimum limit
    EXPECT_GT(a.limit(), before);                             // and grows again
}

TEST(AdaptiveGate, PermitsFollowTheLimit) {
    manual_clock t;
    adaptive_gate g(settings(1, 4), t.now_ns());
    g.acquire();  // takes the only permit: the limit was reached
    EXPECT_EQ(g.in_use(), 1u);
    g.release(10 * ms, 1, 0);
    t.advance(window);
    auto c = g.update(t.now_ns());
    ASSERT_TRUE(c);
    EXPECT_EQ(g.limit(), 2u);
    g.acquire();
    g.acquire();  // would block at a limit of 1
    EXPECT_EQ(g.in_use(), 2u);
    g.release(0, 0, 1);
    g.release(0, 0, 0);
    t.advance(window);
    ASSERT_TRUE(g.update(t.now_ns()));
    EXPECT_EQ(g.limit(), 1u);
}

}  // namespace
}  // namespace wprun::engine
