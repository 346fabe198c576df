// Stress: hundreds of short runs of random pipelines (stage count, workers, queue sizes, ordered
// or not, window, fan-out, filters, rejects, exceptions, FATAL, flush, deadlines), from a seeded
// RNG. Every run must finish, balance its ledger and keep source order when ordered; a run that
// was not stopped must produce exactly what a sequential simulation of the same steps produces,
// and a stopped one only outputs that the simulation produces.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
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

enum class op { pass, fan, filter, reject, raise, fatal, slow, tail };
constexpr const char* op_names[] = {"pass",  "fan",   "filter", "reject",
                                    "raise", "fatal", "slow",   "tail"};

/// What one step does to one payload.
struct outcome {
    enum { ok, reject, fatal } status = ok;
    std::vector<std::string> outputs;
};

/// A step's parameters. Its behaviour depends on the payload only (not on seq or timing), so a
/// sequential simulation gives the same result: pass; fan (n outputs "<payload>.<i>", n = 0
/// filters); filter (drops 1 in n); reject / raise (rejects / throws on 1 in n); fatal (FATAL on
/// 1 in n); slow (sleeps up to n µs); tail (passes items, emits "tail" at flush).
struct step_spec {
    op kind = op::pass;
    int64_t n = 1;
    uint64_t salt = 0;

    uint64_t hash(std::string_view payload) const {
        uint64_t h = 1469598103934665603ull ^ (salt * 0x9e3779b97f4a7c15ull);
        for (char c : payload) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
        return h ^ (h >> 29);
    }
    bool hit(std::string_view payload) const {
        return n > 0 && hash(payload) % static_cast<uint64_t>(n) == 0;
    }
    outcome apply(std::string_view payload) const {
        outcome o;
        if (kind == op::fan) {
            for (int64_t i = 0; i < n; ++i)
                o.outputs.push_back(std::string(payload) + "." + std::to_string(i));
        } else if (kind == op::filter) {
            if (!hit(payload)) o.outputs.emplace_back(payload);
        } else if ((kind == op::reject || kind == op::raise) && hit(payload)) {
            o.status = outcome::reject;
        } else if (kind == op::fatal && hit(payload)) {
            o.status = outcome::fatal;
        } else {
            o.outputs.emplace_back(payload);
        }
        return o;
    }
};

/// The step as a processor.
struct step {
    static constexpr const char* name = "step";
    static constexpr const char* description = "random step";
    static std::vector<wprun::field> schema() {
        return {{"op", WPRUN_TYPE_INT, "0", false, ""},
                {"n", WPRUN_TYPE_INT, "1", false, ""},
                {"salt", WPRUN_TYPE_INT, "0", false, ""}};
    }
    explicit step(const wprun::config& c)
        : spec{static_cast<op>(c.get_int("op")), c.get_int("n", 1),
               static_cast<uint64_t>(c.get_int("salt"))} {}
    wprun::result process(const wprun::job& j, wprun::emitter& out) const {
        if (spec.kind == op::slow)
            std::this_thread::sleep_for(std::chrono::microseconds(
                spec.hash(j.payload) % static_cast<uint64_t>(spec.n + 1)));
        if (spec.kind == op::raise && spec.hit(j.payload)) throw std::runtime_error("thrown");
        outcome o = spec.apply(j.payload);
        if (o.status == outcome::reject) return wprun::reject("rejected");
        if (o.status == outcome::fatal) return wprun::fatal("fatal");
        for (const auto& each : o.outputs) out.emit(each);
        return {};
    }
    wprun::result flush(wprun::emitter& out) const {
        if (spec.kind == op::tail) out.emit("tail");
        return {};
    }
    step_spec spec;
};

struct plan {
    std::vector<step_spec> steps;
    std::vector<stage_config> stages;
    std::vector<std::string> text;  // for failure messages
    run_options options;
    uint64_t count = 0;
};

plan random_plan(std::mt19937_64& rng) {
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    plan p;
    p.count = static_cast<uint64_t>(pick(0, 1000));
    p.options.ordered = pick(0, 1) == 1;
    p.options.window = static_cast<size_t>(pick(1, 64));
    p.options.sink_queue = static_cast<size_t>(pick(1, 64));
    if (pick(0, 7) == 0) {
        p.options.deadline = std::chrono::milliseconds(pick(1, 5));
        p.options.tick = 1ms;  // the deadline is checked once a tick
    }
    int stages = pick(0, 4), fans = 0;
    for (int i = 0; i < stages; ++i) {
        step_spec s;
        s.kind = static_cast<op>(pick(0, 7));
        if (s.kind == op::fan && ++fans > 2) s.kind = op::pass;  // keep the item count small
        s.n = s.kind == op::fan     ? pick(0, 3)
              : s.kind == op::fatal ? pick(50, 2000)
              : s.kind == op::slow  ? pick(0, 50)
                                    : pick(2, 9);
        s.salt = static_cast<uint64_t>(i + 1);
        auto workers = static_cast<unsigned>(pick(0, 5) == 0 ? pick(9, 24) : pick(1, 8));
        auto queue = static_cast<size_t>(pick(1, 64));
        std::string name = "s" + std::to_string(i + 1);
        p.steps.push_back(s);
        p.stages.push_back(make_stage<step>(name, workers,
                                            {{"op", std::to_string(static_cast<int>(s.kind))},
                                             {"n", std::to_string(s.n)},
                                             {"salt", std::to_string(s.salt)}},
                                            queue));
        p.text.push_back(name + ": " + op_names[static_cast<int>(s.kind)] +
                         " n=" + std::to_string(s.n) + " workers=" + std::to_string(workers) +
                         " queue=" + std::to_string(queue));
    }
    return p;
}

