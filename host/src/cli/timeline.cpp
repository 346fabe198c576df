#include "cli/timeline.h"

#include <algorithm>
#include <cmath>

namespace wprun::cli {
namespace {

constexpr double min_interval = 0.001;  // the engine ticks at most every millisecond

timeline_point point_of(const engine::run_report& r) {
    timeline_point p;
    p.at_seconds = r.wall_seconds;
    p.read = r.totals.read;
    p.written = r.totals.written;
    for (const engine::stage_report& s : r.stages)
        p.stages.push_back({s.counts.in, s.counts.out, s.counts.failed, s.queue_depth, s.running});
    return p;
}

}  // namespace

timeline::timeline(size_t max_points) : max_points_(std::max<size_t>(max_points, 4)) {}

void timeline::record(const engine::run_report& r) {
    bool same_slot = !points_.empty() && slot(r.wall_seconds) == slot(points_.back().at_seconds);
    if (interval_ > 0 && same_slot) return;
    append(r);
}

void timeline::finish(const engine::run_report& r) {
    if (!points_.empty() && points_.back().at_seconds >= r.wall_seconds) points_.pop_back();
    append(r);
}

void timeline::append(const engine::run_report& r) {
    if (points_.size() >= max_points_) compact();
    points_.push_back(point_of(r));
}

void timeline::compact() {
    if (interval_ == 0) {
        double span = points_.back().at_seconds - points_.front().at_seconds;
        interval_ = std::max(span / static_cast<double>(points_.size() - 1), min_interval);
    }
    while (points_.size() >= max_points_) {
        interval_ *= 2;
        thin();
    }
}

void timeline::thin() {
    // Keep the first point of each slot: slots of the doubled interval are unions of two old
    // ones, so the spread stays even.
    size_t kept = 1;
    for (size_t i = 1; i < points_.size(); ++i) {
        if (slot(points_[i].at_seconds) == slot(points_[kept - 1].at_seconds)) continue;
        points_[kept++] = std::move(points_[i]);
    }
    points_.resize(kept);
}

int64_t timeline::slot(double at_seconds) const noexcept {
    return interval_ > 0 ? static_cast<int64_t>(std::floor(at_seconds / interval_)) : -1;
}

}  // namespace wprun::cli
