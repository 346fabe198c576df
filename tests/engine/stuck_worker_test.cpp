// Stuck workers (`timeout:`): a call that never returns is failed as timed out, its worker is
// replaced (with a fresh plugin state) and its late result is discarded, and the ledger balances.
// The hanging call waits on a condition this test controls; time is a manual clock that the test
// moves from the supervisor's tick, so the watchdog fires exactly when the test says.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/pipeline.h"
#include "support/engine_fixtures.h"
#include "support/pitfall_fixtures.h"

namespace wprun::engine {
namespace {

using namespace wprun::testing;
using namespace std::chrono_literals;

/// The call for seq `hang_seq` blocks until the test opens the gate (a 30s safety net only);
/// the rest pass through. Counts worker states and what `flush` was given.
struct hanging {
    static constexpr const char* name = "hanging";
    static constexpr const char* description = "one call hangs until released";
    static inline std::mutex m;
    static inline std::condition_variable cv;
    static inline bool open = false;
    static inline std::atomic<int> hung{0}, returned{0}, states{0}, destroyed{0}, flushed{-1};
    struct worker {
        worker() { states.fetch_add(1); }
        ~worker() { destroyed.fetch_add(1); }
        int calls = 0;  // written by its own worker only: a reused state would race (tsan)
    };
    static std::vector<wprun::field> schema() {
        return {{"hang_seq", WPRUN_TYPE_INT, "3", false, "the seq that hangs"},
                {"also_hang_seq", WPRUN_TYPE_INT, "-1", false, "another seq that hangs"}};
    }
    explicit hanging(const wprun::config& c)
        : hang_seq(c.get_int("hang_seq", 3)), also_hang_seq(c.get_int("also_hang_seq", -1)) {}
    wprun::result process(worker& w, const wprun::job& j, wprun::emitter& out) const {
        ++w.calls;
        auto seq = static_cast<int64_t>(j.seq);
        if (seq == hang_seq || seq == also_hang_seq) {
            hung.fetch_add(1);
            std::unique_lock lock(m);
            cv.wait_for(lock, 30s, [] { return open; });
            returned.fetch_add(1);
            out.emit("late");  // must never reach the sink
            return {};
        }
        out.emit(j.payload);
        return {};
    }
    wprun::result flush(worker* const*, size_t n, wprun::emitter&) const {
        flushed.store(static_cast<int>(n));
        return {};
    }
    static void release() {
        {
            std::lock_guard lock(m);
            open = true;
        }
        cv.notify_all();
    }
    static void reset() {
        open = false;
        hung = returned = states = destroyed = 0;
        flushed = -1;
    }
    int64_t hang_seq, also_hang_seq;
};

class StuckWorkerTest : public ::testing::Test {
protected:
    void SetUp() override {
        use_engine_host();
        hanging::reset();
    }
    void TearDown() override { hanging::release(); }

    stage_config stage(unsigned workers, bool ordered_retry = false) {
        auto c = make_stage<hanging>("backend", workers, {}, 64);
        c.timeout_ns = 100'000'000;  // stuck after 100ms + 100ms grace
        c.time = &time;
        if (ordered_retry) c.retry = retry_spec{3, 1'000'000, 1'000'000, 2.0};
        return c;
    }

