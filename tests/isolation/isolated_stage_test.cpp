// Stages whose processor runs in wprun-worker children: each way a plugin can die costs exactly
// the item it was working on, the run goes on with a new child, and the ledger balances.
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "engine/host_api.h"
#include "engine/pipeline.h"
#include "isolation/isolated_processor.h"
#include "plugin/library.h"
#include "support/engine_fixtures.h"

namespace wprun::isolation {
namespace {

using testing::counting_source;
using testing::vector_error_sink;
using testing::vector_sink;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// ASan and TSan turn a child's SIGSEGV into their own report and an exit status.
constexpr bool sanitizer = true;
#else
constexpr bool sanitizer = false;
#endif

const wprun_processor_def& processor(const std::string& file, std::string_view name) {
    static std::map<std::string, plugin::library> loaded;
    auto it = loaded.find(file);
    if (it == loaded.end())
        it = loaded.emplace(file, plugin::library::load(file, engine::host_api())).first;
    const wprun_plugin_info& info = it->second.info();
    for (size_t i = 0; i < info.processor_count; ++i)
        if (name == info.processors[i]->name) return *info.processors[i];
    throw std::runtime_error("no processor " + std::string(name));
}

struct stage_options {
    std::string plugin = WPRUN_CHAOS_PLUGIN;
    std::string processor = "chaos";
    config_entries config;
    unsigned workers = 2;
    int64_t timeout_ns = 0;
    unsigned attempts = 1;
    size_t batch_items = 0;  ///< > 0: `batch: {items: N}`
    bool isolated = true;    ///< false: the same stage in-process
    std::string worker = WPRUN_WORKER_BINARY;
};

engine::stage_config isolated_stage(const stage_options& o) {
    engine::stage_config c;
    c.name = "iso";
    c.processor = o.processor;
    c.def = isolated_def(processor(o.plugin, o.processor));
    c.workers = o.workers;
    c.timeout_ns = o.timeout_ns;
    if (o.attempts > 1) {
        engine::retry_spec r;
        r.attempts = o.attempts;
        r.initial_ns = r.max_ns = 1'000'000;
        c.retry = r;
    }
    if (o.batch_items > 0) {
        engine::batch_spec b;
        b.items = o.batch_items;
        c.batch = b;
    }
    isolation_target t{o.worker, o.plugin, o.processor, o.timeout_ns, o.attempts > 1};
    c.config = isolated_config(t, o.config);
    if (!o.isolated) {
        c.def = &processor(o.plugin, o.processor);
        c.config = o.config;
    }
    return c;
}

struct outcome {
    engine::run_report report;
    vector_sink sink;
    vector_error_sink errors;
};

std::unique_ptr<outcome> run(const stage_options& o, uint64_t items) {
    // wprun sets its logger up in main before any thread starts; so do the tests, or a plugin
    // thread's first log line would build spdlog's registry (a race TSan cannot see through).
    spdlog::default_logger();
    auto out = std::make_unique<outcome>();
    engine::pipeline p({isolated_stage(o)});
    counting_source src(items);
    engine::run_options options;
    options.ordered = true;
    out->report = p.run(src, out->sink, out->errors, options);
    return out;
}

void expect_failures(const outcome& o, size_t n, const std::string& message) {
    EXPECT_TRUE(o.report.totals.balanced());
    ASSERT_EQ(o.errors.failures.size(), n);
    for (const auto& f : o.errors.failures) EXPECT_EQ(f.message, message) << "seq " << f.seq;
}

std::set<uint64_t> failed_seqs(const outcome& o) {
    std::set<uint64_t> out;
    for (const auto& f : o.errors.failures) out.insert(f.seq);
    return out;
}

/// Children of this process that have not been reaped (zombies included).
size_t children_left() {
    size_t n = 0;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream in(task.path() / "children");
        for (std::string pid; in >> pid;) ++n;
    }
    return n;
}

TEST(IsolatedStage, PassesItemsThroughAChild) {
    auto o = run({}, 100);
    EXPECT_EQ(o->report.totals.written, 100u);
    EXPECT_EQ(o->sink.lines.front(), "0");
    EXPECT_EQ(o->sink.lines.back(), "99");
}

TEST(IsolatedStage, ASegfaultCostsOnlyItsItem) {
    auto o = run({.config = {{"crash_every", "10"}}}, 50);
    EXPECT_EQ(o->report.totals.written, 45u);
    if (sanitizer) {
        ASSERT_EQ(o->errors.failures.size(), 5u);
        EXPECT_EQ(o->errors.failures[0].message.rfind("worker crashed: ", 0), 0u);
    } else {
        expect_failures(*o, 5, "worker crashed: signal 11 (SIGSEGV)");
    }
    EXPECT_EQ(failed_seqs(*o), (std::set<uint64_t>{9, 19, 29, 39, 49}));
}

TEST(IsolatedStage, ACrashInTheMiddleOfABatchCostsOnlyItsItem) {
    // With `batch:` (and no call policy) the jobs of a batch go to the child in one write; the
    // jobs after the one it died on go to a new child.
    auto o = run(
        {.config = {{"crash_every", "4"}, {"crash", "exit"}}, .workers = 1, .batch_items = 10}, 20);
    EXPECT_EQ(o->report.totals.written, 15u);
    expect_failures(*o, 5, "worker crashed: exited with status 3");
    EXPECT_EQ(failed_seqs(*o), (std::set<uint64_t>{3, 7, 11, 15, 19}));
    EXPECT_EQ(o->sink.lines.front(), "0");
    EXPECT_EQ(o->sink.lines.back(), "18");
    EXPECT_GE(o->report.stages[0].counts.batches, 2u);
}

TEST(IsolatedStage, AnAbortCostsOnlyItsItem) {
    auto o = run({.config = {{"crash_every", "10"}, {"crash", "abort"}}}, 30);
    EXPECT_EQ(o->report.totals.written, 27u);
    expect_failures(*o, 3, "worker crashed: signal 6 (SIGABRT)");
}

TEST(IsolatedStage, AnExitCostsOnlyItsItem) {
    auto o = run({.config = {{"crash_every", "10"}, {"crash", "exit"}}}, 30);
    EXPECT_EQ(o->report.totals.written, 27u);
    expect_failures(*o, 3, "worker crashed: exited with status 3");
}

TEST(IsolatedStage, AHangIsKilledAtTheTimeout) {
    auto o =
        run({.config = {{"crash_every", "5"}, {"crash", "hang"}}, .timeout_ns = 100'000'000}, 10);
    EXPECT_EQ(o->report.totals.written, 8u);
    expect_failures(*o, 2, "timed out after 100ms; worker killed");
    EXPECT_EQ(o->report.stages[0].counts.timed_out, 2u);
}

TEST(IsolatedStage, ACrashIsRetriedByTheRetryPolicy) {
    auto o = run({.config = {{"crash_every", "5"}, {"crash", "exit"}}, .attempts = 2}, 10);
    EXPECT_EQ(o->report.totals.written, 8u);
    expect_failures(*o, 2, "gave up after 2 attempt(s): worker crashed: exited with status 3");
    EXPECT_EQ(o->report.stages[0].counts.retried, 2u);
}

TEST(IsolatedStage, ALeakStaysInTheChild) {
    auto o = run({.config = {{"leak", "1048576"}}, .workers = 1}, 20);
    EXPECT_EQ(o->report.totals.written, 20u);
    EXPECT_TRUE(o->report.totals.balanced());
}

TEST(IsolatedStage, OutputsLogsAndFlushComeBackFromEachChild) {
    auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", ring));
    auto o = run({.plugin = WPRUN_TALKER_PLUGIN, .processor = "talker", .workers = 2}, 5);
    spdlog::set_default_logger(previous);
    EXPECT_EQ(o->report.totals.written, 12u);  // 5 items x 2 outputs + one "seen" per worker
    uint64_t seen = 0;
    for (const auto& line : o->sink.lines)
        if (line.rfind("seen ", 0) == 0) seen += std::stoull(line.substr(5));
    EXPECT_EQ(seen, 5u);
    bool logged = false;
    for (const auto& line : ring->last_formatted())
        logged = logged || line.find("talker: seq 3") != std::string::npos;
    EXPECT_TRUE(logged);
}

TEST(IsolatedStage, ARefusedConfigIsAStartupError) {
    stage_options o{.plugin = WPRUN_TALKER_PLUGIN, .processor = "talker"};
    o.config = {{"reject_config", "true"}};
    try {
        engine::pipeline p({isolated_stage(o)});
        FAIL() << "expected a startup_error";
    } catch (const startup_error& e) {
        EXPECT_NE(std::string(e.what()).find("talker: config refused"), std::string::npos)
            << e.what();
    }
}

TEST(IsolatedStage, AMissingWorkerBinaryIsAStartupError) {
    stage_options o{.worker = "/nonexistent/wprun-worker"};
    try {
        engine::pipeline p({isolated_stage(o)});
        FAIL() << "expected a startup_error";
    } catch (const startup_error& e) {
        EXPECT_NE(std::string(e.what()).find("wprun-worker"), std::string::npos) << e.what();
    }
}

TEST(IsolatedStage, NoChildOutlivesTheRun) {
    run({.config = {{"crash_every", "7"}, {"crash", "exit"}}, .workers = 3}, 50);
    EXPECT_EQ(children_left(), 0u);
}

// ---- plugins that misuse the host API, in-process and isolated ---------------------------

const std::string misused = engine::misused_emit_text;

class misbehaving : public ::testing::TestWithParam<bool> {};

TEST_P(misbehaving, AnInvalidStatusFailsItsItem) {
    auto o = run({.config = {{"invalid_status_every", "5"}}, .isolated = GetParam()}, 10);
    EXPECT_EQ(o->report.totals.written, 8u);
    expect_failures(*o, 2, "invalid status 7: chaos: injected invalid status 7");
}

TEST_P(misbehaving, AnEmitFromAThreadOfItsOwnIsRefusedAndFailsItsItem) {
    auto o = run({.config = {{"emit_thread_every", "5"}}, .isolated = GetParam()}, 10);
    EXPECT_EQ(o->report.totals.written, 8u);
    expect_failures(*o, 2, misused);
    EXPECT_EQ(failed_seqs(*o), (std::set<uint64_t>{4, 9}));
}

TEST_P(misbehaving, AnEmitAfterFlushIsRefused) {
    auto o = run({.processor = "chaos_flush",
                  .config = {{"emit_after_flush", "true"}},
                  .isolated = GetParam()},
                 10);
    EXPECT_EQ(o->report.totals.written, 10u);
    EXPECT_TRUE(o->report.totals.balanced());
    EXPECT_TRUE(o->errors.failures.empty());
}

INSTANTIATE_TEST_SUITE_P(IsolatedAndInProcess,
                         misbehaving,
                         ::testing::Values(true, false),
                         [](const auto& p) { return p.param ? "isolated" : "in_process"; });

TEST(MisbehavingPlugin, AnEmitAfterFlushIsLoggedInProcess) {
    auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", ring));
    run({.processor = "chaos_flush", .config = {{"emit_after_flush", "true"}}, .isolated = false},
        3);
    spdlog::set_default_logger(previous);
    bool logged = false;
    for (const auto& line : ring->last_formatted())
        logged = logged || line.find(misused) != std::string::npos;
    EXPECT_TRUE(logged);
}

}  // namespace
}  // namespace wprun::isolation
