// call_slot: exactly one of the worker and the watchdog settles an item, whoever is first.
#include "engine/policy/call_slot.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace wprun::engine {
namespace {

struct fake_item {
    int value = 0;
};

TEST(CallSlot, AQuickCallStaysTheWorkers) {
    call_slot<fake_item> s;
    fake_item it;
    s.arm(&it, 100);
    EXPECT_EQ(s.claim(150, 100), nullptr);  // not late yet
    EXPECT_TRUE(s.disarm());
    EXPECT_EQ(s.claim(1000, 100), nullptr);  // idle: nothing to claim
    EXPECT_FALSE(s.abandoned());
}

TEST(CallSlot, ALateCallIsClaimedAndItsWorkerLearnsIt) {
    call_slot<fake_item> s;
    fake_item it{7};
    s.arm(&it, 100);
    const fake_item* claimed = s.claim(201, 100);
    ASSERT_EQ(claimed, &it);
    EXPECT_EQ(claimed->value, 7);
    EXPECT_EQ(s.claim(300, 100), nullptr);  // claimed once only
    s.abandon();
    EXPECT_TRUE(s.abandoned());
    EXPECT_FALSE(s.disarm());  // the late return: the item is not the worker's any more
}

TEST(CallSlot, AnUnclaimedCallGoesBackToItsWorker) {
    call_slot<fake_item> s;
    fake_item it;
    s.arm(&it, 0);
    ASSERT_NE(s.claim(10, 5), nullptr);
    s.unclaim();
    EXPECT_TRUE(s.disarm());
    EXPECT_FALSE(s.abandoned());
}

// The worker returns while the watchdog claims: one of them wins, and the worker never goes on
// while the watchdog still reads the item (run under tsan to check the hand-over).
TEST(CallSlot, ARaceBetweenReturnAndClaimHasOneWinner) {
    for (int round = 0; round < 2000; ++round) {
        call_slot<fake_item> s;
        fake_item it{round};
        s.arm(&it, 0);
        std::atomic<int> settled{0};
        std::thread worker([&] {
            if (s.disarm()) {
                it.value = -1;  // the worker settles (writes) its item
                settled.fetch_add(1);
            }
        });
        if (const fake_item* c = s.claim(10, 5)) {
            EXPECT_EQ(c->value, round);  // stable while claimed
            settled.fetch_add(1);
            s.abandon();
        }
        worker.join();
        EXPECT_EQ(settled.load(), 1);
    }
}

}  // namespace
}  // namespace wprun::engine
