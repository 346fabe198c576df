#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/fake_host.h"

using wprun::testing::config_list;
using wprun::testing::fake_host;
using wprun::testing::fake_result;
namespace fs = std::filesystem;

namespace {

std::string patterned(size_t size) {
    std::string s(size, '\0');
    for (size_t i = 0; i < size; ++i) s[i] = char("wprun compresses "[i % 17] + (i / 4096) % 3);
    return s;
}

fake_result run(const char* processor, const config_list& config, const std::string& payload) {
    fake_host host;
    auto created = host.create(processor, config);
    EXPECT_EQ(created.status, WPRUN_OK) << created.message;
    if (created.status != WPRUN_OK) return created;
    return host.process(payload);
}

std::string one_output(const fake_result& r) {
    EXPECT_EQ(r.status, WPRUN_OK) << r.message;
    return r.outputs.size() == 1 ? r.outputs[0] : "<" + std::to_string(r.outputs.size()) + ">";
}

std::string compressed(const std::string& payload, const char* algorithm, const char* level = {}) {
    config_list c = {{"algorithm", algorithm}};
    if (level) c.push_back({"level", level});
    return one_output(run("compress", c, payload));
}

std::string decompressed(const std::string& payload, const char* algorithm = "auto") {
    return one_output(run("decompress", {{"algorithm", algorithm}}, payload));
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const fs::path& p, const std::string& bytes) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
}

// A fresh temporary folder per test, removed afterwards.
class CompressFiles : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("wprun_compress_test_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    /// Runs a shell command in the folder; true when it exits 0.
    bool shell(const std::string& command) const {
        std::string line = "cd '" + dir_.string() + "' && " + command + " 2>/dev/null";
        return std::system(line.c_str()) == 0;
    }

    fs::path dir_;
};

}  // namespace

TEST(Compress, PayloadRoundTripsThroughZstdAndGzip) {
    for (const char* a : {"zstd", "gzip"})
        for (size_t size : {size_t(0), size_t(1), size_t(100000), size_t(3) << 20}) {
            std::string data = patterned(size);
            std::string packed = compressed(data, a);
            EXPECT_EQ(decompressed(packed, a), data) << a << " " << size;
            EXPECT_EQ(decompressed(packed), data) << a << " auto " << size;
        }
}

TEST(Compress, HigherLevelsCompressBetter) {
    std::string data = patterned(1 << 20);
    EXPECT_LT(compressed(data, "zstd", "19").size(), compressed(data, "zstd", "1").size());
    EXPECT_LT(compressed(data, "gzip", "9").size(), compressed(data, "gzip", "0").size());
}

TEST(Compress, LevelOutOfRangeIsAConfigError) {
    fake_host host;
    auto r = host.create("compress", {{"algorithm", "gzip"}, {"level", "10"}});
    EXPECT_EQ(r.status, WPRUN_INVALID_CONFIG);
    EXPECT_EQ(r.message, "compress: level 10 is out of range for gzip (0 to 9)");
}

TEST(Compress, FileModeNeedsAnOutputFolder) {
    fake_host host;
    auto r = host.create("compress", {{"input", "file"}});
    EXPECT_EQ(r.status, WPRUN_INVALID_CONFIG);
    EXPECT_EQ(r.message, "compress: input: file needs 'output_dir'");
    EXPECT_EQ(host.create("decompress", {{"algorithm", "lz4"}}).message,
              "decompress: unknown algorithm 'lz4' (valid: auto, zstd, gzip)");
}

TEST(Decompress, ReadsConcatenatedFramesAndMembers) {
    for (const char* a : {"zstd", "gzip"})
        EXPECT_EQ(decompressed(compressed("abc", a) + compressed("def", a)), "abcdef") << a;
}

TEST(Decompress, RejectsTruncatedInput) {
    for (const char* a : {"zstd", "gzip"}) {
        std::string packed = compressed(patterned(10000), a);
        auto r = run("decompress", {}, packed.substr(0, packed.size() - 3));
        EXPECT_EQ(r.status, WPRUN_REJECT) << a;
        EXPECT_NE(r.message.find("truncated"), std::string::npos) << r.message;
    }
}

TEST(Decompress, RejectsCorruptInputTrailingBytesAndUnknownData) {
    std::string packed = compressed(patterned(10000), "gzip");
    packed[packed.size() / 2] ^= 0x55;
    EXPECT_EQ(run("decompress", {}, packed).status, WPRUN_REJECT);
    auto trailing = run("decompress", {}, compressed("abc", "gzip") + "junk");
    EXPECT_EQ(trailing.status, WPRUN_REJECT);
    EXPECT_NE(trailing.message.find("trailing bytes"), std::string::npos) << trailing.message;
    auto unknown = run("decompress", {}, "plain text");
    EXPECT_EQ(unknown.status, WPRUN_REJECT);
    EXPECT_EQ(unknown.message, "decompress: neither zstd nor gzip data (unknown first bytes)");
}

TEST(Decompress, StopsAtMaxOutput) {
    std::string bomb = compressed(std::string(1 << 20, 'a'), "zstd");
    auto r = run("decompress", {{"max_output", "65536"}}, bomb);
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_NE(r.message.find("larger than max_output"), std::string::npos) << r.message;
}

