#include "io/jsonl_sink.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "io/sink_items.h"
#include "io/temp_dir.h"

namespace wprun::io {
namespace {

using testing::make_item;
using testing::read_file;
using testing::temp_dir;

std::string write_items(std::initializer_list<const engine::item*> items) {
    temp_dir dir;
    engine::io_spec spec;
    spec.opts.set("path", "out.jsonl");
    auto sink = make_jsonl_sink(spec, dir.path());
    for (const auto* it : items) sink->write(*it);
    sink->close();
    return read_file(dir / "out.jsonl");
}

TEST(JsonlSink, AppendKeepsWhatAnEarlierRunWrote) {
    temp_dir dir;
    for (const char* append : {"false", "true"}) {
        engine::io_spec spec;
        spec.opts.set("path", "out.jsonl");
        spec.opts.set("append", append);
        auto sink = make_jsonl_sink(spec, dir.path());
        auto a = make_item(3, "hello");
        sink->write(a);
        sink->close();
    }
    EXPECT_EQ(read_file(dir / "out.jsonl"),
              "{\"seq\":3,\"payload\":\"hello\"}\n{\"seq\":3,\"payload\":\"hello\"}\n");
}

TEST(JsonlSink, WritesSeqKeyAndPayload) {
    auto a = make_item(3, "hello", "k/1");
    EXPECT_EQ(write_items({&a}), "{\"seq\":3,\"key\":\"k/1\",\"payload\":\"hello\"}\n");
}

TEST(JsonlSink, LeavesOutAnEmptyKey) {
    auto a = make_item(0, "x");
    auto b = make_item(1, "y");
    EXPECT_EQ(write_items({&a, &b}),
              "{\"seq\":0,\"payload\":\"x\"}\n{\"seq\":1,\"payload\":\"y\"}\n");
}

TEST(JsonlSink, EscapesPayloadBytes) {
    auto a = make_item(9, std::string_view("q\"\n\0\xFF", 5));
    EXPECT_EQ(write_items({&a}), "{\"seq\":9,\"payload\":\"q\\\"\\n\\u0000\xEF\xBF\xBD\"}\n");
}

TEST(JsonlSink, EveryLineParsesBack) {
    auto a = make_item(1, "\xC3\xA9\t\\", "\x01");
    auto line = write_items({&a});
    auto doc = nlohmann::json::parse(line);
    EXPECT_EQ(doc["payload"], "\xC3\xA9\t\\");
    EXPECT_EQ(doc["key"], "\x01");
    EXPECT_EQ(doc["seq"], 1);
}

TEST(JsonlSink, SkipsMarkers) {
    auto a = make_item(0, "gone");
    a.kind = engine::item_kind::filtered;
    EXPECT_EQ(write_items({&a}), "");
}

}  // namespace
}  // namespace wprun::io
