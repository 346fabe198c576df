// timeline: a run's per-stage counters over time, for the report's charts.
//
// Fed with the engine's tick snapshots, it keeps cumulative counters (so rates can be derived at
// any spacing) and the momentary queue depth and worker count. Memory is bounded: at most
// `max_points` points; when full, the sampling interval doubles and only the first point of
// each interval is kept (about every other one), so a long run keeps an even spread.
// Not thread-safe: feed it from one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/report.h"

namespace wprun::cli {

/// One stage at one moment. `in`, `out` and `failed` are cumulative.
struct stage_sample {
    uint64_t in = 0, out = 0, failed = 0;
    size_t queue_depth = 0;
    unsigned workers = 0;
};

struct timeline_point {
    double at_seconds = 0;             ///< since the run started
    uint64_t read = 0, written = 0;    ///< cumulative
    std::vector<stage_sample> stages;  ///< in the order of run_report::stages
};

class timeline {
public:
    explicit timeline(size_t max_points = 600);

    /// Keeps `r` when at least `interval` has passed since the last kept point.
    void record(const engine::run_report& r);
    /// Keeps `r` whatever the interval (the final report), replacing a point at the same time.
    void finish(const engine::run_report& r);

    const std::vector<timeline_point>& points() const noexcept { return points_; }
    /// Seconds between kept points (0 until the first compaction: every tick is kept).
    double interval() const noexcept { return interval_; }

private:
    void append(const engine::run_report& r);
    void compact();
    void thin();
    /// Which interval `at_seconds` falls in; -1 while every tick is kept.
    int64_t slot(double at_seconds) const noexcept;

    size_t max_points_;
    double interval_ = 0;
    std::vector<timeline_point> points_;
};

}  // namespace wprun::cli
