#include "engine/policy/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace wprun::engine {
namespace {

// Layout: group 0 holds the values 0..7 exactly; group g >= 1 splits [2^(g+2), 2^(g+3)) into 8
// equal sub-buckets, so a bucket is at most 1/8 of its lower bound wide (the 12.5% promise).
// int64 values end in group 60 (bucket 487); the buckets above stay empty.
constexpr size_t sub_buckets = 8;
constexpr size_t bucket_count = 512;
constexpr int64_t int64_max = std::numeric_limits<int64_t>::max();

int64_t saturating_add(int64_t a, int64_t b) noexcept {
    return a > int64_max - b ? int64_max : a + b;
}

// ns * times, saturating: the sum is for a mean, where saturation beats wrapping to negative.
int64_t total_of(int64_t ns, uint64_t times) noexcept {
    if (ns != 0 && times > static_cast<uint64_t>(int64_max / ns)) return int64_max;
    return ns * static_cast<int64_t>(times);
}

// One writer per histogram: a relaxed load + store is enough and cheaper than an RMW.
template <typename T>
void bump(std::atomic<T>& counter, T by) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

}  // namespace

size_t latency_histogram::bucket_of(int64_t ns) noexcept {
    const auto value = static_cast<uint64_t>(std::max<int64_t>(ns, 0));
    if (value < sub_buckets) return static_cast<size_t>(value);
    const int shift = std::bit_width(value) - 4;  // keeps the top 4 bits: 1 and the sub-bucket
    return static_cast<size_t>(shift + 1) * sub_buckets + ((value >> shift) & (sub_buckets - 1));
}

int64_t latency_histogram::upper_bound_of(size_t bucket) noexcept {
    if (bucket < sub_buckets) return static_cast<int64_t>(bucket);
    const size_t shift = bucket / sub_buckets - 1;
    if (shift > 59) return int64_max;  // beyond any int64 value
    const auto lower = static_cast<int64_t>(sub_buckets + bucket % sub_buckets) << shift;
    return lower + ((int64_t{1} << shift) - 1);
}

void latency_histogram::record(int64_t ns) noexcept { record(ns, 1); }

void latency_histogram::record(int64_t ns, uint64_t times) noexcept {
    if (times == 0) return;
    ns = std::max<int64_t>(ns, 0);  // a clock step backwards is not a negative latency
    bump(counts_[bucket_of(ns)], times);
    bump(count_, times);
    sum_ns_.store(saturating_add(sum_ns_.load(std::memory_order_relaxed), total_of(ns, times)),
                  std::memory_order_relaxed);
    if (ns > max_ns_.load(std::memory_order_relaxed)) {
        max_ns_.store(ns, std::memory_order_relaxed);
    }
}

// The total is summed from the buckets read here rather than taken from count_, so a snapshot
// taken while the writer runs is still self-consistent for percentiles.
void latency_histogram::merge_into(latency_summary& out) const noexcept {
    for (size_t i = 0; i < bucket_count; ++i) {
        const uint64_t n = counts_[i].load(std::memory_order_relaxed);
        out.counts[i] += n;
        out.count += n;
    }
    out.max_ns = std::max(out.max_ns, max_ns_.load(std::memory_order_relaxed));
    out.sum_ns = saturating_add(out.sum_ns, sum_ns_.load(std::memory_order_relaxed));
}

int64_t latency_summary::percentile(double p) const noexcept {
    if (count == 0) return 0;
    const double wanted = std::ceil(std::clamp(p, 0.0, 1.0) * static_cast<double>(count));
    // Rank 1 at least (p = 0 is the minimum); NaN and rounding above count mean the maximum.
    uint64_t rank = count;
    if (wanted < static_cast<double>(count))
        rank = std::max<uint64_t>(1, static_cast<uint64_t>(wanted));
    uint64_t seen = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
        seen += counts[i];
        if (seen >= rank) return std::min(latency_histogram::upper_bound_of(i), max_ns);
    }
    return max_ns;
}

std::vector<std::pair<int64_t, uint64_t>> latency_summary::buckets() const {
    std::vector<std::pair<int64_t, uint64_t>> out;
    for (size_t i = 0; i < counts.size(); ++i) {
        if (counts[i] != 0) out.emplace_back(latency_histogram::upper_bound_of(i), counts[i]);
    }
    return out;
}

}  // namespace wprun::engine
