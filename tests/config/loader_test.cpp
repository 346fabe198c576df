#include "config/loader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace wprun::config {
namespace {

const char* valid = R"(name: demo
description: hash some lines
source:
  type: lines
  path: input.txt
stages:
  - name: upper
    processor: upper
    plugin: plugins/libtext.so
    workers: 4
    queue: {items: 64, bytes: 8MiB}
    config:
      mode: fast
      delay: 10ms
  - name: hash
    processor: hash
    workers: auto
sink:
  type: lines
  path: out.txt
  ordered: true
errors:
  type: jsonl
  path: errors.jsonl
expect:
  output: expected.txt
  sorted: true
  ledger: {read: 3, written: 3, failed: 0}
  exit: 0
)";

load_result load(std::string_view yaml, std::vector<std::string> overrides = {}) {
    return load_pipeline_text(yaml, "p.yaml", "/base", overrides);
}

/// A minimal valid pipeline with `stage_extra` added to its one stage's map.
std::string with_stage(std::string_view stage_extra) {
    return "source: {type: range, count: 3}\n"
           "stages:\n"
           "  - name: s\n"
           "    processor: upper\n" +
           std::string(stage_extra) + "sink: {type: null}\n";
}

/// The first diagnostic, as printed; "" when there is none.
std::string first(const load_result& r) {
    return r.diags.items().empty() ? "" : r.diags.items().front().str();
}

// ---- a valid file ------------------------------------------------------------------------

TEST(LoadPipeline, ReadsTheTopLevel) {
    auto r = load(valid);
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    EXPECT_EQ(r.spec.name, "demo");
    EXPECT_EQ(r.spec.description, "hash some lines");
    EXPECT_EQ(r.spec.file, "p.yaml");
    EXPECT_EQ(r.spec.base_dir, "/base");
}

TEST(LoadPipeline, ReadsStages) {
    auto r = load(valid);
    ASSERT_EQ(r.spec.stages.size(), 2u);
    const auto& s = r.spec.stages[0];
    EXPECT_EQ(s.name, "upper");
    EXPECT_EQ(s.processor, "upper");
    EXPECT_EQ(s.plugin_file, "/base/plugins/libtext.so");
    EXPECT_EQ(s.workers, 4u);
    EXPECT_EQ(s.queue_items, 64u);
    EXPECT_EQ(s.queue_bytes, 8u << 20);
    EXPECT_EQ(s.where.str(), "p.yaml:7:5");
    EXPECT_EQ(s.processor_where.str(), "p.yaml:8:16");
    EXPECT_EQ(r.spec.stages[1].workers, 0u);
}

TEST(LoadPipeline, KeepsStageConfigRawWithLocations) {
    auto r = load(valid);
    const auto& config = r.spec.stages[0].config;
    ASSERT_EQ(config.items.size(), 2u);
    EXPECT_EQ(config.get_string("delay"), "10ms");
    EXPECT_EQ(config.find("delay")->where.str(), "p.yaml:14:14");
    EXPECT_EQ(config.find("delay")->key_where.str(), "p.yaml:14:7");
}

TEST(LoadPipeline, KeepsIoOptionsRawWithoutType) {
    auto r = load(valid);
    EXPECT_EQ(r.spec.source.type, "lines");
    EXPECT_EQ(r.spec.source.opts.get_string("path"), "input.txt");
    EXPECT_FALSE(r.spec.source.opts.has("type"));
    EXPECT_EQ(r.spec.sink.opts.get_string("ordered"), "true");
    EXPECT_EQ(r.spec.errors.opts.get_string("path"), "errors.jsonl");
    EXPECT_EQ(r.spec.source.where.str(), "p.yaml:4:3");
}

TEST(LoadPipeline, ReadsTheExpectBlock) {
    auto r = load(valid);
    ASSERT_TRUE(r.spec.expect);
    EXPECT_EQ(r.spec.expect->output, "expected.txt");
    EXPECT_TRUE(r.spec.expect->sorted);
    EXPECT_EQ(r.spec.expect->read, 3u);
    EXPECT_EQ(r.spec.expect->failed, 0u);
    EXPECT_FALSE(r.spec.expect->cancelled);
    EXPECT_EQ(r.spec.expect->exit, 0);
}

