// Reorder window: the ordered sink's cost per item. Items arrive in order (the best case),
// shuffled within blocks of `range(0)` (what a pool of workers produces), and as markers only
// (filtered items: complete without an output). Reports items/s through add/complete + release.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "engine/reorder_window.h"

namespace {

using wprun::engine::item;
using wprun::engine::reorder_window;
constexpr size_t items_per_run = 1 << 16;
constexpr size_t window = 16384;

/// Sequence numbers 0..n-1, shuffled within consecutive blocks of `block` (1 = in order).
std::vector<uint64_t> arrival_order(size_t n, size_t block) {
    std::vector<uint64_t> seqs(n);
    std::iota(seqs.begin(), seqs.end(), 0);
    std::mt19937_64 rng(42);
    for (size_t i = 0; block > 1 && i < n; i += block)
        std::shuffle(seqs.begin() + long(i), seqs.begin() + long(std::min(n, i + block)), rng);
    return seqs;
}

void BM_ReorderWindowOutputs(benchmark::State& state) {
    auto seqs = arrival_order(items_per_run, static_cast<size_t>(state.range(0)));
    uint64_t written = 0, base = 0;
    reorder_window w(window);  // one per run, as in the sink: steady state, not its construction
    for (auto _ : state) {
        for (size_t i = 0; i < seqs.size(); i += 256) {  // the sink pops 256 at a time
            for (size_t k = i; k < std::min(seqs.size(), i + 256); ++k) {
                item it;
                it.seq = base + seqs[k];
                it.payload.assign("0123456789abcdef");
                w.add(std::move(it));
            }
            w.release([&](const item& it) { written += it.payload.size(); });
        }
        base += seqs.size();
    }
    benchmark::DoNotOptimize(written);
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items_per_run));
}

void BM_ReorderWindowMarkers(benchmark::State& state) {
    auto seqs = arrival_order(items_per_run, static_cast<size_t>(state.range(0)));
    size_t released = 0;
    uint64_t base = 0;
    reorder_window w(window);
    for (auto _ : state) {
        for (size_t i = 0; i < seqs.size(); i += 256) {
            for (size_t k = i; k < std::min(seqs.size(), i + 256); ++k)
                w.complete(base + seqs[k], wprun::engine::full_weight);
            released += w.release([](const item&) {});
        }
        base += seqs.size();
    }
    benchmark::DoNotOptimize(released);
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items_per_run));
}

BENCHMARK(BM_ReorderWindowOutputs)->Arg(1)->Arg(64)->Arg(4096);
BENCHMARK(BM_ReorderWindowMarkers)->Arg(1)->Arg(4096);

}  // namespace

BENCHMARK_MAIN();
