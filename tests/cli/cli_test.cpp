// End-to-end tests of the `wprun` command: exit codes and messages for good and bad input.
// Runs the real binary (WPRUN_BINARY) with the in-tree plugins and the loader's fixture plugins.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "support/cli_fixture.h"

namespace {
namespace fs = std::filesystem;

using result = wprun::testing::cli_result;
using wprun::testing::slurp;
using Cli = wprun::testing::cli_fixture;

std::string src() { return WPRUN_SOURCE_DIR; }

TEST_F(Cli, VersionNamesProductAndAbi) {
    auto r = wprun("--version");
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("wprun "), std::string::npos);
    EXPECT_NE(r.out.find("ABI 1."), std::string::npos);
}

TEST_F(Cli, HelloWritesUpperCaseLinesInOrderAndReportsOnStderr) {
    auto r = wprun(src() + "/pipelines/hello.yaml");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, slurp(src() + "/samples/expected/hello.txt"));
    EXPECT_NE(r.err.find("read 4, written 4, filtered 0, failed 0, cancelled 0"), std::string::npos)
        << r.err;
}

TEST_F(Cli, RunSubcommandIsTheSameAsTheBareFile) {
    auto r = wprun("run " + src() + "/pipelines/hello.yaml -q");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "");
}

TEST_F(Cli, MissingPipelineFileIsExit2NamingTheFile) {
    auto r = wprun((dir_ / "nope.yaml").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("nope.yaml"), std::string::npos) << r.err;
}

TEST_F(Cli, MalformedYamlIsExit2WithLineAndColumn) {
    auto f = write("bad.yaml", "name: x\nsource: {type: range, count: 3\nstages: []\n");
    auto r = wprun(f.string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("bad.yaml:"), std::string::npos) << r.err;
}

