#include "io/line_reader.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "io/temp_dir.h"

namespace wprun::io {
namespace {

using testing::temp_dir;

std::vector<std::string> lines_of(const std::filesystem::path& file) {
    line_reader reader = line_reader::open_path(file);
    std::vector<std::string> out;
    std::string_view line;
    while (reader.next(line)) out.emplace_back(line);
    return out;
}

TEST(LineReader, SplitsOnNewlines) {
    temp_dir dir;
    EXPECT_EQ(lines_of(dir.write("a", "one\ntwo\n")), (std::vector<std::string>{"one", "two"}));
}

TEST(LineReader, KeepsAFinalLineWithoutNewline) {
    temp_dir dir;
    EXPECT_EQ(lines_of(dir.write("a", "one\ntwo")), (std::vector<std::string>{"one", "two"}));
}

TEST(LineReader, StripsCarriageReturnBeforeNewlineOnly) {
    temp_dir dir;
    EXPECT_EQ(lines_of(dir.write("a", "one\r\nt\rwo\r\n\r\n")),
              (std::vector<std::string>{"one", "t\rwo", ""}));
}

TEST(LineReader, EmptyLinesAreLines) {
    temp_dir dir;
    EXPECT_EQ(lines_of(dir.write("a", "\n\nx\n\n")), (std::vector<std::string>{"", "", "x", ""}));
}

TEST(LineReader, EmptyFileHasNoLines) {
    temp_dir dir;
    EXPECT_TRUE(lines_of(dir.write("a", "")).empty());
}

TEST(LineReader, ReadsManyLinesAcrossChunkBoundaries) {
    temp_dir dir;
    std::string text;
    std::vector<std::string> expected;
    for (int i = 0; text.size() < 3 * line_reader::chunk_size + 17; ++i) {
        expected.push_back(std::string(static_cast<size_t>(i % 97), 'a' + i % 26) +
                           std::to_string(i));
        text += expected.back() + (i % 3 == 0 ? "\r\n" : "\n");
    }
    text.pop_back();  // the last line ends without "\n" (and keeps no "\r")
    if (text.back() == '\r') text.pop_back();
    EXPECT_EQ(lines_of(dir.write("big", text)), expected);
}

TEST(LineReader, GrowsForALineLongerThanAChunk) {
    temp_dir dir;
    std::string longest(2 * line_reader::chunk_size + 3, 'x');
    auto lines = lines_of(dir.write("a", "a\n" + longest + "\nb"));
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[1], longest);
    EXPECT_EQ(lines[2], "b");
}

TEST(LineReader, CountsLineNumbers) {
    temp_dir dir;
    line_reader reader = line_reader::open_path(dir.write("a", "x\ny\n"));
    std::string_view line;
    EXPECT_EQ(reader.line_number(), 0u);
    reader.next(line);
    reader.next(line);
    EXPECT_EQ(reader.line_number(), 2u);
    EXPECT_FALSE(reader.next(line));
}

TEST(LineReader, MissingFileThrowsWithItsPath) {
    temp_dir dir;
    try {
        line_reader::open_path(dir / "missing.txt");
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("missing.txt"), std::string::npos);
    }
}

TEST(LineReader, FolderThrows) {
    temp_dir dir;
    EXPECT_THROW(line_reader::open_path(dir.path()), std::runtime_error);
}

TEST(LineReader, MovedReaderContinues) {
    temp_dir dir;
    line_reader first = line_reader::open_path(dir.write("a", "1\n2\n"));
    std::string_view line;
    first.next(line);
    line_reader second(std::move(first));
    ASSERT_TRUE(second.next(line));
    EXPECT_EQ(line, "2");
}

TEST(LineReader, ALineLongerThanTheLimitIsCutAndTheRestSkipped) {
    temp_dir dir;
    // 3 MiB without a newline: several chunks are read and dropped past the limit.
    auto file = dir.write("a", "ok\n" + std::string(3u << 20, 'x') + "\r\nnext\n");
    line_reader reader = line_reader::open_path(file);
    reader.limit(4096);
    std::string_view line;
    ASSERT_TRUE(reader.next(line));
    EXPECT_EQ(line, "ok");
    EXPECT_FALSE(reader.truncated());
    ASSERT_TRUE(reader.next(line));
    EXPECT_TRUE(reader.truncated());
    EXPECT_EQ(line, std::string(line_reader::kept_bytes, 'x'));
    EXPECT_EQ(reader.line_number(), 2u);
    ASSERT_TRUE(reader.next(line));
    EXPECT_EQ(line, "next");
    EXPECT_FALSE(reader.truncated());
    EXPECT_EQ(reader.line_number(), 3u);
    EXPECT_FALSE(reader.next(line));
}

TEST(LineReader, AnOverlongLastLineWithoutNewlineIsCut) {
    temp_dir dir;
    line_reader reader = line_reader::open_path(dir.write("a", std::string(5u << 20, 'y')));
    reader.limit(2u << 20);
    std::string_view line;
    ASSERT_TRUE(reader.next(line));
    EXPECT_TRUE(reader.truncated());
    EXPECT_EQ(line.size(), line_reader::kept_bytes);
    EXPECT_FALSE(reader.next(line));
}

TEST(LineReader, ALineOfExactlyTheLimitIsWhole) {
    temp_dir dir;
    line_reader reader = line_reader::open_path(dir.write("a", std::string(2048, 'z') + "\n"));
    reader.limit(2048);
    std::string_view line;
    ASSERT_TRUE(reader.next(line));
    EXPECT_FALSE(reader.truncated());
    EXPECT_EQ(line.size(), 2048u);
}

}  // namespace
}  // namespace wprun::io
