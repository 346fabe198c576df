#include "io/journal.h"

#include <gtest/gtest.h>

#include <fstream>

#include "io/temp_dir.h"

namespace wprun::io {
namespace {

using testing::read_file;
using testing::temp_dir;

/// A sink whose committed size the test sets.
class sized_sink : public engine::sink {
public:
    uint64_t bytes = 0;
    int commits = 0;
    void write(const engine::item&) override {}
    std::optional<uint64_t> commit() override {
        ++commits;
        return bytes;
    }
};

class sized_error_sink : public engine::error_sink {
public:
    std::optional<uint64_t> bytes;
    void write(const engine::failure&) override {}
    std::optional<uint64_t> commit() override { return bytes; }
};

engine::completed_item done(uint64_t seq, engine::outcome o = engine::outcome::written) {
    engine::completed_item c;
    c.seq = seq;
    c.result = o;
    return c;
}

class Journal : public ::testing::Test {
protected:
    std::unique_ptr<journal> start(journal::cadence every = {2, 1'000'000'000'000}) {
        return journal::start(dir.path() / "state", "fp1", 0, std::nullopt, every);
    }
    void append_raw(std::string_view text) {
        std::ofstream(dir.path() / "state" / "journal", std::ios::app) << text;
    }
    temp_dir dir;
    sized_sink out;
    sized_error_sink errors;
};

TEST_F(Journal, ReadsBackEveryCommitAndTheLastOffsets) {
    auto j = start();
    j->completed(done(0));
    j->completed(done(2, engine::outcome::failed));
    out.bytes = 10;
    errors.bytes = 5;
    j->checkpoint(out, errors, {});  // 2 pending: due
    j->completed(done(1, engine::outcome::filtered));
    out.bytes = 17;
    j->checkpoint(out, errors, {true, false, false});
    auto st = read_journal(dir.path() / "state");
    ASSERT_TRUE(st);
    EXPECT_EQ(st->fingerprint, "fp1");
    EXPECT_EQ(st->done.ranges(), (std::vector<std::pair<uint64_t, uint64_t>>{{0, 2}}));
    EXPECT_EQ(st->sink_bytes, 17u);
    EXPECT_EQ(st->errors_bytes, 5u);
    EXPECT_FALSE(st->finished);
    EXPECT_EQ(st->commits, 3u);  // the start's, and two
}

TEST_F(Journal, CommitsOnlyWhenEnoughItemsArePending) {
    auto j = start({3, 1'000'000'000'000});
    j->completed(done(0));
    j->checkpoint(out, errors, {});
    EXPECT_EQ(out.commits, 0);
    j->completed(done(1));
    j->completed(done(2));
    j->checkpoint(out, errors, {});
    EXPECT_EQ(out.commits, 1);
}

TEST_F(Journal, CancelledItemsAndEverythingAfterACancelAreNotCommitted) {
    auto j = start();
    j->completed(done(0, engine::outcome::cancelled));
    j->completed(done(1));
    j->checkpoint(out, errors, {false, true, false});
    j->completed(done(2));
    j->completed(done(3));
    j->checkpoint(out, errors, {true, false, true});
    auto st = read_journal(dir.path() / "state");
    EXPECT_TRUE(st->done.empty());
    EXPECT_FALSE(st->finished);
    EXPECT_EQ(out.commits, 0);
}

TEST_F(Journal, EndRecordMarksAFinishedRun) {
    auto j = start();
    j->completed(done(0));
    j->checkpoint(out, errors, {true, false, true});
    EXPECT_TRUE(read_journal(dir.path() / "state")->finished);
}

TEST_F(Journal, TornOrDamagedLastLineIsIgnoredAndCutOffOnResume) {
    auto j = start();
    j->completed(done(0));
    j->completed(done(1));
    out.bytes = 8;
    j->checkpoint(out, errors, {});
    j.reset();
    append_raw("c 99 - 2-5 0123");  // torn: no newline
    auto st = read_journal(dir.path() / "state");
    EXPECT_EQ(st->sink_bytes, 8u);
    EXPECT_EQ(st->done.size(), 2u);
    auto resumed = journal::resume(dir.path() / "state", *st, {1, 1'000'000'000'000});
    resumed->completed(done(7));
    out.bytes = 9;
    resumed->checkpoint(out, errors, {});
    resumed.reset();
    auto again = read_journal(dir.path() / "state");
    EXPECT_EQ(again->sink_bytes, 9u);
    EXPECT_TRUE(again->done.contains(7));
    EXPECT_FALSE(again->done.contains(3));
    append_raw("c 100 - 8 0000000000000000\n");  // whole, but the hash does not match
    EXPECT_EQ(read_journal(dir.path() / "state")->sink_bytes, 9u);
}

TEST_F(Journal, NoJournalIsNoState) { EXPECT_FALSE(read_journal(dir.path() / "none")); }

TEST_F(Journal, AFileThatIsNotAJournalIsRefused) {
    dir.write("state/journal", "hello\n");
    EXPECT_THROW(read_journal(dir.path() / "state"), std::runtime_error);
}

TEST(CutBackOutput, TruncatesToTheCommittedSizeAndMarksTheSpecResumed) {
    temp_dir dir;
    dir.write("out.txt", "0123456789");
    engine::io_spec spec;
    spec.type = "lines";
    spec.opts.set("path", "out.txt");
    cut_back_output(spec, dir.path(), 4);
    EXPECT_EQ(read_file(dir / "out.txt"), "0123");
    EXPECT_TRUE(spec.resume);
}

TEST(CutBackOutput, RefusesAFileShorterThanItsCommit) {
    temp_dir dir;
    dir.write("out.txt", "01");
    engine::io_spec spec;
    spec.opts.set("path", "out.txt");
    EXPECT_THROW(cut_back_output(spec, dir.path(), 4), std::runtime_error);
}

TEST(CutBackOutput, LeavesStandardOutputAlone) {
    engine::io_spec spec;
    spec.opts.set("path", "-");
    EXPECT_NO_THROW(cut_back_output(spec, "/nonexistent", 4));
    EXPECT_TRUE(output_target(spec, "/x").empty());
}

}  // namespace
}  // namespace wprun::io
