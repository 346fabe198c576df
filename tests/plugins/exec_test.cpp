#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_host.h"

using wprun::testing::config_list;
using wprun::testing::fake_host;
using wprun::testing::fake_result;

namespace {

using clock_type = std::chrono::steady_clock;

fake_result one(const config_list& config,
                std::string_view payload = "payload",
                std::string_view key = {},
                uint64_t seq = 0,
                uint32_t attempt = 1) {
    fake_host host;
    EXPECT_EQ(host.create("exec", config).status, WPRUN_OK);
    return host.process(payload, key, seq, attempt);
}

std::string create_error(const config_list& config) {
    fake_host host;
    fake_result r = host.create("exec", config);
    EXPECT_EQ(r.status, WPRUN_INVALID_CONFIG);
    return r.message;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

/// A file name in the temp folder, unique to this process and test.
std::string temp_path(const std::string& name) {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/wprun_exec_test_" +
           std::to_string(::getpid()) + "_" + name;
}

/// True while `pid` runs: it exists and is not a zombie (a zombie has stopped for good; whether
/// it is reaped soon depends on what this test's container runs as pid 1).
bool running(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    size_t paren = line.rfind(')');
    return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

/// Waits up to 2 s for every pid listed in `path` to stop running; returns those still running.
std::vector<pid_t> survivors(const std::string& path) {
    std::vector<pid_t> pids;
    std::ifstream in(path);
    for (pid_t pid; in >> pid;) pids.push_back(pid);
    EXPECT_FALSE(pids.empty()) << "the script wrote no pids to " << path;
    auto until = clock_type::now() + std::chrono::seconds(2);
    std::vector<pid_t> alive;
    do {
        alive.clear();
        for (pid_t pid : pids)
            if (running(pid)) alive.push_back(pid);
        if (!alive.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (!alive.empty() && clock_type::now() < until);
    return alive;
}

uint64_t monotonic_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

}  // namespace

TEST(Exec, PipesThePayloadThroughTheCommand) {
    auto r = one({{"command", "tr a-z A-Z"}}, "hello, world");
    EXPECT_EQ(r.status, WPRUN_OK) << r.message;
    EXPECT_EQ(r.outputs, std::vector<std::string>{"HELLO, WORLD"});
}

TEST(Exec, APlaceholderIsOneArgumentWhateverItHolds) {
    auto r = one({{"command", "printf '<%s>' {payload} x{seq}y {key}"}, {"stdin", "none"}},
                 "a b; rm -rf / $(id) 'q' \"d\" *", "k 1", 7);
    EXPECT_EQ(r.status, WPRUN_OK) << r.message;
    EXPECT_EQ(r.outputs, std::vector<std::string>{"<a b; rm -rf / $(id) 'q' \"d\" *><x7y><k 1>"});
}

TEST(Exec, AnEmptyPlaceholderIsStillAnArgument) {
    auto r = one({{"command", "printf '<%s>' {key} ''"}, {"stdin", "none"}});
    EXPECT_EQ(r.outputs, std::vector<std::string>{"<><>"});
}

TEST(Exec, DoubledBracesAreLiteralBraces) {
    auto r = one({{"command", "printf %s {{x}}-{attempt}"}, {"stdin", "none"}}, "", {}, 0, 3);
    EXPECT_EQ(r.outputs, std::vector<std::string>{"{x}-3"});
}

TEST(Exec, QuotingFollowsTheShellsRules) {
    auto r =
        one({{"command", R"(printf '[%s]' 'a  b' "c \"d\" \$e" f\ g h\\i)"}, {"stdin", "none"}});
    EXPECT_EQ(r.outputs, std::vector<std::string>{R"([a  b][c "d" $e][f g][h\i])"});
}

TEST(Exec, ShellCharactersOutsideQuotesAreJustArguments) {
    auto r = one({{"command", "printf <%s> ; | > $HOME"}, {"stdin", "none"}});
    EXPECT_EQ(r.outputs, std::vector<std::string>{"<;><|><>><$HOME>"});
}

TEST(Exec, TheItemReachesAShellThroughStdinAndTheEnvironment) {
    fake_host host;
    ASSERT_EQ(host.create("exec", {{"shell", "true"},
                                   {"command",
                                    R"(read -r line; printf '%s|%s|%s|%s|%s' "$line" "$WPRUN_SEQ" )"
                                    R"("$WPRUN_KEY" "$WPRUN_ATTEMPT" "$WPRUN_STAGE")"}})
                  .status,
              WPRUN_OK);
    auto r = host.process("in put", "the key", 5, 2);
    EXPECT_EQ(r.status, WPRUN_OK) << r.message;
    EXPECT_EQ(r.outputs, std::vector<std::string>{"in put|5|the key|2|test-stage"});
}

TEST(Exec, TheChildInheritsTheHostsEnvironment) {
    ::setenv("WPRUN_EXEC_TEST_VAR", "inherited", 1);
    auto r = one({{"command", "printenv WPRUN_EXEC_TEST_VAR"}, {"stdin", "none"}});
    EXPECT_EQ(r.outputs, std::vector<std::string>{"inherited"});
}

TEST(Exec, OneTrailingNewlineIsTrimmedByDefault) {
    EXPECT_EQ(one({{"command", "printf 'a\\n\\n'"}}).outputs, std::vector<std::string>{"a\n"});
    EXPECT_EQ(one({{"command", "printf 'a\\n'"}, {"trim_newline", "false"}}).outputs,
              std::vector<std::string>{"a\n"});
}

TEST(Exec, EmptyStdoutIsOneEmptyItem) {
    EXPECT_EQ(one({{"command", "true"}}).outputs, std::vector<std::string>{""});
}

TEST(Exec, OutputLinesEmitsOneItemPerLine) {
    auto r = one({{"command", "printf 'a\\nb\\n\\nc'"}, {"output", "lines"}});
    EXPECT_EQ(r.status, WPRUN_OK) << r.message;
    EXPECT_EQ(r.outputs, (std::vector<std::string>{"a", "b", "", "c"}));
    EXPECT_TRUE(one({{"command", "true"}, {"output", "lines"}}).outputs.empty());
}

TEST(Exec, OutputNonePassesThePayloadThrough) {
    auto r = one({{"command", "echo ignored"}, {"output", "none"}}, "the payload");
    EXPECT_EQ(r.status, WPRUN_OK) << r.message;
    EXPECT_EQ(r.outputs, std::vector<std::string>{"the payload"});
}

TEST(Exec, AFailingExitCodeRejectsWithTheEndOfStderr) {
    auto r = one({{"shell", "true"}, {"command", "echo out; echo boom >&2; exit 3"}});
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "exit status 3: boom");
    EXPECT_TRUE(r.outputs.empty());
}

TEST(Exec, OnlyTheLast200BytesOfStderrAreKept) {
    auto r =
        one({{"shell", "true"},
             {"command", "head -c 100000 /dev/zero | tr '\\0' a >&2; printf END >&2; exit 1"}});
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "exit status 1: " + std::string(197, 'a') + "END");
}

TEST(Exec, ExitCode75MeansRetry) {
    auto r = one({{"shell", "true"}, {"command", "echo busy >&2; exit 75"}});
    EXPECT_EQ(r.status, WPRUN_RETRY);
    EXPECT_EQ(r.message, "exit status 75: busy");
}

TEST(Exec, OkAndRetryCodesAreConfigurable) {
    config_list config{{"shell", "true"}, {"ok_codes", "0, 1"}, {"retry_codes", "2,3"}};
    config.push_back({"command", "exit 1"});
    EXPECT_EQ(one(config).status, WPRUN_OK);
    config.back().second = "exit 3";
    EXPECT_EQ(one(config).status, WPRUN_RETRY);
    config.back().second = "exit 75";
    EXPECT_EQ(one(config).status, WPRUN_REJECT);
}

TEST(Exec, AMissingProgramRejectsWithTheSystemError) {
    auto r = one({{"command", "wprun-no-such-program --flag"}});
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "exec: cannot run 'wprun-no-such-program': No such file or directory");
}

TEST(Exec, AMissingProgramInAShellSaysCommandNotFound) {
    auto r = one({{"shell", "true"}, {"command", "wprun-no-such-program"}});
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_TRUE(contains(r.message, "exit status 127 (command not found?)")) << r.message;
}

TEST(Exec, DeathByASignalRejectsNamingIt) {
    auto r = one({{"shell", "true"}, {"command", "kill -9 $$"}});
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "killed by signal 9 (SIGKILL)");
}

TEST(Exec, TheTimeoutKillsTheWholeProcessGroup) {
    std::string pids = temp_path("timeout_pids");
    fake_host host;
    ASSERT_EQ(host.create("exec", {{"shell", "true"},
                                   {"timeout", "200000000"},  // 200ms
                                   {"command", "echo $$ > " + pids + "; sleep 30 & echo $! >> " +
                                                   pids + "; sleep 30; wait"}})
                  .status,
              WPRUN_OK);
    auto start = clock_type::now();
    auto r = host.process("x");
    EXPECT_LT(seconds_since(start), 5.0);
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "timed out after 200ms; process group killed");
    EXPECT_EQ(survivors(pids), std::vector<pid_t>{});
    std::remove(pids.c_str());
}

TEST(Exec, AChildIgnoringSigtermIsKilledAfterTheGrace) {
    std::string pids = temp_path("grace_pids");
    fake_host host;
    ASSERT_EQ(host.create("exec", {{"shell", "true"},
                                   {"timeout", "100000000"},     // 100ms
                                   {"kill_grace", "200000000"},  // 200ms
                                   {"command", "trap '' TERM; echo $$ > " + pids +
                                                   "; sleep 30 & echo $! >> " + pids + "; wait"}})
                  .status,
              WPRUN_OK);
    auto start = clock_type::now();
    auto r = host.process("x");
    EXPECT_LT(seconds_since(start), 5.0);
    EXPECT_GE(seconds_since(start), 0.3);
    EXPECT_EQ(r.message, "timed out after 100ms; process group killed");
    EXPECT_EQ(survivors(pids), std::vector<pid_t>{});
    std::remove(pids.c_str());
}

TEST(Exec, WhatTheChildLeavesInItsGroupIsKilledWhenItExits) {
    std::string pids = temp_path("leftover_pids");
    auto start = clock_type::now();
    auto r = one({{"shell", "true"}, {"command", "sleep 30 & echo $! > " + pids + "; echo done"}});
    EXPECT_LT(seconds_since(start), 5.0);
    EXPECT_EQ(r.status, WPRUN_OK) << r.message;
    EXPECT_EQ(r.outputs, std::vector<std::string>{"done"});
    EXPECT_EQ(survivors(pids), std::vector<pid_t>{});
    std::remove(pids.c_str());
}

TEST(Exec, TheHostsStopFlagKillsTheChild) {
    fake_host host;
    ASSERT_EQ(host.create("exec", {{"command", "sleep 30"}}).status, WPRUN_OK);
    host.set_should_stop(true);
    auto start = clock_type::now();
    auto r = host.process("x");
    EXPECT_LT(seconds_since(start), 5.0);
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "stopped by the host; process group killed");
}

