#include "engine/policy/token_bucket.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace wprun::engine {
namespace {

constexpr int64_t second = 1'000'000'000;

// Time stands still and each sleeper wakes on its own timeline, as workers sleeping in parallel
// do: the latest wake-up is when the last token handed out becomes usable.
class frozen_clock : public clock {
public:
    int64_t now_ns() const noexcept override { return start_; }
    bool sleep_for(int64_t ns, const std::atomic<bool>*) override {
        const int64_t wake = start_ + ns;
        int64_t seen = latest_wake_.load();
        while (seen < wake && !latest_wake_.compare_exchange_weak(seen, wake)) {
        }
        return true;
    }
    int64_t start_ns() const noexcept { return start_; }
    int64_t latest_wake_ns() const noexcept { return latest_wake_.load(); }

private:
    int64_t start_ = second;
    std::atomic<int64_t> latest_wake_{second};
};

TEST(TokenBucket, FreshBucketLetsTheBurstThroughThenOneTokenPerInterval) {
    manual_clock clk;
    token_bucket bucket(100, 10, clk);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(bucket.reserve(), 0) << "token " << i;
    EXPECT_EQ(bucket.reserve(), 10'000'000);
    EXPECT_EQ(bucket.reserve(), 20'000'000);
    EXPECT_EQ(bucket.waits(), 2u);
    EXPECT_EQ(bucket.waited_ns(), 30'000'000);
}

TEST(TokenBucket, CallersWhoSleepAsToldGetRateTimesTimePlusBurst) {
    manual_clock clk;
    token_bucket bucket(100, 10, clk);
    const int64_t end = clk.now_ns() + 10 * second;
    int acquired = 0;
    while (bucket.acquire(nullptr) && clk.now_ns() <= end) ++acquired;
    EXPECT_NEAR(acquired, 100 * 10 + 10, 1);
}

TEST(TokenBucket, IdleTimeRefillsNoMoreThanTheBurst) {
    manual_clock clk;
    token_bucket bucket(10, 3, clk);
    for (int i = 0; i < 5; ++i) bucket.acquire(nullptr);
    clk.advance(3600 * second);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket.reserve(), 0);
    EXPECT_EQ(bucket.reserve(), second / 10);
}

TEST(TokenBucket, SharedByFourThreadsHandsOutEveryTokenOnceAtTheRate) {
    constexpr int threads = 4;
    constexpr int per_thread = 2000;
    constexpr int burst = 10;
    constexpr int64_t interval = second / 1000;
    frozen_clock clk;
    token_bucket bucket(1000, burst, clk);
    std::vector<std::vector<int64_t>> waits(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                waits[t].push_back(bucket.reserve());
                clk.sleep_for(waits[t].back(), nullptr);
            }
        });
    }
    for (auto& w : workers) w.join();

    // Every token's slot was handed out exactly once: no CAS lost or duplicated a token.
    std::vector<int64_t> all;
    for (const auto& w : waits) all.insert(all.end(), w.begin(), w.end());
    std::sort(all.begin(), all.end());
    ASSERT_EQ(all.size(), size_t{threads * per_thread});
    for (size_t k = 0; k < all.size(); ++k) {
        const int64_t slot = static_cast<int64_t>(k) - (burst - 1);
        ASSERT_EQ(all[k], std::max<int64_t>(slot, 0) * interval) << "token " << k;
    }
    EXPECT_EQ(clk.latest_wake_ns() - clk.start_ns(), (threads * per_thread - burst) * interval);
    EXPECT_EQ(bucket.waits(), uint64_t{threads * per_thread - burst});
}

TEST(TokenBucket, FractionalRateSpacesTokensBySeconds) {
    manual_clock clk;
    token_bucket bucket(0.5, 1, clk);
    EXPECT_EQ(bucket.reserve(), 0);
    EXPECT_EQ(bucket.reserve(), 2 * second);
    EXPECT_EQ(bucket.reserve(), 4 * second);
}

TEST(TokenBucket, VeryHighRateKeepsAtLeastOneNanosecondPerToken) {
    manual_clock clk;
    token_bucket at_limit(1e9, 1, clk);
    EXPECT_EQ(at_limit.reserve(), 0);
    EXPECT_EQ(at_limit.reserve(), 1);
    token_bucket beyond(1e15, 1, clk);
    EXPECT_EQ(beyond.reserve(), 0);
    EXPECT_EQ(beyond.reserve(), 1);
}

TEST(TokenBucket, AcquireSpendsTheTokenButReportsAStoppedWait) {
    manual_clock clk;
    token_bucket bucket(1, 1, clk);
    std::atomic<bool> stop{true};
    EXPECT_TRUE(bucket.acquire(&stop));  // no wait needed, so nothing to interrupt
    EXPECT_FALSE(bucket.acquire(&stop));
    EXPECT_EQ(bucket.reserve(), 2 * second);  // the interrupted token stayed spent
}

TEST(TokenBucket, ReportsItsConfiguration) {
    manual_clock clk;
    token_bucket bucket(2.5, 4, clk);
    EXPECT_EQ(bucket.rate_per_s(), 2.5);
    EXPECT_EQ(bucket.burst(), 4);
}

}  // namespace
}  // namespace wprun::engine
