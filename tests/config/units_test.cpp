#include "config/units.h"

#include <gtest/gtest.h>

#include <limits>

namespace wprun::config {
namespace {

TEST(ParseDuration, ReadsEveryUnit) {
    EXPECT_EQ(parse_duration_ns("10ns"), 10);
    EXPECT_EQ(parse_duration_ns("500us"), 500'000);
    EXPECT_EQ(parse_duration_ns("250ms"), 250'000'000);
    EXPECT_EQ(parse_duration_ns("2s"), 2'000'000'000);
    EXPECT_EQ(parse_duration_ns("1m"), 60'000'000'000);
    EXPECT_EQ(parse_duration_ns("1h"), 3'600'000'000'000);
}

TEST(ParseDuration, ReadsFractions) {
    EXPECT_EQ(parse_duration_ns("1.5s"), 1'500'000'000);
    EXPECT_EQ(parse_duration_ns("0.25ms"), 250'000);
}

TEST(ParseDuration, AcceptsBareZeroOnly) {
    EXPECT_EQ(parse_duration_ns("0"), 0);
    EXPECT_EQ(parse_duration_ns("5"), std::nullopt);
}

TEST(ParseDuration, RejectsMalformedText) {
    for (const char* bad : {"", "s", "1x", "1 s", "1.s", ".5s", "1.2.3s", "1S", "ms1"})
        EXPECT_EQ(parse_duration_ns(bad), std::nullopt) << bad;
}

TEST(ParseDuration, RejectsNegatives) { EXPECT_EQ(parse_duration_ns("-1s"), std::nullopt); }

TEST(ParseDuration, RejectsOverflow) {
    EXPECT_EQ(parse_duration_ns("9223372036854775807ns"), std::numeric_limits<int64_t>::max());
    EXPECT_EQ(parse_duration_ns("9223372036854775808ns"), std::nullopt);
    EXPECT_EQ(parse_duration_ns("99999999999h"), std::nullopt);
    EXPECT_EQ(parse_duration_ns("99999999999999999999999s"), std::nullopt);
}

TEST(ParseSize, ReadsPlainBytes) { EXPECT_EQ(parse_size("100"), 100u); }

TEST(ParseSize, ReadsBinaryUnits) {
    EXPECT_EQ(parse_size("64KiB"), 64u * 1024);
    EXPECT_EQ(parse_size("8MiB"), 8u << 20);
    EXPECT_EQ(parse_size("1GiB"), uint64_t{1} << 30);
}

TEST(ParseSize, ReadsDecimalUnits) {
    EXPECT_EQ(parse_size("1KB"), 1000u);
    EXPECT_EQ(parse_size("1MB"), 1'000'000u);
    EXPECT_EQ(parse_size("1GB"), 1'000'000'000u);
}

TEST(ParseSize, KeepsUnitCaseAsDocumented) {
    EXPECT_EQ(parse_size("1kib"), std::nullopt);
    EXPECT_EQ(parse_size("1mb"), std::nullopt);
}

TEST(ParseSize, RejectsNegativesFractionsAndJunk) {
    for (const char* bad : {"", "-1", "1.5MiB", "KiB", "12 KiB", "1XB"})
        EXPECT_EQ(parse_size(bad), std::nullopt) << bad;
}

TEST(ParseSize, RejectsOverflow) {
    EXPECT_EQ(parse_size("18446744073709551615"), std::numeric_limits<uint64_t>::max());
    EXPECT_EQ(parse_size("18446744073709551616"), std::nullopt);
    EXPECT_EQ(parse_size("17179869184GiB"), std::nullopt);
}

TEST(FormatDuration, UsesTheLargestExactUnit) {
    EXPECT_EQ(format_duration(0), "0");
    EXPECT_EQ(format_duration(250'000'000), "250ms");
    EXPECT_EQ(format_duration(1'500'000'000), "1500ms");
    EXPECT_EQ(format_duration(3'600'000'000'000), "1h");
    EXPECT_EQ(format_duration(7), "7ns");
}

TEST(FormatDuration, RoundTripsThroughParse) {
    for (int64_t ns : {int64_t{1}, int64_t{90'000'000'000}, int64_t{123'456'789}})
        EXPECT_EQ(parse_duration_ns(format_duration(ns)), ns);
}

TEST(FormatSize, UsesTheLargestBinaryUnit) {
    EXPECT_EQ(format_size(8u << 20), "8MiB");
    EXPECT_EQ(format_size(1000), "1000");
    EXPECT_EQ(format_size(0), "0");
    EXPECT_EQ(parse_size(format_size(uint64_t{3} << 30)), uint64_t{3} << 30);
}

}  // namespace
}  // namespace wprun::config
