// `wprun run --shard K/N` and `--shard-from-env` end to end: N copies over a range and over a
// lines file cover every item exactly once, and bad values are clear usage errors. The redis
// sink feeds a work stream and two wprun processes share it through the redis source.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_fixture.h"
#include "support/redis_server.h"

namespace {

using wprun::testing::cli_fixture;
using wprun::testing::lines_of;
using wprun::testing::slurp;

class Shard : public cli_fixture {
protected:
    /// Writes a pipeline over `source` whose sink is `out`, and runs it with `flags`.
    wprun::testing::cli_result run_copy(const std::string& source,
                                        const std::string& out,
                                        const std::string& flags) {
        write("p.yaml", "name: shard\nsource: " + source +
                            "\nstages:\n  - {name: pass, processor: chaos, workers: 2}\n"
                            "sink: {type: lines, path: " +
                            out + "}\n");
        return wprun("run " + flags + " " + (dir_ / "p.yaml").string());
    }
    /// Runs `copies` copies, copy k with `flags(k)`, and returns all their output lines, sorted.
    std::vector<std::string> run_all(const std::string& source,
                                     int copies,
                                     const std::function<std::string(int)>& flags) {
        std::vector<std::string> all;
        for (int k = 0; k < copies; ++k) {
            std::string out = "out" + std::to_string(k) + ".txt";
            auto r = run_copy(source, out, flags(k));
            EXPECT_EQ(r.code, 0) << r.err;
            EXPECT_NE(r.err.find("shard " + std::to_string(k) + "/" + std::to_string(copies)),
                      std::string::npos)
                << r.err;
            auto lines = lines_of(slurp(dir_ / out));
            all.insert(all.end(), lines.begin(), lines.end());
        }
        std::sort(all.begin(), all.end());
        return all;
    }
};

std::vector<std::string> expected(int n, const std::string& prefix = "") {
    std::vector<std::string> v;
    for (int i = 0; i < n; ++i) v.push_back(prefix + std::to_string(i));
    std::sort(v.begin(), v.end());
    return v;
}

TEST_F(Shard, CopiesOverARangeCoverEveryItemExactlyOnce) {
    auto all = run_all("{type: range, count: 1000}", 3,
                       [](int k) { return "--shard " + std::to_string(k) + "/3"; });
    EXPECT_EQ(all, expected(1000));
}

TEST_F(Shard, CopiesOverALinesFileFromTheEnvironmentCoverEveryLineExactlyOnce) {
    std::string text;
    for (int i = 0; i < 777; ++i) text += "w" + std::to_string(i) + "\n";
    write("in.txt", text);
    // Each copy gets its index as a Kubernetes indexed Job would give it: in the environment.
    auto all = run_all("{type: lines, path: in.txt}", 4, [](int k) {
        ::setenv("JOB_COMPLETION_INDEX", std::to_string(k).c_str(), 1);
        return std::string("--shard-from-env --shard-count 4");
    });
    ::unsetenv("JOB_COMPLETION_INDEX");
    EXPECT_EQ(all, expected(777, "w"));
}

TEST_F(Shard, TheReportCountsItemsOfOtherShardsApartFromTheLedger) {
    auto r = run_copy("{type: range, count: 10}", "out.txt", "--shard 1/4");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("read 3,"), std::string::npos) << r.err;  // seqs 1, 5, 9
    EXPECT_NE(r.err.find("shard 1/4: 7 item(s) of other shards skipped"), std::string::npos)
        << r.err;
}

TEST_F(Shard, TheJsonReportHasTheShardFigures) {
    auto r = run_copy("{type: range, count: 10}", "out.txt",
                      "--shard 1/4 --report " + (dir_ / "r.json").string());
    ASSERT_EQ(r.code, 0) << r.err;
    auto report = nlohmann::json::parse(slurp(dir_ / "r.json"));
    EXPECT_EQ(report["shard"]["index"], 1);
    EXPECT_EQ(report["shard"]["count"], 4);
    EXPECT_EQ(report["shard"]["other_shards_skipped"], 7);
    EXPECT_EQ(report["ledger"]["read"], 3);
    r = run_copy("{type: range, count: 10}", "out.txt", "--report " + (dir_ / "r.json").string());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(nlohmann::json::parse(slurp(dir_ / "r.json"))["shard"].is_null());
}

TEST_F(Shard, BadShardsAreUsageErrors) {
    auto r = run_copy("{type: range, count: 10}", "out.txt", "--shard 4/4");
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("--shard '4/4': shard index 4 is not below the number of shards 4"),
              std::string::npos)
        << r.err;
    r = run_copy("{type: range, count: 10}", "out.txt", "--shard-from-env");
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("JOB_COMPLETION_INDEX"), std::string::npos) << r.err;
}

