#include "io/joblog.h"

#include <gtest/gtest.h>

#include <fstream>

#include "io/null_sink.h"
#include "io/temp_dir.h"

namespace wprun::io {
namespace {

using testing::read_file;
using testing::temp_dir;

engine::completed_item sample() {
    engine::completed_item c;
    c.seq = 42;
    c.result = engine::outcome::failed;
    c.stage = "fetch";
    c.started_ns = 1'700'000'000'123'456'789;
    c.finished_ns = c.started_ns + 2'500'000'000;
    c.attempts = 3;
    c.message = "bad\tinput\nline \\ two";
    return c;
}

TEST(Joblog, LineHasTheSevenColumnsWithTheMessageEscaped) {
    EXPECT_EQ(joblog_line(sample()),
              "42\tfetch\t1700000000.123\t2.500\tfailed\t3\tbad\\tinput\\nline \\\\ two\n");
}

TEST(Joblog, UnstampedItemsHaveZeroTimes) {
    engine::completed_item c;
    c.seq = 1;
    c.stage = "sink";
    EXPECT_EQ(joblog_line(c), "1\tsink\t0.000\t0.000\twritten\t0\t\n");
}

TEST(Joblog, HeaderOnceThenLinesAppendedAcrossRuns) {
    temp_dir dir;
    null_sink out;
    null_error_sink errors;
    for (int run = 0; run < 2; ++run) {
        auto log = joblog::open(dir / "logs/job.tsv");
        log->completed(sample());
        log->checkpoint(out, errors, {true, false, true});
    }
    std::string line = joblog_line(sample());
    EXPECT_EQ(read_file(dir / "logs/job.tsv"), std::string(joblog::header) + line + line);
}

engine::seq_set committed(std::initializer_list<uint64_t> seqs) {
    engine::seq_set done;
    for (uint64_t s : seqs) done.insert(s);
    return done;
}

TEST(Joblog, CutBackKeepsTheHeaderAndOneLinePerCommittedSeq) {
    temp_dir dir;
    std::ofstream(dir / "job.tsv") << joblog::header << "1\tsink\t0\t0\twritten\t1\t\n"
                                   << "2\tsink\t0\t0\twritten\t1\t\n"
                                   << "3\tsink\t0\t0\tcancelled\t1\t\n"
                                   << "1\tsink\t9\t0\twritten\t1\t\n"
                                   << "not a job log line\n"
                                   << "2\tsink\t0\t0\twri";  // torn by a crash
    EXPECT_EQ(cut_back_joblog(dir / "job.tsv", committed({1, 2})), 4u);
    EXPECT_EQ(read_file(dir / "job.tsv"), std::string(joblog::header) +
                                              "1\tsink\t0\t0\twritten\t1\t\n" +
                                              "2\tsink\t0\t0\twritten\t1\t\n");
}

TEST(Joblog, CutBackToNothingCommittedLeavesTheHeader) {
    temp_dir dir;
    std::ofstream(dir / "job.tsv") << joblog::header << "5\tsink\t0\t0\twritten\t1\t\n";
    EXPECT_EQ(cut_back_joblog(dir / "job.tsv", engine::seq_set{}), 1u);
    EXPECT_EQ(read_file(dir / "job.tsv"), joblog::header);
}

TEST(Joblog, CutBackOfAMissingLogCreatesNothing) {
    temp_dir dir;
    EXPECT_EQ(cut_back_joblog(dir / "job.tsv", committed({1})), 0u);
    EXPECT_FALSE(std::filesystem::exists(dir / "job.tsv"));
}

TEST(Joblog, UnwritableFileIsAClearError) {
    try {
        joblog::open("/proc/wprun-no/job.tsv");
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("job log: cannot open '/proc/wprun-no/job.tsv'"),
                  std::string::npos);
    }
}

}  // namespace
}  // namespace wprun::io