std::string describe(const plan& p) {
    std::ostringstream s;
    s << "count=" << p.count << " ordered=" << p.options.ordered << " window=" << p.options.window
      << " sink_queue=" << p.options.sink_queue << " deadline_ms="
      << std::chrono::duration_cast<std::chrono::milliseconds>(p.options.deadline).count();
    for (const auto& t : p.text) s << "\n  " << t;
    return s.str();
}

/// What the steps do to the items, one at a time, with no concurrency and no stop. Outputs of
/// source items come first, in source order, then the flush ("tail") outputs.
struct simulation {
    std::vector<std::string> outputs;
    std::vector<std::string> tails;
    ledger totals;
    bool fatal = false;
};

simulation simulate(const plan& p) {
    simulation sim;
    struct flowing {
        std::string payload;
        bool tail;
    };
    std::vector<flowing> items;
    for (uint64_t i = 0; i < p.count; ++i) items.push_back({std::to_string(i), false});
    sim.totals.read = p.count;
    for (const step_spec& s : p.steps) {
        std::vector<flowing> next;
        for (const flowing& it : items) {
            outcome o = s.apply(it.payload);
            if (o.status != outcome::ok) {
                ++sim.totals.failed;
                sim.fatal = sim.fatal || o.status == outcome::fatal;
                continue;
            }
            if (o.outputs.empty()) ++sim.totals.filtered;
            sim.totals.spawned += o.outputs.empty() ? 0 : o.outputs.size() - 1;
            for (auto& out : o.outputs) next.push_back({std::move(out), it.tail});
        }
        if (s.kind == op::tail) {
            next.push_back({"tail", true});
            ++sim.totals.spawned;
        }
        items = std::move(next);
    }
    for (auto& it : items) (it.tail ? sim.tails : sim.outputs).push_back(std::move(it.payload));
    sim.totals.written = items.size();
    return sim;
}

bool is_tail(const std::string& line) { return line.rfind("tail", 0) == 0; }

/// True when every line of `part` is in `whole` (as multisets).
bool included(std::vector<std::string> part, std::vector<std::string> whole) {
    std::sort(part.begin(), part.end());
    std::sort(whole.begin(), whole.end());
    return std::includes(whole.begin(), whole.end(), part.begin(), part.end());
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

void check_run(const plan& p, const run_report& r, const vector_sink& out) {
    const ledger& l = r.totals;
    ASSERT_TRUE(l.balanced()) << "read " << l.read << " spawned " << l.spawned << " written "
                              << l.written << " filtered " << l.filtered << " failed " << l.failed
                              << " cancelled " << l.cancelled;
    ASSERT_EQ(out.lines.size(), l.written);
    simulation sim = simulate(p);
    std::vector<std::string> body, tails;
    for (const auto& line : out.lines) (is_tail(line) ? tails : body).push_back(line);
    if (p.options.ordered) {
        ASSERT_TRUE(in_source_order(body));
        ASSERT_TRUE(std::is_partitioned(out.lines.begin(), out.lines.end(),
                                        [](const std::string& s) { return !is_tail(s); }))
            << "flush outputs must follow every source item";
    }
    ASSERT_TRUE(sim.fatal || r.stopped != stop_reason::fatal);
    ASSERT_TRUE(!sim.fatal || r.stopped != stop_reason::none);  // unless a deadline came first
    if (r.stopped == stop_reason::none) {
        EXPECT_EQ(l.read, sim.totals.read);
        EXPECT_EQ(l.spawned, sim.totals.spawned);
        EXPECT_EQ(l.filtered, sim.totals.filtered);
        EXPECT_EQ(l.failed, sim.totals.failed);
        EXPECT_EQ(l.cancelled, 0u);
        EXPECT_EQ(p.options.ordered ? body : sorted(body),
                  p.options.ordered ? sim.outputs : sorted(sim.outputs));
        EXPECT_EQ(sorted(tails), sorted(sim.tails));
    } else {
        EXPECT_TRUE(included(body, sim.outputs));
        EXPECT_TRUE(included(tails, sim.tails));
    }
}

TEST(PitfallsStress, TwoHundredRandomRunsAllBalanceAndKeepOrder) {
    use_engine_host();
    const int baseline = baseline_thread_count();
    // WPRUN_STRESS_SEED=N runs another sequence (to hunt for bugs); failures name the seed.
    const char* env = std::getenv("WPRUN_STRESS_SEED");
    const uint64_t seed = env ? std::strtoull(env, nullptr, 10) : 20240611;
    std::mt19937_64 rng(seed);
    std::map<stop_reason, int> stopped;
    int ordered = 0;
    for (int i = 0; i < 200; ++i) {
        plan p = random_plan(rng);
        SCOPED_TRACE("seed " + std::to_string(seed) + " run " + std::to_string(i) + ": " +
                     describe(p));
        counting_source src(p.count);
        vector_sink out;
        vector_error_sink errors;
        run_report r = finishes_within(60s, [&] {
            pipeline pipe(p.stages);
            return pipe.run(src, out, errors, p.options);
        });
        check_run(p, r, out);
        if (::testing::Test::HasFatalFailure()) return;
        EXPECT_EQ(errors.failures.size(), r.totals.failed);
        ++stopped[r.stopped];
        ordered += p.options.ordered ? 1 : 0;
    }
    EXPECT_EQ(settled_thread_count(baseline), baseline);
    // What the seed covered, so that a change of RNG that loses the hard cases shows.
    std::printf("seed %llu: %d ordered; ended: %d normally, %d by FATAL, %d by deadline\n",
                static_cast<unsigned long long>(seed), ordered, stopped[stop_reason::none],
                stopped[stop_reason::fatal], stopped[stop_reason::deadline]);
}

}  // namespace
}  // namespace wprun::engine
