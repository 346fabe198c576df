// The `batch:` policy: groups never exceed their item and byte limits, partial groups go at the
// end of input and when the wait runs out, and processors without process_batch still work.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "engine/pipeline.h"
#include "support/engine_fixtures.h"

namespace wprun::engine {
namespace {

using namespace wprun::testing;

/// Records the size (items and bytes) of every batch it is handed.
struct recorder {
    static constexpr const char* name = "recorder";
    static constexpr const char* description = "records batch sizes";
    struct worker {};
    static inline std::mutex mutex;
    static inline std::vector<std::pair<size_t, size_t>> batches;  // (items, bytes)

    explicit recorder(const wprun::config&) {}
    wprun::result process(worker&, const wprun::job& j, wprun::emitter& out) const {
        note(1, j.payload.size());
        out.emit(j.payload);
        return {};
    }
    void process_batch(
        worker&, const wprun::job* jobs, size_t n, wprun::emitter& out, wprun::result*) const {
        size_t bytes = 0;
        for (size_t i = 0; i < n; ++i) {
            bytes += jobs[i].payload.size();
            out.select(i);
            out.emit(jobs[i].payload);
        }
        note(n, bytes);
    }
    static void note(size_t items, size_t bytes) {
        std::lock_guard lock(mutex);
        batches.emplace_back(items, bytes);
    }
};

/// Hands out one item every `gap`, so that a batch's wait runs out before it fills.
class trickle_source : public source {
public:
    trickle_source(uint64_t count, std::chrono::milliseconds gap) : count_(count), gap_(gap) {}
    size_t read(item* out, size_t) override {
        if (next_ == count_) return 0;
        if (next_ > 0) std::this_thread::sleep_for(gap_);
        out[0].payload.assign(std::to_string(next_++));
        return 1;
    }

private:
    uint64_t count_, next_ = 0;
    std::chrono::milliseconds gap_;
};

class Batching : public ::testing::Test {
protected:
    void SetUp() override {
        use_engine_host();
        recorder::batches.clear();
    }
    run_report run(source& src, batch_spec b, unsigned workers = 1) {
        auto s = make_stage<recorder>("batch", workers, {}, 1024);
        s.batch = b;
        std::vector<stage_config> stages;
        stages.push_back(std::move(s));
        pipeline p(std::move(stages));
        return p.run(src, sink, errors, run_options{});
    }
    static batch_spec limits(size_t items, uint64_t bytes, int64_t wait_ns) {
        batch_spec b;
        b.items = items;
        b.bytes = bytes;
        b.wait_ns = wait_ns;
        return b;
    }
    vector_sink sink;
    vector_error_sink errors;
};

TEST_F(Batching, BatchesNeverExceedTheItemLimitAndEveryItemIsProcessedOnce) {
    counting_source src(10000);
    auto r = run(src, limits(64, 0, 50'000'000), 3);
    size_t total = 0;
    for (auto [items, bytes] : recorder::batches) {
        EXPECT_LE(items, 64u);
        total += items;
    }
    EXPECT_EQ(total, 10000u);
    EXPECT_EQ(sink.lines.size(), 10000u);
    EXPECT_EQ(r.stages[0].counts.batches, recorder::batches.size());
    EXPECT_TRUE(r.totals.balanced());
}

TEST_F(Batching, BatchesNeverExceedTheByteLimitUnlessOneItemIsBiggerAlone) {
    vector_source src({"aaaa", "bbbb", "cccc", std::string(50, 'x'), "dd", "ee", "ff"});
    run(src, limits(100, 10, 50'000'000));
    for (auto [items, bytes] : recorder::batches) EXPECT_TRUE(bytes <= 10 || items == 1);
    EXPECT_EQ(sink.lines.size(), 7u);
}

TEST_F(Batching, TheLastPartialBatchGoesAtTheEndOfInput) {
    counting_source src(10);
    run(src, limits(4, 0, 10'000'000'000));  // a wait far longer than the test
    ASSERT_EQ(recorder::batches.size(), 3u);
    EXPECT_EQ(recorder::batches[0].first, 4u);
    EXPECT_EQ(recorder::batches[1].first, 4u);
    EXPECT_EQ(recorder::batches[2].first, 2u);
}

TEST_F(Batching, APartialBatchGoesWhenItsWaitRunsOut) {
    trickle_source src(4, std::chrono::milliseconds(60));
    run(src, limits(100, 0, 5'000'000));  // 5ms wait, items 60ms apart
    EXPECT_EQ(recorder::batches.size(), 4u);
    EXPECT_EQ(sink.lines.size(), 4u);
}

TEST_F(Batching, ProcessorsWithoutProcessBatchAreCalledPerItemInBatches) {
    counting_source src(100);
    auto s = make_stage<echo>("plain", 2, {}, 1024);
    s.batch = limits(10, 0, 0);
    std::vector<stage_config> stages;
    stages.push_back(std::move(s));
    pipeline p(std::move(stages));
    auto r = p.run(src, sink, errors, run_options{});
    EXPECT_EQ(sink.lines.size(), 100u);
    EXPECT_GE(r.stages[0].counts.batches, 10u);
    EXPECT_TRUE(r.totals.balanced());
}

}  // namespace
}  // namespace wprun::engine
