// A worker thread that cannot start (the process is out of threads) fails the run cleanly: no
// hang, no terminate, every item read accounted for, and a message that says what to do. Also:
// the source starts once every stage has one worker, and the report still counts every worker.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "engine/pipeline.h"
#include "support/engine_fixtures.h"

namespace wprun::engine {
namespace {

using namespace wprun::testing;

/// Starts threads as std::thread does, but refuses the `fail_at`-th start (1-based, counted over
/// every stage given it) with the error std::thread throws when the process is out of threads.
/// `before` runs before each start after the first.
thread_starter starter(std::shared_ptr<std::atomic<int>> calls,
                       int fail_at,
                       std::function<void()> before = {}) {
    return [calls, fail_at, before](std::function<void()> body) {
        int n = ++*calls;
        if (n == fail_at)
            throw std::system_error(
                std::make_error_code(std::errc::resource_unavailable_try_again));
        if (n > 1 && before) before();
        return std::thread(std::move(body));
    };
}

class WorkerStartTest : public ::testing::Test {
protected:
    void SetUp() override { use_engine_host(); }

    /// Stages `a` (4 workers) and `b` (3), whose thread starts share one counter: the first
    /// worker of each stage is start 1 and 2, then a's others 3-5, then b's 6-7.
    run_report run_failing_at(int fail_at, source& src, run_options o = {}) {
        auto calls = std::make_shared<std::atomic<int>>(0);
        auto a = make_stage<echo>("a", 4);
        auto b = make_stage<echo>("b", 3);
        a.start_thread = b.start_thread = starter(calls, fail_at);
        pipeline p({std::move(a), std::move(b)});
        auto r = p.run(src, sink, errors, o);
        EXPECT_EQ(calls->load(), fail_at) << "no thread start after the failed one";
        return r;
    }

    vector_sink sink;
    vector_error_sink errors;
};

void expect_failed_with(const run_report& r, const std::string& what) {
    EXPECT_EQ(r.stopped, stop_reason::error);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_NE(r.problems[0].find(what), std::string::npos) << r.problems[0];
    EXPECT_NE(r.problems[0].find("lower workers: or raise ulimit -u"), std::string::npos)
        << r.problems[0];
    EXPECT_TRUE(r.totals.balanced()) << "read " << r.totals.read << " written " << r.totals.written
                                     << " cancelled " << r.totals.cancelled;
}

TEST_F(WorkerStartTest, AFirstWorkerThatCannotStartRefusesTheRunBeforeAnyItemIsRead) {
    counting_source src(10000);
    auto r = run_failing_at(2, src);
    expect_failed_with(r, "cannot start worker thread 1 of stage 'b': ");
    EXPECT_EQ(r.totals.read, 0u);
    EXPECT_TRUE(sink.lines.empty());
    EXPECT_TRUE(sink.closed);
    EXPECT_EQ(r.stages[0].workers, 1u);  // a's first worker ran, found nothing, and ended
    EXPECT_EQ(r.stages[1].workers, 0u);
}

TEST_F(WorkerStartTest, TheFirstStagesFirstWorkerFailingRefusesTheRunToo) {
    counting_source src(10000);
    auto r = run_failing_at(1, src);
    expect_failed_with(r, "cannot start worker thread 1 of stage 'a': ");
    EXPECT_EQ(r.totals.read, 0u);
    EXPECT_TRUE(sink.closed);
}

TEST_F(WorkerStartTest, AWorkerFailingAfterTheSourceStartedCancelsWhatWasReadAndEnds) {
    counting_source src(200000);
    auto r = run_failing_at(4, src);
    expect_failed_with(r, "cannot start worker thread 3 of stage 'a': ");
    EXPECT_LT(r.totals.read, 200000u);  // intake stopped
    EXPECT_EQ(r.stages[0].workers, 2u);
    EXPECT_EQ(r.stages[1].workers, 1u);  // b starts no more once a failed
    EXPECT_TRUE(sink.closed);
}

TEST_F(WorkerStartTest, AnOrderedRunEndsCleanlyWhenALaterStagesWorkerCannotStart) {
    counting_source src(200000);
    run_options o;
    o.ordered = true;
    o.window = 256;
    auto r = run_failing_at(6, src, o);
    expect_failed_with(r, "cannot start worker thread 2 of stage 'b': ");
    EXPECT_EQ(r.stages[0].workers, 4u);
    EXPECT_EQ(r.stages[1].workers, 1u);
    for (size_t i = 1; i < sink.lines.size(); ++i)  // what was written is still in order
        ASSERT_LT(std::stoull(sink.lines[i - 1]), std::stoull(sink.lines[i]));
}

TEST_F(WorkerStartTest, ADynamicStageWhoseMinimumCannotStartEndsCleanlyAndScalesNoFurther) {
    counting_source src(200000);
    auto calls = std::make_shared<std::atomic<int>>(0);
    auto a = make_stage<echo>("a", 1);
    a.min_workers = 3;
    a.max_workers = 6;
    a.scale_up_after_ns = 1;  // would add a worker at every tick
    a.start_thread = starter(calls, 3);
    pipeline p({std::move(a)});
    run_options o;
    o.tick = std::chrono::milliseconds(1);
    auto r = p.run(src, sink, errors, o);
    expect_failed_with(r, "cannot start worker thread 3 of stage 'a': ");
    EXPECT_EQ(calls->load(), 3);  // the cancelled run starts no worker in `scale`
    EXPECT_EQ(r.stages[0].max_workers_seen, 2u);
    EXPECT_TRUE(sink.closed);
}

/// Counts what it wrote, for another thread to see.
class counted_sink : public vector_sink {
public:
    void write(const item& it) override {
        vector_sink::write(it);
        ++written;
    }
    std::atomic<int> written{0};
};

TEST_F(WorkerStartTest, TheReportCountsEveryWorkerStartedEvenIfTheFirstDrainedTheInput) {
    // The other workers start only once the first has run every item (they reached the sink):
    // it then waits to leave; the stage must still count (and end with) all eight.
    counting_source src(3);
    counted_sink out;
    auto calls = std::make_shared<std::atomic<int>>(0);
    auto a = make_stage<echo>("a", 8);
    a.start_thread = starter(calls, 0, [&out] {
        for (int i = 0; i < 10'000 && out.written < 3; ++i)  // bounded: never hangs the test
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    pipeline p({std::move(a)});
    auto r = p.run(src, out, errors, {});
    EXPECT_EQ(out.written, 3);
    EXPECT_EQ(r.stopped, stop_reason::none);
    EXPECT_EQ(r.stages[0].workers, 8u);
    EXPECT_EQ(r.stages[0].per_worker_in.size(), 8u);
    EXPECT_EQ(r.stages[0].per_worker_in[0], 3u);
    EXPECT_EQ(r.totals.written, 3u);
    EXPECT_TRUE(r.totals.balanced());
}

}  // namespace
}  // namespace wprun::engine
