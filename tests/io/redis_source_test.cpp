#include "io/redis_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "io/null_sink.h"
#include "support/redis_server.h"

namespace wprun::io {
namespace {

using wprun::testing::redis_server;

class RedisSource : public ::testing::Test {
protected:
    void SetUp() override {
        if (!redis_server::available()) GTEST_SKIP() << wprun::testing::redis_missing;
        server_ = std::make_unique<redis_server>();
    }
    redis_source_options options(const std::string& consumer = "me") {
        redis_source_options o;
        o.where.port = server_->port();
        o.where.give_up_after = std::chrono::milliseconds(200);
        o.stream = "work";
        o.consumer = consumer;
        o.block = std::chrono::milliseconds(20);
        return o;
    }
    void add(int n, const std::string& prefix = "i") {
        for (int i = 0; i < n; ++i)
            server_->run({"XADD", "work", "*", "payload", prefix + std::to_string(i)});
    }
    /// Reads everything up to the end; returns the items.
    static std::vector<engine::item> drain(redis_source& src) {
        std::vector<engine::item> all;
        for (;;) {
            std::vector<engine::item> batch(64);
            size_t n = src.read(batch.data(), batch.size());
            if (n == 0) return all;
            for (size_t i = 0; i < n; ++i) all.push_back(std::move(batch[i]));
        }
    }
    /// Reads everything up to the end as the pipeline does, finishing each batch at once (the
    /// source hands out a redelivered entry only after the one before was acknowledged); the
    /// last checkpoint acknowledges the rest.
    std::vector<engine::item> drain_finishing(redis_source& src) {
        std::vector<engine::item> all;
        engine::item_log* log = src.completion_log();
        for (;;) {
            std::vector<engine::item> batch(64);
            size_t n = src.read(batch.data(), batch.size());
            for (size_t i = 0; i < n; ++i) {
                bool failed = batch[i].kind == engine::item_kind::failed;
                log->completed(
                    {all.size(), failed ? engine::outcome::failed : engine::outcome::written});
                all.push_back(std::move(batch[i]));
            }
            log->checkpoint(sink_, errors_, {n == 0, false, n == 0});
            if (n == 0) return all;
        }
    }
    /// The delivery count of entry `id`.
    long long deliveries(const std::string& id) {
        return server_->run({"XPENDING", "work", "wprun", id, id, "1"})
            ->element[0]
            ->element[3]
            ->integer;
    }
    /// Tells the source's completion log that items [first, first + n) ended as `how`.
    void complete(redis_source& src,
                  uint64_t first,
                  size_t n,
                  engine::outcome how = engine::outcome::written) {
        engine::item_log* log = src.completion_log();
        for (uint64_t s = first; s < first + n; ++s) log->completed({s, how});
        log->checkpoint(sink_, errors_, {true, false, true});
    }
    long long pending() { return server_->run({"XPENDING", "work", "wprun"})->element[0]->integer; }
    /// Reads `src` to the end on this thread while another thread, as the pipeline's sink thread
    /// would, reports every item read so far as written and checkpoints: the items read.
    uint64_t read_with_a_sink_thread(redis_source& src) {
        std::atomic<uint64_t> read_so_far{0};
        std::atomic<bool> done{false};
        std::thread sink_thread([&] {
            uint64_t ended = 0;
            engine::item_log* log = src.completion_log();
            for (bool last = false; !last;) {
                last = done.load();
                uint64_t upto = read_so_far.load();
                for (; ended < upto; ++ended) log->completed({ended, engine::outcome::written});
                log->checkpoint(sink_, errors_, {last, false, last});
                std::this_thread::yield();
            }
        });
        for (;;) {
            std::vector<engine::item> batch(100);
            size_t n = src.read(batch.data(), batch.size());
            if (n == 0) break;
            read_so_far += n;
        }
        done = true;
        sink_thread.join();
        return read_so_far.load();
    }

