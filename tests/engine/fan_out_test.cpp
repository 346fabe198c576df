#include "engine/fan_out.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/host_api.h"
#include "support/fan_out_fixtures.h"

namespace wprun::engine {
namespace {

using namespace wprun::testing;

/// What one call of the composite returned: its status, outputs (by job) and message.
struct call_result {
    wprun_status status = WPRUN_OK;
    std::vector<std::string> outputs;
    std::vector<uint64_t> jobs;  ///< the job (emitter `job`) of each output
    std::string message;
};

/// Drives a fan_out's composite def the way a stage does: one instance, worker states, an
/// engine emitter.
class composite {
public:
    composite(fan_out_mode mode, std::vector<branch_config> branches)
        : plan(std::make_unique<fan_out>(mode, std::move(branches))) {}
    ~composite() { close(); }

    wprun_status create(std::string* message = nullptr) {
        auto entries = plan->stage_config_entries();
        wprun_config_entry e{entries[0].first.c_str(), entries[0].second.c_str()};
        wprun_config config{sizeof(wprun_config), &e, 1, "fan"};
        context.name = "fan";
        char text[1024] = {};
        wprun_error error{text, sizeof text};
        wprun_status st = def().create(&context, &config, &instance, &error);
        if (message) *message = text;
        return st;
    }

    wprun_status add_worker(std::string* message = nullptr) {
        void* state = nullptr;
        char text[1024] = {};
        wprun_error error{text, sizeof text};
        wprun_status st = def().worker_create(instance, &state, &error);
        if (message) *message = text;
        if (st == WPRUN_OK) workers.push_back(state);
        return st;
    }

    call_result process(std::string_view payload,
                        uint32_t attempt = 1,
                        std::string_view key = {},
                        size_t worker = 0,
                        uint64_t seq = 7) {
        wprun_job job{sizeof(wprun_job),
                      {payload.data(), payload.size()},
                      {key.data(), key.size()},
                      seq,
                      attempt,
                      0};
        char text[1024] = {};
        wprun_error error{text, sizeof text};
        prepare();
        call_result r;
        r.status = def().process(instance, workers.at(worker), &job, &emitter, &error);
        r.message = text;
        collect(r);
        return r;
    }

    std::vector<wprun_result> process_batch(const std::vector<std::string>& payloads,
                                            call_result& r) {
        std::vector<wprun_job> jobs;
        for (size_t i = 0; i < payloads.size(); ++i)
            jobs.push_back({sizeof(wprun_job),
                            {payloads[i].data(), payloads[i].size()},
                            {nullptr, 0},
                            i,
                            1,
                            0});
        messages.assign(payloads.size() * 1024, '\0');
        std::vector<wprun_result> results(payloads.size());
        for (size_t i = 0; i < results.size(); ++i)
            results[i] = {WPRUN_OK, {&messages[i * 1024], 1024}};
        prepare();
        def().process_batch(instance, workers.at(0), jobs.data(), jobs.size(), &emitter,
                            results.data());
        collect(r);
        return results;
    }

    call_result flush() {
        call_result r;
        if (def().flush == nullptr) return r;
        char text[1024] = {};
        wprun_error error{text, sizeof text};
        prepare();
        r.status = def().flush(instance, workers.data(), workers.size(), &emitter, &error);
        r.message = text;
        collect(r);
        return r;
    }

    /// Destroys the worker states (which adds their counts to the plan) and the instance.
    void close() {
        for (void* w : workers) def().worker_destroy(instance, w);
        workers.clear();
        if (instance) def().destroy(instance);
        instance = nullptr;
    }

    const wprun_processor_def& def() const { return *plan->def(); }

