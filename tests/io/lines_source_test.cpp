#include "io/lines_source.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "detail/error.h"
#include "io/temp_dir.h"

namespace wprun::io {
namespace {

using testing::temp_dir;

std::vector<std::string> read_all(engine::source& src) {
    std::vector<std::string> out;
    std::vector<engine::item> items(5);
    while (size_t n = src.read(items.data(), items.size()))
        for (size_t i = 0; i < n; ++i) out.push_back(items[i].payload.str());
    return out;
}

engine::io_spec lines_spec(std::string path) {
    engine::io_spec spec;
    spec.type = "lines";
    spec.opts.set("path", std::move(path), location{"pipe.yaml", 4, 11});
    return spec;
}

TEST(LinesSource, OneItemPerLine) {
    temp_dir dir;
    dir.write("in.txt", "a\r\n\nccc\nlast");
    auto src = make_lines_source(lines_spec("in.txt"), dir.path());
    EXPECT_EQ(read_all(*src), (std::vector<std::string>{"a", "", "ccc", "last"}));
}

std::vector<std::string> keys_of(engine::source& src) {
    std::vector<std::string> out;
    std::vector<engine::item> items(5);
    while (size_t n = src.read(items.data(), items.size()))
        for (size_t i = 0; i < n; ++i) out.emplace_back(items[i].key());
    return out;
}

TEST(LinesSource, KeyIsTheFirstCaptureGroupOfThePattern) {
    temp_dir dir;
    dir.write("in.txt", "ana login\nben buy 3\n\nana logout\n  x\n");
    auto spec = lines_spec("in.txt");
    spec.opts.set("key", "^(\\w+) ");
    auto src = make_lines_source(spec, dir.path());
    EXPECT_EQ(keys_of(*src), (std::vector<std::string>{"ana", "ben", "", "ana", ""}));
}

TEST(LinesSource, KeyIsTheWholeMatchWithoutAGroup) {
    temp_dir dir;
    dir.write("in.txt", "id=42 a\nid=7\nnone\n");
    auto spec = lines_spec("in.txt");
    spec.opts.set("key", "[0-9]+");
    auto src = make_lines_source(spec, dir.path());
    EXPECT_EQ(keys_of(*src), (std::vector<std::string>{"42", "7", ""}));
}

TEST(LinesSource, ABadKeyPatternIsAStartupErrorAtTheOption) {
    temp_dir dir;
    dir.write("in.txt", "a\n");
    auto spec = lines_spec("in.txt");
    spec.opts.set("key", "(unclosed", location{"pipe.yaml", 5, 9});
    try {
        make_lines_source(spec, dir.path());
        FAIL() << "no error";
    } catch (const startup_error& e) {
        EXPECT_NE(std::string(e.what()).find("pipe.yaml:5:9"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("`key` is not a regular expression"),
                  std::string::npos)
            << e.what();
    }
}

TEST(LinesSource, ReadsALargeFileInBatches) {
    temp_dir dir;
    std::string text;
    for (int i = 0; i < 300000; ++i) text += "line-" + std::to_string(i) + "\n";
    lines_source src(line_reader::open_path(dir.write("big.txt", text)));
    auto lines = read_all(src);
    ASSERT_EQ(lines.size(), 300000u);
    EXPECT_EQ(lines[123456], "line-123456");
    EXPECT_EQ(lines.back(), "line-299999");
    EXPECT_FALSE(src.total().has_value());
}

TEST(LinesSource, MissingFileIsAUsageErrorAtThePathOption) {
    temp_dir dir;
    try {
        make_lines_source(lines_spec("nope.txt"), dir.path());
        FAIL() << "expected startup_error";
    } catch (const startup_error& e) {
        EXPECT_EQ(e.code(), exit_code::usage);
        std::string what = e.what();
        EXPECT_NE(what.find("pipe.yaml:4:11"), std::string::npos) << what;
        EXPECT_NE(what.find((dir / "nope.txt").string()), std::string::npos) << what;
        EXPECT_NE(what.find("No such file"), std::string::npos) << what;
    }
}

TEST(LinesSource, AbsolutePathIgnoresBaseDir) {
    temp_dir dir;
    auto file = dir.write("abs.txt", "x\n");
    auto src = make_lines_source(lines_spec(file.string()), "/nonexistent-base");
    EXPECT_EQ(read_all(*src), (std::vector<std::string>{"x"}));
}

TEST(LinesSource, ALineLongerThanMaxItemBytesIsAFailedItemWithItsFirstKiB) {
    temp_dir dir;
    dir.write("in.txt", "a\n" + std::string(3072, 'x') + "\nb\n");
    auto spec = lines_spec("in.txt");
    spec.max_item_bytes = 1024;
    auto src = make_lines_source(spec, dir.path());
    std::vector<engine::item> items(5);
    ASSERT_EQ(src->read(items.data(), items.size()), 3u);
    EXPECT_EQ(items[0].kind, engine::item_kind::data);
    EXPECT_EQ(items[1].kind, engine::item_kind::failed);
    EXPECT_EQ(items[1].error(), "line 2: longer than max_item_bytes (1KiB)");
    EXPECT_EQ(items[1].payload.str(), std::string(1024, 'x'));
    EXPECT_EQ(items[2].payload.str(), "b");
    EXPECT_EQ(items[2].kind, engine::item_kind::data);
}

}  // namespace
}  // namespace wprun::io
