// Item logs (job log, resume journal) as the engine drives them: every source item completes
// exactly once, whole, with its outcome; committed seqs are skipped; the final checkpoint says
// whether the input was done. Also the shutdown grace period.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/pipeline.h"
#include "support/engine_fixtures.h"

namespace wprun::engine {
namespace {

using namespace wprun::testing;

struct logged {
    uint64_t seq;
    outcome result;
    std::string stage;
    uint32_t attempts;
    std::string message;
    bool stamped;
};

class recording_log : public item_log {
public:
    std::vector<logged> items;
    std::vector<checkpoint_info> checkpoints;
    bool wants_times() const override { return true; }
    void completed(const completed_item& c) override {
        items.push_back({c.seq, c.result, std::string(c.stage), c.attempts, std::string(c.message),
                         c.started_ns > 0 && c.finished_ns >= c.started_ns});
    }
    void checkpoint(sink&, error_sink&, const checkpoint_info& info) override {
        checkpoints.push_back(info);
    }
    std::map<uint64_t, logged> by_seq() const {
        std::map<uint64_t, logged> out;
        for (const auto& it : items) EXPECT_TRUE(out.emplace(it.seq, it).second) << it.seq;
        return out;
    }
};

class ItemLog : public ::testing::Test {
protected:
    void SetUp() override { use_engine_host(); }
    run_report run(std::vector<stage_config> stages, source& src, run_options o = {}) {
        o.logs.push_back(&log);
        pipeline p(std::move(stages));
        return p.run(src, sink, errors, o);
    }
    recording_log log;
    vector_sink sink;
    vector_error_sink errors;
};

TEST_F(ItemLog, EverySourceItemCompletesOnceWithHowItEnded) {
    counting_source src(1000);
    auto r = run(
        {make_stage<faulty>("check", 3, {{"every", "10"}}), make_stage<drop_odd>("odd", 2)}, src);
    auto seen = log.by_seq();
    ASSERT_EQ(seen.size(), 1000u);
    for (const auto& [seq, it] : seen) {
        EXPECT_TRUE(it.stamped) << seq;
        if (seq % 10 == 0) {
            EXPECT_EQ(it.result, outcome::failed) << seq;
            EXPECT_EQ(it.stage, "check");
            EXPECT_EQ(it.message, "bad item " + std::to_string(seq));
        } else if (seq % 2 == 1) {
            EXPECT_EQ(it.result, outcome::filtered) << seq;
            EXPECT_EQ(it.stage, "odd");
        } else {
            EXPECT_EQ(it.result, outcome::written) << seq;
            EXPECT_EQ(it.stage, "sink");
        }
    }
    EXPECT_EQ(errors.failures.size(), 100u);
    EXPECT_EQ(sink.lines.size(), 400u);
    EXPECT_TRUE(r.totals.balanced());
}

TEST_F(ItemLog, FanOutItemCompletesOnceAfterAllItsParts) {
    counting_source src(500);
    auto r =
        run({make_stage<fanout>("split", 3, {{"n", "3"}}), make_stage<jitter>("slow", 4)}, src);
    auto seen = log.by_seq();
    EXPECT_EQ(seen.size(), 500u);
    EXPECT_EQ(sink.lines.size(), 1500u);
    // Unordered, but the parts of one item are written together, in fan-out order.
    for (size_t i = 0; i + 2 < sink.lines.size(); i += 3) {
        std::string base = sink.lines[i].substr(0, sink.lines[i].find('.'));
        EXPECT_EQ(sink.lines[i], base + ".0");
        EXPECT_EQ(sink.lines[i + 1], base + ".1");
        EXPECT_EQ(sink.lines[i + 2], base + ".2");
    }
    EXPECT_TRUE(r.totals.balanced());
}

TEST_F(ItemLog, OrderedItemsCompleteInSourceOrder) {
    counting_source src(800);
    run_options o;
    o.ordered = true;
    o.window = 32;
    run({make_stage<jitter>("slow", 4, {{"max_us", "100"}}),
         make_stage<faulty>("f", 2, {{"every", "7"}})},
        src, o);
    ASSERT_EQ(log.items.size(), 800u);
    for (uint64_t i = 0; i < 800; ++i) EXPECT_EQ(log.items[i].seq, i);
    EXPECT_EQ(errors.failures.size(), 115u);
}

TEST_F(ItemLog, AttemptsCountEveryCallOfARetriedItem) {
    manual_clock clock;
    auto s = make_stage<flaky>("api", 2, {{"fails", "2"}});
    s.time = &clock;
    retry_spec retry;
    retry.attempts = 3;
    retry.jitter = retry_spec::jitter_kind::none;
    s.retry = retry;
    counting_source src(20);
    std::vector<stage_config> stages;
    stages.push_back(std::move(s));
    stages.push_back(make_stage<echo>("after"));
    run(std::move(stages), src);
    ASSERT_EQ(log.items.size(), 20u);
    for (const auto& it : log.items) EXPECT_EQ(it.attempts, 3u) << it.seq;
}

TEST_F(ItemLog, CommittedSeqsAreSkippedAndCounted) {
    seq_set done;
    done.insert(0, 99);
    done.insert(200, 299);
    run_options o;
    o.skip = &done;
    counting_source src(1000);
    auto r = run({make_stage<echo>("a", 3)}, src, o);
    EXPECT_EQ(r.skipped, 200u);
    EXPECT_EQ(r.totals.read, 800u);
    EXPECT_EQ(sink.lines.size(), 800u);
    for (const auto& it : log.items) EXPECT_FALSE(done.contains(it.seq)) << it.seq;
    EXPECT_TRUE(r.totals.balanced());
}

TEST_F(ItemLog, OrderedResumeStartsAfterTheCommittedPrefix) {
    seq_set done;
    done.insert(0, 299);
    run_options o;
    o.ordered = true;
    o.window = 16;
    o.skip = &done;
    counting_source src(1000);
    auto r = run({make_stage<jitter>("slow", 4, {{"max_us", "50"}})}, src, o);
    ASSERT_EQ(sink.lines.size(), 700u);
    for (size_t i = 0; i < sink.lines.size(); ++i)
        EXPECT_EQ(sink.lines[i], std::to_string(i + 300));
    EXPECT_EQ(r.skipped, 300u);
}

TEST_F(ItemLog, FinalCheckpointSaysWhetherTheInputWasDone) {
    counting_source src(100);
    run({make_stage<echo>("a")}, src);
    ASSERT_FALSE(log.checkpoints.empty());
    EXPECT_TRUE(log.checkpoints.back().final);
    EXPECT_TRUE(log.checkpoints.back().complete);
    for (size_t i = 0; i + 1 < log.checkpoints.size(); ++i) EXPECT_FALSE(log.checkpoints[i].final);
}

TEST_F(ItemLog, InterruptedRunIsNotComplete) {
    std::atomic<int> interrupts{1};
    run_options o;
    o.interrupts = &interrupts;
    o.tick = std::chrono::milliseconds(1);
    counting_source src(1'000'000'000);  // never read to its end
    run({make_stage<echo>("a")}, src, o);
    ASSERT_FALSE(log.checkpoints.empty());
    EXPECT_TRUE(log.checkpoints.back().final);
    EXPECT_FALSE(log.checkpoints.back().complete);
}

/// Gives `n` items, then raises the interrupt count to 1 (as SIGINT would) and ends.
class interrupting_source : public source {
public:
    interrupting_source(uint64_t n, std::atomic<int>& interrupts)
        : n_(n), interrupts_(interrupts) {}
    size_t read(item* out, size_t max) override {
        size_t got = 0;
        for (; got < max && next_ < n_; ++got) out[got].payload.assign(std::to_string(next_++));
        if (got == 0) interrupts_.store(1);
        return got;
    }

private:
    uint64_t n_, next_ = 0;
    std::atomic<int>& interrupts_;
};

TEST(Shutdown, GraceCancelsWhatIsStillQueuedWhenItRunsOut) {
    use_engine_host();
    std::atomic<int> interrupts{0};
    interrupting_source src(8, interrupts);
    manual_clock clock;
    run_options o;
    o.interrupts = &interrupts;
    o.tick = std::chrono::milliseconds(1);
    o.grace = std::chrono::seconds(10);
    o.time = &clock;
    std::atomic<bool> done{false};
    // Moves the run's clock on until the run ends: the grace period runs out however the
    // threads are scheduled (item 0 hangs in `sticky` until the run is cancelled).
    std::thread mover([&] {
        while (!done.load()) {
            clock.advance(1'000'000'000);
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });
    pipeline p({make_stage<sticky>("hang", 1)});
    vector_sink out;
    vector_error_sink errors;
    run_report r = p.run(src, out, errors, o);
    done.store(true);
    mover.join();
    EXPECT_EQ(r.stopped, stop_reason::interrupted);
    EXPECT_EQ(r.totals.read, 8u);
    EXPECT_EQ(r.totals.cancelled, 7u);  // queued behind the hanging item 0
    EXPECT_EQ(out.lines, std::vector<std::string>{"0"});
    EXPECT_TRUE(r.totals.balanced());
}

TEST(Shutdown, WithoutGraceTheFirstInterruptDrainsEverything) {
    use_engine_host();
    std::atomic<int> interrupts{0};
    interrupting_source src(50, interrupts);
    run_options o;
    o.interrupts = &interrupts;
    o.tick = std::chrono::milliseconds(1);
    pipeline p({make_stage<jitter>("slow", 2, {{"max_us", "200"}})});
    vector_sink out;
    vector_error_sink errors;
    run_report r = p.run(src, out, errors, o);
    EXPECT_EQ(r.totals.written, 50u);
    EXPECT_EQ(r.totals.cancelled, 0u);
}

}  // namespace
}  // namespace wprun::engine
