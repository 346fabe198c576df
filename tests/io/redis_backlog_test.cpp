#include "io/redis_backlog.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "engine/item.h"
#include "io/redis_sink.h"
#include "support/redis_server.h"

namespace wprun::io {
namespace {

using namespace std::chrono_literals;
using wprun::testing::redis_server;

TEST(Unit, BacklogPollingDoublesUpToItsCeiling) {
    EXPECT_EQ(next_poll(20ms, 1000ms), 40ms);
    EXPECT_EQ(next_poll(640ms, 1000ms), 1000ms);
    EXPECT_EQ(next_poll(1000ms, 1000ms), 1000ms);
}

class RedisBacklog : public ::testing::Test {
protected:
    void SetUp() override {
        if (!redis_server::available()) GTEST_SKIP() << wprun::testing::redis_missing;
        server_ = std::make_unique<redis_server>();
        link_ = std::make_unique<redis_link>(address());
    }
    redis_address address() const {
        redis_address a;
        a.port = server_->port();
        a.give_up_after = 200ms;
        return a;
    }
    void add(int n) {
        for (int i = 0; i < n; ++i) server_->run({"XADD", "work", "*", "payload", "x"});
    }
    /// What a worker does: reads `n` entries for consumer c of group g, acknowledges `acked`.
    void consume(size_t n, size_t acked) {
        redisReply* r = server_->run(
            {"XREADGROUP", "GROUP", "g", "c", "COUNT", std::to_string(n), "STREAMS", "work", ">"});
        ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
        std::vector<std::string> ids;
        redisReply* entries = r->element[0]->element[1];
        for (size_t i = 0; i < entries->elements && i < acked; ++i)
            ids.emplace_back(entries->element[i]->element[0]->str);
        for (const std::string& id : ids) server_->run({"XACK", "work", "g", id});
    }
    static engine::item item_of(const std::string& payload) {
        engine::item it;
        it.payload.assign(payload);
        return it;
    }
    std::unique_ptr<redis_server> server_;
    std::unique_ptr<redis_link> link_;
};

TEST_F(RedisBacklog, WithoutAGroupTheBacklogIsTheStreamsLength) {
    redis_backlog b("work", {.max = 100});
    EXPECT_EQ(b.measure(*link_), 0u);  // no stream yet
    add(7);
    EXPECT_EQ(b.measure(*link_), 7u);
}

TEST_F(RedisBacklog, WithAGroupAcknowledgedEntriesDoNotCount) {
    add(10);
    redis_backlog b("work", {.max = 100, .group = "g"});
    EXPECT_EQ(b.measure(*link_), 10u);  // the group does not exist yet: all of them wait
    server_->run({"XGROUP", "CREATE", "work", "g", "0"});
    consume(6, 4);  // 6 delivered, 4 of them acknowledged: 4 undelivered + 2 pending
    EXPECT_EQ(server_->integer({"XLEN", "work"}), 10);
    EXPECT_EQ(b.measure(*link_), 6u);
}

TEST_F(RedisBacklog, WhenTheServerCannotTellTheLagTheUndeliveredEntriesAreCounted) {
    add(10);
    server_->run({"XGROUP", "CREATE", "work", "g", "0"});
    consume(3, 3);
    // Deleting an entry not yet delivered leaves a hole the lag cannot be computed across.
    redisReply* r = server_->run({"XRANGE", "work", "-", "+", "COUNT", "5"});
    std::string fifth = r->element[4]->element[0]->str;
    server_->run({"XDEL", "work", fifth});
    redis_backlog b("work", {.max = 100, .group = "g"});
    EXPECT_EQ(b.measure(*link_), 6u);  // 9 left, 3 of them delivered and acknowledged
}

TEST_F(RedisBacklog, AFeederWithNoWorkerStopsAtTheLimitAndGoesOnAsAWorkerDrains) {
    server_->run({"XGROUP", "CREATE", "work", "g", "0", "MKSTREAM"});
    redis_sink_options o;
    o.where = address();
    o.stream = "work";
    o.batch = 64;
    o.backlog = {.max = 100, .group = "g", .poll = 10ms, .poll_max = 40ms};
    std::vector<long long> length_at_wait;
    int sleeps = 0;
    // The sink sleeps only while the backlog is at the limit: that is when a worker would drain;
    // here the "worker" runs in the sleep, so the test needs no thread and no clock.
    redis_sink sink(o, [&](std::chrono::milliseconds) {
        ++sleeps;
        length_at_wait.push_back(server_->integer({"XLEN", "work"}));
        if (sleeps % 3 == 0) consume(30, 30);  // a slow worker: every third poll, 30 entries
    });
    for (int i = 0; i < 1000; ++i) sink.write(item_of("p" + std::to_string(i)));
    sink.close();

    ASSERT_FALSE(length_at_wait.empty());
    EXPECT_EQ(length_at_wait.front(), 100);  // stopped exactly at the limit, no worker yet
    EXPECT_GT(sink.backlog().waits(), 1u);
    EXPECT_GT(sink.backlog().waited_seconds(), 0.0);
    EXPECT_NE(sink.summary().find("waited"), std::string::npos) << sink.summary();
    // Nothing lost, nothing twice: every payload once in the stream, in order.
    redisReply* all = server_->run({"XRANGE", "work", "-", "+"});
    ASSERT_EQ(all->elements, 1000u);
    for (size_t i = 0; i < all->elements; ++i)
        EXPECT_EQ(std::string(all->element[i]->element[1]->element[1]->str),
                  "p" + std::to_string(i));
}

TEST_F(RedisBacklog, TheBacklogNeverPassesTheLimit) {
    server_->run({"XGROUP", "CREATE", "work", "g", "0", "MKSTREAM"});
    redis_backlog b("work", {.max = 50, .group = "g", .poll = 1ms, .poll_max = 1ms},
                    [&](std::chrono::milliseconds) { consume(7, 7); });
    uint64_t added = 0;
    while (added < 500) {
        uint64_t room = b.wait_for_room(*link_);
        ASSERT_GE(room, 1u);
        add(static_cast<int>(room));
        added += room;
        ASSERT_LE(b.measure(*link_), 50u);
    }
}

TEST_F(RedisBacklog, MaxWaitFailsARunWhoseWorkersNeverCome) {
    add(5);
    redis_backlog b("work", {.max = 5, .poll = 10ms, .poll_max = 20ms, .max_wait = 100ms},
                    [](std::chrono::milliseconds) {});
    try {
        b.wait_for_room(*link_);
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("stayed at max_backlog 5"), std::string::npos) << what;
        EXPECT_NE(what.find("are the workers running?"), std::string::npos) << what;
    }
    EXPECT_EQ(b.waits(), 1u);
    EXPECT_NEAR(b.waited_seconds(), 0.11, 1e-9);  // 10 + 5 * 20 ms: counted, not measured
}

}  // namespace
}  // namespace wprun::io
