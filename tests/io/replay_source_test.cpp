#include "io/replay_source.h"

#include <gtest/gtest.h>

#include "io/temp_dir.h"

namespace wprun::io {
namespace {

using testing::temp_dir;

TEST(ReplaySource, ReadsTheRecordsTheJsonlErrorSinkWrites) {
    temp_dir dir;
    auto file = dir.write("err.jsonl",
                          "{\"seq\":3,\"stage\":\"a\",\"attempt\":1,\"error\":\"x\",\"payload\":"
                          "\"l\\u00e9\\tn\"}\n"
                          "\n"
                          "{\"seq\":9,\"stage\":\"b\",\"attempt\":2,\"error\":\"y\",\"payload\":"
                          "\"p\",\"key\":\"k/1\"}\n"
                          "{\"seq\":10,\"stage\":");  // torn by a crash: skipped
    auto records = read_failed_records(file);
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[0].seq, 3u);
    EXPECT_EQ(records[0].stage, "a");
    EXPECT_EQ(records[0].payload, "l\xc3\xa9\tn");
    EXPECT_EQ(records[1].key, "k/1");
    EXPECT_EQ(records[1].line, 3u);
}

TEST(ReplaySource, ABadLineIsNamedWithItsLineNumber) {
    temp_dir dir;
    auto file =
        dir.write("err.jsonl", "{\"seq\":1,\"stage\":\"a\",\"payload\":\"x\"}\n{\"seq\":2}\n");
    try {
        read_failed_records(file);
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), file.string() +
                                             ":2: a failure record needs \"seq\", \"stage\" and "
                                             "\"payload\"");
    }
}

TEST(ReplaySource, YieldsPayloadsAndKeysInFileOrder) {
    std::vector<failed_record> records{{1, "a", "one", "", 1}, {2, "a", "two", "k", 2}};
    replay_source src(records);
    EXPECT_EQ(src.total(), 2u);
    std::vector<engine::item> items(4);
    ASSERT_EQ(src.read(items.data(), 4), 2u);
    EXPECT_EQ(items[0].payload.str(), "one");
    EXPECT_EQ(items[0].key(), "");
    EXPECT_EQ(items[1].payload.str(), "two");
    EXPECT_EQ(items[1].key(), "k");
    EXPECT_EQ(src.read(items.data(), 4), 0u);
}

}  // namespace
}  // namespace wprun::io
