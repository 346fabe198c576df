#include "engine/stage_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace wprun::engine {
namespace {

std::vector<item> make_items(size_t n, size_t first = 0, size_t payload_size = 1) {
    std::vector<item> v(n);
    for (size_t i = 0; i < n; ++i) {
        v[i].seq = first + i;
        v[i].payload.assign(std::string(payload_size, 'x'));
    }
    return v;
}

TEST(StageQueue, PopsWhatWasPushedThenReportsEndWhenClosed) {
    stage_queue q(16, 0);
    stage_queue::producer p(q);
    stage_queue::consumer c(q);
    auto items = make_items(10);
    p.push(items.data(), items.size());
    q.producer_done();
    std::vector<item> out(32);
    size_t got = 0;
    while (size_t n = c.pop(out.data() + got, 32 - got)) got += n;
    EXPECT_EQ(got, 10u);
    EXPECT_EQ(c.pop(out.data(), 1), 0u);
}

TEST(StageQueue, ProducerBlocksAtCapacityAndHighWaterStaysWithinIt) {
    stage_queue q(8, 0);
    std::atomic<size_t> pushed{0};
    std::thread producer([&] {
        stage_queue::producer p(q);
        for (size_t i = 0; i < 100; ++i) {
            auto one = make_items(1, i);
            p.push(one.data(), 1);
            pushed = i + 1;
        }
        q.producer_done();
    });
    while (q.size_approx() < 8) std::this_thread::yield();
    EXPECT_LE(pushed.load(), 9u);  // blocked at capacity (one may be between wait and publish)
    stage_queue::consumer c(q);
    std::vector<item> out(4);
    size_t total = 0;
    while (size_t n = c.pop(out.data(), 4)) total += n;
    producer.join();
    EXPECT_EQ(total, 100u);
    EXPECT_LE(q.high_water(), 8u);
}

TEST(StageQueue, ByteBoundBlocksUntilConsumersFreeBytes) {
    stage_queue q(1000, 100);  // 100 bytes
    std::thread producer([&] {
        stage_queue::producer p(q);
        for (size_t i = 0; i < 50; ++i) {
            auto one = make_items(1, i, 40);
            p.push(one.data(), 1);
        }
        q.producer_done();
    });
    stage_queue::consumer c(q);
    std::vector<item> out(1);
    size_t total = 0;
    size_t max_bytes = 0;
    while (c.pop(out.data(), 1) == 1) {
        ++total;
        max_bytes = std::max(max_bytes, q.bytes_approx());
        std::this_thread::yield();
    }
    producer.join();
    EXPECT_EQ(total, 50u);
    EXPECT_LE(max_bytes, 100u);
}

TEST(StageQueue, ItemLargerThanByteBoundStillPassesWhenQueueIsEmpty) {
    stage_queue q(10, 10);
    stage_queue::producer p(q);
    auto big = make_items(1, 0, 1000);
    p.push(big.data(), 1);
    q.producer_done();
    stage_queue::consumer c(q);
    std::vector<item> out(1);
    ASSERT_EQ(c.pop(out.data(), 1), 1u);
    EXPECT_EQ(out[0].payload.size(), 1000u);
}

TEST(StageQueue, ManyProducersAndConsumersDeliverEveryItemExactlyOnce) {
    constexpr size_t producers = 4, consumers = 4, per_producer = 20000;
    stage_queue q(64, 0, producers);
    std::vector<std::thread> threads;
    for (size_t p = 0; p < producers; ++p)
        threads.emplace_back([&, p] {
            stage_queue::producer prod(q);
            for (size_t i = 0; i < per_producer; i += 10) {
                auto batch = make_items(10, p * per_producer + i);
                prod.push(batch.data(), batch.size());
            }
            q.producer_done();
        });
    std::vector<std::vector<uint64_t>> seen(consumers);
    for (size_t c = 0; c < consumers; ++c)
        threads.emplace_back([&, c] {
            stage_queue::consumer cons(q);
            std::vector<item> out(16);
            while (size_t n = cons.pop(out.data(), 16))
                for (size_t i = 0; i < n; ++i) seen[c].push_back(out[i].seq);
        });
    for (auto& t : threads) t.join();
    std::vector<uint64_t> all;
    for (auto& s : seen) all.insert(all.end(), s.begin(), s.end());
    std::sort(all.begin(), all.end());
    ASSERT_EQ(all.size(), producers * per_producer);
    for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], i);
    EXPECT_LE(q.high_water(), 64u);
}

