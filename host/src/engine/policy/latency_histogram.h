// latency_histogram: per-worker call latencies, for percentiles in the report.
//
// Log-linear buckets (like HdrHistogram with 3 significant bits): 8 sub-buckets per power of two
// from 1 ns to ~292 years, so any percentile is within 12.5% of the true value, in a fixed 4 KiB.
// One writer (its worker) records with relaxed atomic stores — no lock, no allocation — and any
// thread may read a consistent-enough snapshot while it runs; the report merges the workers'.
// Thread-safety: `record` from one thread; reads and `merge_into` from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <utility>
#include <vector>

namespace wprun::engine {

/// A plain (non-atomic) summary, merged from several histograms.
struct latency_summary {
    std::array<uint64_t, 512> counts{};
    uint64_t count = 0;
    int64_t max_ns = 0;
    int64_t sum_ns = 0;

    /// The value at or below which `p` (0..1) of the samples fall; 0 when empty.
    int64_t percentile(double p) const noexcept;
    /// Non-empty buckets as (upper bound in ns, count), for charts.
    std::vector<std::pair<int64_t, uint64_t>> buckets() const;
};

class latency_histogram {
public:
    void record(int64_t ns) noexcept;
    /// Records `times` samples of the same value at once (a batch's calls at its average).
    void record(int64_t ns, uint64_t times) noexcept;
    /// Adds this histogram's samples to `out`.
    void merge_into(latency_summary& out) const noexcept;
    /// Samples recorded so far, without a merge (for live progress).
    uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }

    static size_t bucket_of(int64_t ns) noexcept;
    static int64_t upper_bound_of(size_t bucket) noexcept;

private:
    std::array<std::atomic<uint64_t>, 512> counts_{};
    std::atomic<uint64_t> count_{0};
    std::atomic<int64_t> max_ns_{0};
    std::atomic<int64_t> sum_ns_{0};
};

}  // namespace wprun::engine
