// What watching a run adds on the calling thread, per tick and per scrape: publishing the
// snapshot to the metrics board, the progress line, and formatting /metrics. The engine's
// snapshot itself is taken every tick whether or not anyone watches (the report's timeline).
#include <benchmark/benchmark.h>

#include <cstdio>

#include "cli/metrics_server.h"
#include "cli/progress.h"
#include "cli/prometheus.h"

namespace {

using namespace wprun;

engine::run_report one_stage_report() {
    engine::run_report r;
    r.total = 10'000'000;
    r.stages.resize(1);
    r.stages[0].name = "spin";
    engine::latency_histogram h;
    for (int64_t ns = 1; ns < 1'000'000'000; ns = ns * 3 + 1) h.record(ns, 100);
    h.merge_into(r.stages[0].latency);
    return r;
}

void publish_to_board(benchmark::State& state) {
    engine::run_report r = one_stage_report();
    cli::metrics_board board("spin", r);
    for (auto _ : state) {
        ++r.totals.read;
        board.publish(r, false);
    }
}
BENCHMARK(publish_to_board);

void progress_line(benchmark::State& state) {
    engine::run_report r = one_stage_report();
    std::FILE* null = std::fopen("/dev/null", "w");
    cli::progress p(null, "spin", false);
    double now = 0;
    for (auto _ : state) {
        ++r.totals.written;
        p.update(r, now += 0.05);
    }
    std::fclose(null);
}
BENCHMARK(progress_line);

void format_metrics(benchmark::State& state) {
    cli::metrics_snapshot m;
    m.report = one_stage_report();
    for (auto _ : state) benchmark::DoNotOptimize(cli::prometheus_text(m));
}
BENCHMARK(format_metrics);

}  // namespace

BENCHMARK_MAIN();
