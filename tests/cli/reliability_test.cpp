// Reliability end to end: what `wprun` does with hostile or broken input and outputs.
// Each test is a row of the table in docs/reliability.md; the binary runs for real.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/cli_fixture.h"

namespace {
namespace fs = std::filesystem;
using Reliability = wprun::testing::cli_fixture;
using wprun::testing::slurp;

/// lines → upper → lines, ordered, with the input and output paths given.
std::string upper_pipeline(const std::string& input, const std::string& output) {
    return "name: rel\n"
           "source: {type: lines, path: '" +
           input +
           "'}\n"
           "stages: [{name: up, processor: upper, workers: 2}]\n"
           "sink: {type: lines, path: '" +
           output +
           "', ordered: true}\n"
           "errors: {type: jsonl, path: errors.jsonl}\n";
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST_F(Reliability, BinaryPayloadsWithNulBytesPassThroughUnchanged) {
    write("in.txt", std::string("a\0b\nc\0\0d\n", 9));
    write("p.yaml", upper_pipeline("in.txt", "out.txt"));
    auto r = wprun((dir_ / "p.yaml").string());
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(slurp(dir_ / "out.txt"), std::string("A\0B\nC\0\0D\n", 9));
}

TEST_F(Reliability, CrlfLinesAndAMissingFinalNewlineGiveTheSameItems) {
    write("in.txt", "one\r\ntwo\r\nthree");
    write("p.yaml", upper_pipeline("in.txt", "out.txt"));
    auto r = wprun((dir_ / "p.yaml").string());
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(slurp(dir_ / "out.txt"), "ONE\nTWO\nTHREE\n");
}

TEST_F(Reliability, EmptyInputIsAnEmptyRunWithExit0AndAnEmptyOutput) {
    write("in.txt", "");
    write("p.yaml", upper_pipeline("in.txt", "out.txt"));
    auto r = wprun((dir_ / "p.yaml").string());
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.err, "read 0, written 0")) << r.err;
    EXPECT_TRUE(fs::exists(dir_ / "out.txt"));
    EXPECT_EQ(fs::file_size(dir_ / "out.txt"), 0u);
}

TEST_F(Reliability, AFolderGivenAsInputIsExit2NamingIt) {
    fs::create_directories(dir_ / "folder");
    write("p.yaml", upper_pipeline("folder", "out.txt"));
    auto r = wprun((dir_ / "p.yaml").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(has(r.err, "folder")) << r.err;
    EXPECT_TRUE(has(r.err, "Is a directory")) << r.err;
}

TEST_F(Reliability, AnOutputThatCannotBeCreatedIsExit2BeforeAnyItemIsRead) {
    write("in.txt", "x\n");
    write("p.yaml", upper_pipeline("in.txt", "in.txt/out.txt"));  // a file is not a folder
    auto r = wprun((dir_ / "p.yaml").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(has(r.err, "cannot open for writing")) << r.err;
    EXPECT_TRUE(has(r.err, "Not a directory")) << r.err;
    EXPECT_FALSE(has(r.err, "read 1")) << r.err;
}

TEST_F(Reliability, ADiskFullOutputIsExit1WithTheReasonAndTheFileNamed) {
    write("in.txt", "x\ny\n");
    write("p.yaml", upper_pipeline("in.txt", "/dev/full"));
    auto r = wprun((dir_ / "p.yaml").string());
    EXPECT_EQ(r.code, 1);
    EXPECT_TRUE(has(r.err, "cannot write to '/dev/full'")) << r.err;
    EXPECT_TRUE(has(r.err, "No space left on device")) << r.err;
}

TEST_F(Reliability, AnErrorOutputThatCannotBeWrittenIsExit1) {
    write("in.txt", "x\n");
    write("p.yaml",
          "name: rel\n"
          "source: {type: lines, path: in.txt}\n"
          "stages: [{name: bad, processor: chaos, config: {fail_every: 1}}]\n"
          "sink: {type: lines, path: out.txt}\n"
          "errors: {type: jsonl, path: /dev/full}\n");
    auto r = wprun((dir_ / "p.yaml").string());
    EXPECT_EQ(r.code, 1);
    EXPECT_TRUE(has(r.err, "/dev/full")) << r.err;
}

TEST_F(Reliability, APipelineFileThatIsNotYamlIsExit2WithALocation) {
    write("p.yaml", "name: [unclosed\n  - x: {\n");
    auto r = wprun((dir_ / "p.yaml").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(has(r.err, "p.yaml:")) << r.err;
}

TEST_F(Reliability, AYamlAliasBombIsRejectedAtValidation) {
    auto r =
        wprun(std::string("validate ") + WPRUN_SOURCE_DIR + "/tests/fuzz/corpus/alias-bomb.yaml");
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(has(r.err, "alias-bomb.yaml:")) << r.err;
}

TEST_F(Reliability, AbsurdNumbersAreRejectedAtValidationWithTheirLocations) {
    auto r = wprun(std::string("validate ") + WPRUN_SOURCE_DIR +
                   "/tests/fuzz/corpus/absurd-numbers.yaml");
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(has(r.err, "absurd-numbers.yaml:4:")) << r.err;  // workers, queue, timeout
}

}  // namespace