    std::unique_ptr<redis_server> server_;
    null_sink sink_;
    null_error_sink errors_;
};

TEST_F(RedisSource, HandsOutEntriesAsItemsAndEndsWhenNothingIsLeft) {
    add(300);
    server_->run({"XADD", "work", "*", "payload", "with key", "key", "k1"});
    redis_source src(options());
    auto items = drain(src);
    ASSERT_EQ(items.size(), 301u);
    EXPECT_EQ(items[0].payload.str(), "i0");
    EXPECT_EQ(items[299].payload.str(), "i299");
    EXPECT_EQ(items[300].key(), "k1");
    EXPECT_EQ(pending(), 301);  // nothing acknowledged before its item ended
}

TEST_F(RedisSource, AcknowledgesOnlyItemsThatEnded) {
    add(100);
    redis_source src(options());
    ASSERT_EQ(drain(src).size(), 100u);
    complete(src, 0, 60);
    complete(src, 60, 10, engine::outcome::failed);
    complete(src, 70, 10, engine::outcome::filtered);
    EXPECT_EQ(pending(), 20);
    complete(src, 80, 20, engine::outcome::cancelled);  // cancelled: delivered again later
    EXPECT_EQ(pending(), 20);
    EXPECT_EQ(src.acknowledged(), 80u);
}

TEST_F(RedisSource, ReadingAndAcknowledgingOnTwoThreadsLosesNothing) {
    add(3000);
    auto o = options();
    o.ack_every = std::chrono::milliseconds(0);
    redis_source src(o);
    EXPECT_EQ(read_with_a_sink_thread(src), 3000u);
    EXPECT_EQ(src.acknowledged(), 3000u);
    EXPECT_EQ(pending(), 0);
}

TEST_F(RedisSource, RedeliveredEntriesWaitForTheSinkThreadsAcknowledgementOneByOne) {
    add(150);
    server_->run({"XGROUP", "CREATE", "work", "wprun", "0"});
    server_->run({"XREADGROUP", "GROUP", "wprun", "me", "COUNT", "50", "STREAMS", "work", ">"});
    redis_source src(options("me"));  // ack_every 100 ms: the suspects are acknowledged at once
    EXPECT_EQ(read_with_a_sink_thread(src), 150u);
    EXPECT_EQ(src.redelivered(), 50u);
    EXPECT_EQ(src.acknowledged(), 150u);
    EXPECT_EQ(pending(), 0);
}

TEST_F(RedisSource, AnEntryWithoutTheFieldIsAFailedItem) {
    server_->run({"XADD", "work", "*", "other", "x"});
    redis_source src(options());
    auto items = drain(src);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].kind, engine::item_kind::failed);
    EXPECT_NE(items[0].error().find("has no field 'payload'"), std::string::npos);
}

TEST_F(RedisSource, TwoConsumersSplitTheStreamWithNothingTwice) {
    add(1000);
    redis_source a(options("a")), b(options("b"));
    std::multiset<std::string> seen;
    std::map<redis_source*, uint64_t> next_seq;
    // Each takes a batch in turn and finishes it at once (acknowledged), as two processes would.
    for (bool more = true; more;) {
        more = false;
        for (redis_source* s : {&a, &b}) {
            std::vector<engine::item> batch(100);
            size_t n = s->read(batch.data(), batch.size());
            more = more || n > 0;
            for (size_t i = 0; i < n; ++i) seen.insert(batch[i].payload.str());
            complete(*s, next_seq[s], n);
            next_seq[s] += n;
        }
    }
    EXPECT_GT(next_seq[&a], 0u);
    EXPECT_GT(next_seq[&b], 0u);
    EXPECT_EQ(seen.size(), 1000u);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 1000u);
}

TEST_F(RedisSource, WaitsWhileAnotherConsumerHoldsPendingEntriesThenTakesThemOver) {
    add(50);
    // A consumer that takes 50 entries and dies before acknowledging them.
    server_->run({"XGROUP", "CREATE", "work", "wprun", "0"});
    server_->run({"XREADGROUP", "GROUP", "wprun", "dead", "COUNT", "50", "STREAMS", "work", ">"});
    auto o = options();
    o.claim_idle = std::chrono::milliseconds(50);
    redis_source src(o);
    auto items = drain_finishing(src);  // ends once the dead consumer's entries were taken over
    ASSERT_EQ(items.size(), 50u);
    EXPECT_EQ(src.redelivered(), 50u);
    EXPECT_EQ(pending(), 0);
    EXPECT_NE(src.summary().find("50 entr(ies) redelivered"), std::string::npos) << src.summary();
}

TEST_F(RedisSource, ItsOwnPendingEntriesAreHandedOutAtOnceNotAfterClaimIdle) {
    add(30);
    // An earlier process named "me" (or a read whose reply was lost) left 20 entries pending
    // with "me": the source reads them again first, without waiting for claim_idle (60 s).
    server_->run({"XGROUP", "CREATE", "work", "wprun", "0"});
    server_->run({"XREADGROUP", "GROUP", "wprun", "me", "COUNT", "20", "STREAMS", "work", ">"});
    redis_source src(options("me"));
    auto items = drain_finishing(src);
    ASSERT_EQ(items.size(), 30u);
    EXPECT_EQ(items[0].payload.str(), "i0");
    EXPECT_EQ(items[29].payload.str(), "i29");
    EXPECT_EQ(src.redelivered(), 20u);
    EXPECT_EQ(pending(), 0);
}

