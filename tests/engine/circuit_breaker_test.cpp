#include "engine/policy/circuit_breaker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace wprun::engine {
namespace {

using state = circuit_breaker::state;
using verdict = circuit_breaker::verdict;

constexpr int64_t open_for = 1'000'000'000;

breaker_spec consecutive(uint32_t failures, uint32_t probes = 1) {
    breaker_spec s;
    s.failures = failures;
    s.open_for_ns = open_for;
    s.half_open_probes = probes;
    return s;
}

breaker_spec by_ratio(double ratio, uint32_t window) {
    breaker_spec s;
    s.ratio = ratio;
    s.window = window;
    s.open_for_ns = open_for;
    return s;
}

// Runs admitted calls with the given outcomes, as a worker would.
void calls(circuit_breaker& b, const std::string& outcomes) {
    for (char c : outcomes) {
        const verdict v = b.admit();
        ASSERT_NE(v, verdict::reject);
        b.record(v, c == 'S');
    }
}

void open_then_wait(circuit_breaker& b, manual_clock& clk, uint32_t failures) {
    calls(b, std::string(failures, 'F'));
    ASSERT_EQ(b.current(), state::open);
    clk.advance(open_for);
}

TEST(CircuitBreaker, ConsecutiveFailuresOpenIt) {
    manual_clock clk;
    circuit_breaker b(consecutive(3), clk);
    calls(b, "FF");
    EXPECT_EQ(b.current(), state::closed);
    calls(b, "F");
    EXPECT_EQ(b.current(), state::open);
    EXPECT_EQ(b.admit(), verdict::reject);
    EXPECT_EQ(b.rejected(), 1u);
}

TEST(CircuitBreaker, ASuccessResetsTheFailureCount) {
    manual_clock clk;
    circuit_breaker b(consecutive(3), clk);
    calls(b, "FFSFFSFF");
    EXPECT_EQ(b.current(), state::closed);
}

TEST(CircuitBreaker, RatioModeWaitsForAFullWindow) {
    manual_clock clk;
    circuit_breaker b(by_ratio(0.5, 10), clk);
    calls(b, "FFFFFFFFF");
    EXPECT_EQ(b.current(), state::closed);
    calls(b, "S");
    EXPECT_EQ(b.current(), state::open);
}

TEST(CircuitBreaker, RatioModeLooksOnlyAtTheLastWindowCalls) {
    manual_clock clk;
    circuit_breaker b(by_ratio(0.75, 4), clk);
    calls(b, "FFSSSSFF");  // last four: S S F F = 0.5
    EXPECT_EQ(b.current(), state::closed);
    calls(b, "F");  // S F F F = 0.75
    EXPECT_EQ(b.current(), state::open);
}

TEST(CircuitBreaker, OpenRejectsUntilOpenForElapses) {
    manual_clock clk;
    circuit_breaker b(consecutive(1), clk);
    calls(b, "F");
    EXPECT_EQ(b.reopens_in_ns(), open_for);
    clk.advance(open_for - 1);
    EXPECT_EQ(b.reopens_in_ns(), 1);
    EXPECT_EQ(b.admit(), verdict::reject);
    clk.advance(1);
    EXPECT_EQ(b.reopens_in_ns(), 0);
    EXPECT_EQ(b.admit(), verdict::probe);
    EXPECT_EQ(b.current(), state::half_open);
    EXPECT_EQ(b.reopens_in_ns(), 0);
}

TEST(CircuitBreaker, HalfOpenAdmitsAtMostTheConfiguredProbesAtOnce) {
    manual_clock clk;
    circuit_breaker b(consecutive(1, 2), clk);
    open_then_wait(b, clk, 1);
    EXPECT_EQ(b.admit(), verdict::probe);
    EXPECT_EQ(b.admit(), verdict::probe);
    EXPECT_EQ(b.admit(), verdict::reject);
    EXPECT_EQ(b.rejected(), 1u);
}

TEST(CircuitBreaker, AFailedProbeReopensIt) {
    manual_clock clk;
    circuit_breaker b(consecutive(1), clk);
    open_then_wait(b, clk, 1);
    b.record(b.admit(), false);
    EXPECT_EQ(b.current(), state::open);
    EXPECT_EQ(b.reopens_in_ns(), open_for);
    EXPECT_EQ(b.admit(), verdict::reject);
}

TEST(CircuitBreaker, EnoughSuccessfulProbesCloseIt) {
    manual_clock clk;
    circuit_breaker b(consecutive(1, 2), clk);
    open_then_wait(b, clk, 1);
    const verdict first = b.admit();
    const verdict second = b.admit();
    b.record(first, true);
    EXPECT_EQ(b.current(), state::half_open);
    b.record(second, true);
    EXPECT_EQ(b.current(), state::closed);
    EXPECT_EQ(b.admit(), verdict::allow);
}

TEST(CircuitBreaker, RecordsEachTransitionWithItsTime) {
    manual_clock clk(0);
    circuit_breaker b(consecutive(2), clk);
    clk.advance(100);
    calls(b, "FF");
    clk.advance(open_for + 50);
    b.record(b.admit(), true);
    const auto seen = b.transitions();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].at_ns, 100);
    EXPECT_EQ(seen[0].from, state::closed);
    EXPECT_EQ(seen[0].to, state::open);
    EXPECT_EQ(seen[1].at_ns, 100 + open_for + 50);
    EXPECT_EQ(seen[1].from, state::open);
    EXPECT_EQ(seen[1].to, state::half_open);
    EXPECT_EQ(seen[2].at_ns, 100 + open_for + 50);
    EXPECT_EQ(seen[2].from, state::half_open);
    EXPECT_EQ(seen[2].to, state::closed);
}

