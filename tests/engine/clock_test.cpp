#include "engine/policy/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace wprun::engine {
namespace {

TEST(ManualClock, SleepAdvancesTimeAndCountsIt) {
    manual_clock clk(100);
    EXPECT_TRUE(clk.sleep_for(50, nullptr));
    EXPECT_TRUE(clk.sleep_for(25, nullptr));
    EXPECT_EQ(clk.now_ns(), 175);
    EXPECT_EQ(clk.sleeps(), 2u);
    EXPECT_EQ(clk.slept_ns(), 75);
}

TEST(ManualClock, SleepReturnsFalseOnlyWhenAlreadyStopped) {
    manual_clock clk(100);
    std::atomic<bool> stop{false};
    EXPECT_TRUE(clk.sleep_for(10, &stop));
    stop = true;
    EXPECT_FALSE(clk.sleep_for(10, &stop));
    EXPECT_EQ(clk.now_ns(), 110);
}

TEST(ManualClock, NegativeSleepLeavesTimeAlone) {
    manual_clock clk(100);
    EXPECT_TRUE(clk.sleep_for(-5, nullptr));
    EXPECT_EQ(clk.now_ns(), 100);
}

TEST(ManualClock, AdvanceMovesTime) {
    manual_clock clk;
    const int64_t before = clk.now_ns();
    clk.advance(1'000);
    EXPECT_EQ(clk.now_ns(), before + 1'000);
}

TEST(SystemClock, NeverGoesBackwards) {
    clock& clk = system_clock();
    int64_t last = clk.now_ns();
    for (int i = 0; i < 1000; ++i) {
        const int64_t now = clk.now_ns();
        EXPECT_GE(now, last);
        last = now;
    }
}

TEST(SystemClock, SleepLastsAtLeastTheRequestedTime) {
    clock& clk = system_clock();
    const int64_t start = clk.now_ns();
    EXPECT_TRUE(clk.sleep_for(25'000'000, nullptr));
    EXPECT_GE(clk.now_ns() - start, 25'000'000);
}

TEST(SystemClock, SleepWithStopAlreadySetReturnsFalse) {
    std::atomic<bool> stop{true};
    EXPECT_FALSE(system_clock().sleep_for(60'000'000'000, &stop));
}

TEST(SystemClock, StopEndsALongSleepEarly) {
    std::atomic<bool> stop{false};
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        stop = true;
    });
    const int64_t start = system_clock().now_ns();
    EXPECT_FALSE(system_clock().sleep_for(60'000'000'000, &stop));
    stopper.join();
    // Generous bound: only proves the 60 s sleep was cut short, not how quickly.
    EXPECT_LT(system_clock().now_ns() - start, 30'000'000'000);
}

}  // namespace
}  // namespace wprun::engine