TEST_F(Shard, AnOrderedSinkIsRefused) {
    write("p.yaml",
          "name: shard\nsource: {type: range, count: 10}\n"
          "stages:\n  - {name: pass, processor: chaos}\n"
          "sink: {type: lines, path: out.txt, ordered: true}\n");
    auto r = wprun("run --shard 0/2 " + (dir_ / "p.yaml").string());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("p.yaml:5:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("drop `ordered`"), std::string::npos) << r.err;
}

class RedisQueue : public cli_fixture {
protected:
    void SetUp() override {
        if (!wprun::testing::redis_server::available())
            GTEST_SKIP() << wprun::testing::redis_missing;
        cli_fixture::SetUp();
        server_ = std::make_unique<wprun::testing::redis_server>();
    }
    std::string port() const { return std::to_string(server_->port()); }
    /// A worker pipeline: the redis stream `work` through `chaos` into `out`.
    std::string worker(const std::string& name, const std::string& consumer) {
        write(name, "name: worker\nsource: {type: redis, port: " + port() +
                        ", stream: work, consumer: " + consumer +
                        ", block: 300ms}\n"
                        "stages:\n  - {name: pass, processor: chaos, workers: 2}\n"
                        "sink: {type: lines, path: out-" +
                        consumer + ".txt}\n");
        return (dir_ / name).string();
    }
    std::unique_ptr<wprun::testing::redis_server> server_;
};

TEST_F(RedisQueue, APipelineWithARedisSinkFeedsTheStreamAndTwoWorkersShareIt) {
    write("feed.yaml",
          "name: feed\nsource: {type: range, count: 3000}\n"
          "stages:\n  - {name: pass, processor: chaos}\n"
          "sink: {type: redis, port: " +
              port() + ", stream: work}\n");
    auto fed = wprun("run -q " + (dir_ / "feed.yaml").string());
    ASSERT_EQ(fed.code, 0) << fed.err;
    ASSERT_EQ(server_->integer({"XLEN", "work"}), 3000);

    // Two workers at once, as on two hosts.
    std::string a = worker("a.yaml", "a"), b = worker("b.yaml", "b");
    std::string cmd = std::string("(") + WPRUN_BINARY + " run " + a + " 2> " +
                      (dir_ / "a.err").string() + " & " + WPRUN_BINARY + " run " + b + " 2> " +
                      (dir_ / "b.err").string() + " & wait) < /dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << slurp(dir_ / "a.err") << slurp(dir_ / "b.err");
    auto out_a = lines_of(slurp(dir_ / "out-a.txt")), out_b = lines_of(slurp(dir_ / "out-b.txt"));
    std::vector<std::string> all(out_a);
    all.insert(all.end(), out_b.begin(), out_b.end());
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all, expected(3000));  // every item, none twice (no worker died)
    EXPECT_EQ(server_->run({"XPENDING", "work", "wprun"})->element[0]->integer, 0);
    EXPECT_NE(slurp(dir_ / "a.err").find("redis source (consumer a)"), std::string::npos)
        << slurp(dir_ / "a.err");
    std::printf("split: a %zu, b %zu\n", out_a.size(), out_b.size());
}

TEST_F(RedisQueue, TheJsonReportCountsRedeliveredEntriesAndBackpressureWaits) {
    write("feed.yaml",
          "name: feed\nsource: {type: range, count: 50}\n"
          "stages:\n  - {name: pass, processor: chaos}\n"
          "sink: {type: redis, port: " +
              port() + ", stream: work, max_backlog: 100, backlog_group: wprun}\n");
    auto fed = wprun("run -q --report " + (dir_ / "feed.json").string() + " " +
                     (dir_ / "feed.yaml").string());
    ASSERT_EQ(fed.code, 0) << fed.err;
    auto sink = nlohmann::json::parse(slurp(dir_ / "feed.json"))["sink_figures"];
    EXPECT_EQ(sink["max_backlog"], 100);
    EXPECT_EQ(sink["backpressure_waits"], 0);  // 50 entries fit under the limit
    EXPECT_EQ(sink["backpressure_waited_seconds"], 0.0);
    // A process named "a" took 20 entries and died: "a" restarted gets them again.
    server_->run({"XGROUP", "CREATE", "work", "wprun", "0"});
    server_->run({"XREADGROUP", "GROUP", "wprun", "a", "COUNT", "20", "STREAMS", "work", ">"});
    std::string a = worker("a.yaml", "a");
    auto r = wprun("run --report " + (dir_ / "a.json").string() + " " + a);
    ASSERT_EQ(r.code, 0) << r.err;
    auto report = nlohmann::json::parse(slurp(dir_ / "a.json"));
    EXPECT_EQ(report["source_figures"]["redelivered"], 20);
    EXPECT_EQ(report["source_figures"]["given_up"], 0);
    EXPECT_EQ(report["source_figures"]["acknowledged"], 50);
    EXPECT_EQ(report["source_figures"]["reconnects"], 0);
    EXPECT_EQ(report["ledger"]["written"], 50);
    EXPECT_TRUE(report["sink_figures"].empty());  // a lines sink has none
    EXPECT_NE(r.err.find("20 entr(ies) redelivered"), std::string::npos) << r.err;
}