TEST(LoadPipeline, ReadsNeedsEnvAsANameOrAList) {
    auto one = load(std::string(valid) + "  needs_env: API_URL\n");
    ASSERT_TRUE(one.spec.expect) << first(one);
    EXPECT_EQ(one.spec.expect->needs_env, std::vector<std::string>{"API_URL"});
    auto two = load(std::string(valid) + "  needs_env: [A, B]\n");
    ASSERT_TRUE(two.spec.expect) << first(two);
    EXPECT_EQ(two.spec.expect->needs_env, (std::vector<std::string>{"A", "B"}));
    auto bad = load(std::string(valid) + "  needs_env: {a: 1}\n");
    EXPECT_TRUE(bad.diags.has_errors());
}

TEST(LoadPipeline, ReadsKeyOrderInTheExpectBlock) {
    auto r = load(with_stage("") + "expect: {key_order: true}\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    ASSERT_TRUE(r.spec.expect);
    EXPECT_TRUE(r.spec.expect->key_order);
    EXPECT_FALSE(load(valid).spec.expect->key_order);
}

TEST(LoadPipeline, ReadsBalanceAndRefusesItWithDynamicWorkersAtItsLocation) {
    auto ok = load(with_stage("    workers: 3\n    balance: key\n"));
    ASSERT_FALSE(ok.diags.has_errors()) << first(ok);
    EXPECT_EQ(ok.spec.stages.at(0).balance, engine::balance_strategy::key);
    auto bad = load(with_stage("    workers: {min: 1, max: 4}\n    balance: steal\n"));
    EXPECT_EQ(first(bad),
              "p.yaml:6:14: error: stage 's': balance: steal needs a fixed worker count (a lane "
              "per worker), not workers: {min, max}; use workers: N, or balance: shared");
}

TEST(LoadPipeline, DefaultsTheNameToTheFileStem) {
    auto r = load_pipeline_text(with_stage(""), "dir/hash-lines.yaml", "/base", {});
    EXPECT_EQ(r.spec.name, "hash-lines");
}

TEST(LoadPipeline, DefaultsErrorsToJsonLinesOnStderr) {
    auto r = load(with_stage(""));
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    EXPECT_EQ(r.spec.errors.type, "jsonl");
    EXPECT_EQ(r.spec.errors.opts.get_string("path"), "-");
    EXPECT_FALSE(r.spec.expect);
}

TEST(LoadPipeline, DefaultsQueueAndWorkers) {
    auto r = load(with_stage(""));
    engine::stage_spec defaults;
    EXPECT_EQ(r.spec.stages[0].workers, defaults.workers);
    EXPECT_EQ(r.spec.stages[0].queue_items, defaults.queue_items);
}

TEST(LoadPipeline, ReadsAnUnquotedNullAsTheNullSink) {
    auto r = load(with_stage(""));
    EXPECT_EQ(r.spec.sink.type, "null");
}

TEST(LoadPipeline, AcceptsAnEmptyConfig) {
    auto r = load(with_stage("    config:\n"));
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    EXPECT_TRUE(r.spec.stages[0].config.items.empty());
}

TEST(LoadPipeline, KeepsAnAbsolutePluginPath) {
    auto r = load(with_stage("    plugin: /opt/p/libx.so\n"));
    EXPECT_EQ(r.spec.stages[0].plugin_file, "/opt/p/libx.so");
}

TEST(LoadPipeline, ReadsAFileAndUsesItsFolderAsBase) {
    auto dir = std::filesystem::path(testing::TempDir()) / "wprun_config_loader_test";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "pipe.yaml") << with_stage("");
    auto r = load_pipeline((dir / "pipe.yaml").string(), {});
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    EXPECT_EQ(r.spec.name, "pipe");
    EXPECT_EQ(std::filesystem::path(r.spec.base_dir), dir.lexically_normal());
}