TEST_F(RedisSource, RedeliveredEntriesGoOneAtATimeSoACrashCountsOnlyAgainstItsCause) {
    add(3);
    server_->run({"XGROUP", "CREATE", "work", "wprun", "0"});
    redisReply* r =
        server_->run({"XREADGROUP", "GROUP", "wprun", "me", "COUNT", "3", "STREAMS", "work", ">"});
    std::vector<std::string> ids;
    for (size_t i = 0; i < 3; ++i)
        ids.emplace_back(r->element[0]->element[1]->element[i]->element[0]->str);
    redis_source src(options("me"));
    std::vector<engine::item> batch(64);
    ASSERT_EQ(src.read(batch.data(), batch.size()), 1u);  // one at a time
    EXPECT_EQ(batch[0].payload.str(), "i0");
    // Had the process died now, only i0 would have one more delivery against it.
    EXPECT_EQ(deliveries(ids[0]), 2);
    EXPECT_EQ(deliveries(ids[1]), 1);
    EXPECT_EQ(deliveries(ids[2]), 1);
    // Once i0 ended (and was acknowledged at once, without waiting for ack_every), the next.
    src.completion_log()->completed({0, engine::outcome::written});
    src.completion_log()->checkpoint(sink_, errors_, {false, false, false});
    EXPECT_EQ(src.acknowledged(), 1u);
    ASSERT_EQ(src.read(batch.data(), batch.size()), 1u);
    EXPECT_EQ(batch[0].payload.str(), "i1");
    EXPECT_EQ(deliveries(ids[2]), 1);
}

TEST_F(RedisSource, AfterAReconnectEntriesInFlightAreNotHandedOutTwice) {
    add(10);
    redis_source src(options("me"));
    std::vector<engine::item> batch(10);
    ASSERT_EQ(src.read(batch.data(), batch.size()), 10u);  // in flight, not acknowledged
    server_->run({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});  // drops the source's link
    add(5, "j");
    auto rest = drain(src);
    ASSERT_EQ(rest.size(), 5u);  // the 10 in flight are ours, not lost: not handed out again
    EXPECT_EQ(rest[0].payload.str(), "j0");
    EXPECT_EQ(src.redelivered(), 0u);
    EXPECT_EQ(src.figures()[3], (figure{"reconnects", 1.0}));
}

TEST_F(RedisSource, AStopRequestEndsTheWaitForAnotherConsumersEntries) {
    add(5);
    server_->run({"XGROUP", "CREATE", "work", "wprun", "0"});
    server_->run({"XREADGROUP", "GROUP", "wprun", "busy", "COUNT", "5", "STREAMS", "work", ">"});
    redis_source src(options());  // claim_idle 60s: it would wait for "busy" to finish
    std::vector<engine::item> items;
    std::thread reader([&] { items = drain(src); });
    src.request_stop();  // as the pipeline does on Ctrl-C
    reader.join();
    EXPECT_TRUE(items.empty());
    EXPECT_EQ(pending(), 5);  // still "busy"'s
}

TEST_F(RedisSource, APoisonEntryGoesToTheErrorOutputAfterMaxDeliveries) {
    add(2);
    server_->run({"XGROUP", "CREATE", "work", "wprun", "0"});
    redisReply* r = server_->run(
        {"XREADGROUP", "GROUP", "wprun", "dead", "COUNT", "1", "STREAMS", "work", ">"});
    std::string poison(r->element[0]->element[1]->element[0]->element[0]->str);
    // Delivered (and crashed on) 3 times already.
    server_->run({"XCLAIM", "work", "wprun", "dead", "0", poison, "RETRYCOUNT", "3"});
    auto o = options();
    o.claim_idle = std::chrono::milliseconds(1);
    o.max_deliveries = 3;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // idle past claim_idle
    redis_source src(o);
    auto items = drain_finishing(src);
    ASSERT_EQ(items.size(), 2u);
    size_t failed = 0;
    for (const auto& it : items)
        if (it.kind == engine::item_kind::failed) {
            ++failed;
            EXPECT_NE(it.error().find("delivered 4 times (max_deliveries 3): given up"),
                      std::string::npos)
                << it.error();
            EXPECT_EQ(it.payload.str(), "i0");
        }
    EXPECT_EQ(failed, 1u);
    EXPECT_EQ(pending(), 0);
}

TEST_F(RedisSource, ANewGroupStartingAtDollarSkipsOldEntries) {
    add(10);
    auto o = options();
    o.start = "$";
    redis_source src(o);
    EXPECT_TRUE(drain(src).empty());
}

TEST_F(RedisSource, KeepsReadingAcrossAServerRestart) {
    auto o = options();
    o.where.give_up_after = std::chrono::seconds(20);
    add(5);
    redis_source src(o);
    EXPECT_EQ(drain(src).size(), 5u);
    server_->stop();
    server_->start();  // empty again: the group must be there for the source to go on
    server_->run({"XGROUP", "CREATE", "work", "wprun", "0", "MKSTREAM"});
    add(3);
    EXPECT_EQ(drain(src).size(), 3u);
}

}  // namespace
}  // namespace wprun::io
