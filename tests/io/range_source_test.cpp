#include "io/range_source.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "detail/error.h"

namespace wprun::io {
namespace {

std::vector<std::string> read_all(engine::source& src, size_t batch = 64) {
    std::vector<std::string> out;
    for (;;) {
        std::vector<engine::item> items(batch);
        size_t n = src.read(items.data(), items.size());
        if (n == 0) return out;
        for (size_t i = 0; i < n; ++i) out.push_back(items[i].payload.str());
    }
}

engine::io_spec range_spec(std::vector<std::pair<std::string, std::string>> opts) {
    engine::io_spec spec;
    spec.type = "range";
    for (auto& [k, v] : opts) spec.opts.set(k, v, location{"p.yaml", 3, 10});
    return spec;
}

TEST(RangeSource, CountsFromStartByStep) {
    range_source src(5, 4, 3);
    EXPECT_EQ(read_all(src), (std::vector<std::string>{"5", "8", "11", "14"}));
}

TEST(RangeSource, HandlesNegativeSteps) {
    range_source src(1, 4, -1);
    EXPECT_EQ(read_all(src), (std::vector<std::string>{"1", "0", "-1", "-2"}));
}

TEST(RangeSource, ReadsInBatchesUntilTheEnd) {
    range_source src(0, 7, 1);
    std::vector<engine::item> items(3);
    EXPECT_EQ(src.read(items.data(), 3), 3u);
    EXPECT_EQ(src.read(items.data(), 3), 3u);
    EXPECT_EQ(src.read(items.data(), 3), 1u);
    EXPECT_EQ(items[0].payload.view(), "6");
    EXPECT_EQ(src.read(items.data(), 3), 0u);
}

TEST(RangeSource, TotalIsTheCount) {
    EXPECT_EQ(range_source(0, 12345, 2).total(), 12345u);
    EXPECT_EQ(range_source(0, 0, 1).total(), 0u);
}

TEST(RangeSource, ZeroCountIsEmpty) {
    range_source src(10, 0, 1);
    EXPECT_TRUE(read_all(src).empty());
}

TEST(RangeSource, FormatsExtremeValues) {
    range_source src(std::numeric_limits<int64_t>::min(), 2, std::numeric_limits<int64_t>::max());
    EXPECT_EQ(read_all(src), (std::vector<std::string>{"-9223372036854775808", "-1"}));
}

TEST(RangeSource, MakeUsesDefaults) {
    auto src = make_range_source(range_spec({{"count", "3"}}), {});
    EXPECT_EQ(read_all(*src), (std::vector<std::string>{"0", "1", "2"}));
    EXPECT_EQ(src->total(), 3u);
}

TEST(RangeSource, MakeRefusesNegativeCount) {
    try {
        make_range_source(range_spec({{"count", "-1"}}), {});
        FAIL() << "expected startup_error";
    } catch (const startup_error& e) {
        EXPECT_EQ(e.code(), exit_code::usage);
        EXPECT_NE(std::string(e.what()).find("p.yaml:3:10"), std::string::npos);
    }
}

TEST(RangeSource, MakeRefusesRangesBeyond64Bits) {
    auto spec = range_spec({{"start", "9223372036854775800"}, {"count", "10"}});
    EXPECT_THROW(make_range_source(spec, {}), startup_error);
    spec.opts.set("count", "8");
    EXPECT_NO_THROW(make_range_source(spec, {}));
}

TEST(RangeSource, SchemaRequiresCount) {
    const auto& schema = range_source_schema();
    ASSERT_EQ(schema.size(), 3u);
    EXPECT_EQ(schema[1].name, "count");
    EXPECT_TRUE(schema[1].required);
    EXPECT_EQ(schema[2].default_value, "1");
}

TEST(RangeSource, StepOneCarriesAcrossEveryPowerOfTen) {
    range_source src(0, 100'001, 1);
    std::vector<std::string> got = read_all(src, 256);
    ASSERT_EQ(got.size(), 100'001u);
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], std::to_string(i));
}

TEST(RangeSource, StepOneCountsUpThroughZero) {
    range_source src(-3, 7, 1);
    EXPECT_EQ(read_all(src), (std::vector<std::string>{"-3", "-2", "-1", "0", "1", "2", "3"}));
}

TEST(RangeSource, StepOneReachesTheLargestInteger) {
    constexpr int64_t top = std::numeric_limits<int64_t>::max();
    range_source src(top - 2, 3, 1);
    EXPECT_EQ(read_all(src),
              (std::vector<std::string>{std::to_string(top - 2), std::to_string(top - 1),
                                        std::to_string(top)}));
}

TEST(RangeSource, OverwritesAPayloadThatWasLongerOrOnTheHeap) {
    range_source src(98, 3, 1);
    std::vector<engine::item> items(3);
    items[0].payload.assign(std::string(200, 'x'));  // heap buffer
    items[1].payload.assign("a payload of forty characters, inline..");
    ASSERT_EQ(src.read(items.data(), 3), 3u);
    EXPECT_EQ(items[0].payload.view(), "98");
    EXPECT_EQ(items[1].payload.view(), "99");
    EXPECT_EQ(items[2].payload.view(), "100");
}

}  // namespace
}  // namespace wprun::io
