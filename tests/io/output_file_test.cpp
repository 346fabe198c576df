#include "io/output_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>
#include <string>

#include "io/temp_dir.h"

namespace wprun::io {
namespace {

using testing::read_file;
using testing::temp_dir;

TEST(OutputFile, WritesExactBytes) {
    temp_dir dir;
    output_file out = output_file::open_path(dir / "o", false);
    out.write("abc");
    out.put('\n');
    out.write(std::string_view("\0z", 2));
    out.close();
    EXPECT_EQ(read_file(dir / "o"), std::string("abc\n\0z", 6));
}

TEST(OutputFile, TruncatesOrAppends) {
    temp_dir dir;
    dir.write("o", "old\n");
    output_file::open_path(dir / "o", true).write("more\n");  // the destructor flushes
    EXPECT_EQ(read_file(dir / "o"), "old\nmore\n");
    output_file::open_path(dir / "o", false).close();
    EXPECT_EQ(read_file(dir / "o"), "");
}

TEST(OutputFile, ManySmallWritesCrossTheBuffer) {
    temp_dir dir;
    std::string expected;
    output_file out = output_file::open_path(dir / "o", false);
    for (int i = 0; expected.size() < 3 * output_file::buffer_size; ++i) {
        std::string piece = std::to_string(i) + ",";
        out.write(piece);
        expected += piece;
    }
    out.close();
    EXPECT_EQ(read_file(dir / "o"), expected);
}

TEST(OutputFile, WriteLargerThanTheBuffer) {
    temp_dir dir;
    std::string big(output_file::buffer_size * 2 + 5, 'q');
    output_file out = output_file::open_path(dir / "o", false);
    out.write("<");
    out.write(big);
    out.write(">");
    out.close();
    EXPECT_EQ(read_file(dir / "o"), "<" + big + ">");
}

TEST(OutputFile, CloseTwiceIsSafe) {
    temp_dir dir;
    output_file out = output_file::open_path(dir / "o", false);
    out.write("x");
    out.close();
    EXPECT_NO_THROW(out.close());
    EXPECT_EQ(read_file(dir / "o"), "x");
}

TEST(OutputFile, OpenFailureNamesTheFileAndTheReason) {
    temp_dir dir;
    std::ofstream(dir / "no-such-folder") << "a file where a folder should be";
    try {
        output_file::open_path(dir / "no-such-folder" / "o", false);
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        std::string what = e.what();
        EXPECT_NE(what.find((dir / "no-such-folder" / "o").string()), std::string::npos);
        EXPECT_NE(what.find("Not a directory"), std::string::npos) << what;
    }
}

TEST(OutputFile, WriteFailureNamesTheFile) {
    output_file out = output_file::open_path("/dev/full", false);
    out.write("x");
    try {
        out.close();
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
    }
}

TEST(OutputFile, StandardStreamsHaveReadableNames) {
    EXPECT_EQ(output_file::standard_output().name(), "standard output");
    EXPECT_EQ(output_file::standard_error().name(), "standard error");
}

TEST(OutputFile, SyncFlushesAndReturnsTheFileSizeAppendedPartIncluded) {
    temp_dir dir;
    dir.write("out.txt", "abc");
    output_file out = output_file::open_path(dir / "out.txt", true);
    out.write("defg");
    out.put('\n');
    EXPECT_EQ(out.sync(), 8u);
    EXPECT_EQ(read_file(dir / "out.txt"), "abcdefg\n");
    out.write(std::string(output_file::buffer_size + 10, 'x'));  // past the buffer
    EXPECT_EQ(out.sync(), 8u + output_file::buffer_size + 10);
}

TEST(OutputFile, StandardOutputCannotBeSynced) {
    EXPECT_FALSE(output_file::standard_output().sync().has_value());
}

}  // namespace
}  // namespace wprun::io
