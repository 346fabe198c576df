#include "io/jsonl_error_sink.h"

#include <gtest/gtest.h>

#include <string>

#include "io/sink_items.h"
#include "io/temp_dir.h"

namespace wprun::io {
namespace {

using testing::make_item;
using testing::read_file;
using testing::temp_dir;

TEST(JsonlErrorSink, WritesEveryFieldInOrder) {
    temp_dir dir;
    engine::io_spec spec;
    spec.opts.set("path", "errors.jsonl");
    auto sink = make_jsonl_error_sink(spec, dir.path());
    auto a = make_item(4, "in\"put", "k");
    a.attempt = 3;
    auto b = make_item(5, "x");
    sink->write({a, "parse", "bad \"thing\"\n"});
    sink->write({b, "source", "line 6: invalid JSON"});
    sink->close();
    sink->close();
    EXPECT_EQ(read_file(dir / "errors.jsonl"),
              "{\"seq\":4,\"stage\":\"parse\",\"attempt\":3,\"error\":\"bad \\\"thing\\\"\\n\","
              "\"payload\":\"in\\\"put\",\"key\":\"k\"}\n"
              "{\"seq\":5,\"stage\":\"source\",\"attempt\":0,\"error\":\"line 6: invalid JSON\","
              "\"payload\":\"x\"}\n");
}

TEST(JsonlErrorSink, SchemaHasPathAndAppend) {
    const auto& schema = jsonl_error_sink_schema();
    ASSERT_EQ(schema.size(), 2u);
    EXPECT_EQ(schema[0].name, "path");
    EXPECT_TRUE(schema[0].required);
    EXPECT_EQ(schema[1].name, "append");
}

TEST(JsonlErrorSink, AppendKeepsWhatAnEarlierRunWrote) {
    temp_dir dir;
    for (const char* append : {"false", "true", "true"}) {
        engine::io_spec spec;
        spec.opts.set("path", "errors.jsonl");
        spec.opts.set("append", append);
        auto sink = make_jsonl_error_sink(spec, dir.path());
        auto a = make_item(1, "x");
        sink->write({a, "s", "e"});
        sink->close();
    }
    std::string line =
        "{\"seq\":1,\"stage\":\"s\",\"attempt\":0,\"error\":\"e\",\"payload\":\"x\"}\n";
    EXPECT_EQ(read_file(dir / "errors.jsonl"), line + line + line);
}

}  // namespace
}  // namespace wprun::io