// ---- structure errors --------------------------------------------------------------------

TEST(LoadPipeline, ReportsAnUnreadableFileWithTheReason) {
    auto r = load_pipeline("/nonexistent/wprun/p.yaml", {});
    ASSERT_EQ(r.diags.items().size(), 1u);
    EXPECT_EQ(first(r),
              "/nonexistent/wprun/p.yaml: error: cannot read the pipeline file "
              "'/nonexistent/wprun/p.yaml': No such file or directory");
}

TEST(LoadPipeline, ReportsAFolderAsUnreadable) {
    auto r = load_pipeline(testing::TempDir(), {});
    ASSERT_EQ(r.diags.items().size(), 1u);
    EXPECT_NE(first(r).find("Is a directory"), std::string::npos);
}

TEST(LoadPipeline, ReportsAYamlSyntaxErrorWithItsLocation) {
    auto r = load("source: {type: range\nstages: []\n");
    ASSERT_EQ(r.diags.items().size(), 1u);
    EXPECT_EQ(first(r).substr(0, 22), "p.yaml:2:7: error: YAM");
}

TEST(LoadPipeline, ReportsAnUnknownTopLevelKeyWithASuggestion) {
    auto r = load(with_stage("") + "descripton: x\n");
    ASSERT_EQ(r.diags.items().size(), 1u);
    EXPECT_EQ(first(r),
              "p.yaml:6:1: error: unknown key 'descripton' in the pipeline file; did you mean "
              "'description'? (valid keys: name, description, source, stages, sink, errors, "
              "deadline, limiters, max_item_bytes, expect, shutdown)");
}

TEST(LoadPipeline, ReportsAnUnknownStageKeyAtTheKey) {
    auto r = load(with_stage("    wrokers: 2\n"));
    ASSERT_EQ(r.diags.items().size(), 1u);
    EXPECT_EQ(first(r),
              "p.yaml:5:5: error: unknown key 'wrokers' in stage 's'; did you mean 'workers'? "
              "(valid keys: name, processor, broadcast, route, plugin, workers, queue, config, "
              "retry, rate_limit, circuit_breaker, timeout, on_error, max_errors, batch, "
              "priority, balance, isolation)");
}

TEST(LoadPipeline, ReadsIsolation) {
    auto r = load(with_stage("    isolation: process\n"));
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    EXPECT_EQ(r.spec.stages[0].isolation, engine::isolation_mode::process);
    EXPECT_EQ(load(with_stage("")).spec.stages[0].isolation, engine::isolation_mode::none);
}

TEST(LoadPipeline, ReportsAnUnknownIsolationAtTheValue) {
    auto r = load(with_stage("    isolation: thread\n"));
    EXPECT_EQ(first(r),
              "p.yaml:5:16: error: stage 's': isolation 'thread' is not one of none, process");
}

TEST(LoadPipeline, ReportsMissingTopLevelKeysAtTheDocument) {
    auto r = load("name: x\n");
    ASSERT_EQ(r.diags.items().size(), 3u);
    EXPECT_EQ(first(r).substr(0, 73),
              "p.yaml:1:1: error: the pipeline file: missing required key 'source' (e.g.");
}

TEST(LoadPipeline, ReportsAMissingProcessorAtTheStage) {
    auto r = load("source: {type: range}\nstages:\n  - name: a\nsink: {type: null}\n");
    ASSERT_EQ(r.diags.items().size(), 1u);
    EXPECT_EQ(first(r),
              "p.yaml:3:5: error: stage 'a': missing required key 'processor' (the processor to "
              "run, e.g. 'hash'; or 'broadcast' or 'route' with branches)");
}

TEST(LoadPipeline, ReportsAMissingSourceType) {
    auto r = load("source: {count: 3}\nstages: [{name: a, processor: b}]\nsink: {type: null}\n");
    ASSERT_EQ(r.diags.items().size(), 1u);
    EXPECT_EQ(first(r),
              "p.yaml:1:9: error: source: missing required key 'type' (e.g. 'type: lines')");
}

