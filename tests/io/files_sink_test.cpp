#include "io/files_sink.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "detail/error.h"
#include "io/sink_items.h"
#include "io/temp_dir.h"

namespace wprun::io {
namespace {

using testing::make_item;
using testing::read_file;
using testing::temp_dir;

engine::io_spec files_spec(std::string folder, std::string name = "") {
    engine::io_spec spec;
    spec.type = "files";
    spec.opts.set("dir", std::move(folder));
    if (!name.empty()) spec.opts.set("name", std::move(name), location{"p.yaml", 9, 12});
    return spec;
}

TEST(SafeRelativeName, KeepsNamesInsideTheFolder) {
    EXPECT_EQ(safe_relative_name("a.txt"), "a.txt");
    EXPECT_EQ(safe_relative_name("a/b/c.txt"), "a/b/c.txt");
    EXPECT_EQ(safe_relative_name("./a//b/./c"), "a/b/c");
    EXPECT_EQ(safe_relative_name("a/b/"), "a/b");
    EXPECT_EQ(safe_relative_name("..a/b..c"), "..a/b..c");
}

TEST(SafeRelativeName, RefusesNamesThatEscapeOrAreEmpty) {
    EXPECT_EQ(safe_relative_name(""), std::nullopt);
    EXPECT_EQ(safe_relative_name("/etc/passwd"), std::nullopt);
    EXPECT_EQ(safe_relative_name(".."), std::nullopt);
    EXPECT_EQ(safe_relative_name("a/../../b"), std::nullopt);
    EXPECT_EQ(safe_relative_name("a/.."), std::nullopt);
    EXPECT_EQ(safe_relative_name("./."), std::nullopt);
    EXPECT_EQ(safe_relative_name(std::string_view("a\0b", 3)), std::nullopt);
}

TEST(FilesSink, WritesOneFilePerKeyCreatingSubfolders) {
    temp_dir dir;
    auto sink = make_files_sink(files_spec("out"), dir.path());
    sink->write(make_item(0, "alpha", "a.txt"));
    sink->write(make_item(1, "beta", "sub/deep/b.txt"));
    sink->close();
    EXPECT_EQ(read_file(dir / "out/a.txt"), "alpha");
    EXPECT_EQ(read_file(dir / "out/sub/deep/b.txt"), "beta");
}

TEST(FilesSink, TemplateWithSeqAndKey) {
    temp_dir dir;
    auto sink = make_files_sink(files_spec("out", "{seq}-{key}.out"), dir.path());
    sink->write(make_item(7, "x", "k"));
    sink->close();
    EXPECT_EQ(read_file(dir / "out/7-k.out"), "x");
}

TEST(FilesSink, ItemWithoutKeyUsesItsSeq) {
    temp_dir dir;
    auto sink = make_files_sink(files_spec("out", "item-{key}.txt"), dir.path());
    sink->write(make_item(12, "payload"));
    EXPECT_EQ(read_file(dir / "out/item-12.txt"), "payload");
}

TEST(FilesSink, ReplacesAnExistingFile) {
    temp_dir dir;
    dir.write("out/a", "old content");
    auto sink = make_files_sink(files_spec("out"), dir.path());
    sink->write(make_item(0, "new", "a"));
    EXPECT_EQ(read_file(dir / "out/a"), "new");
}

TEST(FilesSink, RefusesAKeyThatEscapesTheFolderNamingTheItem) {
    temp_dir dir;
    auto sink = make_files_sink(files_spec("out"), dir.path());
    try {
        sink->write(make_item(5, "x", "../evil"));
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("item 5"), std::string::npos) << what;
        EXPECT_NE(what.find("../evil"), std::string::npos) << what;
    }
    EXPECT_FALSE(std::filesystem::exists(dir / "evil"));
}

TEST(FilesSink, SkipsMarkers) {
    temp_dir dir;
    auto sink = make_files_sink(files_spec("out"), dir.path());
    auto it = make_item(0, "x", "a");
    it.fail(1, "no");
    sink->write(it);
    EXPECT_FALSE(std::filesystem::exists(dir / "out/a"));
}

TEST(FilesSink, UnknownPlaceholderIsAUsageError) {
    temp_dir dir;
    try {
        make_files_sink(files_spec("out", "{name}.txt"), dir.path());
        FAIL() << "expected startup_error";
    } catch (const startup_error& e) {
        EXPECT_EQ(e.code(), exit_code::usage);
        EXPECT_NE(std::string(e.what()).find("p.yaml:9:12"), std::string::npos) << e.what();
    }
}

TEST(FilesSink, FolderThatIsAFileIsAUsageError) {
    temp_dir dir;
    dir.write("out", "I am a file");
    EXPECT_THROW(make_files_sink(files_spec("out"), dir.path()), startup_error);
}

}  // namespace
}  // namespace wprun::io