    std::unique_ptr<fan_out> plan;
    wprun_stage_context context;
    void* instance = nullptr;
    std::vector<void*> workers;
    wprun_emitter emitter;
    std::vector<item> outputs;
    std::vector<char> messages;

private:
    void prepare() {
        outputs.clear();
        emitter.out = &outputs;
        emitter.job = 0;
    }
    void collect(call_result& r) {
        for (const item& o : outputs) {
            r.outputs.push_back(o.payload.str());
            r.jobs.push_back(o.seq);
        }
    }
};

class FanOut : public ::testing::Test {
protected:
    void SetUp() override {
        use_engine_host();
        counted::calls = 0;
    }
};

using strings = std::vector<std::string>;

TEST_F(FanOut, NamesItsBranchesInItsProcessorText) {
    fan_out f(fan_out_mode::broadcast, {branch<tag>("a"), branch<counted>("b")});
    EXPECT_EQ(f.text(), "broadcast(a, b)");
    EXPECT_STREQ(f.def()->name, "broadcast(a, b)");
    fan_out r(fan_out_mode::route, {branch<tag>("x", {}, {"x"}), branch<tag>("y", {}, {"y"})});
    EXPECT_EQ(r.text(), "route(x, y)");
}

TEST_F(FanOut, BroadcastSendsEachItemToEveryBranchInFileOrder) {
    composite c(fan_out_mode::broadcast, {branch<tag>("a", {{"text", "A"}}), branch<counted>("c"),
                                          branch<tag>("b", {{"text", "B"}})});
    ASSERT_EQ(c.create(), WPRUN_OK);
    ASSERT_EQ(c.add_worker(), WPRUN_OK);
    call_result r = c.process("x");
    EXPECT_EQ(r.status, WPRUN_OK);
    EXPECT_EQ(r.outputs, (strings{"A:x", "x", "B:x"}));
    EXPECT_EQ(counted::calls, 1);
}

TEST_F(FanOut, RouteSendsAnItemToEveryBranchWhoseRuleMatches) {
    composite c(fan_out_mode::route, {branch<tag>("starts", {{"text", "s"}}, {"^e"}),
                                      branch<tag>("ends", {{"text", "e"}}, {"o$"}),
                                      branch<tag>("other", {{"text", "d"}}, {"", false, true})});
    ASSERT_EQ(c.create(), WPRUN_OK);
    ASSERT_EQ(c.add_worker(), WPRUN_OK);
    EXPECT_EQ(c.process("echo").outputs, (strings{"s:echo", "e:echo"}));
    EXPECT_EQ(c.process("eat").outputs, (strings{"s:eat"}));
    EXPECT_EQ(c.process("xyz").outputs, (strings{"d:xyz"}));  // no rule matched: default
}

TEST_F(FanOut, RouteCanMatchTheKeyInsteadOfThePayload) {
    composite c(fan_out_mode::route, {branch<tag>("json", {{"text", "j"}}, {"\\.json$", true}),
                                      branch<tag>("rest", {{"text", "r"}}, {"", false, true})});
    ASSERT_EQ(c.create(), WPRUN_OK);
    ASSERT_EQ(c.add_worker(), WPRUN_OK);
    EXPECT_EQ(c.process("{}", 1, "a.json").outputs, (strings{"j:{}"}));
    EXPECT_EQ(c.process("a.json", 1, "a.txt").outputs, (strings{"r:a.json"}));
}

TEST_F(FanOut, AnUnmatchedItemWithoutDefaultIsFilteredAndCounted) {
    composite c(fan_out_mode::route, {branch<tag>("e", {}, {"^e"})});
    ASSERT_EQ(c.create(), WPRUN_OK);
    ASSERT_EQ(c.add_worker(), WPRUN_OK);
    call_result r = c.process("zzz");
    EXPECT_EQ(r.status, WPRUN_OK);
    EXPECT_TRUE(r.outputs.empty());
    c.close();
    EXPECT_EQ(c.plan->unrouted(), 1u);
    EXPECT_EQ(c.plan->counts()[0].items, 0u);
}

TEST_F(FanOut, ABranchRejectFailsTheItemWithTheBranchNameAndEmitsNothing) {
    composite c(
        fan_out_mode::broadcast,
        {branch<tag>("ok"), branch<faulty>("check", {{"every", "1"}}), branch<counted>("c")});
    ASSERT_EQ(c.create(), WPRUN_OK);
    ASSERT_EQ(c.add_worker(), WPRUN_OK);
    call_result r = c.process("x");
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "branch 'check': bad item x");
    EXPECT_TRUE(r.outputs.empty());
    EXPECT_EQ(counted::calls, 0);  // after a REJECT the later branches are not called
}

TEST_F(FanOut, TheWorstBranchStatusDecides) {
    composite c(fan_out_mode::broadcast, {branch<flaky>("later", {{"fails", "5"}}),
                                          branch<faulty>("doomed", {{"fatal_at", "7"}})});
    ASSERT_EQ(c.create(), WPRUN_OK);
    ASSERT_EQ(c.add_worker(), WPRUN_OK);
    call_result r = c.process("x");
    EXPECT_EQ(r.status, WPRUN_FATAL);
    EXPECT_EQ(r.message, "branch 'doomed': cannot go on");
}

TEST_F(FanOut, ARetryCallsOnlyTheBranchesThatDidNotSucceed) {
    composite c(fan_out_mode::broadcast,
                {branch<counted>("c"), branch<flaky>("f", {{"fails", "2"}})});
    ASSERT_EQ(c.create(), WPRUN_OK);
    ASSERT_EQ(c.add_worker(), WPRUN_OK);
    call_result r1 = c.process("x", 1);
    EXPECT_EQ(r1.status, WPRUN_RETRY);
    EXPECT_EQ(r1.message, "branch 'f': try again");
    EXPECT_TRUE(r1.outputs.empty());
    EXPECT_EQ(c.process("x", 2).status, WPRUN_RETRY);
    call_result r3 = c.process("x", 3);
    EXPECT_EQ(r3.status, WPRUN_OK);
    EXPECT_EQ(r3.outputs, (strings{"x", "x@3"}));  // the kept output, in branch order
    EXPECT_EQ(counted::calls, 1);
    c.close();
    auto counts = c.plan->counts();
    EXPECT_EQ(counts[0].items, 1u);
    EXPECT_EQ(counts[1].items, 1u);
    EXPECT_EQ(counts[1].errors, 2u);
    EXPECT_EQ(counts[0].outputs + counts[1].outputs, 2u);
}

TEST_F(FanOut, ANewItemNeverReusesTheOutputsOfAnEarlierOne) {
    composite c(fan_out_mode::broadcast,
                {branch<counted>("c"), branch<flaky>("f", {{"fails", "1"}})});
    ASSERT_EQ(c.create(), WPRUN_OK);
    ASSERT_EQ(c.add_worker(), WPRUN_OK);
    EXPECT_EQ(c.process("x", 1, {}, 0, 1).status, WPRUN_RETRY);
    call_result r = c.process("y", 2, {}, 0, 2);  // another item (seq 2): every branch runs
    EXPECT_EQ(r.outputs, (strings{"y", "y@2"}));
    EXPECT_EQ(counted::calls, 2);
}

TEST_F(FanOut, ABatchGroupsOutputsByJobThenBranchAndFailsOnlyBadJobs) {
    composite c(fan_out_mode::broadcast, {branch<batch_upper>("up"), branch<tag>("t")});
    ASSERT_EQ(c.create(), WPRUN_OK);
    ASSERT_EQ(c.add_worker(), WPRUN_OK);
    call_result r;
    auto results = c.process_batch({"a", "bad", "c"}, r);
    EXPECT_EQ(results[0].status, WPRUN_OK);
    EXPECT_EQ(results[1].status, WPRUN_REJECT);
    EXPECT_STREQ(results[1].error.message, "branch 'up': bad");
    EXPECT_EQ(results[2].status, WPRUN_OK);
    EXPECT_EQ(r.outputs, (strings{"A", "t:a", "C", "t:c"}));
    EXPECT_EQ(r.jobs, (std::vector<uint64_t>{0, 0, 2, 2}));
    c.close();
    EXPECT_EQ(c.plan->counts()[1].items, 2u);  // the rejected job never reached "t"
}

TEST_F(FanOut, ARoutedBatchGivesEachBranchOnlyItsJobs) {
    composite c(fan_out_mode::route,
                {branch<batch_upper>("up", {}, {"^u"}), branch<tag>("t", {}, {"", false, true})});
    ASSERT_EQ(c.create(), WPRUN_OK);
    ASSERT_EQ(c.add_worker(), WPRUN_OK);
    call_result r;
    c.process_batch({"u1", "x", "u2"}, r);
    EXPECT_EQ(r.outputs, (strings{"U1", "t:x", "U2"}));
    EXPECT_EQ(r.jobs, (std::vector<uint64_t>{0, 1, 2}));
}

TEST_F(FanOut, FlushCallsEachBranchFlushWithItsStatesOfEveryWorker) {
    composite c(fan_out_mode::broadcast, {branch<tag>("t"), branch<summer>("sum")});
    ASSERT_NE(c.def().flush, nullptr);
    ASSERT_EQ(c.create(), WPRUN_OK);
    ASSERT_EQ(c.add_worker(), WPRUN_OK);
    ASSERT_EQ(c.add_worker(), WPRUN_OK);
    c.process("1", 1, {}, 0);
    c.process("2", 1, {}, 0);
    c.process("3", 1, {}, 1);
    call_result r = c.flush();
    EXPECT_EQ(r.status, WPRUN_OK);
    EXPECT_EQ(r.outputs, (strings{"sum=6"}));
}

TEST_F(FanOut, HasNoFlushWhenNoBranchHasOne) {
    fan_out f(fan_out_mode::broadcast, {branch<tag>("t"), branch<counted>("c")});
    EXPECT_EQ(f.def()->flush, nullptr);
}

TEST_F(FanOut, ABranchThatRefusesItsConfigIsNamed) {
    composite c(fan_out_mode::broadcast, {branch<tag>("t"), branch<picky>("strict")});
    std::string message;
    EXPECT_EQ(c.create(&message), WPRUN_INVALID_CONFIG);
    EXPECT_EQ(message, "branch 'strict': level must be 1..9");
}

TEST_F(FanOut, ABranchWithoutWorkerStateIsNamed) {
    composite c(fan_out_mode::broadcast, {branch<summer>("s"), branch<no_workers>("none")});
    ASSERT_EQ(c.create(), WPRUN_OK);
    std::string message;
    EXPECT_NE(c.add_worker(&message), WPRUN_OK);
    EXPECT_EQ(message.rfind("branch 'none': ", 0), 0u) << message;
}

TEST_F(FanOut, AnOutputOverTheSizeLimitFailsTheItem) {
    composite c(fan_out_mode::broadcast, {branch<tag>("t", {{"text", "long-prefix"}})});
    ASSERT_EQ(c.create(), WPRUN_OK);
    ASSERT_EQ(c.add_worker(), WPRUN_OK);
    c.emitter.max_bytes = 4;
    call_result r = c.process("x");
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "branch 't': output larger than max_item_bytes (4)");
    EXPECT_TRUE(r.outputs.empty());
}

TEST_F(FanOut, TheWorkersHintIsTheSmallestOfTheBranches) {
    wprun_processor_def narrow = *wprun::processor_def<tag>();
    narrow.max_workers = 3;
    branch_config b = branch<counted>("n");
    b.def = &narrow;
    fan_out f(fan_out_mode::broadcast, {branch<tag>("t"), std::move(b)});
    EXPECT_EQ(f.def()->max_workers, 3u);
}

}  // namespace
}  // namespace wprun::engine