TEST(LoadPipeline, ReportsAnEmptyStageList) {
    auto r = load("source: {type: range}\nstages: []\nsink: {type: null}\n");
    EXPECT_EQ(first(r), "p.yaml:2:9: error: stages must list at least one stage");
}

TEST(LoadPipeline, ReportsANonMapDocument) {
    auto r = load("- a\n- b\n");
    EXPECT_EQ(first(r), "p.yaml:1:1: error: the pipeline file must be a map, not a list");
}

TEST(LoadPipeline, ReportsANestedIoOptionAtTheValue) {
    auto r = load(
        "source: {type: range, count: [1]}\nstages: [{name: a, processor: b}]\n"
        "sink: {type: null}\n");
    EXPECT_EQ(first(r),
              "p.yaml:1:30: error: source 'range' option 'count' must be a single value, not a "
              "list");
}

TEST(LoadPipeline, ReportsANestedConfigValue) {
    auto r = load(with_stage("    config:\n      rounds: {a: 1}\n"));
    EXPECT_EQ(first(r),
              "p.yaml:6:15: error: stage 's' config option 'rounds' must be a single value, not "
              "a map");
}

TEST(LoadPipeline, ReportsADuplicateStageName) {
    auto r = load(
        "source: {type: range}\nstages:\n  - {name: a, processor: x}\n"
        "  - {name: a, processor: y}\nsink: {type: null}\n");
    EXPECT_EQ(first(r), "p.yaml:4:12: error: duplicate stage name 'a' (first at p.yaml:3:12)");
}

TEST(LoadPipeline, ReportsABadStageName) {
    auto r = load(
        "source: {type: range}\nstages:\n  - {name: a b, processor: x}\n"
        "sink: {type: null}\n");
    EXPECT_EQ(first(r),
              "p.yaml:3:12: error: stage #1: name 'a b' may only use letters, digits, '_', '.' "
              "and '-'");
}

TEST(LoadPipeline, ReportsAnUnknownExpectKey) {
    auto r = load(with_stage("") + "expect:\n  outptu: x\n");
    EXPECT_EQ(first(r).substr(0, 66),
              "p.yaml:7:3: error: unknown key 'outptu' in expect; did you mean 'o");
}

TEST(LoadPipeline, ReportsANegativeLedgerCount) {
    auto r = load(with_stage("") + "expect:\n  ledger: {read: -1}\n");
    EXPECT_EQ(first(r),
              "p.yaml:7:18: error: expect ledger read must be a non-negative integer, got '-1'");
}

TEST(LoadPipeline, ReportsANonBooleanSorted) {
    auto r = load(with_stage("") + "expect:\n  sorted: yes\n");
    EXPECT_EQ(first(r), "p.yaml:7:11: error: expect sorted must be true or false, got 'yes'");
}

// ---- workers and queue -------------------------------------------------------------------

TEST(LoadPipeline, ReadsWorkersAutoAsZero) {
    auto r = load(with_stage("    workers: auto\n"));
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    EXPECT_EQ(r.spec.stages[0].workers, 0u);
}

TEST(LoadPipeline, ReadsAWorkerCount) {
    auto r = load(with_stage("    workers: 8\n"));
    EXPECT_EQ(r.spec.stages[0].workers, 8u);
}

TEST(LoadPipeline, RejectsZeroWorkersWithTheRange) {
    auto r = load(with_stage("    workers: 0\n"));
    EXPECT_EQ(first(r),
              "p.yaml:5:14: error: stage 's': workers must be an integer from 1 to 4096, 'auto' "
              "or 'adaptive', got '0'");
}

TEST(LoadPipeline, RejectsAbsurdWorkers) {
    auto r = load(with_stage("    workers: 10000000\n"));
    EXPECT_NE(first(r).find("from 1 to 4096, 'auto' or 'adaptive', got '10000000'"),
              std::string::npos);
}