TEST_F(Cli, UnknownKeyIsExit2WithDidYouMean) {
    auto f = write("typo.yaml",
                   "source: {type: range, count: 3}\n"
                   "stages:\n  - name: s\n    processor: upper\n    wrokers: 2\n"
                   "sink: {type: \"null\"}\n");
    auto r = wprun("validate " + f.string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("typo.yaml:5:5"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("did you mean 'workers'"), std::string::npos) << r.err;
}

TEST_F(Cli, UnknownProcessorIsExit2WithDidYouMean) {
    auto f = write("p.yaml",
                   "source: {type: range, count: 3}\n"
                   "stages:\n  - name: s\n    processor: uper\n"
                   "sink: {type: \"null\"}\n");
    auto r = wprun("validate " + f.string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("p.yaml:4:16"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("did you mean 'upper'"), std::string::npos) << r.err;
}

TEST_F(Cli, IllTypedProcessorConfigIsExit2AtTheValue) {
    auto f = write("c.yaml",
                   "source: {type: range, count: 3}\n"
                   "stages:\n  - name: s\n    processor: spin\n    config: {rounds: many}\n"
                   "sink: {type: \"null\"}\n");
    auto r = wprun("validate " + f.string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("c.yaml:5:22"), std::string::npos) << r.err;
}

TEST_F(Cli, ValidateCompilesTheLinesSourceKeyRegexAndPointsAtIt) {
    write("in.txt", "a\n");
    auto f = write("k.yaml",
                   "source:\n  type: lines\n  path: in.txt\n  key: '^(\\w+'\n"
                   "stages: [{name: s, processor: upper}]\nsink: {type: \"null\"}\n");
    auto r = wprun("validate " + f.string());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("k.yaml:4:8: error: lines: `key` is not a regular expression"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.out.find("ok"), std::string::npos) << r.out;
}

TEST_F(Cli, ValidateChecksTheJsonlSourcePointers) {
    auto f = write("j.yaml",
                   "source: {type: jsonl, path: in.jsonl, key: id}\n"
                   "stages: [{name: s, processor: upper}]\nsink: {type: \"null\"}\n");
    auto r = wprun("validate " + f.string());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("j.yaml:1:44: error: jsonl: `key` is not a JSON Pointer"),
              std::string::npos)
        << r.err;
}

TEST_F(Cli, ValidateAcceptsEverySamplePipeline) {
    auto r =
        wprun("validate " + src() + "/pipelines/hello.yaml " + src() + "/pipelines/checksum.yaml " +
              src() + "/pipelines/spin.yaml " + src() + "/pipelines/errors.yaml");
    EXPECT_EQ(r.code, 0) << r.err;
}

TEST_F(Cli, GraphPrintsDotByDefaultAndMermaidOnRequest) {
    auto dot = wprun("graph " + src() + "/pipelines/patterns/all-policies.yaml");
    EXPECT_EQ(dot.code, 0) << dot.err;
    EXPECT_EQ(dot.out.rfind("digraph ", 0), 0u) << dot.out;
    EXPECT_NE(dot.out.find("timeout 250ms"), std::string::npos) << dot.out;
    auto mermaid =
        wprun("graph " + src() + "/pipelines/patterns/all-policies.yaml --format mermaid");
    EXPECT_EQ(mermaid.code, 0) << mermaid.err;
    EXPECT_EQ(mermaid.out.rfind("flowchart ", 0), 0u) << mermaid.out;
}

TEST_F(Cli, GraphOfABadPipelineIsExit2WithLineAndColumnAndNoGraph) {
    auto f = write("p.yaml",
                   "source: {type: range, count: 3}\n"
                   "stages:\n  - name: s\n    processor: uper\n"
                   "sink: {type: \"null\"}\n");
    auto r = wprun("graph " + f.string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("p.yaml:4:16"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(wprun("graph " + f.string() + " --format svg").code, 2);
}

TEST_F(Cli, ValidatePrintsWarningsWithTheirLocationAndExits0) {
    auto f = write("w.yaml",
                   "source: {type: range, count: 3}\n"
                   "stages:\n  - name: s\n    processor: spin\n    workers: 4096\n"
                   "sink: {type: \"null\"}\n");
    auto r = wprun("validate " + f.string());
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("w.yaml:5:14: warning: stage 's': workers 4096 is more than 4 times"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.out.find("w.yaml: ok"), std::string::npos) << r.out;
}

TEST_F(Cli, RunPrintsWarningsUnlessQuiet) {
    auto f = write("r.yaml",
                   "source: {type: range, count: 3}\n"
                   "stages:\n  - {name: s, processor: upper, workers: 2}\n"
                   "sink: {type: \"null\", ordered: true, window: 1}\n");
    auto loud = wprun("run " + f.string());
    EXPECT_EQ(loud.code, 0) << loud.err;
    EXPECT_NE(loud.err.find("r.yaml:4:45: warning: sink: window 1 is smaller than the 2 workers"),
              std::string::npos)
        << loud.err;
    auto quiet = wprun("run -q " + f.string());
    EXPECT_EQ(quiet.code, 0) << quiet.err;
    EXPECT_EQ(quiet.err, "");
}

TEST_F(Cli, PluginThatCannotLoadIsExit3) {
    auto f = write("u.yaml",
                   "source: {type: range, count: 3}\n"
                   "stages:\n  - name: s\n    processor: x\n    plugin: " WPRUN_FIXTURE_DIR
                   "/libwprun_plugin_fixture_unresolved.so\n"
                   "sink: {type: \"null\"}\n");
    auto r = wprun(f.string());
    EXPECT_EQ(r.code, 3);
    EXPECT_NE(r.err.find("undefined symbol"), std::string::npos) << r.err;
}

TEST_F(Cli, MissingPluginPathIsExit3) {
    auto r = wprun("--plugin-path " + (dir_ / "nowhere").string() + " plugins");
    EXPECT_EQ(r.code, 3);
    EXPECT_NE(r.err.find("nowhere"), std::string::npos) << r.err;
}

TEST_F(Cli, PluginThatThrowsOnEveryItemIsExit1WithEveryItemInTheErrorOutput) {
    auto f = write("t.yaml",
                   "source: {type: range, count: 50}\n"
                   "stages:\n  - name: boom\n    processor: chaos\n    workers: 3\n"
                   "    config: {throw_every: 1}\n"
                   "sink: {type: lines, path: out.txt}\n"
                   "errors: {type: jsonl, path: errors.jsonl}\n");
    auto r = wprun(f.string());
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("read 50, written 0, filtered 0, failed 50, cancelled 0"),
              std::string::npos)
        << r.err;
    std::string errors = slurp(dir_ / "errors.jsonl");
    EXPECT_EQ(std::count(errors.begin(), errors.end(), '\n'), 50);
    EXPECT_NE(errors.find("\"stage\":\"boom\""), std::string::npos);
    EXPECT_NE(errors.find("exception: chaos"), std::string::npos);
}

TEST_F(Cli, FatalStopsTheRunWithExit1AndABalancedLedger) {
    auto f = write("f.yaml",
                   "source: {type: range, count: 100000}\n"
                   "stages:\n  - name: s\n    processor: chaos\n    config: {fatal_at: 10}\n"
                   "sink: {type: \"null\"}\nerrors: {type: \"null\"}\n");
    auto r = wprun(f.string());
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("stopped the run"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("does not balance"), std::string::npos) << r.err;
}

TEST_F(Cli, ARunLoadsOnlyThePluginItsProcessorIsNamedAfter) {
    auto f = write("one.yaml",
                   "source: {type: range, count: 3}\n"
                   "stages:\n  - name: s\n    processor: spin\n"
                   "sink: {type: \"null\"}\n");
    auto r = wprun("run --no-progress --log-level debug " + f.string());
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("loaded plugin 'spin'"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("loaded plugin 'http'"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("loaded plugin 'text'"), std::string::npos) << r.err;
}

TEST_F(Cli, AProcessorNotNamedAfterItsPluginIsFoundThroughItsProcessorsHint) {
    auto f = write("text.yaml",
                   "source: {type: range, count: 3}\n"
                   "stages:\n  - name: s\n    processor: upper\n"
                   "sink: {type: \"null\"}\n");
    auto r = wprun("run --no-progress --log-level debug " + f.string());
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("loaded plugin 'text'"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("loaded plugin 'http'"), std::string::npos) << r.err;
}

TEST_F(Cli, AnUnknownProcessorLoadsEveryPluginToSuggestOne) {
    auto f = write("typo.yaml",
                   "source: {type: range, count: 3}\n"
                   "stages:\n  - name: s\n    processor: lowr\n"
                   "sink: {type: \"null\"}\n");
    auto r = wprun("validate --log-level debug " + f.string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("did you mean 'lower'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("loaded plugin 'http'"), std::string::npos) << r.err;
}

TEST_F(Cli, ABrokenLibraryNamedAfterTheProcessorIsAWarningAndTheRunGoesOn) {
    fs::path folder = dir_ / "plugins";
    fs::create_directories(folder);
    fs::permissions(folder, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    write("plugins/libwprun_spin.so", "not a library");
    fs::permissions(folder / "libwprun_spin.so", fs::perms::owner_read | fs::perms::owner_write |
                                                     fs::perms::group_read |
                                                     fs::perms::others_read);
    auto f = write("spin.yaml",
                   "source: {type: range, count: 3}\n"
                   "stages:\n  - name: s\n    processor: spin\n"
                   "sink: {type: \"null\"}\n");
    auto r = wprun("run --no-progress --plugin-path " + folder.string() + " " + f.string());
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("skipped a plugin"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("libwprun_spin.so"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("written 3"), std::string::npos) << r.err;
}

TEST_F(Cli, UnknownPluginNameForSchemaIsExit2) {
    auto r = wprun("plugins hsh");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("did you mean 'hash'"), std::string::npos) << r.err;
}

TEST_F(Cli, PluginsListsTheShippedProcessorsAndShowsASchema) {
    auto list = wprun("plugins");
    EXPECT_EQ(list.code, 0);
    for (const char* p : {"upper", "hash", "chaos", "spin", "stats", "grep"})
        EXPECT_NE(list.out.find(p), std::string::npos) << p;
    auto one = wprun("plugins spin");
    EXPECT_EQ(one.code, 0);
    EXPECT_NE(one.out.find("rounds"), std::string::npos);
    EXPECT_NE(one.out.find("example (under stages:):\n  - name: spin\n    processor: spin\n"),
              std::string::npos)
        << one.out;
    auto many = wprun("plugins chaos");  // many options: the example shows the first two
    EXPECT_NE(many.out.find("    config: {seed: 1, fail_every: 0}\n"), std::string::npos)
        << many.out;
}

TEST_F(Cli, TestCommandCountsPassesAndFailuresAndExitsNonZeroOnFailure) {
    write("in.txt", "a\nb\n");
    write("good.txt", "A\nB\n");
    write("wrong.txt", "A\nX\n");
    std::string body =
        "source: {type: lines, path: in.txt}\nstages:\n  - {name: u, processor: upper}\n"
        "sink: {type: lines, path: '-', ordered: true}\n";
    write("pass.yaml", body + "expect: {output: good.txt}\n");
    write("fail.yaml", body + "expect: {output: wrong.txt}\n");
    write("none.yaml", body);
    auto r = wprun("test " + dir_.string());
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("1 passed, 1 failed, 1 skipped"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("line 2: expected 'X', got 'B'"), std::string::npos) << r.out;
}

TEST_F(Cli, TestCommandSkipsAPipelineWhoseNeededVariableIsNotSet) {
    write("in.txt", "a\n");
    write("good.txt", "A\n");
    std::string body =
        "source: {type: lines, path: in.txt}\nstages:\n  - {name: u, processor: upper}\n"
        "sink: {type: lines, path: '-', ordered: true}\n";
    write("needs.yaml", body + "expect: {output: good.txt, needs_env: [WPRUN_CLI_TEST_UNSET]}\n");
    auto r = wprun("test " + dir_.string());
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("0 passed, 0 failed, 1 skipped"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("needs_env: WPRUN_CLI_TEST_UNSET is not set"), std::string::npos) << r.out;
    auto set = wprun_with_env("WPRUN_CLI_TEST_UNSET=1", "test " + dir_.string());
    EXPECT_EQ(set.code, 0) << set.out;
    EXPECT_NE(set.out.find("1 passed, 0 failed"), std::string::npos) << set.out;
}

/// Runs an endless pipeline, sends `sig` after 300 ms and returns the exit status; the stderr
/// text goes to `err_text`.
int run_and_signal(const std::filesystem::path& dir, int sig, std::string& err_text) {
    std::ofstream(dir / "long.yaml") << "source: {type: range, count: 1000000000}\n"
                                        "stages:\n  - {name: s, processor: spin, workers: 2}\n"
                                        "sink: {type: \"null\"}\n";
    std::string err = (dir / "stderr").string();
    pid_t pid = 0;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::string bin = WPRUN_BINARY, file = (dir / "long.yaml").string();
    char* argv[] = {bin.data(), file.data(), nullptr};
    if (posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv, environ) != 0) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill(pid, sig);
    int status = 0;
    ::waitpid(pid, &status, 0);
    posix_spawn_file_actions_destroy(&actions);
    err_text = slurp(err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(Cli, SigintStopsIntakeDrainsAndExits130WithABalancedLedger) {
    std::string text;
    EXPECT_EQ(run_and_signal(dir_, SIGINT, text), 130) << text;
    EXPECT_NE(text.find("interrupted"), std::string::npos) << text;
    EXPECT_EQ(text.find("does not balance"), std::string::npos) << text;
}

TEST_F(Cli, SigtermStopsIntakeDrainsAndExits143WithABalancedLedger) {
    std::string text;
    EXPECT_EQ(run_and_signal(dir_, SIGTERM, text), 143) << text;
    EXPECT_NE(text.find("interrupted"), std::string::npos) << text;
    EXPECT_EQ(text.find("does not balance"), std::string::npos) << text;
}

TEST_F(Cli, ALineLongerThanMaxItemBytesFailsItsItemAndTheRunExits1) {
    write("in.txt", "a\n" + std::string(3072, 'x') + "\nb\n");
    auto f = write("p.yaml",
                   "max_item_bytes: 1KiB\n"
                   "source: {type: lines, path: in.txt}\n"
                   "stages:\n  - {name: u, processor: upper}\n"
                   "sink: {type: lines, path: out.txt, ordered: true}\n"
                   "errors: {type: jsonl, path: errors.jsonl}\n");
    auto r = wprun(f.string());
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(slurp(dir_ / "out.txt"), "A\nB\n");
    std::string errors = slurp(dir_ / "errors.jsonl");
    EXPECT_NE(errors.find("line 2: longer than max_item_bytes (1KiB)"), std::string::npos)
        << errors;
    EXPECT_NE(errors.find(std::string(1024, 'x')), std::string::npos);
    EXPECT_EQ(errors.find(std::string(1025, 'x')), std::string::npos);
    EXPECT_EQ(r.err.find("does not balance"), std::string::npos) << r.err;
}

/// 300 items through a chaos stage that sleeps 1 ms per item and rejects every 10th: about
/// 150 ms, so a 10 ms tick samples the run many times.
constexpr const char* slow_pipeline =
    "name: observed\n"
    "source: {type: range, count: 300}\n"
    "stages:\n  - name: slow\n    processor: chaos\n    workers: 2\n"
    "    config: {sleep: 1ms, fail_every: 10}\n"
    "sink: {type: lines, path: out.txt}\n"
    "errors: {type: jsonl, path: errors.jsonl}\n";

TEST_F(Cli, ReportJsonHasTheSchemaABalancedLedgerAndATimeline) {
    auto f = write("observed.yaml", slow_pipeline);
    auto r = wprun("run " + f.string() + " --tick 10ms --report " + (dir_ / "r.json").string());
    EXPECT_EQ(r.code, 1) << r.err;
    auto j = nlohmann::json::parse(slurp(dir_ / "r.json"));
    EXPECT_EQ(j.at("schema"), "wprun.report/1");
    EXPECT_EQ(j.at("pipeline").at("name"), "observed");
    EXPECT_EQ(j.at("ledger").at("read"), 300);
    EXPECT_EQ(j.at("ledger").at("failed"), 30);
    EXPECT_TRUE(j.at("ledger").at("balanced").get<bool>());
    EXPECT_EQ(j.at("stages").at(0).at("processor"), "chaos");
    EXPECT_EQ(j.at("failures").at("seen"), 30);
    EXPECT_GT(j.at("timeline").at("points").size(), 2u);
}

TEST_F(Cli, ReportHtmlIsSelfContainedWithChartsAndTheErrors) {
    auto f = write("observed.yaml", slow_pipeline);
    auto r = wprun("run " + f.string() + " --tick 10ms --report " + (dir_ / "r.html").string());
    EXPECT_EQ(r.code, 1) << r.err;
    std::string html = slurp(dir_ / "r.html");
    for (const char* id : {"graph", "chart-throughput-slow", "chart-latency-slow",
                           "chart-workers-slow", "chart-queue-slow", "errors"})
        EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
    size_t chart = html.find("id=\"chart-throughput-slow\"");
    size_t points = html.find("points=\"", html.find("<polyline", chart)) + 8;
    std::string coords = html.substr(points, html.find('"', points) - points);
    EXPECT_GT(std::count(coords.begin(), coords.end(), ' '), 0) << coords;
    EXPECT_EQ(html.find("http://"), std::string::npos);
    EXPECT_EQ(html.find("https://"), std::string::npos);
    size_t rows = 0;
    for (size_t at = html.find("<tr class=\"error\">"); at != std::string::npos;
         at = html.find("<tr class=\"error\">", at + 1))
        ++rows;
    EXPECT_EQ(rows, 30u);
}

TEST_F(Cli, ReportWithAnUnknownExtensionIsExit2BeforeTheRun) {
    auto f = write("observed.yaml", slow_pipeline);
    auto r = wprun("run " + f.string() + " --report " + (dir_ / "r.txt").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find(".json or .html"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "out.txt"));
}

TEST_F(Cli, ProgressNeverWritesToStdoutWhereTheSinkMayBe) {
    auto r = wprun("run " + src() + "/pipelines/hello.yaml --progress --tick 1ms");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, slurp(src() + "/samples/expected/hello.txt"));
}

/// Runs wprun with stderr on a pseudo-terminal and returns what the terminal received.
std::string run_on_terminal(const std::vector<std::string>& args) {
    int master = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) return "no pty";
    std::string slave = ::ptsname(master);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, slave.c_str(), O_RDWR | O_NOCTTY, 0);
    std::vector<std::string> argv_text{WPRUN_BINARY};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) return "no spawn";
    posix_spawn_file_actions_destroy(&actions);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(master, buf, sizeof buf)) > 0;) text.append(buf, n);
    ::waitpid(pid, nullptr, 0);
    ::close(master);
    return text;
}

TEST_F(Cli, ProgressOnATerminalRedrawsOneLineAndClearsItBeforeTheReport) {
    auto f = write("observed.yaml", slow_pipeline);
    std::string text = run_on_terminal({"run", f.string(), "--tick", "10ms"});
    size_t live = text.find("\robserved  ");
    ASSERT_NE(live, std::string::npos) << text;
    EXPECT_NE(text.find("/300 (", live), std::string::npos) << text;
    EXPECT_NE(text.find("\x1b[K", live), std::string::npos) << text;
    size_t cleared = text.rfind("\r\x1b[K");
    ASSERT_NE(cleared, std::string::npos) << text;
    EXPECT_NE(text.find("wprun: observed: read 300", cleared), std::string::npos) << text;
}

TEST_F(Cli, NoProgressKeepsTheTerminalQuietUntilTheReport) {
    auto f = write("observed.yaml", slow_pipeline);
    std::string text = run_on_terminal({"run", f.string(), "--no-progress", "--tick", "10ms"});
    EXPECT_EQ(text.find("\x1b[K"), std::string::npos) << text;
    EXPECT_EQ(text.rfind("wprun: observed: read 300", 0), 0u) << text;
}

}  // namespace

