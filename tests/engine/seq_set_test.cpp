#include "engine/seq_set.h"

#include <gtest/gtest.h>

namespace wprun::engine {
namespace {

using ranges = std::vector<std::pair<uint64_t, uint64_t>>;

TEST(SeqSet, MergesTouchingAndOverlappingRanges) {
    seq_set s;
    s.insert(10, 12);
    s.insert(0, 3);
    s.insert(4);
    s.insert(20, 25);
    s.insert(11, 21);
    EXPECT_EQ(s.ranges(), (ranges{{0, 4}, {10, 25}}));
    EXPECT_EQ(s.size(), 21u);
}

TEST(SeqSet, ContainsOnlyItsSeqs) {
    seq_set s;
    s.insert(5, 7);
    s.insert(9);
    EXPECT_FALSE(s.contains(4));
    EXPECT_TRUE(s.contains(5));
    EXPECT_TRUE(s.contains(7));
    EXPECT_FALSE(s.contains(8));
    EXPECT_TRUE(s.contains(9));
    EXPECT_FALSE(s.contains(10));
}

TEST(SeqSet, PrefixEndIsTheFirstMissingSeqAfterAnUnbrokenStart) {
    seq_set s;
    EXPECT_EQ(s.prefix_end(), 0u);
    s.insert(1, 5);
    EXPECT_EQ(s.prefix_end(), 0u);
    s.insert(0);
    EXPECT_EQ(s.prefix_end(), 6u);
    s.insert(8, 9);
    EXPECT_EQ(s.prefix_end(), 6u);
}

TEST(SeqSet, CursorAnswersIncreasingSeqsLikeContains) {
    seq_set s;
    s.insert(2, 3);
    s.insert(7);
    s.insert(100, 200);
    seq_set::cursor c(s);
    for (uint64_t seq = 0; seq < 300; ++seq) EXPECT_EQ(c.contains(seq), s.contains(seq)) << seq;
}

TEST(SeqSet, RangesOfSortedSeqsAreMaximal) {
    EXPECT_EQ(ranges_of({1, 2, 3, 3, 5, 7, 8}), (ranges{{1, 3}, {5, 5}, {7, 8}}));
    EXPECT_TRUE(ranges_of({}).empty());
}

}  // namespace
}  // namespace wprun::engine