TEST(Exec, TheHostsDeadlineKillsTheChild) {
    fake_host host;
    ASSERT_EQ(host.create("exec", {{"command", "sleep 30"}}).status, WPRUN_OK);
    host.set_deadline_ns(monotonic_ns() + 200'000'000);
    auto start = clock_type::now();
    auto r = host.process("x");
    EXPECT_LT(seconds_since(start), 5.0);
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "call deadline reached; process group killed");
}

TEST(Exec, AFourMebibytePayloadRoundTripsThroughCat) {
    std::string payload(4 << 20, '\0');
    for (size_t i = 0; i < payload.size(); ++i) payload[i] = char('a' + (i * 7919 % 26));
    auto r = one({{"command", "cat"}}, payload);
    EXPECT_EQ(r.status, WPRUN_OK) << r.message;
    ASSERT_EQ(r.outputs.size(), 1u);
    EXPECT_TRUE(r.outputs[0] == payload) << "output of " << r.outputs[0].size() << " bytes";
}

TEST(Exec, AChildThatDoesNotReadItsStdinStillSucceeds) {
    auto r = one({{"command", "echo ok"}}, std::string(4 << 20, 'x'));
    EXPECT_EQ(r.status, WPRUN_OK) << r.message;  // the EPIPE is handled, SIGPIPE does not kill us
    EXPECT_EQ(r.outputs, std::vector<std::string>{"ok"});
}

