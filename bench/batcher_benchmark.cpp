// Batcher (`batch:` on a stage): the cost per item of gathering batches and calling
// process_batch, against the same stage without `batch:` (adaptive per-item calls), end to end
// through an in-process pipeline (counting source → stage → discarding sink; no plugin loading).
// Arg: batch items (0 = no `batch:`).
#include <benchmark/benchmark.h>

#include <charconv>
#include <string>
#include <wprun/plugin.hpp>

#include "engine/host_api.h"
#include "engine/pipeline.h"

namespace {

using namespace wprun::engine;

class numbers : public source {
public:
    explicit numbers(uint64_t count) : count_(count) {}
    size_t read(item* out, size_t max) override {
        size_t n = 0;
        char digits[24];
        for (; n < max && next_ < count_; ++n) {
            auto r = std::to_chars(digits, digits + sizeof digits, next_++);
            out[n].payload.assign({digits, static_cast<size_t>(r.ptr - digits)});
        }
        return n;
    }

private:
    uint64_t count_, next_ = 0;
};

class discard : public sink {
public:
    void write(const item& it) override { bytes += it.payload.size(); }
    void close() override {}
    uint64_t bytes = 0;
};

class no_errors : public error_sink {
public:
    void write(const failure&) override {}
};

/// Passes items through; has process_batch, so `batch:` calls it once per batch.
struct pass {
    static constexpr const char* name = "pass";
    static constexpr const char* description = "passes items through";
    struct worker {};
    explicit pass(const wprun::config&) {}
    wprun::result process(worker&, const wprun::job& j, wprun::emitter& out) const {
        out.emit(j.payload);
        return {};
    }
    void process_batch(
        worker&, const wprun::job* jobs, size_t n, wprun::emitter& out, wprun::result*) const {
        for (size_t i = 0; i < n; ++i) {
            out.select(i);
            out.emit(jobs[i].payload);
        }
    }
};

constexpr uint64_t items_per_run = 200'000;

void BM_Batcher(benchmark::State& state) {
    wprun::detail::host_slot() = host_api();
    for (auto _ : state) {
        stage_config c;
        c.name = "pass";
        c.processor = pass::name;
        c.def = wprun::processor_def<pass>();
        c.workers = 1;
        if (state.range(0) > 0) c.batch = batch_spec{static_cast<size_t>(state.range(0)), 0, 0};
        std::vector<stage_config> stages;
        stages.push_back(std::move(c));
        pipeline p(std::move(stages));
        numbers src(items_per_run);
        discard out;
        no_errors errors;
        auto r = p.run(src, out, errors, run_options{});
        if (r.totals.written != items_per_run) state.SkipWithError("items lost");
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items_per_run));
}

BENCHMARK(BM_Batcher)
    ->ArgName("batch")
    ->Arg(0)
    ->Arg(16)
    ->Arg(256)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
