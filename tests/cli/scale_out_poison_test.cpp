// A poison entry in a Redis work stream (one whose input crashes the processor every time), end
// to end against a real redis-server (docs/scale-out.md, "Poison entries"):
// - with `isolation: process` wprun survives the crash: the crash fails the item (a RETRY under
//   `retry:`), so within one delivery it ends in the error output and is acknowledged;
// - without isolation wprun itself dies on it; restarted (here by a loop, in production by the
//   scheduler) under the same consumer name, it gets the entry again, until the entry's delivery
//   count passes `max_deliveries` and it goes to the error output; the others are all written.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_fixture.h"
#include "support/redis_server.h"

namespace {

using wprun::testing::cli_fixture;
using wprun::testing::lines_of;
using wprun::testing::slurp;

class RedisPoison : public cli_fixture {
protected:
    void SetUp() override {
        if (!wprun::testing::redis_server::available())
            GTEST_SKIP() << wprun::testing::redis_missing;
        cli_fixture::SetUp();
        server_ = std::make_unique<wprun::testing::redis_server>();
        for (int i = 0; i < n_; ++i) {
            std::string payload = i == n_ / 2 ? "poison" : "i" + std::to_string(i);
            server_->run({"XADD", "work", "*", "payload", payload});
        }
    }
    /// The worker pipeline, with `stage` as its one stage.
    std::string worker(const std::string& stage) {
        write("w.yaml",
              "name: worker\nsource: {type: redis, port: " + std::to_string(server_->port()) +
                  ", stream: work, consumer: w, block: 300ms, max_deliveries: 2}\n"
                  "stages:\n  - " +
                  stage +
                  "\nsink: {type: lines, path: out.txt, append: true}\n"
                  "errors: {type: jsonl, path: errors.jsonl, append: true}\n");
        return "run " + (dir_ / "w.yaml").string();
    }
    /// Every innocent item is in the output, the poison is not, and nothing is left pending.
    void expect_every_other_item_written() {
        std::set<std::string> seen;
        for (const auto& l : lines_of(slurp(dir_ / "out.txt"))) seen.insert(l);
        for (int i = 0; i < n_; ++i) {
            if (i == n_ / 2) continue;
            EXPECT_EQ(seen.count("i" + std::to_string(i)), 1u) << "lost: i" << i;
        }
        EXPECT_EQ(seen.count("poison"), 0u);
        EXPECT_EQ(server_->run({"XPENDING", "work", "wprun"})->element[0]->integer, 0);
    }
    const int n_ = 200;
    std::unique_ptr<wprun::testing::redis_server> server_;
};

TEST_F(RedisPoison, WithProcessIsolationTheCrashFailsTheItemWithinOneDelivery) {
    auto r =
        wprun(worker("{name: parse, processor: chaos, workers: 2, isolation: process, "
                     "config: {crash_payload: poison}, "
                     "retry: {attempts: 3, backoff: {initial: 1ms, max: 5ms}}}"));
    EXPECT_EQ(r.code, 1) << r.err;  // an item failed
    expect_every_other_item_written();
    auto errors = lines_of(slurp(dir_ / "errors.jsonl"));
    ASSERT_EQ(errors.size(), 1u);
    // "signal 11" in a release build; a sanitizer catches the SIGSEGV first and aborts (ASan:
    // "signal 6") or exits (TSan: "exited with status 66").
    EXPECT_NE(errors[0].find("gave up after 3 attempt(s): worker crashed: "), std::string::npos)
        << errors[0];
    EXPECT_NE(errors[0].find("poison"), std::string::npos) << errors[0];
    // The host survived: the entry was delivered once and never redelivered.
    EXPECT_NE(r.err.find("0 entr(ies) redelivered from idle consumers, 0 given up"),
              std::string::npos)
        << r.err;
}

TEST_F(RedisPoison, WithoutIsolationWprunDiesUntilTheEntryPassesMaxDeliveries) {
    std::string run = worker(
        "{name: parse, processor: chaos, workers: 2, config: {crash_payload: poison, crash: "
        "abort}}");
    int crashes = 0;
    wprun::testing::cli_result r{};
    for (int attempt = 0; attempt < 10; ++attempt) {  // what a scheduler's restart policy does
        r = wprun(run);
        if (r.code != 128 + SIGABRT && r.code != -1) break;
        ++crashes;
    }
    EXPECT_EQ(crashes, 2) << r.err;  // delivered twice, crashed twice; the third is given up
    EXPECT_EQ(r.code, 1) << r.err;
    expect_every_other_item_written();
    auto errors = lines_of(slurp(dir_ / "errors.jsonl"));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("delivered 3 times (max_deliveries 2): given up"), std::string::npos)
        << errors[0];
    EXPECT_NE(r.err.find("1 given up after 2 deliveries"), std::string::npos) << r.err;
}

}  // namespace