TEST(Exec, OutputBeyondMaxOutputRejects) {
    auto r = one({{"command", "head -c 5000 /dev/zero"}, {"max_output", "4096"}});
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "output larger than 4KiB; process group killed");
    EXPECT_EQ(one({{"command", "head -c 4096 /dev/zero"}, {"max_output", "4096"}}).status,
              WPRUN_OK);
}

TEST(Exec, EndlessOutputIsCutAtMaxOutput) {
    auto start = clock_type::now();
    auto r = one({{"command", "cat /dev/zero"}, {"max_output", "1048576"}});
    EXPECT_LT(seconds_since(start), 5.0);
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "output larger than 1MiB; process group killed");
}

TEST(Exec, StdinNoneGivesDevNull) {
    auto r = one({{"command", "cat"}, {"stdin", "none"}}, "not read");
    EXPECT_EQ(r.outputs, std::vector<std::string>{""});
}

TEST(Exec, WorkersRunConcurrentlyWithoutSharingPipes) {
    // Each thread uses its own worker state; the fake host's shared state is only read here.
    constexpr size_t threads = 4, items = 25;
    fake_host host;
    ASSERT_EQ(host.create("exec", {{"command", "tr a-z A-Z"}, {"timeout", "10000000000"}}, threads)
                  .status,
              WPRUN_OK);
    std::vector<std::vector<fake_result>> results(threads);
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (size_t i = 0; i < items; ++i)
                results[t].push_back(
                    host.process("item " + std::to_string(t * items + i), {}, t * items + i, 1, t));
        });
    for (auto& th : pool) th.join();
    for (size_t t = 0; t < threads; ++t)
        for (size_t i = 0; i < items; ++i) {
            EXPECT_EQ(results[t][i].status, WPRUN_OK) << results[t][i].message;
            EXPECT_EQ(results[t][i].outputs,
                      std::vector<std::string>{"ITEM " + std::to_string(t * items + i)});
        }
}