namespace {

TEST_F(Cli, ValidateFormatJsonIsOneDocumentWithEveryProblem) {
    auto warn = write("w.yaml",
                      "source: {type: range, count: 3}\n"
                      "stages:\n  - name: s\n    processor: spin\n    workers: 4096\n"
                      "sink: {type: \"null\"}\n");
    auto bad = write("typo.yaml",
                     "source: {type: range, count: 3}\n"
                     "stages:\n  - name: s\n    processor: upper\n    wrokers: 2\n"
                     "sink: {type: \"null\"}\n");
    auto r = wprun("validate --format json " + warn.string() + " " + bad.string());
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "");
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j.at("errors"), 1);
    EXPECT_EQ(j.at("warnings"), 1);
    const auto& w = j.at("problems").at(0);
    EXPECT_EQ(w.at("code"), "workers-above-cores");
    EXPECT_EQ(w.at("line"), 5);
    EXPECT_EQ(w.at("column"), 14);
    const auto& e = j.at("problems").at(1);
    EXPECT_EQ(e.at("severity"), "error");
    EXPECT_EQ(e.at("line"), 5);
    EXPECT_EQ(e.at("column"), 5);
    EXPECT_NE(e.at("message").get<std::string>().find("did you mean 'workers'"), std::string::npos);
}

