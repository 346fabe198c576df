// Circuit breaker: admit + record per call, the cost a stage with `breaker:` pays per item.
// Closed with successes (the common path), ratio mode (keeps a window of outcomes), and shared
// by two threads (the breaker is per stage, so its workers share its mutex).
#include <benchmark/benchmark.h>

#include <memory>

#include "engine/policy/circuit_breaker.h"
#include "engine/policy/clock.h"

namespace {

using wprun::engine::breaker_spec;
using wprun::engine::circuit_breaker;

std::unique_ptr<circuit_breaker> shared_breaker;

breaker_spec spec_of(bool ratio) {
    breaker_spec s;
    if (ratio) s.ratio = 0.5;
    s.window = 100;
    return s;
}

void BM_BreakerAdmitRecord(benchmark::State& state) {
    if (state.thread_index() == 0)
        shared_breaker = std::make_unique<circuit_breaker>(spec_of(state.range(0) != 0),
                                                           wprun::engine::system_clock());
    uint64_t allowed = 0;
    for (auto _ : state) {
        auto v = shared_breaker->admit();
        allowed += v != circuit_breaker::verdict::reject;
        shared_breaker->record(v, true);
    }
    benchmark::DoNotOptimize(allowed);
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_BreakerAdmitRecord)
    ->ArgName("ratio")
    ->Arg(0)
    ->Arg(1)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
