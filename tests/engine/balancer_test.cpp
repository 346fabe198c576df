// The balancer policy on its own: dealing in turn, least loaded, by key, and the steal victim.
#include "engine/policy/balancer.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "engine/item.h"

namespace wprun::engine {
namespace {

std::vector<item> keyed(const std::vector<std::string>& keys) {
    std::vector<item> items(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) items[i].set_key(keys[i]);
    return items;
}

std::vector<uint16_t> assign(const balancer& b,
                             const std::vector<item>& items,
                             balancer::cursor& c,
                             int64_t* loads = nullptr) {
    std::vector<uint16_t> lanes(items.size());
    b.assign(items.data(), items.size(), c, loads, lanes.data());
    return lanes;
}

TEST(Balancer, RoundRobinDealsInTurnAndGoesOnAcrossPushes) {
    balancer b(balance_strategy::round_robin, 3);
    balancer::cursor c;
    std::vector<item> items(4);
    EXPECT_EQ(assign(b, items, c), (std::vector<uint16_t>{0, 1, 2, 0}));
    EXPECT_EQ(assign(b, items, c), (std::vector<uint16_t>{1, 2, 0, 1}));
}

TEST(Balancer, StealDealsInTurnLikeRoundRobin) {
    balancer b(balance_strategy::steal, 2);
    balancer::cursor c{1};
    std::vector<item> items(3);
    EXPECT_EQ(assign(b, items, c), (std::vector<uint16_t>{1, 0, 1}));
}

TEST(Balancer, LeastLoadedFillsTheSmallestBacklogAndCountsWhatItDeals) {
    balancer b(balance_strategy::least_loaded, 3);
    ASSERT_TRUE(b.uses_loads());
    balancer::cursor c;
    std::array<int64_t, 3> loads{5, 1, 3};
    std::vector<item> items(5);
    // Lane 1 until it ties with lane 2 at 3 (a tie goes to the lower index), then by turns.
    EXPECT_EQ(assign(b, items, c, loads.data()), (std::vector<uint16_t>{1, 1, 1, 2, 1}));
    EXPECT_EQ(loads, (std::array<int64_t, 3>{5, 5, 4}));
}

TEST(Balancer, KeySendsEveryItemOfAKeyToOneLane) {
    balancer b(balance_strategy::key, 4);
    balancer::cursor c;
    auto lanes = assign(b, keyed({"a", "b", "a", "c", "b", "a"}), c);
    EXPECT_EQ(lanes[0], lanes[2]);
    EXPECT_EQ(lanes[0], lanes[5]);
    EXPECT_EQ(lanes[1], lanes[4]);
    for (uint16_t l : lanes) EXPECT_LT(l, 4u);
}

TEST(Balancer, KeySpreadsManyKeysOverEveryLane) {
    balancer b(balance_strategy::key, 4);
    balancer::cursor c;
    std::vector<std::string> keys;
    for (int i = 0; i < 400; ++i) keys.push_back("user" + std::to_string(i));
    std::array<int, 4> per_lane{};
    for (uint16_t l : assign(b, keyed(keys), c)) ++per_lane[l];
    for (int n : per_lane) EXPECT_GT(n, 50);  // 100 each if perfectly even
}

TEST(Balancer, KeyHashIsFnv1aSoLanesAreStableBetweenRuns) {
    EXPECT_EQ(balancer::key_hash(""), 0xcbf29ce484222325ULL);
    EXPECT_EQ(balancer::key_hash("a"), 0xaf63dc4c8601ec8cULL);
    EXPECT_EQ(balancer::key_hash("foobar"), 0x85944171f73967e8ULL);
}

TEST(Balancer, VictimIsTheBusiestOtherLane) {
    std::array<int64_t, 4> pending{9, 2, 7, 7};
    EXPECT_EQ(balancer::victim(pending.data(), 4, 0), 2u);  // itself excluded; tie: lower index
    EXPECT_EQ(balancer::victim(pending.data(), 4, 2), 0u);
}

TEST(Balancer, NoVictimWhenEveryOtherLaneIsEmpty) {
    std::array<int64_t, 3> pending{0, 5, -1};  // a count may dip below 0 for a moment
    EXPECT_FALSE(balancer::victim(pending.data(), 3, 1).has_value());
    EXPECT_EQ(balancer::victim(pending.data(), 3, 0), 1u);
}

TEST(Balancer, NamesRoundTrip) {
    for (auto s : {balance_strategy::shared, balance_strategy::round_robin,
                   balance_strategy::least_loaded, balance_strategy::key, balance_strategy::steal})
        EXPECT_EQ(parse_balance(balance_name(s)), s);
    EXPECT_FALSE(parse_balance("roundrobin").has_value());
}

TEST(Balancer, AtLeastOneLane) {
    balancer b(balance_strategy::round_robin, 0);
    EXPECT_EQ(b.lanes(), 1u);
}

}  // namespace
}  // namespace wprun::engine