TEST_F(Cli, HelpShowsExamplesForTheCommandAndEachSubcommand) {
    auto top = wprun("--help");
    EXPECT_EQ(top.code, 0);
    EXPECT_NE(top.out.find("Examples:"), std::string::npos) << top.out;
    for (const char* sub : {"run", "validate", "graph", "plugins", "test"}) {
        auto r = wprun(std::string(sub) + " --help");
        EXPECT_EQ(r.code, 0) << sub;
        EXPECT_NE(r.out.find("Examples:\n  wprun "), std::string::npos) << sub << ": " << r.out;
    }
}

TEST_F(Cli, JsonLogLinesAreValidJsonNamingStageAndItem) {
    auto f = write("l.yaml",
                   "source: {type: range, count: 20}\n"
                   "stages:\n  - name: noisy\n    processor: chaos\n    workers: 2\n"
                   "    config: {log_every: 5, fail_every: 10}\n"
                   "sink: {type: \"null\"}\nerrors: {type: \"null\"}\n");
    auto r = wprun("--log-level debug --log-format json run -q " + f.string());
    EXPECT_EQ(r.code, 1) << r.err;
    std::istringstream lines(r.err);
    std::string line;
    std::set<uint64_t> plugin_seqs, failed_seqs;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] != '{') continue;  // the report (printed: items failed)
        auto j = nlohmann::json::parse(line);          // throws (fails the test) if not JSON
        for (const char* key : {"ts", "level", "stage", "seq", "msg"})
            EXPECT_TRUE(j.contains(key)) << key << ": " << line;
        std::string msg = j.at("msg");
        if (j.contains("processor")) {
            EXPECT_EQ(j.at("stage"), "noisy");
            EXPECT_EQ(j.at("processor"), "chaos");
            EXPECT_EQ(msg, "chaos: item seq=" + std::to_string(j.at("seq").get<uint64_t>()));
            plugin_seqs.insert(j.at("seq").get<uint64_t>());
        } else if (msg.rfind("item failed:", 0) == 0) {
            EXPECT_EQ(j.at("stage"), "noisy");
            failed_seqs.insert(j.at("seq").get<uint64_t>());
        }
    }
    EXPECT_EQ(plugin_seqs, (std::set<uint64_t>{4, 9, 14, 19})) << r.err;
    EXPECT_EQ(failed_seqs, (std::set<uint64_t>{9, 19})) << r.err;
}

TEST_F(Cli, AnUnknownLogLevelOrFormatIsAUsageError) {
    EXPECT_EQ(wprun("--log-level loud plugins").code, 2);
    EXPECT_EQ(wprun("--log-format xml plugins").code, 2);
}

}  // namespace