TEST(Exec, BadQuotingIsInvalidConfig) {
    EXPECT_EQ(create_error({{"command", "printf 'abc"}}),
              "exec: unterminated single quote in 'command'");
    EXPECT_EQ(create_error({{"command", "printf \"abc"}}),
              "exec: unterminated double quote in 'command'");
    EXPECT_EQ(create_error({{"command", "printf abc\\"}}),
              "exec: 'command' ends with a lone backslash");
    EXPECT_EQ(create_error({{"command", "  "}}), "exec: 'command' is empty");
}

TEST(Exec, UnknownPlaceholderIsInvalidConfig) {
    EXPECT_TRUE(contains(create_error({{"command", "echo {nope}"}}),
                         "exec: unknown placeholder '{nope}' in 'command'"));
    EXPECT_TRUE(contains(create_error({{"command", "echo {payload"}}), "unmatched '{'"));
    EXPECT_TRUE(contains(create_error({{"command", "echo a}b"}}), "unmatched '}'"));
}

TEST(Exec, PlaceholdersWithShellAreInvalidConfig) {
    EXPECT_TRUE(contains(create_error({{"shell", "true"}, {"command", "echo {payload}"}}),
                         "placeholder {payload} is not allowed with shell: true"));
    fake_host host;  // other braces are shell syntax, left alone
    EXPECT_EQ(host.create("exec", {{"shell", "true"}, {"command", "echo ${HOME}"}}).status,
              WPRUN_OK);
}

TEST(Exec, BadChoicesAndCodesAreInvalidConfig) {
    EXPECT_TRUE(contains(create_error({{"command", "cat"}, {"output", "file"}}),
                         "exec: unknown output 'file' (valid: stdout, lines, none)"));
    EXPECT_TRUE(contains(create_error({{"command", "cat"}, {"stdin", "file"}}),
                         "exec: unknown stdin 'file'"));
    EXPECT_TRUE(contains(create_error({{"command", "cat"}, {"ok_codes", "0,x"}}),
                         "exec: 'ok_codes' must be comma-separated exit codes 0..255"));
    EXPECT_TRUE(contains(create_error({{"command", "cat"}, {"retry_codes", "256"}}),
                         "'retry_codes' must be"));
    EXPECT_EQ(create_error({{"command", "cat"}, {"ok_codes", "0,75"}}),
              "exec: exit code 75 is in both 'ok_codes' and 'retry_codes'");
    EXPECT_EQ(create_error({}), "missing required config field 'command'");
}

TEST(Exec, EveryChildIsReaped) {
    one({{"command", "true"}});
    one({{"command", "sleep 30"}, {"timeout", "50000000"}});
    one({{"command", "wprun-no-such-program"}});
    errno = 0;
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);  // no child left, not even a zombie
    EXPECT_EQ(errno, ECHILD);
}

TEST(Exec, ALeftoverProcessStillWritingDoesNotHoldTheCallUp) {
    auto start = clock_type::now();
    auto r = one({{"shell", "true"}, {"command", "yes > /dev/stderr & echo done"}});
    EXPECT_LT(seconds_since(start), 5.0);
    EXPECT_EQ(r.status, WPRUN_OK) << r.message;
    EXPECT_EQ(r.outputs, std::vector<std::string>{"done"});
}

TEST(Exec, EmptyRetryCodesMeansNone) {
    auto r = one({{"shell", "true"}, {"command", "exit 75"}, {"retry_codes", ""}});
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "exit status 75");
}