TEST(StageQueue, ClosingWakesEveryWaitingConsumer) {
    stage_queue q(8, 0);
    std::vector<std::thread> consumers;
    std::atomic<int> finished{0};
    for (int i = 0; i < 6; ++i)
        consumers.emplace_back([&] {
            stage_queue::consumer c(q);
            std::vector<item> out(4);
            while (c.pop(out.data(), 4) > 0) {
            }
            ++finished;
        });
    q.producer_done();
    for (auto& t : consumers) t.join();
    EXPECT_EQ(finished.load(), 6);
}

TEST(StageQueue, PoppedSlotsGoBackToProducersAQuarterOfTheCapacityAtATime) {
    stage_queue q(8, 0);  // slots go back two at a time
    stage_queue::producer p(q);
    stage_queue::consumer c(q);
    auto items = make_items(8);
    p.push(items.data(), items.size());
    EXPECT_EQ(q.free_slots(), 0u);
    std::vector<item> out(8);
    ASSERT_EQ(c.pop(out.data(), 1), 1u);
    EXPECT_EQ(q.free_slots(), 0u);  // held back: a blocked producer would not wake for one
    ASSERT_EQ(c.pop(out.data(), 1), 1u);
    EXPECT_EQ(q.free_slots(), 2u);
    ASSERT_EQ(c.pop(out.data(), 3), 3u);
    EXPECT_EQ(q.free_slots(), 5u);  // a pop that crosses the mark hands back all it holds
}

TEST(StageQueue, ProducerBlockedOnAFullQueueGetsEverySlotBackOnceItDrains) {
    stage_queue q(8, 0);
    std::thread producer([&] {
        stage_queue::producer p(q);
        for (size_t i = 0; i < 1000; ++i) {
            auto one = make_items(1, i);
            p.push(one.data(), 1);
        }
        q.producer_done();
    });
    stage_queue::consumer c(q);
    std::vector<item> out(1);
    size_t total = 0;
    while (c.pop(out.data(), 1) == 1) ASSERT_EQ(out[0].seq, total++);  // one at a time: no hang
    producer.join();
    EXPECT_EQ(total, 1000u);
}

TEST(StageQueue, GatheringConsumerTakesWhatIsThereAfterItsLinger) {
    stage_queue q(16, 0);
    stage_queue::producer p(q);
    stage_queue::consumer c(q);
    auto items = make_items(2);
    p.push(items.data(), items.size());
    std::vector<item> out(16);
    EXPECT_EQ(c.pop_gathered(out.data(), 16, 8, 1), 2u);  // below the mark: waits 1 µs at most
}

TEST(StageQueue, GatheringConsumerIsWokenWhenItemsReachTheMark) {
    stage_queue q(1024, 0);
    std::atomic<bool> popped{false};
    std::thread consumer([&] {
        stage_queue::consumer c(q);
        std::vector<item> out(256);
        size_t got = 0;
        // A linger of an hour: only the producer reaching the mark can end the wait in time.
        // (A pop may see the count before the last item's permit: the mark shrinks with `got`.)
        while (got < 64)
            got += c.pop_gathered(out.data() + got, 256 - got, 64 - got, 3'600'000'000);
        popped = true;
    });
    stage_queue::producer p(q);
    for (size_t i = 0; i < 64; ++i) {
        auto one = make_items(1, i);
        p.push(one.data(), 1);
    }
    consumer.join();
    EXPECT_TRUE(popped.load());
}

TEST(StageQueue, GatheringConsumerIsWokenByTheClose) {
    stage_queue q(1024, 0);
    std::thread consumer([&] {
        stage_queue::consumer c(q);
        std::vector<item> out(256);
        while (c.pop_gathered(out.data(), 256, 64, 3'600'000'000) > 0) {
        }
    });
    stage_queue::producer p(q);
    auto items = make_items(3);
    p.push(items.data(), items.size());
    q.producer_done();
    consumer.join();  // would wait the hour without the close's wake-up
    EXPECT_TRUE(q.finished());
}

TEST(StageQueue, DirectDeliveryHandsPushedItemsToTheTakerAndConsumersSeeOnlyTheClose) {
    stage_queue q(4, 0);
    std::vector<uint64_t> taken;
    q.deliver_to([&](item* items, size_t n) {
        for (size_t i = 0; i < n; ++i) taken.push_back(items[i].seq);
    });
    stage_queue::producer p(q);
    auto items = make_items(10);  // more than the capacity: nothing is queued, nothing blocks
    p.push(items.data(), items.size());
    EXPECT_EQ(taken.size(), 10u);
    EXPECT_EQ(q.size_approx(), 0u);
    q.producer_done();
    stage_queue::consumer c(q);
    std::vector<item> out(4);
    EXPECT_EQ(c.pop(out.data(), 4), 0u);
    EXPECT_TRUE(q.finished());
}

}  // namespace
}  // namespace wprun::engine
