#include <gtest/gtest.h>

#include <csignal>
#include <set>
#include <string>
#include <vector>

#include "support/fake_host.h"

using wprun::testing::config_list;
using wprun::testing::fake_host;
using wprun::testing::fake_result;

namespace {

// The seqs in [0, n) that `config` rejects, spreading the items over `workers` workers.
std::set<uint64_t> rejected(const config_list& config, uint64_t n, size_t workers = 1) {
    fake_host host;
    EXPECT_EQ(host.create("chaos", config, workers).status, WPRUN_OK);
    std::set<uint64_t> out;
    for (uint64_t seq = 0; seq < n; ++seq)
        if (host.process("x", {}, seq, 1, seq % workers).status == WPRUN_REJECT) out.insert(seq);
    return out;
}

fake_result one(const config_list& config, uint64_t seq, uint32_t attempt = 1) {
    fake_host host;
    EXPECT_EQ(host.create("chaos", config).status, WPRUN_OK);
    return host.process("payload", {}, seq, attempt);
}

}  // namespace

TEST(Chaos, PassesItemsThroughByDefault) {
    auto r = one({}, 7);
    EXPECT_EQ(r.status, WPRUN_OK);
    EXPECT_EQ(r.outputs, std::vector<std::string>{"payload"});
}

TEST(Chaos, FailEveryRejectsExactlyEveryKthSeq) {
    EXPECT_EQ(rejected({{"fail_every", "3"}}, 12), (std::set<uint64_t>{2, 5, 8, 11}));
}

TEST(Chaos, FailEveryMessageNamesTheInjection) {
    auto r = one({{"fail_every", "3"}}, 5);
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "chaos: injected failure (fail_every=3, seq=5)");
}

TEST(Chaos, FailRateIsTheSameForTheSameSeedWhateverTheWorkers) {
    config_list config{{"seed", "7"}, {"fail_rate", "0.3"}};
    EXPECT_EQ(rejected(config, 1000, 1), rejected(config, 1000, 4));
}

TEST(Chaos, FailRateDependsOnTheSeed) {
    EXPECT_NE(rejected({{"seed", "7"}, {"fail_rate", "0.3"}}, 1000),
              rejected({{"seed", "8"}, {"fail_rate", "0.3"}}, 1000));
}

TEST(Chaos, FailRateRejectsAboutThatFraction) {
    size_t n = rejected({{"fail_rate", "0.3"}}, 10000).size();
    EXPECT_GT(n, 2700u);
    EXPECT_LT(n, 3300u);
}

TEST(Chaos, FailRateZeroAndOneAreNeverAndAlways) {
    EXPECT_TRUE(rejected({{"fail_rate", "0"}}, 1000).empty());
    EXPECT_EQ(rejected({{"fail_rate", "1"}}, 1000).size(), 1000u);
}

TEST(Chaos, FailRateMessageNamesTheRate) {
    EXPECT_EQ(one({{"fail_rate", "1"}}, 4).message, "chaos: injected failure (fail_rate=1, seq=4)");
}

TEST(Chaos, RetryTimesRetriesUntilTheAttemptPassesIt) {
    config_list config{{"retry_times", "2"}};
    EXPECT_EQ(one(config, 0, 1).status, WPRUN_RETRY);
    EXPECT_EQ(one(config, 0, 2).status, WPRUN_RETRY);
    auto third = one(config, 0, 3);
    EXPECT_EQ(third.status, WPRUN_OK);
    EXPECT_EQ(third.outputs, std::vector<std::string>{"payload"});
}

TEST(Chaos, RetryMessageNamesTheAttempt) {
    EXPECT_EQ(one({{"retry_times", "2"}}, 9, 2).message,
              "chaos: injected retry (retry_times=2, seq=9, attempt=2)");
}

TEST(Chaos, ThrowEveryBecomesARejectFromTheWrapper) {
    auto r = one({{"throw_every", "2"}}, 1);
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "exception: chaos: injected exception (throw_every=2, seq=1)");
    EXPECT_EQ(one({{"throw_every", "2"}}, 2).status, WPRUN_OK);
}

TEST(Chaos, FatalAtStopsOnThatSeqOnly) {
    auto r = one({{"fatal_at", "4"}}, 4);
    EXPECT_EQ(r.status, WPRUN_FATAL);
    EXPECT_EQ(r.message, "chaos: injected fatal error (fatal_at=4, seq=4)");
    EXPECT_EQ(one({{"fatal_at", "4"}}, 3).status, WPRUN_OK);
}

TEST(Chaos, SleepPassesTheItemThroughAfterward) {
    auto r = one({{"sleep", "2000000"}, {"jitter", "1000000"}}, 0);  // 2ms + up to 1ms
    EXPECT_EQ(r.status, WPRUN_OK);
    EXPECT_EQ(r.outputs, std::vector<std::string>{"payload"});
}

TEST(Chaos, SleepGivesUpWhenTheHostSaysStop) {
    fake_host host;
    ASSERT_EQ(host.create("chaos", {{"sleep", "600000000000"}}).status, WPRUN_OK);  // 10 minutes
    host.set_should_stop(true);
    auto r = host.process("x", {}, 3);
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "chaos: stopped during injected latency (seq=3)");
}

