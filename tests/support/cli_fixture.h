// cli_fixture: runs the real `wprun` binary (WPRUN_BINARY) in a scratch folder per test.
//
// `write` puts a file in the folder, `wprun(args)` runs the binary with stdin from /dev/null
// and returns its exit code, stdout and stderr. Not thread-safe (one test at a time per process).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace wprun::testing {

struct cli_result {
    int code;
    std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The lines of `text`, without their '\n'.
inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

class cli_fixture : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("wprun-cli-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name, std::ios::binary) << text;
        return dir_ / name;
    }
    cli_result wprun(const std::string& args) { return wprun_with_env("", args); }
    /// As `wprun`, with `env` (e.g. "NAME=value") set for the command.
    cli_result wprun_with_env(const std::string& env, const std::string& args) {
        std::string cmd = (env.empty() ? "" : "env " + env + " ") + std::string(WPRUN_BINARY) +
                          " " + args + " > " + (dir_ / "stdout").string() + " 2> " +
                          (dir_ / "stderr").string() + " < /dev/null";
        int status = std::system(cmd.c_str());
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir_ / "stdout"),
                slurp(dir_ / "stderr")};
    }
    std::filesystem::path dir_;
};

}  // namespace wprun::testing
