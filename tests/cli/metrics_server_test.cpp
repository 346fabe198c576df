#include "cli/metrics_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <string>
#include <thread>

#include "detail/error.h"
#include "support/prometheus_text.h"

namespace wprun::cli {
namespace {

using wprun::testing::parse_prometheus;

engine::run_report two_stages(unsigned first_workers, unsigned second_workers) {
    engine::run_report r;
    r.stages.resize(2);
    r.stages[0].name = "parse";
    r.stages[0].workers = first_workers;
    r.stages[1].name = "hash";
    r.stages[1].workers = second_workers;
    return r;
}

TEST(MetricsListen, HostAndPortAreParsed) {
    auto a = parse_listen_address("127.0.0.1:9464");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "127.0.0.1");
    EXPECT_EQ(a->port, 9464);
    EXPECT_EQ(parse_listen_address("localhost:0")->port, 0);
    EXPECT_EQ(parse_listen_address("[::1]:80")->host, "::1");
    EXPECT_EQ(parse_listen_address(":9464")->host, "0.0.0.0");
}

TEST(MetricsListen, AddressesWithoutAValidPortAreRefused) {
    for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:65536",
                            "127.0.0.1:-1", "::1:80", "host:12x"})
        EXPECT_FALSE(parse_listen_address(bad)) << bad;
}

TEST(MetricsBoard, ReadyOnlyOnceEveryStageHasStarted) {
    metrics_board board("p", two_stages(0, 0));
    EXPECT_FALSE(board.ready());
    board.publish(two_stages(2, 0), false);
    EXPECT_FALSE(board.ready());
    board.publish(two_stages(2, 1), false);
    EXPECT_TRUE(board.ready());
    EXPECT_TRUE(board.latest()->running);
}

TEST(MetricsBoard, TheFinalReportIsReadyAndNotRunning) {
    metrics_board board("p", two_stages(0, 0));
    EXPECT_FALSE(board.latest()->running);
    EXPECT_EQ(board.latest()->report.stages.size(), 2u);  // named before the first tick
    board.publish(two_stages(0, 0), true);
    EXPECT_TRUE(board.ready());
    EXPECT_TRUE(board.latest()->finished);
    EXPECT_FALSE(board.latest()->running);
    EXPECT_EQ(board.latest()->pipeline, "p");
}

TEST(MetricsServer, ServesHealthReadinessAndMetricsOverHttp) {
    metrics_board board("demo", two_stages(0, 0));
    metrics_server server(board, {"127.0.0.1", 0});
    ASSERT_GT(server.port(), 0);
    httplib::Client client("127.0.0.1", server.port());
    auto health = client.Get("/healthz");
    ASSERT_TRUE(health) << httplib::to_string(health.error());
    EXPECT_EQ(health->status, 200);
    EXPECT_EQ(client.Get("/ready")->status, 503);

    engine::run_report r = two_stages(1, 3);
    r.totals.read = 42;
    board.publish(r, false);
    EXPECT_EQ(client.Get("/ready")->status, 200);
    auto metrics = client.Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->status, 200);
    EXPECT_EQ(metrics->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
    auto text = parse_prometheus(metrics->body);
    EXPECT_TRUE(text.problems.empty()) << ::testing::PrintToString(text.problems);
    EXPECT_EQ(text.value("wprun_source_items_read_total"), 42);
    EXPECT_EQ(text.value("wprun_run_up"), 1);
    EXPECT_EQ(text.value("wprun_stage_items_in_total", {{"stage", "hash"}}), 0);
    EXPECT_EQ(client.Get("/nothing")->status, 404);
}

TEST(MetricsServer, AnAddressInUseIsAStartupError) {
    metrics_board board("demo", two_stages(0, 0));
    metrics_server first(board, {"127.0.0.1", 0});
    EXPECT_THROW(metrics_server(board, {"127.0.0.1", first.port()}), startup_error);
}

TEST(MetricsServer, UrlNamesHostAndPort) {
    metrics_board board("demo", two_stages(0, 0));
    metrics_server server(board, {"127.0.0.1", 0});
    EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.port()));
}

TEST(MetricsServer, EachScrapeSeesOneWholeSnapshotWhilePublishesGoOn) {
    metrics_board board("demo", two_stages(0, 0));
    metrics_server server(board, {"127.0.0.1", 0});
    std::atomic<bool> done{false};
    std::thread publisher([&] {
        for (uint64_t i = 1; !done.load(); ++i) {
            engine::run_report r = two_stages(1, 1);
            r.totals.read = i;
            r.stages[0].counts.in = i;  // the same number twice: a torn snapshot would differ
            board.publish(r, false);
        }
    });
    httplib::Client client("127.0.0.1", server.port());
    for (int i = 0; i < 20; ++i) {
        auto res = client.Get("/metrics");
        ASSERT_TRUE(res);
        auto text = parse_prometheus(res->body);
        EXPECT_TRUE(text.problems.empty());
        EXPECT_EQ(text.value("wprun_source_items_read_total"),
                  text.value("wprun_stage_items_in_total", {{"stage", "parse"}}));
    }
    done = true;
    publisher.join();
}

TEST(MetricsServer, StopsCleanlyRightAfterStarting) {
    metrics_board board("demo", two_stages(0, 0));
    for (int i = 0; i < 20; ++i) metrics_server server(board, {"127.0.0.1", 0});
}

}  // namespace
}  // namespace wprun::cli
