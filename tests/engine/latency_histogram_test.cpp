#include "engine/policy/latency_histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace wprun::engine {
namespace {

latency_summary summary_of(const latency_histogram& h) {
    latency_summary s;
    h.merge_into(s);
    return s;
}

TEST(LatencyHistogram, SmallValuesAreExact) {
    for (int64_t v = 0; v <= 15; ++v) {
        EXPECT_EQ(latency_histogram::upper_bound_of(latency_histogram::bucket_of(v)), v);
    }
}

TEST(LatencyHistogram, EveryValueFitsItsBucketWithinAnEighth) {
    std::vector<int64_t> values;
    for (int shift = 3; shift < 63; ++shift) {
        const int64_t p = int64_t{1} << shift;
        for (int64_t v : {p - 1, p, p + 1, p + p / 3, p + p / 2 + 7}) values.push_back(v);
    }
    values.push_back(std::numeric_limits<int64_t>::max());
    for (int64_t v : values) {
        const size_t b = latency_histogram::bucket_of(v);
        const int64_t upper = latency_histogram::upper_bound_of(b);
        ASSERT_LT(b, 512u) << v;
        EXPECT_LE(v, upper) << v;
        EXPECT_LT(latency_histogram::upper_bound_of(b - 1), v) << v;
        EXPECT_LE(static_cast<double>(upper), static_cast<double>(v) * 1.125) << v;
    }
}

TEST(LatencyHistogram, BucketBoundsIncreaseAcrossAllValues) {
    const size_t last = latency_histogram::bucket_of(std::numeric_limits<int64_t>::max());
    for (size_t b = 1; b <= last; ++b) {
        EXPECT_LT(latency_histogram::upper_bound_of(b - 1), latency_histogram::upper_bound_of(b));
    }
}

TEST(LatencyHistogram, NegativeLatenciesCountAsZero) {
    latency_histogram h;
    h.record(-5);
    const latency_summary s = summary_of(h);
    EXPECT_EQ(s.counts[0], 1u);
    EXPECT_EQ(s.max_ns, 0);
    EXPECT_EQ(s.sum_ns, 0);
}

TEST(LatencyHistogram, PercentilesOfAUniformSampleAreWithinAnEighth) {
    latency_histogram h;
    for (int64_t v = 1; v <= 100'000; ++v) h.record(v);
    const latency_summary s = summary_of(h);
    EXPECT_EQ(s.count, 100'000u);
    EXPECT_EQ(h.count(), 100'000u);
    EXPECT_EQ(s.sum_ns, int64_t{100'000} * 100'001 / 2);
    for (double p : {0.01, 0.25, 0.5, 0.9, 0.99, 0.999}) {
        const double exact = std::ceil(p * 100'000);
        const auto got = static_cast<double>(s.percentile(p));
        EXPECT_GE(got, exact) << p;
        EXPECT_LE(got, exact * 1.125) << p;
    }
}

TEST(LatencyHistogram, TheHundredthPercentileIsTheMaximum) {
    latency_histogram h;
    for (int64_t v : {3, 1'000, 123'457}) h.record(v);
    const latency_summary s = summary_of(h);
    EXPECT_EQ(s.max_ns, 123'457);
    EXPECT_EQ(s.percentile(1.0), 123'457);
    EXPECT_EQ(s.percentile(0.0), 3);
}

TEST(LatencyHistogram, AnEmptySummaryGivesZero) {
    latency_summary s = summary_of(latency_histogram{});
    EXPECT_EQ(s.count, 0u);
    EXPECT_EQ(s.percentile(0.5), 0);
    EXPECT_EQ(s.percentile(1.0), 0);
    EXPECT_TRUE(s.buckets().empty());
}

TEST(LatencyHistogram, MergingTwoEqualsRecordingAllInOne) {
    latency_histogram left, right, both;
    for (int64_t v = 0; v < 5000; ++v) {
        const int64_t sample = (v * 7919) % 1'000'003;
        (v % 3 == 0 ? left : right).record(sample);
        both.record(sample);
    }
    latency_summary merged;
    left.merge_into(merged);
    right.merge_into(merged);
    const latency_summary single = summary_of(both);
    EXPECT_EQ(merged.counts, single.counts);
    EXPECT_EQ(merged.count, single.count);
    EXPECT_EQ(merged.max_ns, single.max_ns);
    EXPECT_EQ(merged.sum_ns, single.sum_ns);
    EXPECT_EQ(merged.percentile(0.95), single.percentile(0.95));
}

TEST(LatencyHistogram, BucketsListsOnlyNonEmptyOnesInOrder) {
    latency_histogram h;
    for (int64_t v : {2, 2, 100, 5'000}) h.record(v);
    const auto buckets = summary_of(h).buckets();
    ASSERT_EQ(buckets.size(), 3u);
    EXPECT_EQ(buckets[0], (std::pair<int64_t, uint64_t>{2, 2}));
    EXPECT_EQ(buckets[1].second, 1u);
    EXPECT_GE(buckets[1].first, 100);
    EXPECT_GE(buckets[2].first, 5'000);
}

TEST(LatencyHistogram, RecordingManyAtOnceEqualsRecordingEachOne) {
    latency_histogram bulk, each;
    bulk.record(1'500, 4);
    bulk.record(9, 0);
    for (int i = 0; i < 4; ++i) each.record(1'500);
    const latency_summary a = summary_of(bulk), b = summary_of(each);
    EXPECT_EQ(a.counts, b.counts);
    EXPECT_EQ(a.count, 4u);
    EXPECT_EQ(a.sum_ns, b.sum_ns);
    EXPECT_EQ(a.max_ns, b.max_ns);
}

TEST(LatencyHistogram, TheSumSaturatesInsteadOfWrapping) {
    latency_histogram h;
    h.record(std::numeric_limits<int64_t>::max() / 2, 3);
    h.record(std::numeric_limits<int64_t>::max());
    EXPECT_EQ(summary_of(h).sum_ns, std::numeric_limits<int64_t>::max());
}

TEST(LatencyHistogram, ReadersMaySnapshotWhileTheWriterRecords) {
    latency_histogram h;
    std::atomic<bool> done{false};
    std::thread writer([&] {
        for (int64_t v = 1; v <= 200'000; ++v) h.record(v);
        done = true;
    });
    while (!done) {
        const latency_summary s = summary_of(h);
        EXPECT_LE(s.count, 200'000u);
        EXPECT_LE(s.percentile(0.5), s.max_ns);
    }
    writer.join();
    EXPECT_EQ(summary_of(h).count, 200'000u);
}

}  // namespace
}  // namespace wprun::engine
