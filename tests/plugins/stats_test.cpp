#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/fake_host.h"

using wprun::testing::config_list;
using wprun::testing::fake_host;
using strings = std::vector<std::string>;

namespace {

// Feeds `values` round-robin to `workers` workers and returns what flush emits.
strings aggregate(const std::vector<std::string>& values,
                  size_t workers,
                  const config_list& config = {}) {
    fake_host host;
    EXPECT_EQ(host.create("stats", config, workers).status, WPRUN_OK);
    for (size_t i = 0; i < values.size(); ++i) {
        auto r = host.process(values[i], {}, i, 1, i % workers);
        EXPECT_EQ(r.status, WPRUN_OK) << r.message;
        EXPECT_TRUE(r.outputs.empty());
    }
    auto f = host.flush();
    EXPECT_EQ(f.status, WPRUN_OK) << f.message;
    return f.outputs;
}

std::vector<std::string> tenths(int n) {
    std::vector<std::string> out;
    for (int i = 1; i <= n; ++i) out.push_back(std::to_string(i) + "e-1");
    return out;
}

}  // namespace

TEST(Stats, EmitsCountSumMinMaxMeanAsText) {
    EXPECT_EQ(aggregate({"1", "2.5", "-3", "4"}, 1),
              strings{"count=4 sum=4.5 min=-3 max=4 mean=1.125"});
}

TEST(Stats, ProcessEmitsNothingSoItemsCountAsFiltered) {
    fake_host host;
    ASSERT_EQ(host.create("stats").status, WPRUN_OK);
    auto r = host.process("1");
    EXPECT_EQ(r.status, WPRUN_OK);
    EXPECT_TRUE(r.outputs.empty());
}

TEST(Stats, CompensatedSumIsCorrectlyRounded) {
    // Plain left-to-right addition of 0.1 .. 99.7 gives 49750.299999999996.
    EXPECT_EQ(aggregate(tenths(997), 1),
              strings{"count=997 sum=49750.3 min=0.1 max=99.7 mean=49.900000000000006"});
}

TEST(Stats, MergingWorkersEqualsOneSequentialPass) {
    EXPECT_EQ(aggregate(tenths(1000), 4), aggregate(tenths(1000), 1));
    EXPECT_EQ(aggregate(tenths(997), 3), aggregate(tenths(997), 1));
}

TEST(Stats, IdleWorkersDoNotChangeTheResult) {
    EXPECT_EQ(aggregate({"2", "3"}, 8), strings{"count=2 sum=5 min=2 max=3 mean=2.5"});
}

TEST(Stats, JsonFormat) {
    EXPECT_EQ(aggregate({"1", "2"}, 2, {{"format", "json"}}),
              strings{R"({"count":2,"sum":3,"min":1,"max":2,"mean":1.5})"});
}

TEST(Stats, CountZeroIsJustTheCount) {
    EXPECT_EQ(aggregate({}, 2), strings{"count=0"});
    EXPECT_EQ(aggregate({}, 2, {{"format", "json"}}), strings{R"({"count":0})"});
}

TEST(Stats, NumbersRoundTripInShortestForm) {
    EXPECT_EQ(aggregate({"1e300", "-2.5e-300"}, 1),
              strings{"count=2 sum=1e+300 min=-2.5e-300 max=1e+300 mean=5e+299"});
}

TEST(Stats, SurroundingWhitespaceIsIgnored) {
    EXPECT_EQ(aggregate({" 7\r\n"}, 1), strings{"count=1 sum=7 min=7 max=7 mean=7"});
}

TEST(Stats, NonNumericPayloadIsRejected) {
    fake_host host;
    ASSERT_EQ(host.create("stats").status, WPRUN_OK);
    for (const char* bad : {"abc", "1.5x", "", "nan", "inf", "0x10"}) {
        auto r = host.process(bad);
        EXPECT_EQ(r.status, WPRUN_REJECT) << bad;
    }
    EXPECT_EQ(host.process("12abc").message, "stats: payload is not a finite number: '12abc'");
    EXPECT_EQ(host.flush().outputs, strings{"count=0"});
}

TEST(Stats, UnknownFormatIsInvalidConfig) {
    fake_host host;
    EXPECT_EQ(host.create("stats", {{"format", "xml"}}).status, WPRUN_INVALID_CONFIG);
}

TEST(Stats, MergingWorkersEqualsOneSequentialPassForMixedMagnitudes) {
    std::vector<std::string> values;
    for (int i = 0; i < 5000; ++i)
        values.push_back(std::to_string((i % 7 - 3) * 1e9 + i * 0.013 + 1.0 / (i + 1)));
    EXPECT_EQ(aggregate(values, 5), aggregate(values, 1));
    EXPECT_EQ(aggregate(values, 16), aggregate(values, 1));
}
