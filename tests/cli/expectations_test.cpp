// expect: key_order — each key's items in seq order in a JSON lines output.
#include "cli/expectations.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace wprun::cli {
namespace {

namespace fs = std::filesystem;

fs::path write_output(const std::string& name, const std::string& text) {
    fs::path p = fs::temp_directory_path() / ("wprun-expectations-" + name + ".jsonl");
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

TEST(KeyOrder, HoldsWhenEachKeysSeqsRiseHoweverKeysInterleave) {
    auto p = write_output("ok",
                          "{\"seq\":3,\"key\":\"b\",\"payload\":\"x\"}\n"
                          "{\"seq\":0,\"key\":\"a\",\"payload\":\"x\"}\n"
                          "{\"seq\":4,\"key\":\"b\",\"payload\":\"x\"}\n"
                          "{\"seq\":4,\"key\":\"b\",\"payload\":\"fan-out twin\"}\n"
                          "{\"seq\":1,\"key\":\"a\",\"payload\":\"x\"}\n");
    EXPECT_EQ(check_key_order(p), "");
}

TEST(KeyOrder, NamesTheFirstLineThatGoesBackWithinAKey) {
    auto p = write_output("back",
                          "{\"seq\":5,\"key\":\"a\"}\n"
                          "{\"seq\":1,\"key\":\"b\"}\n"
                          "{\"seq\":2,\"key\":\"a\"}\n");
    EXPECT_EQ(check_key_order(p), "line 3: key 'a': seq 2 comes after seq 5");
}

TEST(KeyOrder, ItemsWithoutAKeyShareTheEmptyKey) {
    auto p = write_output("nokey", "{\"seq\":2}\n{\"seq\":1}\n");
    EXPECT_EQ(check_key_order(p), "line 2: key '': seq 1 comes after seq 2");
}

TEST(KeyOrder, RefusesLinesThatAreNotJsonWithASeq) {
    auto p = write_output("plain", "hello\n");
    EXPECT_EQ(check_key_order(p), "line 1: not a JSON object with a seq (use the jsonl sink)");
    EXPECT_EQ(check_key_order(fs::temp_directory_path() / "wprun-no-such-output.jsonl"),
              "the run wrote no output");
}

}  // namespace
}  // namespace wprun::cli