TEST_F(CompressFiles, PayloadOutputIsReadByTheZstdAndGzipTools) {
    std::string data = patterned(200000);
    write_file(dir_ / "plain", data);
    write_file(dir_ / "p.zst", compressed(data, "zstd", "7"));
    write_file(dir_ / "p.gz", compressed(data, "gzip", "9"));
    ASSERT_TRUE(shell("zstd -q -t p.zst && gzip -t p.gz")) << "checksum check failed";
    ASSERT_TRUE(shell("zstd -q -d -c p.zst | cmp - plain"));
    ASSERT_TRUE(shell("gzip -d -c p.gz | cmp - plain"));
}

TEST_F(CompressFiles, ReadsWhatTheZstdAndGzipToolsWrite) {
    std::string data = patterned(300000);
    write_file(dir_ / "plain", data);
    ASSERT_TRUE(shell("zstd -q -19 -c plain > t.zst && gzip -c plain > t.gz"));
    EXPECT_EQ(decompressed(read_file(dir_ / "t.zst")), data);
    EXPECT_EQ(decompressed(read_file(dir_ / "t.gz")), data);
}

TEST_F(CompressFiles, FileModeStreamsALargeFileBothWays) {
    std::string data = patterned(size_t(9) << 20);
    write_file(dir_ / "in" / "big.bin", data);
    for (const char* a : {"zstd", "gzip"}) {
        std::string packed_dir = (dir_ / "packed").string();
        std::string plain_dir = (dir_ / std::string("plain-") += a).string();
        auto packed = one_output(
            run("compress", {{"algorithm", a}, {"input", "file"}, {"output_dir", packed_dir}},
                (dir_ / "in" / "big.bin").string()));
        std::string ext = std::string(a) == "zstd" ? ".zst" : ".gz";
        EXPECT_EQ(packed, packed_dir + "/big.bin" + ext);
        std::string tool = std::string(a) == "zstd" ? "zstd -q" : "gzip";
        EXPECT_TRUE(shell(tool + " -t packed/big.bin" + ext)) << a;
        EXPECT_TRUE(shell(tool + " -d -c packed/big.bin" + ext + " | cmp - in/big.bin")) << a;
        auto plain =
            one_output(run("decompress", {{"input", "file"}, {"output_dir", plain_dir}}, packed));
        EXPECT_EQ(plain, plain_dir + "/big.bin");
        EXPECT_TRUE(read_file(plain) == data) << a;
    }
    for (const auto& e : fs::recursive_directory_iterator(dir_))
        EXPECT_EQ(e.path().string().find(".wprun-tmp"), std::string::npos) << e.path();
}

TEST_F(CompressFiles, FileModeNamesOutputsByKey) {
    write_file(dir_ / "src" / "sub" / "a.txt", "hello");
    fake_host host;
    ASSERT_EQ(
        host.create("compress", {{"input", "file"}, {"output_dir", (dir_ / "o").string()}}).status,
        WPRUN_OK);
    auto r = host.process((dir_ / "src" / "sub" / "a.txt").string(), "sub/a.txt");
    EXPECT_EQ(one_output(r), (dir_ / "o" / "sub" / "a.txt.zst").string());
    auto bad = host.process((dir_ / "src" / "sub" / "a.txt").string(), "../escape.txt");
    EXPECT_EQ(bad.status, WPRUN_REJECT);
    EXPECT_NE(bad.message.find("without .."), std::string::npos) << bad.message;
}

TEST_F(CompressFiles, FileModeRejectsAMissingFileAndCorruptData) {
    std::string packed = compressed(patterned(100000), "zstd");  // before `host`: one at a time
    write_file(dir_ / "cut.zst", packed.substr(0, packed.size() / 2));
    fake_host host;
    ASSERT_EQ(host.create("decompress", {{"input", "file"}, {"output_dir", (dir_ / "o").string()}})
                  .status,
              WPRUN_OK);
    auto missing = host.process((dir_ / "nope.zst").string());
    EXPECT_EQ(missing.status, WPRUN_REJECT);
    EXPECT_NE(missing.message.find("No such file or directory"), std::string::npos);
    auto cut = host.process((dir_ / "cut.zst").string());
    EXPECT_EQ(cut.status, WPRUN_REJECT);
    EXPECT_NE(cut.message.find("truncated"), std::string::npos) << cut.message;
    EXPECT_FALSE(fs::exists(dir_ / "o" / "cut")) << "no partial output may remain";
}

TEST_F(CompressFiles, FileModeStopsWhenTheHostSaysSo) {
    write_file(dir_ / "big", patterned(size_t(1) << 20));
    fake_host host;
    ASSERT_EQ(
        host.create("compress", {{"input", "file"}, {"output_dir", (dir_ / "o").string()}}).status,
        WPRUN_OK);
    host.set_should_stop(true);
    auto r = host.process((dir_ / "big").string());
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_NE(r.message.find("stopped before the end"), std::string::npos) << r.message;
    EXPECT_FALSE(fs::exists(dir_ / "o" / "big.zst"));
}