TEST_F(RedisQueue, TheRedisSourceRefusesShardAndResume) {
    std::string a = worker("a.yaml", "a");
    auto r = wprun("run --shard 0/2 " + a);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("shares work through its consumer group"), std::string::npos) << r.err;
    r = wprun("run --resume " + a);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("run without --resume"), std::string::npos) << r.err;
}

/// Starts `wprun run FILE` in the background with stderr to ERR; returns its pid.
pid_t spawn(const std::string& file, const std::string& err) {
    pid_t pid = ::fork();
    if (pid == 0) {
        int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, 2);
        ::execl(WPRUN_BINARY, WPRUN_BINARY, "run", file.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    return pid;
}

/// The exit status of `pid` (minus the signal that ended it); a process still running after
/// `limit_s` is killed (-9), so that a hang fails its test, with the process's stderr, instead
/// of stopping the suite.
int wait_for(pid_t pid, int limit_s = 100) {
    int status = 0;
    for (int waited_ms = 0; ::waitpid(pid, &status, WNOHANG) == 0; waited_ms += 10) {
        if (waited_ms >= limit_s * 1000) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            break;
        }
        ::usleep(10000);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

uint64_t redelivered_in(const std::string& err) {
    size_t at = err.find("): ", err.find("redis source (consumer"));
    return at == std::string::npos ? 0 : std::stoull(err.substr(at + 3));
}

TEST_F(RedisQueue, AFeederAtItsBacklogLimitWaitsForAWorkerAndLosesNothing) {
    const int n = 3000;
    write("feed.yaml", "name: feed\nsource: {type: range, count: " + std::to_string(n) +
                           "}\nstages:\n  - {name: pass, processor: chaos}\n"
                           "sink: {type: redis, port: " +
                           port() +
                           ", stream: work, batch: 64, max_backlog: 200, backlog_group: wprun}\n");
    pid_t feeder = spawn((dir_ / "feed.yaml").string(), (dir_ / "feed.err").string());
    // No worker yet: the feeder stops at the limit, exactly (one feeder never passes it).
    for (int i = 0; i < 5000 && server_->integer({"XLEN", "work"}) < 200; ++i) ::usleep(2000);
    ::usleep(300000);
    EXPECT_EQ(server_->integer({"XLEN", "work"}), 200);
    EXPECT_EQ(::waitpid(feeder, nullptr, WNOHANG), 0) << "the feeder did not wait";

    write("w.yaml", "name: worker\nsource: {type: redis, port: " + port() +
                        ", stream: work, consumer: w, block: 3s}\n"
                        "stages:\n  - {name: pass, processor: chaos, workers: 2}\n"
                        "sink: {type: lines, path: out-w.txt}\n");
    pid_t worker = spawn((dir_ / "w.yaml").string(), (dir_ / "w.err").string());
    EXPECT_EQ(wait_for(feeder), 0) << slurp(dir_ / "feed.err");
    EXPECT_EQ(wait_for(worker), 0) << slurp(dir_ / "w.err");
    auto out = lines_of(slurp(dir_ / "out-w.txt"));
    std::sort(out.begin(), out.end());
    EXPECT_EQ(out, expected(n));  // every item once: nothing lost while the feeder waited
    std::string err = slurp(dir_ / "feed.err");
    EXPECT_NE(err.find("redis sink (stream work): waited"), std::string::npos) << err;
}

TEST_F(RedisQueue, RedisKilledAndRestartedMidRunLosesNothing) {
    server_ = std::make_unique<wprun::testing::redis_server>(/*durable=*/true);
    const int n = 20000;
    write("feed.yaml", "name: feed\nsource: {type: range, count: " + std::to_string(n) +
                           "}\nstages:\n  - {name: pass, processor: chaos}\n"
                           "sink: {type: redis, port: " +
                           port() +
                           ", stream: work, batch: 64, max_backlog: 3000, backlog_group: wprun, "
                           "max_wait: 60s}\n");
    // The worker's block outlasts the feeder's reconnect backoff (up to 2 s a try) plus its
    // backlog poll (up to 1 s): else, on a slow machine, the worker ends while the feeder is
    // still reconnecting (docs/scale-out.md, "Workers' block").
    write("w.yaml", "name: worker\nsource: {type: redis, port: " + port() +
                        ", stream: work, consumer: w, block: 8s}\n"
                        "stages:\n  - {name: slow, processor: chaos, workers: 2, config: "
                        "{sleep: 100us}}\nsink: {type: lines, path: out-w.txt}\n");
    pid_t feeder = spawn((dir_ / "feed.yaml").string(), (dir_ / "feed.err").string());
    pid_t worker = spawn((dir_ / "w.yaml").string(), (dir_ / "w.err").string());
    // Mid-run: the feeder is past the backlog limit, so the worker has taken thousands.
    for (int i = 0; i < 10000 && server_->integer({"XLEN", "work"}) < 6000; ++i) ::usleep(2000);
    server_->kill();  // a crash: what was acknowledged to a client is in the append-only file
    ::usleep(500000);
    server_->start();
    EXPECT_EQ(wait_for(feeder), 0) << slurp(dir_ / "feed.err");
    EXPECT_EQ(wait_for(worker), 0) << slurp(dir_ / "w.err");

    std::map<std::string, int> seen;
    size_t lines = 0;
    for (const auto& l : lines_of(slurp(dir_ / "out-w.txt"))) {
        ++seen[l];
        ++lines;
    }
    for (int i = 0; i < n; ++i) EXPECT_GE(seen[std::to_string(i)], 1) << "lost: " << i;
    EXPECT_EQ(seen.size(), static_cast<size_t>(n));
    EXPECT_EQ(server_->run({"XPENDING", "work", "wprun"})->element[0]->integer, 0);
    std::string err = slurp(dir_ / "w.err");
    EXPECT_NE(err.find("1 reconnect(s)"), std::string::npos) << err;
    std::printf("redis restarted: %zu lines for %d items (%zu twice)\n", lines, n,
                lines - seen.size());
}

TEST_F(RedisQueue, AWorkerKilledMidRunLosesNothing) {
    const int n = 100000;  // as issue #8 asks
    write("feed.yaml",
          "name: feed\nsource: {type: range, count: " + std::to_string(n) +
              "}\nstages:\n  - {name: pass, processor: chaos}\nsink: {type: redis, port: " +
              port() + ", stream: work}\n");
    ASSERT_EQ(wprun("run -q " + (dir_ / "feed.yaml").string()).code, 0);
    auto pipeline = [&](const std::string& c) {
        write(c + ".yaml", "name: worker\nsource: {type: redis, port: " + port() +
                               ", stream: work, consumer: " + c +
                               ", block: 200ms, claim_idle: 3s}\n"
                               "stages:\n  - {name: slow, processor: chaos, workers: 2, config: "
                               "{sleep: 200us}}\n"
                               "sink: {type: lines, path: out-" +
                               c + ".txt}\n");
        return (dir_ / (c + ".yaml")).string();
    };
    pid_t a = spawn(pipeline("a"), (dir_ / "a.err").string());
    pid_t b = spawn(pipeline("b"), (dir_ / "b.err").string());
    pid_t c = spawn(pipeline("c"), (dir_ / "c.err").string());
    // Kill `a` once it has written some output (its writes reach the file in 64 KiB blocks).
    while (lines_of(slurp(dir_ / "out-a.txt")).size() < 1000 && ::waitpid(a, nullptr, WNOHANG) == 0)
        ::usleep(2000);
    ::kill(a, SIGKILL);
    wait_for(a);
    redisReply* r = server_->run({"XPENDING", "work", "wprun", "-", "+", "100000", "a"});
    uint64_t in_flight = r->elements;  // read by `a`, never acknowledged
    EXPECT_EQ(wait_for(b), 0) << slurp(dir_ / "b.err");
    EXPECT_EQ(wait_for(c), 0) << slurp(dir_ / "c.err");

    std::map<std::string, int> seen;
    size_t lines = 0;
    for (const char* w : {"a", "b", "c"})
        for (const auto& l : lines_of(slurp(dir_ / ("out-" + std::string(w) + ".txt")))) {
            ++seen[l];
            ++lines;
        }
    for (int i = 0; i < n; ++i) EXPECT_GE(seen[std::to_string(i)], 1) << "lost: " << i;
    EXPECT_EQ(seen.size(), static_cast<size_t>(n));
    uint64_t duplicates = lines - seen.size();
    uint64_t redelivered =
        redelivered_in(slurp(dir_ / "b.err")) + redelivered_in(slurp(dir_ / "c.err"));
    EXPECT_EQ(redelivered, in_flight);  // the others took over exactly what `a` held
    EXPECT_LE(duplicates, in_flight);   // only what `a` wrote but had not acknowledged
    EXPECT_EQ(server_->run({"XPENDING", "work", "wprun"})->element[0]->integer, 0);
    std::printf("killed a: %llu in flight, %llu redelivered, %llu duplicates in the outputs\n",
                static_cast<unsigned long long>(in_flight),
                static_cast<unsigned long long>(redelivered),
                static_cast<unsigned long long>(duplicates));
}

}  // namespace