TEST(LoadPipeline, ReadsADynamicWorkerRange) {
    auto r = load(with_stage("    workers: {min: 2, max: 16, scale_up_after: 20ms, idle: 1s}\n"));
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    const auto& s = r.spec.stages[0];
    EXPECT_EQ(s.min_workers, 2u);
    EXPECT_EQ(s.max_workers, 16u);
    EXPECT_EQ(s.workers, 2u);  // starts at min
    EXPECT_EQ(s.scale_up_after_ns, 20'000'000);
    EXPECT_EQ(s.idle_ns, 1'000'000'000);
}

TEST(LoadPipeline, ReadsAWorkerRangeWithDefaults) {
    auto r = load(with_stage("    workers: {max: auto}\n"));
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    EXPECT_EQ(r.spec.stages[0].min_workers, 1u);
    EXPECT_EQ(r.spec.stages[0].max_workers, 0u);  // auto: hardware threads
    EXPECT_EQ(r.spec.stages[0].scale_up_after_ns, 0);
    EXPECT_EQ(r.spec.stages[0].idle_ns, 0);
}

TEST(LoadPipeline, RejectsAWorkerRangeWhoseMaxIsBelowMin) {
    auto r = load(with_stage("    workers: {min: 4, max: 2}\n"));
    EXPECT_EQ(first(r),
              "p.yaml:5:28: error: stage 's': workers.max must be at least min (4), got '2'");
}

TEST(LoadPipeline, RejectsAWorkerRangeMinOfZero) {
    auto r = load(with_stage("    workers: {min: 0, max: 2}\n"));
    EXPECT_NE(first(r).find("workers.min must be an integer from 1 to 4096"), std::string::npos)
        << first(r);
}

TEST(LoadPipeline, RejectsAWorkerRangeAboveTheLimitAndUnknownKeys) {
    auto r = load(with_stage("    workers: {min: 1, max: 5000, idel: 1s}\n"));
    std::string all;
    for (const auto& d : r.diags.items()) all += d.str() + "\n";
    EXPECT_NE(all.find("workers.max must be an integer from 1 to 4096"), std::string::npos) << all;
    EXPECT_NE(all.find("did you mean 'idle'?"), std::string::npos) << all;
}

TEST(LoadPipeline, ReadsWorkersAdaptiveWithDefaults) {
    auto r = load(with_stage("    workers: adaptive\n"));
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    const auto& s = r.spec.stages[0];
    ASSERT_TRUE(s.adaptive);
    EXPECT_EQ(s.adaptive->min, 1u);
    EXPECT_EQ(s.adaptive->max, 64u);
    EXPECT_EQ(s.adaptive->initial, 1u);
    EXPECT_EQ(s.adaptive->window_ns, 100'000'000);
    EXPECT_EQ(s.min_workers, 0u);  // not a dynamic pool
}

TEST(LoadPipeline, ReadsAnAdaptiveMap) {
    auto r =
        load(with_stage("    workers: {adaptive: {min: 2, max: 16, initial: 4, window: 50ms, "
                        "threshold: 3, decrease: 0.5}}\n"));
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    const auto& a = *r.spec.stages[0].adaptive;
    EXPECT_EQ(a.min, 2u);
    EXPECT_EQ(a.max, 16u);
    EXPECT_EQ(a.initial, 4u);
    EXPECT_EQ(a.window_ns, 50'000'000);
    EXPECT_EQ(a.threshold, 3.0);
    EXPECT_EQ(a.decrease, 0.5);
}

TEST(LoadPipeline, RejectsAdaptiveWithPoolKeysBesideIt) {
    auto r = load(with_stage("    workers: {min: 2, adaptive: {max: 8}}\n"));
    EXPECT_NE(first(r).find("p.yaml:5:14: error: stage 's': workers: adaptive takes its min and "
                            "max inside it"),
              std::string::npos)
        << first(r);
}

TEST(LoadPipeline, RejectsAnAdaptiveDecreaseOutsideZeroToOne) {
    auto r = load(with_stage("    workers: {adaptive: {decrease: 1.5}}\n"));
    EXPECT_NE(first(r).find("workers.adaptive.decrease must be a number between 0 and 1"),
              std::string::npos)
        << first(r);
}

TEST(LoadPipeline, RejectsAnAdaptiveInitialOutsideMinAndMax) {
    auto r = load(with_stage("    workers: {adaptive: {min: 2, max: 4, initial: 8}}\n"));
    EXPECT_NE(first(r).find("needs min <= initial <= max"), std::string::npos) << first(r);
}

TEST(LoadPipeline, RejectsAdaptiveWorkersWithABatch) {
    auto r = load(with_stage("    workers: adaptive\n    batch: {items: 10}\n"));
    EXPECT_EQ(first(r),
              "p.yaml:5:14: error: stage 's': workers: adaptive cannot be combined with batch: "
              "(use a fixed or dynamic worker count)");
}

TEST(LoadPipeline, ReadsReportExpectations) {
    auto r = load(with_stage("") +
                  "expect:\n  report:\n    - {stage: s, concurrency_between: [4, 12]}\n"
                  "    - {stage: s, max_queue_depth: 64, stuck_workers: 1}\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    const auto& checks = r.spec.expect->report;
    ASSERT_EQ(checks.size(), 2u);
    EXPECT_EQ(checks[0].stage, "s");
    EXPECT_EQ(checks[0].concurrency_between, (std::pair<unsigned, unsigned>{4, 12}));
    EXPECT_EQ(checks[1].max_queue_depth, 64u);
    EXPECT_EQ(checks[1].stuck_workers, 1u);
}

TEST(LoadPipeline, RejectsAReportExpectationForAnUnknownStage) {
    auto r = load(with_stage("") + "expect: {report: {stage: nope, max_queue_depth: 1}}\n");
    EXPECT_EQ(first(r), "p.yaml:6:26: error: expect report: no stage named 'nope'");
}

TEST(LoadPipeline, RejectsABadConcurrencyRange) {
    auto r = load(with_stage("") + "expect: {report: {stage: s, concurrency_between: [9, 2]}}\n");
    EXPECT_NE(first(r).find("concurrency_between: LOW is above HIGH"), std::string::npos)
        << first(r);
}

TEST(LoadPipeline, RejectsAZeroIdle) {
    auto r = load(with_stage("    workers: {min: 1, max: 2, idle: 0s}\n"));
    EXPECT_NE(first(r).find("workers.idle must be a duration above 0"), std::string::npos)
        << first(r);
}

TEST(LoadPipeline, ReadsAQueueItemCount) {
    auto r = load(with_stage("    queue: 256\n"));
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    EXPECT_EQ(r.spec.stages[0].queue_items, 256u);
    EXPECT_EQ(r.spec.stages[0].queue_bytes, engine::stage_spec{}.queue_bytes);
}

TEST(LoadPipeline, ReadsAQueueMapWithBytesOnly) {
    auto r = load(with_stage("    queue: {bytes: 1KB}\n"));
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    EXPECT_EQ(r.spec.stages[0].queue_bytes, 1000u);
}

TEST(LoadPipeline, RejectsANegativeQueue) {
    auto r = load(with_stage("    queue: -1\n"));
    EXPECT_EQ(first(r),
              "p.yaml:5:12: error: stage 's': queue items must be an integer from 1 to 16777216, "
              "got '-1'");
}

TEST(LoadPipeline, RejectsZeroQueueBytes) {
    auto r = load(with_stage("    queue: {bytes: 0}\n"));
    EXPECT_NE(first(r).find("queue bytes must be a size above 0"), std::string::npos);
}

TEST(LoadPipeline, RejectsAnUnknownQueueKey) {
    auto r = load(with_stage("    queue: {itmes: 5}\n"));
    EXPECT_NE(first(r).find("did you mean 'items'?"), std::string::npos);
}

// ---- ${VAR} ------------------------------------------------------------------------------

TEST(LoadPipeline, ExpandsASetVariable) {
    setenv("WPRUN_LOADER_TEST_IN", "data/in.txt", 1);
    auto r = load(
        "source: {type: lines, path: '${WPRUN_LOADER_TEST_IN}'}\n"
        "stages: [{name: a, processor: b}]\nsink: {type: null}\n");
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    EXPECT_EQ(r.spec.source.opts.get_string("path"), "data/in.txt");
}

TEST(LoadPipeline, ReportsAnUnsetVariableAtTheValue) {
    unsetenv("WPRUN_LOADER_TEST_UNSET");
    auto r = load(
        "source: {type: lines, path: '${WPRUN_LOADER_TEST_UNSET}'}\n"
        "stages: [{name: a, processor: b}]\nsink: {type: null}\n");
    EXPECT_EQ(first(r),
              "p.yaml:1:29: error: environment variable 'WPRUN_LOADER_TEST_UNSET' is not set");
}

TEST(LoadPipeline, UsesAVariablesDefault) {
    unsetenv("WPRUN_LOADER_TEST_UNSET");
    auto r = load(with_stage("    workers: ${WPRUN_LOADER_TEST_UNSET:-3}\n"));
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    EXPECT_EQ(r.spec.stages[0].workers, 3u);
}

// ---- --set -------------------------------------------------------------------------------

TEST(LoadPipeline, OverridesWorkers) {
    auto r = load(valid, {"stages.hash.workers=8"});
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    EXPECT_EQ(r.spec.stages[1].workers, 8u);
}

TEST(LoadPipeline, OverridesAConfigValue) {
    auto r = load(valid, {"stages.upper.config.rounds=5"});
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    EXPECT_EQ(r.spec.stages[0].config.get_string("rounds"), "5");
    EXPECT_EQ(r.spec.stages[0].config.find("rounds")->where.str(), "--set");
}

TEST(LoadPipeline, OverridesQueueItemsAndIoOptions) {
    auto r = load(valid, {"stages.upper.queue.items=32", "source.path=x.txt", "name=n"});
    ASSERT_FALSE(r.diags.has_errors()) << first(r);
    EXPECT_EQ(r.spec.stages[0].queue_items, 32u);
    EXPECT_EQ(r.spec.source.opts.get_string("path"), "x.txt");
    EXPECT_EQ(r.spec.name, "n");
}

TEST(LoadPipeline, ReportsAnOverrideNamingNoStage) {
    auto r = load(valid, {"stages.nope.workers=8"});
    ASSERT_EQ(r.diags.items().size(), 1u);
    EXPECT_EQ(first(r),
              "error: --set stages.nope.workers=8: no stage named 'nope' (stages: upper, hash)");
}

TEST(LoadPipeline, ReportsAMalformedOverride) {
    auto r = load(valid, {"workers"});
    ASSERT_EQ(r.diags.items().size(), 1u);
    EXPECT_EQ(first(r), "error: --set workers: expected PATH=VALUE, e.g. stages.hash.workers=8");
}

TEST(LoadPipeline, ReportsABadOverriddenValueAtSet) {
    auto r = load(valid, {"stages.hash.workers=lots"});
    EXPECT_EQ(first(r),
              "--set: error: stage 'hash': workers must be an integer from 1 to 4096, 'auto' or "
              "'adaptive', "
              "got 'lots'");
}

TEST(LoadPipeline, ReportsAnUnknownKeyAddedByAnOverride) {
    auto r = load(valid, {"stages.hash.wrokers=2"});
    EXPECT_EQ(first(r).substr(0, 50), "--set: error: unknown key 'wrokers' in stage 'hash");
}

// ---- hostile input -----------------------------------------------------------------------

TEST(LoadPipeline, RefusesAnAliasBomb) {
    std::string yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 10; ++i) {
        std::string prev = "*a" + std::to_string(i - 1);
        yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
        for (int j = 1; j < 10; ++j) yaml += ", " + prev;
        yaml += "]\n";
    }
    auto r = load(yaml);
    ASSERT_EQ(r.diags.items().size(), 1u);
    EXPECT_NE(first(r).find("expands to more than"), std::string::npos);
}

}  // namespace
}  // namespace wprun::config
