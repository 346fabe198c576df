// Token bucket (GCRA on one atomic): the cost of `reserve` per item, uncontended and with every
// benchmark thread sharing one limiter (a named limiter used by several workers). The rate is
// high enough that no call has to wait, so this is the limiter's own overhead.
#include <benchmark/benchmark.h>

#include <memory>

#include "engine/policy/clock.h"
#include "engine/policy/token_bucket.h"

namespace {

using wprun::engine::token_bucket;

std::unique_ptr<token_bucket> shared_bucket;

void BM_TokenBucketReserve(benchmark::State& state) {
    if (state.thread_index() == 0)
        shared_bucket = std::make_unique<token_bucket>(1e15, 1e9, wprun::engine::system_clock());
    int64_t waited = 0;
    for (auto _ : state) waited += shared_bucket->reserve();
    benchmark::DoNotOptimize(waited);
    state.SetItemsProcessed(state.iterations());
}

void BM_TokenBucketReserveManualClock(benchmark::State& state) {
    wprun::engine::manual_clock time;
    token_bucket bucket(1e15, 1e9, time);
    int64_t waited = 0;
    for (auto _ : state) waited += bucket.reserve();
    benchmark::DoNotOptimize(waited);
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_TokenBucketReserve)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_TokenBucketReserveManualClock);

}  // namespace

BENCHMARK_MAIN();
