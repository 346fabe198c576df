#include "cli/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace wprun::cli {
namespace {

engine::run_report snapshot(uint64_t done, std::optional<uint64_t> total, double at) {
    engine::run_report r;
    r.totals.read = done;
    r.totals.written = done;
    r.total = total;
    r.wall_seconds = at;
    return r;
}

/// A FILE* whose text the test can read back.
class captured {
public:
    captured() : file_(open_memstream(&data_, &size_)) {}
    ~captured() {
        std::fclose(file_);
        std::free(data_);
    }
    std::FILE* file() { return file_; }
    std::string text() {
        std::fflush(file_);
        return std::string(data_, size_);
    }

private:
    char* data_ = nullptr;
    size_t size_ = 0;
    std::FILE* file_;
};

TEST(Progress, GroupsThousands) {
    EXPECT_EQ(grouped(0), "0");
    EXPECT_EQ(grouped(999), "999");
    EXPECT_EQ(grouped(1234), "1,234");
    EXPECT_EQ(grouped(1234567), "1,234,567");
}

TEST(Progress, ClockTextShowsMinutesAndHours) {
    EXPECT_EQ(clock_text(7), "0:07");
    EXPECT_EQ(clock_text(754), "12:34");
    EXPECT_EQ(clock_text(3723), "1:02:03");
}

TEST(Progress, KnownTotalShowsDoneTotalPercentRateAndEta) {
    progress p(stderr, "hash", true);
    p.line(snapshot(0, 12000, 0), 0);
    auto r = snapshot(2000, 12000, 2);
    r.totals.written = 1997;
    r.totals.failed = 3;
    EXPECT_EQ(p.line(r, 2), "hash  2,000/12,000 (16%)  1,000/s  ETA 0:10  failed 3");
}

TEST(Progress, UnknownTotalShowsCountRateAndElapsedTime) {
    progress p(stderr, "lines", true);
    p.line(snapshot(0, std::nullopt, 0), 0);
    EXPECT_EQ(p.line(snapshot(500, std::nullopt, 5), 5),
              "lines  500  100/s  elapsed 0:05  failed 0");
}

TEST(Progress, NoRateOrEtaBeforeTimeHasPassed) {
    progress p(stderr, "x", true);
    EXPECT_EQ(p.line(snapshot(0, 10, 0), 0), "x  0/10 (0%)  -/s  ETA -  failed 0");
    EXPECT_FALSE(p.rate().has_value());
}

TEST(Progress, RateFollowsTheLastFewSecondsOnly) {
    progress p(stderr, "x", true);
    for (int t = 0; t <= 10; ++t) p.line(snapshot(static_cast<uint64_t>(t) * 100, 100000, t), t);
    for (int t = 11; t <= 20; ++t)
        p.line(snapshot(1000 + static_cast<uint64_t>(t - 10) * 1000, 100000, t), t);
    ASSERT_TRUE(p.rate().has_value());
    EXPECT_NEAR(*p.rate(), 1000.0, 1e-9);
}

TEST(Progress, FanOutOutputsAreNotCountedAsSourceItems) {
    engine::ledger l;
    l.read = 10;
    l.spawned = 20;
    l.written = 25;
    EXPECT_EQ(items_done(l), 5u);
    l.written = 30;
    EXPECT_EQ(items_done(l), 10u);
}

TEST(Progress, TerminalLineIsRedrawnInPlaceAndClearedAtTheEnd) {
    captured out;
    progress p(out.file(), "x", true);
    p.update(snapshot(1, 10, 0), 0);
    p.update(snapshot(2, 10, 0.05), 0.05);  // too soon: not redrawn
    p.update(snapshot(5, 10, 0.5), 0.5);
    p.finish();
    std::string text = out.text();
    EXPECT_EQ(text.find('\n'), std::string::npos) << text;
    EXPECT_EQ(text.rfind("\r\x1b[K"), text.size() - 4);
    EXPECT_NE(text.find("\rx  1/10 (10%)"), std::string::npos) << text;
    EXPECT_EQ(text.find("2/10"), std::string::npos) << text;
    EXPECT_NE(text.find("\rx  5/10 (50%)"), std::string::npos) << text;
}

TEST(Progress, PlainModePrintsOneLineEveryFiveSeconds) {
    captured out;
    progress p(out.file(), "x", false);
    for (int t = 0; t <= 11; ++t) p.update(snapshot(static_cast<uint64_t>(t), 100, t), t);
    p.finish();
    std::string text = out.text();
    EXPECT_EQ(text,
              "wprun: x  5/100 (5%)  1/s  ETA 1:35  failed 0\n"
              "wprun: x  10/100 (10%)  1/s  ETA 1:30  failed 0\n");
}

}  // namespace
}  // namespace wprun::cli
