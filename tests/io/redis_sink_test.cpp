#include "io/redis_sink.h"

#include <gtest/gtest.h>

#include <string>

#include "detail/error.h"
#include "engine/item.h"
#include "io/factory.h"
#include "support/redis_server.h"

namespace wprun::io {
namespace {

using wprun::testing::redis_server;

class RedisSink : public ::testing::Test {
protected:
    void SetUp() override {
        if (!redis_server::available()) GTEST_SKIP() << wprun::testing::redis_missing;
        server_ = std::make_unique<redis_server>();
    }
    redis_sink_options options(std::string stream = "out") {
        redis_sink_options o;
        o.where.port = server_->port();
        o.where.give_up_after = std::chrono::milliseconds(200);
        o.stream = std::move(stream);
        return o;
    }
    static engine::item item_of(const std::string& payload, const std::string& key = "") {
        engine::item it;
        it.payload.assign(payload);
        it.set_key(key);
        return it;
    }
    std::unique_ptr<redis_server> server_;
};

TEST_F(RedisSink, AddsEachOutputAsOneEntryInOrder) {
    redis_sink sink(options());
    for (int i = 0; i < 1000; ++i) sink.write(item_of("p" + std::to_string(i)));
    sink.close();
    ASSERT_EQ(server_->integer({"XLEN", "out"}), 1000);
    redisReply* r = server_->run({"XRANGE", "out", "-", "+", "COUNT", "2"});
    ASSERT_EQ(r->elements, 2u);
    redisReply* fields = r->element[1]->element[1];
    ASSERT_EQ(fields->elements, 2u);
    EXPECT_EQ(std::string(fields->element[0]->str), "payload");
    EXPECT_EQ(std::string(fields->element[1]->str), "p1");
}

TEST_F(RedisSink, WritesTheKeyAndTheChosenField) {
    auto o = options();
    o.field = "body";
    redis_sink sink(o);
    sink.write(item_of("hello", "k1"));
    sink.commit();
    redisReply* r = server_->run({"XRANGE", "out", "-", "+"});
    ASSERT_EQ(r->elements, 1u);
    redisReply* fields = r->element[0]->element[1];
    ASSERT_EQ(fields->elements, 4u);
    EXPECT_EQ(std::string(fields->element[0]->str), "body");
    EXPECT_EQ(std::string(fields->element[1]->str), "hello");
    EXPECT_EQ(std::string(fields->element[2]->str), "key");
    EXPECT_EQ(std::string(fields->element[3]->str), "k1");
}

TEST_F(RedisSink, NothingIsSentBeforeABatchFillsOrACommit) {
    auto o = options();
    o.batch = 10;
    redis_sink sink(o);
    for (int i = 0; i < 9; ++i) sink.write(item_of("x"));
    EXPECT_EQ(server_->integer({"XLEN", "out"}), 0);
    sink.write(item_of("x"));
    EXPECT_EQ(server_->integer({"XLEN", "out"}), 10);
    sink.write(item_of("x"));
    sink.commit();
    EXPECT_EQ(server_->integer({"XLEN", "out"}), 11);
}

TEST_F(RedisSink, MaxlenTrimsTheStreamApproximately) {
    auto o = options();
    o.maxlen = 100;
    redis_sink sink(o);
    for (int i = 0; i < 5000; ++i) sink.write(item_of("x"));
    sink.close();
    long long len = server_->integer({"XLEN", "out"});
    EXPECT_GE(len, 100);
    EXPECT_LT(len, 1000);  // approximate trimming keeps whole nodes (100 entries each by default)
}

TEST_F(RedisSink, ReconnectsAfterTheServerRestarts) {
    auto o = options();
    o.batch = 1;
    o.where.give_up_after = std::chrono::seconds(20);
    redis_sink sink(o);
    sink.write(item_of("before"));
    server_->stop();
    server_->start();  // an empty server on the same port
    sink.write(item_of("after"));
    EXPECT_EQ(server_->integer({"XLEN", "out"}), 1);
    EXPECT_EQ(sink.reconnects(), 1u);
}

TEST_F(RedisSink, AServerThatStaysAwayFailsTheWriteClearly) {
    auto o = options();
    o.batch = 1;
    redis_sink sink(o);
    server_->stop();
    try {
        sink.write(item_of("x"));
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("redis 127.0.0.1:" + std::to_string(server_->port())),
                  std::string::npos)
            << what;
        EXPECT_NE(what.find("gave up reconnecting after 200 ms"), std::string::npos) << what;
    }
}

TEST_F(RedisSink, AnErrorReplyFailsTheRunWithTheServersMessage) {
    server_->run({"SET", "out", "a string"});
    redis_sink sink(options());
    sink.write(item_of("x"));
    try {
        sink.commit();
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("WRONGTYPE"), std::string::npos) << e.what();
    }
}

TEST_F(RedisSink, AnUnreachableServerIsAStartupErrorAtTheHostOption) {
    engine::io_spec spec;
    spec.type = "redis";
    spec.opts.set("stream", "out");
    spec.opts.set("port", std::to_string(server_->port()));
    spec.opts.set("host", "127.0.0.1", location{"p.yaml", 7, 9});
    server_->stop();
    try {
        make_sink(spec, ".");
        FAIL() << "no error";
    } catch (const startup_error& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("cannot connect"), std::string::npos) << what;
        EXPECT_NE(what.find("start the server"), std::string::npos) << what;
    }
}

}  // namespace
}  // namespace wprun::io