    /// Moves time past the grace once the call hangs and the other calls are done (`out`
    /// outputs: a call in progress would see the jump too), and opens the gate once the stuck
    /// worker was replaced (unless `release_when_replaced` is false).
    run_options options(uint64_t out, bool release_when_replaced = true) {
        run_options opts;
        opts.tick = 2ms;
        opts.on_tick = [this, out, release_when_replaced](const run_report& r) {
            if (hanging::hung.load() == 1 && !moved && r.stages.at(0).counts.out == out) {
                time.advance(1'000'000'000);
                moved = true;
            }
            if (release_when_replaced && r.stages.at(0).stuck_workers == 1) hanging::release();
        };
        return opts;
    }

    manual_clock time;
    bool moved = false;  // supervisor thread only
    vector_sink sink;
    vector_error_sink errors;
};

TEST_F(StuckWorkerTest, AStuckCallIsFailedAndItsWorkerReplaced) {
    counting_source src(20);
    run_report r;
    {
        pipeline p({stage(1)});
        r = p.run(src, sink, errors, options(3));
    }
    const stage_report& s = r.stages.at(0);
    EXPECT_EQ(s.stuck_workers, 1u);
    EXPECT_EQ(s.stuck_at_exit, 0u);  // released during the run: joined at the end
    EXPECT_EQ(r.totals.read, 20u);
    EXPECT_EQ(r.totals.written, 19u);
    EXPECT_EQ(r.totals.failed, 1u);
    EXPECT_TRUE(r.totals.balanced());
    ASSERT_EQ(errors.failures.size(), 1u);
    EXPECT_EQ(errors.failures[0].seq, 3u);
    EXPECT_EQ(errors.failures[0].payload, "3");
    EXPECT_EQ(errors.failures[0].message.rfind("timed out after 100ms", 0), 0u)
        << errors.failures[0].message;
    EXPECT_EQ(s.counts.timed_out, 1u);
}

TEST_F(StuckWorkerTest, ItemsPoppedWithTheStuckOneAreSettledOnceByTheReplacement) {
    // Workers pop batches (1, 2, 4, 8, ... items): seq 8 hangs in the middle of one, with
    // outputs of the items before it not pushed yet and items after it not called yet.
    counting_source src(40);
    run_report r;
    {
        auto c = stage(1);
        c.config = {{"hang_seq", "8"}};
        pipeline p({std::move(c)});
        r = p.run(src, sink, errors, options(8));
    }
    const stage_report& s = r.stages.at(0);
    EXPECT_EQ(s.stuck_workers, 1u);
    EXPECT_EQ(s.counts.in, 40u);  // the replacement's items are counted once
    EXPECT_EQ(s.counts.out, 39u);
    EXPECT_EQ(r.totals.written, 39u);
    EXPECT_EQ(r.totals.failed, 1u);
    EXPECT_TRUE(r.totals.balanced());
    std::vector<std::string> lines = sink.lines;
    std::sort(lines.begin(), lines.end(), [](const std::string& a, const std::string& b) {
        return std::stoi(a) < std::stoi(b);
    });
    std::vector<std::string> expected;
    for (int i = 0; i < 40; ++i)
        if (i != 8) expected.push_back(std::to_string(i));
    EXPECT_EQ(lines, expected);
    ASSERT_EQ(errors.failures.size(), 1u);
    EXPECT_EQ(errors.failures[0].seq, 8u);
}

TEST_F(StuckWorkerTest, AReplacementStuckInWhatItTookOverIsReplacedInTurn) {
    // Seq 3 hangs with 4..6 popped with it; its replacement takes them over and hangs on 5.
    counting_source src(20);
    run_options opts;
    opts.tick = 2ms;
    int moves = 0;  // supervisor thread only
    opts.on_tick = [this, &moves](const run_report& r) {
        // One worker at a time: when a call hangs, no other call is in progress.
        if (hanging::hung.load() > moves) {
            time.advance(1'000'000'000);
            ++moves;
        }
        if (r.stages.at(0).stuck_workers == 2) hanging::release();
    };
    run_report r;
    {
        auto c = stage(1);
        c.config = {{"hang_seq", "3"}, {"also_hang_seq", "5"}};
        pipeline p({std::move(c)});
        r = p.run(src, sink, errors, opts);
    }
    const stage_report& s = r.stages.at(0);
    EXPECT_EQ(s.stuck_workers, 2u);
    EXPECT_EQ(s.counts.in, 20u);
    EXPECT_EQ(r.totals.written, 18u);
    EXPECT_EQ(r.totals.failed, 2u);
    EXPECT_TRUE(r.totals.balanced());
    std::set<std::string> lines(sink.lines.begin(), sink.lines.end());
    EXPECT_EQ(lines.size(), 18u);
    EXPECT_EQ(lines.count("3") + lines.count("5") + lines.count("late"), 0u);
    ASSERT_EQ(errors.failures.size(), 2u);
}

TEST_F(StuckWorkerTest, WithWorkerLanesTheReplacementServesTheStuckWorkersLane) {
    // round_robin: lane 0 gets seqs 0, 2, 4, ..., lane 1 the odd ones. Seq 2 hangs, so seqs
    // 4..18 wait in lane 0 until the replacement takes that lane over.
    counting_source src(20);
    run_report r;
    {
        auto c = stage(2);
        c.balance = balance_strategy::round_robin;
        c.config = {{"hang_seq", "2"}};
        pipeline p({std::move(c)});
        r = p.run(src, sink, errors, options(11));
    }
    EXPECT_EQ(r.stages.at(0).stuck_workers, 1u);
    EXPECT_EQ(r.totals.written, 19u);
    EXPECT_EQ(r.totals.failed, 1u);
    EXPECT_TRUE(r.totals.balanced());
    ASSERT_EQ(errors.failures.size(), 1u);
    EXPECT_EQ(errors.failures[0].seq, 2u);
}

TEST_F(StuckWorkerTest, TheLateResultIsDiscardedAndNothingIsSettledTwice) {
    counting_source src(20);
    {
        pipeline p({stage(1)});
        p.run(src, sink, errors, options(3));
    }
    EXPECT_EQ(hanging::returned.load(), 1);  // the stuck call did come back ...
    EXPECT_EQ(std::count(sink.lines.begin(), sink.lines.end(), "late"), 0);  // ... unheard
    auto lines = sink.lines;
    std::sort(lines.begin(), lines.end());
    EXPECT_EQ(std::adjacent_find(lines.begin(), lines.end()), lines.end());  // no duplicates
    EXPECT_EQ(std::count(lines.begin(), lines.end(), "3"), 0);
}

TEST_F(StuckWorkerTest, TheReplacementGetsAFreshStateAndFlushSkipsTheStuckOne) {
    counting_source src(20);
    {
        // The last seq hangs: the worker that popped it holds no item after it (workers pop
        // batches), so the other 19 are all done before the clock moves.
        auto c = stage(2);
        c.config = {{"hang_seq", "19"}};
        pipeline p({std::move(c)});
        p.run(src, sink, errors, options(19));
    }
    EXPECT_EQ(hanging::states.load(), 3);     // two workers and one replacement
    EXPECT_EQ(hanging::flushed.load(), 2);    // the stuck worker's state is not flushed ...
    EXPECT_EQ(hanging::destroyed.load(), 3);  // ... but destroyed, by the stuck worker itself
}

TEST_F(StuckWorkerTest, AnAbandonedCallIsNotRetried) {
    counting_source src(10);
    run_report r;
    {
        pipeline p({stage(1, true)});
        r = p.run(src, sink, errors, options(3));
    }
    EXPECT_EQ(r.totals.failed, 1u);
    EXPECT_EQ(r.stages.at(0).counts.retried, 0u);
    EXPECT_EQ(hanging::hung.load(), 1);  // one call only: the stuck plugin may still be at it
    EXPECT_TRUE(r.totals.balanced());
}

TEST_F(StuckWorkerTest, OrderedOutputGoesOnPastTheStuckItem) {
    counting_source src(30);
    run_options opts = options(3);
    opts.ordered = true;
    opts.window = 8;  // the stuck item must complete the window, or the source would wait
    run_report r;
    {
        pipeline p({stage(1)});
        r = p.run(src, sink, errors, opts);
    }
    EXPECT_EQ(r.totals.written, 29u);
    EXPECT_EQ(sink.lines.front(), "0");
    EXPECT_EQ(sink.lines.back(), "29");
    EXPECT_TRUE(r.totals.balanced());
}

TEST_F(StuckWorkerTest, AThreadStillStuckAtTheEndIsReportedAndLeftRunning) {
    const int baseline = baseline_thread_count();
    counting_source src(10);
    run_report r;
    {
        pipeline p({stage(1)});
        r = p.run(src, sink, errors, options(3, false));  // never released during the run
    }  // the stage is kept alive for the stuck thread (the CLI then quick_exits)
    EXPECT_EQ(r.stages.at(0).stuck_workers, 1u);
    EXPECT_EQ(r.stages.at(0).stuck_at_exit, 1u);
    EXPECT_EQ(r.totals.written, 9u);
    EXPECT_TRUE(r.totals.balanced());
    hanging::release();  // now let it come back: it must exit cleanly on its own
    EXPECT_EQ(settled_thread_count(baseline), baseline);
    EXPECT_EQ(hanging::returned.load(), 1);
}

}  // namespace
}  // namespace wprun::engine
