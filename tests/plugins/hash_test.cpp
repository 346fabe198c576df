#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/fake_host.h"

using wprun::testing::config_list;
using wprun::testing::fake_host;
using wprun::testing::fake_result;
namespace fs = std::filesystem;

namespace {

fake_result hash(const std::string& payload, const config_list& config, std::string key = {}) {
    fake_host host;
    EXPECT_EQ(host.create("hash", config).status, WPRUN_OK);
    return host.process(payload, key);
}

std::string digest(const std::string& payload, const char* algorithm) {
    auto r = hash(payload, {{"algorithm", algorithm}});
    EXPECT_EQ(r.status, WPRUN_OK) << r.message;
    return r.outputs.size() == 1 ? r.outputs[0] : "<" + std::to_string(r.outputs.size()) + ">";
}

// A file under a fresh temporary folder, removed with the fixture.
class HashFile : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("wprun_hash_test_" +
                std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& bytes) {
        fs::path p = dir_ / name;
        std::ofstream(p, std::ios::binary) << bytes;
        return p.string();
    }

    fs::path dir_;
};

// What `sha256sum PATH` prints, without the newline; empty when the command is missing.
std::string sha256sum(const std::string& path) {
    std::string cmd = "sha256sum '" + path + "' 2>/dev/null";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return {};
    std::string out;
    char buf[512];
    while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    ::pclose(p);
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

std::string patterned(size_t size) {
    std::string s(size, '\0');
    for (size_t i = 0; i < size; ++i) s[i] = char((i * 131 + i / 7) & 0xff);
    return s;
}

}  // namespace

TEST(Hash, Sha256IsTheDefault) {
    EXPECT_EQ(hash("abc", {}).outputs,
              std::vector<std::string>{
                  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"});
}

TEST(Hash, Sha256KnownVectors) {
    EXPECT_EQ(digest("", "sha256"),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "sha256"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Hash, Xxh64OfEmptyIsTheKnownVector) { EXPECT_EQ(digest("", "xxh64"), "ef46db3751d8e999"); }

TEST(Hash, Xxh64IsCanonicalBigEndianHex) {
    char expected[17];
    std::snprintf(expected, sizeof expected, "%016llx",
                  static_cast<unsigned long long>(XXH64("abc", 3, 0)));
    EXPECT_EQ(digest("abc", "xxh64"), expected);
}

TEST(Hash, Crc32CheckValue) {
    EXPECT_EQ(digest("123456789", "crc32"), "cbf43926");
    EXPECT_EQ(digest("", "crc32"), "00000000");
}

TEST(Hash, Fnv1a64KnownVectors) {
    EXPECT_EQ(digest("", "fnv1a64"), "cbf29ce484222325");
    EXPECT_EQ(digest("a", "fnv1a64"), "af63dc4c8601ec8c");
}

TEST(Hash, UnknownAlgorithmIsInvalidConfigListingTheValidOnes) {
    fake_host host;
    auto r = host.create("hash", {{"algorithm", "md5"}});
    EXPECT_EQ(r.status, WPRUN_INVALID_CONFIG);
    EXPECT_NE(r.message.find("unknown algorithm 'md5' (valid: sha256, xxh64, crc32, fnv1a64)"),
              std::string::npos)
        << r.message;
}

TEST(Hash, UnknownInputIsInvalidConfig) {
    fake_host host;
    EXPECT_EQ(host.create("hash", {{"input", "url"}}).status, WPRUN_INVALID_CONFIG);
}

TEST(Hash, WorkerStateIsResetBetweenItems) {
    fake_host host;
    ASSERT_EQ(host.create("hash", {{"algorithm", "fnv1a64"}}).status, WPRUN_OK);
    host.process("first");
    EXPECT_EQ(host.process("a").outputs, std::vector<std::string>{"af63dc4c8601ec8c"});
}

TEST_F(HashFile, FileModeLineEqualsSha256sum) {
    std::string path = write("data.bin", patterned(3 * 65536 + 17));
    std::string expected = sha256sum(path);
    if (expected.empty()) GTEST_SKIP() << "sha256sum not available";
    EXPECT_EQ(hash(path, {{"input", "file"}}).outputs, std::vector<std::string>{expected});
}

TEST_F(HashFile, FileModeOfAKnownFile) {
    std::string path = write("abc.txt", "abc");
    EXPECT_EQ(hash(path, {{"input", "file"}}).outputs,
              std::vector<std::string>{
                  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  " + path});
}

TEST_F(HashFile, FileModeNamesTheItemByItsKey) {
    std::string path = write("abc.txt", "abc");
    EXPECT_EQ(hash(path, {{"input", "file"}, {"algorithm", "crc32"}}, "sub/abc.txt").outputs,
              std::vector<std::string>{"352441c2  sub/abc.txt"});
}

TEST_F(HashFile, FileModeEscapesNamesLikeSha256sum) {
    std::string path = write("abc.txt", "abc");
    EXPECT_EQ(hash(path, {{"input", "file"}, {"algorithm", "crc32"}}, "a\\b\nc").outputs,
              std::vector<std::string>{"\\352441c2  a\\\\b\\nc"});
}

TEST_F(HashFile, FileAndPayloadModesAgreeAcrossChunkBoundaries) {
    std::string bytes = patterned(2 * 65536 + 1);
    std::string path = write("big.bin", bytes);
    for (const char* algorithm : {"sha256", "xxh64", "crc32", "fnv1a64"}) {
        auto r = hash(path, {{"input", "file"}, {"algorithm", algorithm}});
        ASSERT_EQ(r.outputs.size(), 1u) << r.message;
        EXPECT_EQ(r.outputs[0], digest(bytes, algorithm) + "  " + path) << algorithm;
    }
}

TEST_F(HashFile, MissingFileIsRejectedNamingIt) {
    std::string path = (dir_ / "missing.txt").string();
    auto r = hash(path, {{"input", "file"}});
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "cannot read " + path + ": No such file or directory");
    EXPECT_TRUE(r.outputs.empty());
}

TEST_F(HashFile, DirectoryIsRejected) {
    auto r = hash(dir_.string(), {{"input", "file"}});
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "cannot read " + dir_.string() + ": Is a directory");
}
