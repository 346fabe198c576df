#include "engine/reorder_window.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wprun::engine {
namespace {

item part(uint64_t seq, std::string payload, uint64_t weight = full_weight, std::string path = {}) {
    item it;
    it.seq = seq;
    it.weight = weight;
    it.payload.assign(payload);
    if (!path.empty()) it.ensure_extra().path = path;
    return it;
}

std::vector<std::string> release_all(reorder_window& w) {
    std::vector<std::string> out;
    w.release([&](const item& it) { out.push_back(it.payload.str()); });
    return out;
}

TEST(ReorderWindow, ReleasesInSourceOrderWhateverTheArrivalOrder) {
    reorder_window w(8);
    w.add(part(2, "c"));
    w.add(part(1, "b"));
    EXPECT_TRUE(release_all(w).empty());
    w.add(part(0, "a"));
    EXPECT_EQ(release_all(w), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(w.next_seq(), 3u);
}

TEST(ReorderWindow, FilteredAndFailedMarkersCompleteTheirItemSoLaterOnesFlow) {
    reorder_window w(8);
    w.add(part(1, "b"));
    w.complete(0, full_weight);
    EXPECT_EQ(release_all(w), (std::vector<std::string>{"b"}));
}

TEST(ReorderWindow, FanOutPartsWaitForTheWholeWeightAndComeOutInPathOrder) {
    reorder_window w(8);
    uint64_t third = full_weight / 3;
    w.add(part(0, "0.2", third, std::string("\0\0\0\2", 4)));
    w.add(part(0, "0.0", third + full_weight % 3, std::string("\0\0\0\0", 4)));
    EXPECT_TRUE(release_all(w).empty());
    w.add(part(0, "0.1", third, std::string("\0\0\0\1", 4)));
    EXPECT_EQ(release_all(w), (std::vector<std::string>{"0.0", "0.1", "0.2"}));
}

TEST(ReorderWindow, CountsOutputsOfItemsThatNeverCompleted) {
    reorder_window w(8);
    w.add(part(1, "b"));
    w.add(part(2, "c"));
    release_all(w);
    EXPECT_EQ(w.unfinished(), 2u);
}

TEST(ReorderWindow, RefusesAnItemBeyondTheWindow) {
    reorder_window w(4);
    EXPECT_THROW(w.add(part(4, "x")), std::logic_error);
}

}  // namespace
}  // namespace wprun::engine
