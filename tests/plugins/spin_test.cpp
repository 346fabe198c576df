#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/fake_host.h"

using wprun::testing::config_list;
using wprun::testing::fake_host;
using wprun::testing::fake_result;

namespace {

fake_result spin(const std::string& payload, const char* rounds) {
    fake_host host;
    EXPECT_EQ(host.create("spin", {{"rounds", rounds}}).status, WPRUN_OK);
    return host.process(payload);
}

}  // namespace

TEST(Spin, ZeroRoundsEmitsTheNumberInHex) {
    EXPECT_EQ(spin("255", "0").outputs, std::vector<std::string>{"00000000000000ff"});
}

TEST(Spin, OneRoundOnZeroIsTheFirstSplitmix64Output) {
    EXPECT_EQ(spin("0", "1").outputs, std::vector<std::string>{"e220a8397b1dcdaf"});
}

TEST(Spin, EachRoundFeedsTheLastOutputBack) {
    // Round 2 is one round applied to round 1's output.
    std::string two = spin("0", "2").outputs.at(0);
    std::string one_of_one = spin(std::to_string(0xe220a8397b1dcdafull), "1").outputs.at(0);
    EXPECT_EQ(two, one_of_one);
}

TEST(Spin, AcceptsTheLargestUnsigned) {
    EXPECT_EQ(spin("18446744073709551615", "0").outputs,
              std::vector<std::string>{"ffffffffffffffff"});
}

TEST(Spin, NonNumberIsRejectedQuotingThePayload) {
    auto r = spin("12x", "3");
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "spin: payload is not an unsigned integer: '12x'");
    EXPECT_TRUE(r.outputs.empty());
}

TEST(Spin, RejectQuotesAtMostFortyBytes) {
    auto r = spin(std::string(100, 'z'), "0");
    EXPECT_EQ(r.message,
              "spin: payload is not an unsigned integer: '" + std::string(40, 'z') + "'");
}

TEST(Spin, NegativeEmptyAndOverflowingNumbersAreRejected) {
    for (const char* bad : {"-1", "", " 1", "18446744073709551616"})
        EXPECT_EQ(spin(bad, "0").status, WPRUN_REJECT) << bad;
}

TEST(Spin, NegativeRoundsIsInvalidConfig) {
    fake_host host;
    EXPECT_EQ(host.create("spin", {{"rounds", "-1"}}).status, WPRUN_INVALID_CONFIG);
}