TEST(Chaos, StallEndsWhenTheHostSaysStop) {
    fake_host host;
    ASSERT_EQ(host.create("chaos", {{"stall_every", "1"}, {"stall_max", "600000000000"}}).status,
              WPRUN_OK);
    host.set_should_stop(true);
    auto r = host.process("x", {}, 0);
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_NE(r.message.find("chaos: stalled (stall_every=1, seq=0"), std::string::npos)
        << r.message;
}

TEST(Chaos, StallEndsAtTheDeadline) {
    fake_host host;
    ASSERT_EQ(host.create("chaos", {{"stall_every", "1"}, {"stall_max", "600000000000"}}).status,
              WPRUN_OK);
    host.set_deadline_ns(1);  // long past
    EXPECT_EQ(host.process("x").status, WPRUN_REJECT);
}

TEST(Chaos, StallEndsAtStallMax) {
    auto r = one({{"stall_every", "2"}, {"stall_max", "5000000"}}, 1);
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_NE(r.message.find("stalled"), std::string::npos);
    EXPECT_EQ(one({{"stall_every", "2"}, {"stall_max", "5000000"}}, 0).status, WPRUN_OK);
}

TEST(Chaos, FailRateOutsideZeroToOneIsInvalidConfig) {
    fake_host host;
    EXPECT_EQ(host.create("chaos", {{"fail_rate", "1.5"}}).status, WPRUN_INVALID_CONFIG);
}

TEST(Chaos, NegativeCountsAreInvalidConfig) {
    fake_host host;
    EXPECT_EQ(host.create("chaos", {{"fail_every", "-2"}}).status, WPRUN_INVALID_CONFIG);
}

TEST(Chaos, FailFirstFailsOnlyTheItemsBeforeN) {
    EXPECT_EQ(one({{"fail_first", "3"}}, 2).status, WPRUN_REJECT);
    EXPECT_EQ(one({{"fail_first", "3"}}, 3).status, WPRUN_OK);
}

TEST(Chaos, FailStatusRetryMakesInjectedFailuresRetries) {
    auto r = one({{"fail_every", "1"}, {"fail_status", "retry"}}, 0);
    EXPECT_EQ(r.status, WPRUN_RETRY);
    EXPECT_NE(r.message.find("injected failure"), std::string::npos);
}

TEST(Chaos, CrashKindMustBeKnown) {
    fake_host host;
    EXPECT_EQ(host.create("chaos", {{"crash", "explode"}}).status, WPRUN_INVALID_CONFIG);
}

TEST(Chaos, CrashEveryLeavesOtherItemsAlone) {
    // The crashing items themselves take the process down: tests/isolation runs them in a child.
    EXPECT_EQ(one({{"crash_every", "5"}}, 3).status, WPRUN_OK);
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)  // the sanitizers catch SIGSEGV
TEST(Chaos, CrashEverySegfaultsOnTheKthItem) {
    EXPECT_EXIT(one({{"crash_every", "5"}}, 4), ::testing::KilledBySignal(SIGSEGV), "");
}
#endif

TEST(Chaos, CrashPayloadCrashesOnThatPayloadOnly) {
    EXPECT_EQ(one({{"crash_payload", "poison"}, {"crash", "exit"}}, 0).status, WPRUN_OK);
    fake_host host;
    ASSERT_EQ(host.create("chaos", {{"crash_payload", "poison"}, {"crash", "exit"}}).status,
              WPRUN_OK);
    EXPECT_EXIT(host.process("poison", {}, 0, 1), ::testing::ExitedWithCode(3), "");
}

TEST(Chaos, CrashAbortAbortsAndCrashExitExitsWithThree) {
    EXPECT_EXIT(one({{"crash_every", "1"}, {"crash", "abort"}}, 0),
                ::testing::KilledBySignal(SIGABRT), "");
    EXPECT_EXIT(one({{"crash_every", "1"}, {"crash", "exit"}}, 0), ::testing::ExitedWithCode(3),
                "");
}

TEST(Chaos, LeakKeepsPassingItemsThrough) {
    fake_host host;
    ASSERT_EQ(host.create("chaos", {{"leak", "65536"}}).status, WPRUN_OK);
    for (uint64_t seq = 0; seq < 10; ++seq)
        EXPECT_EQ(host.process("x", {}, seq, 1).status, WPRUN_OK);
}

TEST(Chaos, LogEveryLogsEveryKthSeqAtInfoThroughTheHost) {
    fake_host host;
    ASSERT_EQ(host.create("chaos", {{"log_every", "2"}}).status, WPRUN_OK);
    for (uint64_t seq = 0; seq < 5; ++seq) host.process("x", {}, seq);
    ASSERT_EQ(host.logs().size(), 2u);
    EXPECT_EQ(host.logs()[0].level, WPRUN_LOG_INFO);
    EXPECT_EQ(host.logs()[0].message, "chaos: item seq=1");
    EXPECT_EQ(host.logs()[1].message, "chaos: item seq=3");
}
