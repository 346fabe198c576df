#include "io/lines_sink.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "detail/error.h"
#include "io/sink_items.h"
#include "io/temp_dir.h"

namespace wprun::io {
namespace {

using testing::make_item;
using testing::read_file;
using testing::temp_dir;

engine::io_spec lines_spec(std::string path, bool append = false) {
    engine::io_spec spec;
    spec.type = "lines";
    spec.opts.set("path", std::move(path), location{"p.yaml", 7, 11});
    spec.opts.set("append", append ? "true" : "false");
    return spec;
}

TEST(LinesSink, WritesEachPayloadAndANewline) {
    temp_dir dir;
    auto sink = make_lines_sink(lines_spec("out.txt"), dir.path());
    sink->write(make_item(0, "one"));
    sink->write(make_item(1, ""));
    sink->write(make_item(2, std::string_view("t\0o", 3)));
    sink->close();
    EXPECT_EQ(read_file(dir / "out.txt"), std::string("one\n\nt\0o\n", 9));
}

TEST(LinesSink, SkipsMarkers) {
    temp_dir dir;
    auto sink = make_lines_sink(lines_spec("out.txt"), dir.path());
    auto failed = make_item(0, "bad");
    failed.fail(1, "boom");
    sink->write(failed);
    sink->write(make_item(1, "good"));
    sink->close();
    EXPECT_EQ(read_file(dir / "out.txt"), "good\n");
}

TEST(LinesSink, ReplacesOrAppends) {
    temp_dir dir;
    dir.write("out.txt", "old\n");
    auto sink = make_lines_sink(lines_spec("out.txt", true), dir.path());
    sink->write(make_item(0, "new"));
    sink->close();
    EXPECT_EQ(read_file(dir / "out.txt"), "old\nnew\n");
    make_lines_sink(lines_spec("out.txt"), dir.path())->close();
    EXPECT_EQ(read_file(dir / "out.txt"), "");
}

TEST(LinesSink, CloseTwiceIsSafe) {
    temp_dir dir;
    auto sink = make_lines_sink(lines_spec("out.txt"), dir.path());
    sink->write(make_item(0, "x"));
    sink->close();
    EXPECT_NO_THROW(sink->close());
    EXPECT_EQ(read_file(dir / "out.txt"), "x\n");
}

TEST(LinesSink, CreatesMissingOutputFolders) {
    temp_dir dir;
    auto sink = make_lines_sink(lines_spec("new/folder/out.txt"), dir.path());
    sink->write(make_item(0, "x"));
    sink->close();
    EXPECT_EQ(read_file(dir / "new/folder/out.txt"), "x\n");
}

TEST(LinesSink, UncreatableFileIsAUsageErrorNamingIt) {
    temp_dir dir;
    std::ofstream(dir / "missing-folder") << "a file where a folder should be";
    try {
        make_lines_sink(lines_spec("missing-folder/out.txt"), dir.path());
        FAIL() << "expected startup_error";
    } catch (const startup_error& e) {
        EXPECT_EQ(e.code(), exit_code::usage);
        std::string what = e.what();
        EXPECT_NE(what.find("p.yaml:7:11"), std::string::npos) << what;
        EXPECT_NE(what.find((dir / "missing-folder/out.txt").string()), std::string::npos);
    }
}

TEST(LinesSink, SchemaDeclaresOrderedAndWindow) {
    const auto& schema = lines_sink_schema();
    ASSERT_EQ(schema.size(), 4u);
    EXPECT_EQ(schema[2].name, "ordered");
    EXPECT_EQ(schema[3].name, "window");
    EXPECT_EQ(schema[3].default_value, "16384");
}

}  // namespace
}  // namespace wprun::io
