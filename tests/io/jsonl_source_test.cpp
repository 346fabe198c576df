#include "io/jsonl_source.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "detail/error.h"
#include "io/temp_dir.h"

namespace wprun::io {
namespace {

using testing::temp_dir;

struct read_item {
    std::string payload;
    std::string key;
    int32_t priority;
    std::string error;  ///< "" unless failed
};

std::vector<read_item> read_all(engine::source& src) {
    std::vector<read_item> out;
    std::vector<engine::item> items(3);
    while (size_t n = src.read(items.data(), items.size())) {
        for (size_t i = 0; i < n; ++i) {
            const auto& it = items[i];
            out.push_back({it.payload.str(), std::string(it.key()), it.priority,
                           it.kind == engine::item_kind::failed ? std::string(it.error()) : ""});
        }
        items = std::vector<engine::item>(3);  // the engine hands out fresh items
    }
    return out;
}

std::vector<read_item> read_with(const std::string& text, const jsonl_source_options& opts) {
    temp_dir dir;
    jsonl_source src(line_reader::open_path(dir.write("in.jsonl", text)), opts);
    return read_all(src);
}

TEST(JsonlSource, PayloadIsTheLineAsWrittenByDefault) {
    auto items = read_with("{\"a\": 1}\n[1,2]\n\"s\"\n", {});
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[0].payload, "{\"a\": 1}");
    EXPECT_EQ(items[2].payload, "\"s\"");
    EXPECT_EQ(items[1].error, "");
}

TEST(JsonlSource, SkipsBlankLines) {
    auto items = read_with("1\n\n  \n2\r\n", {});
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[1].payload, "2");
}

TEST(JsonlSource, PayloadPointerToAStringGivesItsText) {
    auto items = read_with("{\"t\": \"he said \\\"hi\\\"\\n\"}\n", {"/t", {}, {}});
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].payload, "he said \"hi\"\n");
}

TEST(JsonlSource, PayloadPointerToOtherValuesGivesCompactJson) {
    auto items = read_with("{\"v\": {\"x\": [1, 2.5, null]}}\n{\"v\": 7}\n", {"/v", {}, {}});
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].payload, "{\"x\":[1,2.5,null]}");
    EXPECT_EQ(items[1].payload, "7");
}

TEST(JsonlSource, KeyAndPriorityPointers) {
    auto items = read_with("{\"id\": \"a\", \"p\": -3}\n{\"id\": 42, \"p\": 9}\n",
                           {"", std::string("/id"), std::string("/p")});
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].key, "a");
    EXPECT_EQ(items[0].priority, -3);
    EXPECT_EQ(items[1].key, "42");
    EXPECT_EQ(items[1].priority, 9);
    EXPECT_EQ(items[1].payload, "{\"id\": 42, \"p\": 9}");
}

TEST(JsonlSource, MalformedLineBecomesAFailedItemWithItsLineNumber) {
    auto items = read_with("1\n\n{\"a\": tru}\n3\n", {});
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[1].payload, "{\"a\": tru}");
    EXPECT_EQ(items[1].error.rfind("line 3: invalid JSON at byte ", 0), 0u) << items[1].error;
    EXPECT_EQ(items[1].error.find("[json.exception"), std::string::npos) << items[1].error;
    EXPECT_EQ(items[2].payload, "3");
    EXPECT_EQ(items[2].error, "");
}

TEST(JsonlSource, MalformedLineFailsAlsoWithPointers) {
    auto items = read_with("{\"a\": 1\n", {"/a", {}, {}});
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].error.rfind("line 1: invalid JSON", 0), 0u) << items[0].error;
}

TEST(JsonlSource, MissingPointerBecomesAFailedItem) {
    auto items = read_with("{\"a\": 1}\n{\"b\": 2}\n", {"/b", {}, {}});
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].error, "line 1: no value at payload pointer /b");
    EXPECT_EQ(items[0].payload, "{\"a\": 1}");
    EXPECT_EQ(items[1].payload, "2");
}

TEST(JsonlSource, NonIntegerPriorityBecomesAFailedItem) {
    auto items = read_with("{\"p\": 1.5}\n{\"p\": 9999999999}\n{\"p\": \"1\"}\n",
                           {"", {}, std::string("/p")});
    ASSERT_EQ(items.size(), 3u);
    for (const auto& it : items) EXPECT_NE(it.error.find("priority pointer /p"), std::string::npos);
}

TEST(JsonlSource, BadPointerOptionIsAUsageError) {
    temp_dir dir;
    dir.write("in.jsonl", "1\n");
    engine::io_spec spec;
    spec.type = "jsonl";
    spec.opts.set("path", "in.jsonl");
    spec.opts.set("key", "id", location{"p.yaml", 5, 10});
    try {
        make_jsonl_source(spec, dir.path());
        FAIL() << "expected startup_error";
    } catch (const startup_error& e) {
        EXPECT_EQ(e.code(), exit_code::usage);
        EXPECT_NE(std::string(e.what()).find("p.yaml:5:10"), std::string::npos) << e.what();
    }
}

TEST(JsonlSource, MakeReadsPointersFromOptions) {
    temp_dir dir;
    dir.write("in.jsonl", "{\"t\": \"x\", \"k\": \"y\"}\n");
    engine::io_spec spec;
    spec.opts.set("path", "in.jsonl");
    spec.opts.set("payload", "/t");
    spec.opts.set("key", "/k");
    auto src = make_jsonl_source(spec, dir.path());
    auto items = read_all(*src);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].payload, "x");
    EXPECT_EQ(items[0].key, "y");
}

TEST(JsonlSource, ALineLongerThanMaxItemBytesIsAFailedItem) {
    temp_dir dir;
    jsonl_source_options opts;
    opts.max_bytes = 1024;
    line_reader reader =
        line_reader::open_path(dir.write("in.jsonl", "1\n\"" + std::string(3000, 'x') + "\"\n2\n"));
    reader.limit(1024);
    jsonl_source src(std::move(reader), opts);
    auto items = read_all(src);
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[0].error, "");
    EXPECT_EQ(items[1].error, "line 2: longer than max_item_bytes (1KiB)");
    EXPECT_EQ(items[1].payload.size(), 1024u);
    EXPECT_EQ(items[2].payload, "2");
    EXPECT_EQ(items[2].error, "");
}

}  // namespace
}  // namespace wprun::io
