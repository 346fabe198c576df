// `workers: adaptive` in a running stage: a backend whose latency depends on how many calls run
// at once converges near its knee. Latency is virtual (a clock of the test), so what the stage
// measures is exactly the backend's latency function, whatever the machine's load.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "engine/pipeline.h"
#include "support/engine_fixtures.h"

namespace wprun::engine {
namespace {

using namespace wprun::testing;
using namespace std::chrono_literals;

constexpr int64_t ms = 1'000'000;

/// Worker threads have their own virtual time, moved only by their calls' `sleep_for`; every
/// other thread (the supervisor, which closes the limit's windows) sees `base`, which the test
/// moves each tick. So a call's measured latency is exactly what it slept, never wall time.
class split_clock : public clock {
public:
    int64_t now_ns() const noexcept override { return worker() ? own() : base_.load(); }
    bool sleep_for(int64_t ns, const std::atomic<bool>*) override {
        own() += ns;
        return true;
    }
    void advance(int64_t ns) noexcept { base_.fetch_add(ns); }
    static bool& worker() noexcept {
        thread_local bool w = false;
        return w;
    }

private:
    static int64_t& own() noexcept {
        thread_local int64_t t = 0;
        return t;
    }
    std::atomic<int64_t> base_{0};
};

split_clock* the_clock = nullptr;

/// A backend with a knee: 10ms per call while at most `knee` calls run at once, 10ms more for
/// each call above it. Each call also takes a little real time, so that calls overlap.
struct knee_backend {
    static constexpr const char* name = "knee_backend";
    static constexpr const char* description = "latency grows past a concurrency knee";
    static inline std::atomic<int> in_flight{0};
    struct worker {
        worker() { split_clock::worker() = true; }  // runs on the worker's thread
    };
    static std::vector<wprun::field> schema() {
        return {{"knee", WPRUN_TYPE_INT, "8", false, "calls at once before latency grows"}};
    }
    explicit knee_backend(const wprun::config& c) : knee(c.get_int("knee", 8)) {}
    wprun::result process(worker&, const wprun::job& j, wprun::emitter& out) const {
        int64_t n = in_flight.fetch_add(1) + 1;
        the_clock->sleep_for(10 * ms * (1 + std::max<int64_t>(0, n - knee)), nullptr);
        std::this_thread::sleep_for(500us);
        in_flight.fetch_sub(1);
        out.emit(j.payload);
        return {};
    }
    int64_t knee;
};

TEST(AdaptiveStage, ConvergesNearTheKneeOfItsBackend) {
    use_engine_host();
    split_clock time;
    the_clock = &time;
    auto cfg = make_stage<knee_backend>("backend", 32, {{"knee", "8"}}, 1024);
    adaptive_spec a;
    a.max = 32;
    cfg.adaptive = a;
    cfg.time = &time;
    pipeline p({std::move(cfg)});
    counting_source src(6000);
    vector_sink sink;
    vector_error_sink errors;
    run_options opts;
    opts.tick = 2ms;
    opts.on_tick = [&](const run_report&) { time.advance(25 * ms); };  // a window: 4 ticks
    auto r = p.run(src, sink, errors, opts);

    const stage_report& s = r.stages.at(0);
    ASSERT_TRUE(s.concurrency);
    EXPECT_EQ(s.workers, 32u);  // the threads; the limit decides how many process
    ASSERT_FALSE(s.scaling.empty());
    unsigned top = 0;
    for (const auto& e : s.scaling) top = std::max(top, e.to);
    EXPECT_GE(top, 8u);   // it found the knee ...
    EXPECT_LE(top, 13u);  // ... and backed off soon after passing it
    EXPECT_TRUE(std::any_of(s.scaling.begin(), s.scaling.end(),
                            [](const scale_event& e) { return e.reason == "latency"; }));
    EXPECT_GE(s.concurrency->limit, 5u);
    EXPECT_LE(s.concurrency->limit, 12u);
    EXPECT_EQ(r.totals.written, 6000u);
    EXPECT_TRUE(r.totals.balanced());
}

/// RETRY for every item: an overloaded backend that says so.
struct refusing {
    static constexpr const char* name = "refusing";
    static constexpr const char* description = "always RETRY";
    explicit refusing(const wprun::config&) {}
    wprun::result process(const wprun::job&, wprun::emitter&) const {
        std::this_thread::sleep_for(1ms);
        return wprun::retry("busy");
    }
};

TEST(AdaptiveStage, RetryStatusesBringTheLimitDown) {
    use_engine_host();
    manual_clock time;
    auto cfg = make_stage<refusing>("backend", 8, {}, 1024);
    adaptive_spec a;
    a.max = 8;
    a.initial = 8;
    cfg.adaptive = a;
    cfg.time = &time;
    pipeline p({std::move(cfg)});
    counting_source src(600);
    vector_sink sink;
    vector_error_sink errors;
    run_options opts;
    opts.tick = 2ms;
    opts.on_tick = [&](const run_report&) { time.advance(50 * ms); };
    auto r = p.run(src, sink, errors, opts);
    const stage_report& s = r.stages.at(0);
    ASSERT_FALSE(s.scaling.empty());
    EXPECT_EQ(s.scaling.front().reason, "errors");
    EXPECT_EQ(s.scaling.front().from, 8u);
    EXPECT_EQ(s.scaling.front().to, 7u);
    for (const auto& e : s.scaling) EXPECT_LT(e.to, e.from);
    EXPECT_EQ(r.totals.failed, 600u);
    EXPECT_TRUE(r.totals.balanced());
}

}  // namespace
}  // namespace wprun::engine
