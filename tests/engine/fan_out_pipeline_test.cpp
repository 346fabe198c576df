// A fan-out stage inside a running pipeline: ordered output after broadcast, routing, policies.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/fan_out.h"
#include "engine/pipeline.h"
#include "support/fan_out_fixtures.h"

namespace wprun::engine {
namespace {

using namespace wprun::testing;

class FanOutPipeline : public ::testing::Test {
protected:
    void SetUp() override {
        use_engine_host();
        counted::calls = 0;
    }

    run_report run(std::vector<stage_config> stages, source& src, run_options opts = {}) {
        pipeline p(std::move(stages));
        run_report r = p.run(src, sink, errors, opts);
        EXPECT_TRUE(r.totals.balanced())
            << "read " << r.totals.read << " spawned " << r.totals.spawned << " written "
            << r.totals.written << " filtered " << r.totals.filtered << " failed "
            << r.totals.failed << " cancelled " << r.totals.cancelled;
        return r;
    }

    static run_options ordered(size_t window = 64) {
        run_options o;
        o.ordered = true;
        o.window = window;
        return o;
    }

    vector_sink sink;
    vector_error_sink errors;
};

TEST_F(FanOutPipeline, OrderedBroadcastWritesEveryBranchOutputInSourceOrder) {
    fan_out f(fan_out_mode::broadcast,
              {branch<jitter>("slow", {{"max_us", "200"}}), branch<tag>("t", {{"text", "t"}})});
    counting_source src(2000);
    auto r = run({fan_out_stage("fan", f, 4)}, src, ordered());
    std::vector<std::string> expected;
    for (int i = 0; i < 2000; ++i) {
        expected.push_back(std::to_string(i));
        expected.push_back("t:" + std::to_string(i));
    }
    EXPECT_EQ(sink.lines, expected);
    EXPECT_EQ(r.totals.spawned, 2000u);
    EXPECT_EQ(r.stages[0].processor, "broadcast(slow, t)");
    auto counts = f.counts();
    EXPECT_EQ(counts[0].items, 2000u);
    EXPECT_EQ(counts[1].outputs, 2000u);
}

TEST_F(FanOutPipeline, FanOutPathsComposeWithALaterFanOutStage) {
    fan_out f(fan_out_mode::broadcast, {branch<tag>("a", {{"text", "a"}}), branch<echo>("e")});
    counting_source src(500);
    run({make_stage<jitter>("slow", 3, {{"max_us", "50"}}), fan_out_stage("fan", f, 3),
         make_stage<fanout>("split", 2, {{"n", "2"}})},
        src, ordered(32));
    std::vector<std::string> expected;
    for (int i = 0; i < 500; ++i)
        for (std::string s : {"a:" + std::to_string(i), std::to_string(i)})
            for (int k = 0; k < 2; ++k) expected.push_back(s + "." + std::to_string(k));
    EXPECT_EQ(sink.lines, expected);
}

TEST_F(FanOutPipeline, RouteSendsEachItemToItsBranchAndFiltersTheUnrouted) {
    // Even numbers to "even", multiples of 5 to "five" (10 goes to both); 1, 3, 7, 9 nowhere.
    fan_out f(fan_out_mode::route, {branch<tag>("even", {{"text", "even"}}, {"[02468]$"}),
                                    branch<tag>("five", {{"text", "five"}}, {"[05]$"})});
    counting_source src(20);
    auto r = run({fan_out_stage("route", f, 2)}, src, ordered());
    std::vector<std::string> expected;
    for (int i = 0; i < 20; ++i) {
        if (i % 2 == 0) expected.push_back("even:" + std::to_string(i));
        if (i % 5 == 0) expected.push_back("five:" + std::to_string(i));
    }
    EXPECT_EQ(sink.lines, expected);
    EXPECT_EQ(r.totals.filtered, 8u);
    EXPECT_EQ(f.unrouted(), 8u);
}

TEST_F(FanOutPipeline, ARetriedItemCallsTheBranchThatSucceededOnlyOnce) {
    fan_out f(fan_out_mode::broadcast,
              {branch<counted>("c"), branch<flaky>("f", {{"fails", "2"}})});
    stage_config s = fan_out_stage("fan", f, 3);
    s.retry = retry_spec{};
    s.retry->attempts = 3;
    s.retry->initial_ns = 1000;
    s.retry->max_ns = 1000;
    counting_source src(300);
    auto r = run({std::move(s)}, src, ordered());
    ASSERT_EQ(sink.lines.size(), 600u);
    for (int i = 0; i < 300; ++i) {
        EXPECT_EQ(sink.lines[2 * i], std::to_string(i));
        EXPECT_EQ(sink.lines[2 * i + 1], std::to_string(i) + "@3");
    }
    EXPECT_EQ(counted::calls, 300);
    EXPECT_EQ(r.stages[0].counts.retried, 600u);
}

TEST_F(FanOutPipeline, ABranchFailureFailsTheItemOnceWithTheBranchName) {
    fan_out f(fan_out_mode::broadcast,
              {branch<echo>("e"), branch<faulty>("check", {{"every", "10"}})});
    counting_source src(100);
    auto r = run({fan_out_stage("fan", f, 2)}, src, ordered());
    EXPECT_EQ(r.totals.failed, 10u);
    EXPECT_EQ(r.totals.written, 180u);
    ASSERT_EQ(errors.failures.size(), 10u);
    std::vector<std::string> messages;  // the error output is not ordered: workers race
    for (const auto& failure : errors.failures) {
        EXPECT_EQ(failure.stage, "fan");
        messages.push_back(failure.message);
    }
    std::sort(messages.begin(), messages.end());
    EXPECT_EQ(messages.front(), "branch 'check': bad item 0");
    EXPECT_EQ(messages.back(), "branch 'check': bad item 90");
}

TEST_F(FanOutPipeline, ABatchedStageKeepsOrderAndFailsOnlyBadItems) {
    fan_out f(fan_out_mode::broadcast, {branch<batch_upper>("up"), branch<tag>("t")});
    stage_config s = fan_out_stage("fan", f, 2);
    s.batch = batch_spec{};
    s.batch->items = 16;
    vector_source src({"a", "bad", "c", "d"});
    auto r = run({std::move(s)}, src, ordered());
    EXPECT_EQ(sink.lines, (std::vector<std::string>{"A", "t:a", "C", "t:c", "D", "t:d"}));
    EXPECT_EQ(r.totals.failed, 1u);
}

TEST_F(FanOutPipeline, FlushOutputsOfABranchFollowTheItems) {
    fan_out f(fan_out_mode::broadcast, {branch<tag>("t"), branch<summer>("sum")});
    counting_source src(101);
    run({fan_out_stage("fan", f, 4)}, src, ordered());
    ASSERT_EQ(sink.lines.size(), 102u);
    EXPECT_EQ(sink.lines.front(), "t:0");
    EXPECT_EQ(sink.lines.back(), "sum=5050");
}

}  // namespace
}  // namespace wprun::engine
