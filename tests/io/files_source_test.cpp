#include "io/files_source.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "detail/error.h"
#include "io/temp_dir.h"

namespace wprun::io {
namespace {

using testing::temp_dir;

struct read_item {
    std::string key;
    std::string payload;
    bool failed;
    bool operator==(const read_item&) const = default;
};

std::vector<read_item> read_all(engine::source& src) {
    std::vector<read_item> out;
    std::vector<engine::item> items(2);
    while (size_t n = src.read(items.data(), items.size()))
        for (size_t i = 0; i < n; ++i)
            out.push_back({std::string(items[i].key()), items[i].payload.str(),
                           items[i].kind == engine::item_kind::failed});
    return out;
}

std::vector<std::string> keys(engine::source& src) {
    std::vector<std::string> out;
    for (auto& it : read_all(src)) out.push_back(it.key);
    return out;
}

class FilesSource : public ::testing::Test {
protected:
    void SetUp() override {
        dir.write("in/b.txt", "bee");
        dir.write("in/a.txt", "ay");
        dir.write("in/c.log", "see");
        dir.write("in/sub/d.txt", "dee");
        dir.write("in/sub/deeper/e.txt", "");
    }
    files_source_options opts(bool recursive = false, std::string glob = "*") {
        return {dir / "in", std::move(glob), recursive, false};
    }
    temp_dir dir;
};

TEST_F(FilesSource, ListsRegularFilesSortedByName) {
    files_source src(opts());
    EXPECT_EQ(keys(src), (std::vector<std::string>{"a.txt", "b.txt", "c.log"}));
}

TEST_F(FilesSource, RecursiveKeysAreRelativePathsWithSlashes) {
    files_source src(opts(true));
    EXPECT_EQ(keys(src), (std::vector<std::string>{"a.txt", "b.txt", "c.log", "sub/d.txt",
                                                   "sub/deeper/e.txt"}));
}

TEST_F(FilesSource, GlobMatchesTheFileName) {
    files_source src(opts(true, "*.txt"));
    EXPECT_EQ(keys(src),
              (std::vector<std::string>{"a.txt", "b.txt", "sub/d.txt", "sub/deeper/e.txt"}));
}

TEST_F(FilesSource, PayloadIsThePathByDefault) {
    files_source src(opts());
    auto items = read_all(src);
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[0].payload, (dir / "in" / "a.txt").string());
}

TEST_F(FilesSource, ContentGivesTheBytes) {
    auto o = opts(true);
    o.content = true;
    files_source src(o);
    auto items = read_all(src);
    ASSERT_EQ(items.size(), 5u);
    EXPECT_EQ(items[0], (read_item{"a.txt", "ay", false}));
    EXPECT_EQ(items[3], (read_item{"sub/d.txt", "dee", false}));
    EXPECT_EQ(items[4], (read_item{"sub/deeper/e.txt", "", false}));
}

TEST_F(FilesSource, ContentOfALargeFile) {
    std::string big(3u << 20, 'z');
    dir.write("in/big.bin", big);
    auto o = opts(false, "big.bin");
    o.content = true;
    files_source src(o);
    auto items = read_all(src);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].payload, big);
}

TEST_F(FilesSource, TotalIsTheNumberOfFiles) { EXPECT_EQ(files_source(opts(true)).total(), 5u); }

TEST_F(FilesSource, TrailingSlashInFolderKeepsKeysRelative) {
    files_source src({(dir / "in").string() + "/", "*", true, false});
    EXPECT_EQ(keys(src)[3], "sub/d.txt");
}

TEST_F(FilesSource, MakeResolvesAgainstBaseDir) {
    engine::io_spec spec;
    spec.type = "files";
    spec.opts.set("path", "in");
    spec.opts.set("glob", "*.log");
    auto src = make_files_source(spec, dir.path());
    EXPECT_EQ(keys(*src), (std::vector<std::string>{"c.log"}));
}

TEST_F(FilesSource, MakeRefusesAMissingFolder) {
    engine::io_spec spec;
    spec.opts.set("path", "absent", location{"p.yaml", 2, 9});
    try {
        make_files_source(spec, dir.path());
        FAIL() << "expected startup_error";
    } catch (const startup_error& e) {
        EXPECT_EQ(e.code(), exit_code::usage);
        EXPECT_NE(std::string(e.what()).find((dir / "absent").string()), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("p.yaml:2:9"), std::string::npos);
    }
}

TEST_F(FilesSource, MakeRefusesAFile) {
    engine::io_spec spec;
    spec.opts.set("path", "in/a.txt");
    EXPECT_THROW(make_files_source(spec, dir.path()), startup_error);
}

TEST_F(FilesSource, ContentLargerThanMaxItemBytesIsAFailedItemNamingTheFileAndSize) {
    dir.write("in/big.bin", std::string(3000, 'z'));
    auto o = opts(false, "*.bin");
    o.content = true;
    o.max_bytes = 1024;
    files_source src(o);
    std::vector<engine::item> items(2);
    ASSERT_EQ(src.read(items.data(), items.size()), 1u);
    EXPECT_EQ(items[0].kind, engine::item_kind::failed);
    std::string error(items[0].error());
    EXPECT_NE(error.find((dir / "in" / "big.bin").string()), std::string::npos) << error;
    EXPECT_NE(error.find("3000 bytes, larger than max_item_bytes (1KiB)"), std::string::npos)
        << error;
}

}  // namespace
}  // namespace wprun::io
