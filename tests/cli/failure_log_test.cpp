#include "cli/failure_log.h"

#include <gtest/gtest.h>

#include <string>

#include "support/engine_fixtures.h"

namespace wprun::cli {
namespace {

void fail(failure_log& log, uint64_t seq) {
    engine::item it;
    it.seq = seq;
    it.attempt = 2;
    std::string message = "bad " + std::to_string(seq);
    log.write(engine::failure{it, "check", message});
}

TEST(FailureLog, ForwardsEveryFailureAndKeepsTheFirstOnes) {
    wprun::testing::vector_error_sink inner;
    failure_log log(inner, 3);
    for (uint64_t i = 0; i < 5; ++i) fail(log, i);
    EXPECT_EQ(inner.failures.size(), 5u);
    EXPECT_EQ(log.seen(), 5u);
    ASSERT_EQ(log.kept().size(), 3u);
    EXPECT_EQ(log.kept()[2].seq, 2u);
    EXPECT_EQ(log.kept()[2].stage, "check");
    EXPECT_EQ(log.kept()[2].attempt, 2u);
    EXPECT_EQ(log.kept()[2].message, "bad 2");
}

}  // namespace
}  // namespace wprun::cli
