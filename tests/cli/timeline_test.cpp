#include "cli/timeline.h"

#include <gtest/gtest.h>

namespace wprun::cli {
namespace {

engine::run_report at(double seconds, uint64_t out = 0) {
    engine::run_report r;
    r.wall_seconds = seconds;
    engine::stage_report s;
    s.name = "s";
    s.running = 3;  // the timeline follows the workers running now, not the most seen
    s.counts.out = out;
    s.queue_depth = 7;
    r.stages.push_back(s);
    return r;
}

TEST(Timeline, KeepsEveryTickUntilFull) {
    timeline t(10);
    for (int i = 0; i < 10; ++i) t.record(at(i * 0.05));
    EXPECT_EQ(t.points().size(), 10u);
    EXPECT_EQ(t.interval(), 0);
}

TEST(Timeline, PointsCarryCumulativeCountsQueueDepthAndWorkers) {
    timeline t;
    t.record(at(0.5, 42));
    ASSERT_EQ(t.points().size(), 1u);
    const stage_sample& s = t.points()[0].stages.at(0);
    EXPECT_EQ(s.out, 42u);
    EXPECT_EQ(s.queue_depth, 7u);
    EXPECT_EQ(s.workers, 3u);
    EXPECT_DOUBLE_EQ(t.points()[0].at_seconds, 0.5);
}

TEST(Timeline, StaysBoundedOnALongRunAndKeepsAnEvenSpread) {
    timeline t(600);
    for (int i = 0; i < 100000; ++i) t.record(at(i * 0.05));
    const auto& p = t.points();
    EXPECT_LE(p.size(), 600u);
    EXPECT_GE(p.size(), 300u);
    EXPECT_DOUBLE_EQ(p.front().at_seconds, 0);
    EXPECT_GT(p.back().at_seconds, 0.9 * 100000 * 0.05);
    for (size_t i = 1; i < p.size(); ++i)  // one point per interval, give or take a tick
        EXPECT_NEAR(p[i].at_seconds - p[i - 1].at_seconds, t.interval(), 0.051) << i;
}

TEST(Timeline, TicksAllAtOneMomentStillStayBounded) {
    timeline t(8);
    for (int i = 0; i < 100; ++i) t.record(at(0));
    EXPECT_LE(t.points().size(), 8u);
}

TEST(Timeline, FinishKeepsTheFinalReportEvenBetweenIntervals) {
    timeline t(4);
    for (int i = 0; i < 10; ++i) t.record(at(i));
    t.finish(at(9.5, 99));
    EXPECT_DOUBLE_EQ(t.points().back().at_seconds, 9.5);
    EXPECT_EQ(t.points().back().stages[0].out, 99u);
    EXPECT_LE(t.points().size(), 4u);
}

TEST(Timeline, FinishReplacesAPointTakenAtTheSameTime) {
    timeline t;
    t.record(at(1, 5));
    t.finish(at(1, 6));
    ASSERT_EQ(t.points().size(), 1u);
    EXPECT_EQ(t.points()[0].stages[0].out, 6u);
}

}  // namespace
}  // namespace wprun::cli