TEST(CircuitBreaker, LateResultsOfEarlierCallsLeaveTheStateMachineAlone) {
    manual_clock clk;
    circuit_breaker b(consecutive(2), clk);
    const verdict early1 = b.admit();
    const verdict early2 = b.admit();
    calls(b, "FF");
    b.record(early1, false);  // finished while open: still open, not re-opened
    EXPECT_EQ(b.current(), state::open);
    EXPECT_EQ(b.transitions().size(), 1u);
    clk.advance(open_for);
    const verdict probe = b.admit();
    b.record(early2, false);  // finished while half-open: only the probe decides
    EXPECT_EQ(b.current(), state::half_open);
    b.record(probe, true);
    EXPECT_EQ(b.current(), state::closed);
    calls(b, "F");  // the late failures were forgotten on closing
    EXPECT_EQ(b.current(), state::closed);
}

TEST(CircuitBreaker, AStaleProbeAfterReopeningIsIgnored) {
    manual_clock clk;
    circuit_breaker b(consecutive(1, 2), clk);
    open_then_wait(b, clk, 1);
    const verdict failing = b.admit();
    const verdict stale = b.admit();
    b.record(failing, false);
    b.record(stale, true);
    EXPECT_EQ(b.current(), state::open);
}

TEST(CircuitBreaker, NamesItsStates) {
    EXPECT_STREQ(circuit_breaker::name(state::closed), "closed");
    EXPECT_STREQ(circuit_breaker::name(state::open), "open");
    EXPECT_STREQ(circuit_breaker::name(state::half_open), "half-open");
}

bool valid_edge(state from, state to) {
    return (from == state::closed && to == state::open) ||
           (from == state::open && to == state::half_open) ||
           (from == state::half_open && (to == state::closed || to == state::open));
}

TEST(CircuitBreaker, ConcurrentCallersKeepAValidTransitionSequence) {
    manual_clock clk;
    circuit_breaker b(consecutive(3, 2), clk);
    std::atomic<uint64_t> rejected{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < 4; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < 5000; ++i) {
                const verdict v = b.admit();
                if (v == verdict::reject) {
                    rejected.fetch_add(1);
                    clk.advance(open_for / 64);
                } else {
                    // Runs of 4 failures between runs of 8 successes: even a lone thread opens it.
                    b.record(v, (i / 4 + t) % 3 != 0);
                }
            }
        });
    }
    for (auto& w : workers) w.join();

    const auto seen = b.transitions();
    ASSERT_GE(seen.size(), 3u);  // at least one open → half-open → closed/open round
    EXPECT_EQ(b.rejected(), rejected.load());
    state at = state::closed;
    int64_t last = 0;
    for (const auto& step : seen) {
        EXPECT_EQ(step.from, at);
        EXPECT_TRUE(valid_edge(step.from, step.to));
        EXPECT_GE(step.at_ns, last);
        at = step.to;
        last = step.at_ns;
    }
    EXPECT_EQ(at, b.current());
}

}  // namespace
}  // namespace wprun::engine
