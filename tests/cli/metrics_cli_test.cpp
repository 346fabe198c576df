// End to end: `wprun run --metrics-listen 127.0.0.1:0` scraped with a real HTTP client
// (cpp-httplib) while a slow pipeline runs, then once it has finished; the final numbers must
// match the ledger and the --report JSON. No timed assertions: every wait polls for a state
// (with a generous limit so a broken build fails instead of hanging).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "support/prometheus_text.h"

namespace {
namespace fs = std::filesystem;
using wprun::testing::parse_prometheus;
using wprun::testing::prom_text;

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Polls `done` every 20 ms for at most a minute; false when it never came true.
bool eventually(const std::function<bool()>& done) {
    auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (std::chrono::steady_clock::now() < give_up) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

/// An endless slow pipeline: each item sleeps 1 ms in `slow` (2 workers), every 10th fails,
/// `pass` forwards them; it runs until interrupted.
constexpr const char* endless =
    "name: watched\n"
    "source: {type: range, count: 1000000000}\n"
    "stages:\n"
    "  - {name: slow, processor: chaos, workers: 2, config: {sleep: 1ms, fail_every: 10}}\n"
    "  - {name: pass, processor: upper}\n"
    "sink: {type: \"null\"}\n"
    "errors: {type: \"null\"}\n";

class MetricsCli : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("wprun-metrics-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
        std::ofstream(dir_ / "p.yaml") << endless;
    }
    void TearDown() override {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        fs::remove_all(dir_);
    }
    /// Starts wprun with `args` after the pipeline file; stderr goes to dir_/stderr.
    void start(std::vector<std::string> args) {
        std::string err = (dir_ / "stderr").string();
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        args.insert(args.begin(), {WPRUN_BINARY, "run", (dir_ / "p.yaml").string()});
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ASSERT_EQ(posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ), 0);
        posix_spawn_file_actions_destroy(&actions);
    }
    /// The port from "wprun: metrics at http://127.0.0.1:PORT/metrics" on stderr.
    int port() {
        std::smatch m;
        std::regex url("metrics at http://127\\.0\\.0\\.1:([0-9]+)/metrics");
        std::string text;
        bool found = eventually([&] {
            text = slurp(dir_ / "stderr");
            return std::regex_search(text, m, url);
        });
        EXPECT_TRUE(found) << text;
        return found ? std::stoi(m[1]) : 0;
    }
    int wait_exit() {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    fs::path dir_;
    pid_t pid_ = 0;
};

prom_text scrape(httplib::Client& client) {
    auto res = client.Get("/metrics");
    if (!res || res->status != 200) return {};
    return parse_prometheus(res->body);
}

TEST_F(MetricsCli, ScrapedWhileRunningAndAtTheEndTheNumbersMatchTheLedger) {
    start({"--metrics-listen", "127.0.0.1:0", "--metrics-linger", "10m", "--tick", "10ms",
           "--report", (dir_ / "r.json").string()});
    int p = port();
    ASSERT_GT(p, 0);
    httplib::Client client("127.0.0.1", p);
    EXPECT_TRUE(client.Get("/healthz"));
    ASSERT_TRUE(eventually([&] {
        auto r = client.Get("/ready");
        return r && r->status == 200;
    })) << slurp(dir_ / "stderr");

    // While it runs: well-formed, both stages labelled, items moving.
    prom_text live;
    ASSERT_TRUE(eventually([&] {
        live = scrape(client);
        return live.value("wprun_stage_items_in_total", {{"stage", "pass"}}).value_or(0) > 0;
    }));
    EXPECT_TRUE(live.problems.empty()) << ::testing::PrintToString(live.problems);
    EXPECT_EQ(live.value("wprun_run_up"), 1);
    EXPECT_EQ(live.value("wprun_run_info", {{"pipeline", "watched"}}), 1);
    EXPECT_EQ(live.value("wprun_source_items_expected"), 1e9);
    EXPECT_GT(live.value("wprun_stage_latency_seconds_count", {{"stage", "slow"}}).value_or(0), 0);
    EXPECT_TRUE(live.value("wprun_stage_workers_busy", {{"stage", "slow"}}));

    // Ctrl-C drains the run; the endpoint lingers with the final numbers.
    ::kill(pid_, SIGINT);
    prom_text last;
    ASSERT_TRUE(eventually([&] {
        last = scrape(client);
        return last.value("wprun_run_finished") == 1;
    }));
    EXPECT_TRUE(last.problems.empty()) << ::testing::PrintToString(last.problems);
    EXPECT_EQ(last.value("wprun_run_up"), 0);
    double read = *last.value("wprun_source_items_read_total");
    double spawned = *last.value("wprun_items_spawned_total");
    EXPECT_GT(read, 0);
    EXPECT_EQ(last.sum("wprun_items_total"), read + spawned);
    EXPECT_EQ(last.value("wprun_items_total", {{"outcome", "failed"}}),
              last.sum("wprun_stage_items_ended_total", {{"outcome", "failed"}}));
    EXPECT_EQ(last.value("wprun_stage_items_out_total", {{"stage", "slow"}}),
              last.value("wprun_stage_items_in_total", {{"stage", "pass"}}));

    // A second Ctrl-C ends the linger; the report file agrees with the last scrape.
    ::kill(pid_, SIGINT);
    EXPECT_EQ(wait_exit(), 130) << slurp(dir_ / "stderr");
    auto j = nlohmann::json::parse(slurp(dir_ / "r.json"));
    const auto& ledger = j.at("ledger");
    EXPECT_EQ(ledger.at("read").get<double>(), read);
    for (const char* outcome : {"written", "filtered", "failed", "cancelled"})
        EXPECT_EQ(ledger.at(outcome).get<double>(),
                  last.value("wprun_items_total", {{"outcome", outcome}}))
            << outcome;
    EXPECT_TRUE(ledger.at("balanced").get<bool>());
}

TEST_F(MetricsCli, ABadAddressIsExit2BeforeTheRun) {
    start({"--metrics-listen", "localhost"});
    EXPECT_EQ(wait_exit(), 2);
    EXPECT_NE(slurp(dir_ / "stderr").find("expected HOST:PORT"), std::string::npos);
}

TEST_F(MetricsCli, WithoutLingerTheProcessEndsWithTheRun) {
    std::ofstream(dir_ / "p.yaml") << "source: {type: range, count: 100}\n"
                                      "stages:\n  - {name: s, processor: upper}\n"
                                      "sink: {type: \"null\"}\n";
    start({"--metrics-listen", "127.0.0.1:0", "-q"});
    EXPECT_EQ(wait_exit(), 0);
    EXPECT_NE(slurp(dir_ / "stderr").find("metrics at http://127.0.0.1:"), std::string::npos);
}

}  // namespace
