#include "cli/lint.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "config/loader.h"

namespace wprun::cli {
namespace {

constexpr unsigned threads = 8;  // the machine the tests pretend to run on

/// A prepared pipeline from YAML text, without plugins: lint reads only the spec and each
/// stage's resolved worker count (`auto` = `threads`).
prepared_pipeline prepare(std::string_view yaml) {
    config::load_result loaded = config::load_pipeline_text(yaml, "p.yaml", "/base", {});
    EXPECT_FALSE(loaded.diags.has_errors())
        << (loaded.diags.items().empty() ? "" : loaded.diags.items().front().str());
    prepared_pipeline p{std::move(loaded.spec), {}, {}};
    for (const auto& s : p.spec.stages) {
        engine::stage_config& cfg = p.stages.emplace_back();
        cfg.name = s.name;
        cfg.processor = s.processor;
        cfg.workers = s.adaptive ? s.adaptive->max : s.workers == 0 ? threads : s.workers;
    }
    return p;
}

/// One stage with `stage_extra` in its map, and `sink` as the sink.
std::string pipeline(std::string_view stage_extra,
                     std::string_view sink = "{type: \"null\"}",
                     std::string_view processor = "spin") {
    return "source: {type: range, count: 3}\n"
           "stages:\n"
           "  - name: s\n"
           "    processor: " +
           std::string(processor) + "\n" + std::string(stage_extra) + "sink: " + std::string(sink) +
           "\n";
}

/// Every warning, one per line, as printed.
std::string warnings_of(std::string_view yaml) {
    std::string text;
    diagnostics found = lint_pipeline(prepare(yaml), threads);
    for (const diagnostic& d : found.items()) {
        EXPECT_EQ(d.level, severity::warning);
        text += d.str() + "\n";
    }
    return text;
}

TEST(Lint, AQueueWorkerWhoseOutputsReplaceTheirFilesWarnsAtEach) {
    std::string src =
        "source: {type: redis, stream: work}\nstages:\n  - {name: s, processor: spin}\n";
    std::string w = warnings_of(src +
                                "sink: {type: lines, path: out.txt}\n"
                                "errors: {type: jsonl, path: errors.jsonl}\n");
    EXPECT_NE(w.find("p.yaml:4:7: warning: sink: the redis source acknowledges"), std::string::npos)
        << w;
    EXPECT_NE(w.find("p.yaml:5:9: warning: errors:"), std::string::npos) << w;
    EXPECT_NE(w.find("add `append: true`"), std::string::npos) << w;
    EXPECT_EQ(warnings_of(src + "sink: {type: jsonl, path: out.jsonl, append: true}\n"
                                "errors: {type: jsonl, path: errors.jsonl, append: true}\n"),
              "");
    EXPECT_EQ(warnings_of(src + "sink: {type: redis, stream: results}\n"), "");  // errors: stderr
    EXPECT_EQ(warnings_of(pipeline("", "{type: lines, path: out.txt}")), "");    // not a queue
}

TEST(Lint, PlainPipelineHasNoWarnings) {
    EXPECT_EQ(warnings_of(pipeline("    workers: 4\n")), "");
    EXPECT_EQ(warnings_of(pipeline("    workers: auto\n")), "");
}

TEST(Lint, WorkersFarAboveTheCoresOnACpuBoundStageWarnAtTheValue) {
    std::string w = warnings_of(pipeline("    workers: 64\n"));
    EXPECT_NE(w.find("p.yaml:5:14: warning: stage 's': workers 64 is more than 4 times the 8 "
                     "hardware thread(s)"),
              std::string::npos)
        << w;
    EXPECT_NE(w.find("CPU-bound"), std::string::npos) << w;
    EXPECT_NE(w.find("'workers: auto'"), std::string::npos) << w;
}

TEST(Lint, WorkersUpToFourPerCoreAreFine) {
    EXPECT_EQ(warnings_of(pipeline("    workers: 32\n")), "");
}

TEST(Lint, ManyWorkersAreFineOnAStageThatWaits) {
    EXPECT_EQ(warnings_of(pipeline("    workers: 64\n    timeout: 1s\n")), "");
    EXPECT_EQ(warnings_of(pipeline("    workers: {adaptive: {max: 64}}\n")), "");
    EXPECT_EQ(warnings_of(pipeline("    workers: 64\n    rate_limit: {rate: 100/s}\n")), "");
    EXPECT_EQ(warnings_of(pipeline("    workers: 64\n    config: {command: cat}\n",
                                   "{type: \"null\"}", "exec")),
              "");
    EXPECT_EQ(warnings_of(pipeline("    workers: 64\n    config: {url: \"http://x/\"}\n",
                                   "{type: \"null\"}", "http")),
              "");
}

TEST(Lint, ManyWorkersAreFineOnAChaosStageThatSleeps) {
    const char* null_sink = "{type: \"null\"}";
    EXPECT_EQ(
        warnings_of(pipeline("    workers: 64\n    config: {sleep: 10ms}\n", null_sink, "chaos")),
        "");
    EXPECT_EQ(
        warnings_of(pipeline("    workers: 64\n    config: {jitter: 5ms}\n", null_sink, "chaos")),
        "");
}

TEST(Lint, ManyWorkersAreFineOnAFanOutWithABranchThatSleeps) {
    EXPECT_EQ(warnings_of("source: {type: range, count: 3}\n"
                          "stages:\n"
                          "  - name: s\n"
                          "    workers: 64\n"
                          "    broadcast:\n"
                          "      - {processor: spin}\n"
                          "      - {processor: chaos, config: {sleep: 1ms}}\n"
                          "sink: {type: \"null\"}\n"),
              "");
}

TEST(Lint, AChaosStageThatDoesNotSleepIsStillCpuBound) {
    std::string w = warnings_of(pipeline(
        "    workers: 64\n    config: {sleep: 0s, fail_every: 3}\n", "{type: \"null\"}", "chaos"));
    EXPECT_NE(w.find("CPU-bound"), std::string::npos) << w;
}

TEST(Lint, KeyBalanceWithASourceThatGivesNoKeyWarnsAtTheBalance) {
    auto d = lint_pipeline(prepare(pipeline("    workers: 4\n    balance: key\n")), threads);
    ASSERT_EQ(d.items().size(), 1u);
    EXPECT_EQ(d.items()[0].str(),
              "p.yaml:6:14: warning: stage 's': balance: key, but the range source gives its "
              "items no key, so every item goes to one worker; give them a key (lines `key:`, "
              "jsonl `key:`, files) or use balance: round_robin");
    EXPECT_TRUE(lint_pipeline(prepare(pipeline("    workers: 4\n    balance: steal\n")), threads)
                    .items()
                    .empty());
}

TEST(Lint, WorkerLanesFeedingAnOrderedWindowNarrowerThanTheQueueWarnAtTheBalance) {
    std::string w = warnings_of(pipeline("    workers: 2\n    queue: 64\n    balance: steal\n",
                                         "{type: \"null\", ordered: true, window: 16}"));
    EXPECT_NE(w.find("p.yaml:7:14: warning: stage 's': balance: steal feeds an ordered sink whose "
                     "window (16) is smaller than the stage's queue (64 items)"),
              std::string::npos)
        << w;
    EXPECT_EQ(warnings_of(pipeline("    workers: 2\n    queue: 64\n    balance: steal\n",
                                   "{type: \"null\", ordered: true, window: 64}")),
              "");
    EXPECT_EQ(warnings_of(pipeline("    workers: 2\n    queue: 64\n",
                                   "{type: \"null\", ordered: true, window: 16}")),
              "");
}

TEST(Lint, OrderedWindowSmallerThanTheWidestStageWarnsAtTheWindow) {
    std::string w = warnings_of(pipeline("    workers: 16\n",
                                         "{type: \"null\", ordered: true,\n"
                                         "       window: 4}"));
    EXPECT_NE(w.find("p.yaml:7:16: warning: sink: window 4 is smaller than the 16 workers of "
                     "stage 's'"),
              std::string::npos)
        << w;
    EXPECT_NE(w.find("12 of its workers stay idle"), std::string::npos) << w;
}

TEST(Lint, SmallWindowIsFineWhenUnorderedOrWideEnough) {
    EXPECT_EQ(warnings_of(pipeline("    workers: 16\n", "{type: \"null\", window: 4}")), "");
    EXPECT_EQ(
        warnings_of(pipeline("    workers: 16\n", "{type: \"null\", ordered: true, window: 16}")),
        "");
    EXPECT_EQ(warnings_of(pipeline("    workers: 16\n", "{type: \"null\", ordered: true}")), "");
}

TEST(Lint, BurstAboveAMinuteOfTheRateWarns) {
    std::string w = warnings_of(pipeline("    rate_limit: {rate: 10/s, burst: 1000}\n"));
    EXPECT_NE(w.find("p.yaml:5:17: warning: stage 's' rate_limit: burst 1000 is more than a "
                     "minute's worth of the rate 10/s (600)"),
              std::string::npos)
        << w;
    EXPECT_EQ(warnings_of(pipeline("    rate_limit: {rate: 10/s, burst: 600}\n")), "");
    EXPECT_EQ(warnings_of(pipeline("    rate_limit: {rate: 30/h}\n")), "");  // burst 1
}

TEST(Lint, NamedLimiterWithAHugeBurstWarnsOnceAtTheLimiter) {
    std::string yaml =
        "limiters:\n  api: {rate: 6/m, burst: 100}\n" + pipeline("    rate_limit: api\n");
    std::string w = warnings_of(yaml);
    EXPECT_NE(w.find("p.yaml:2:8: warning: limiter 'api': burst 100 is more than a minute's "
                     "worth of the rate 6/m (6)"),
              std::string::npos)
        << w;
    EXPECT_EQ(w.find("stage 's' rate_limit"), std::string::npos) << w;
}

TEST(Lint, TimeoutUnderAMillisecondWarnsAtTheValue) {
    std::string w = warnings_of(pipeline("    timeout: 500us\n"));
    EXPECT_NE(w.find("p.yaml:5:14: warning: stage 's': timeout 500us is shorter than 1ms"),
              std::string::npos)
        << w;
    EXPECT_NE(w.find("did you mean 500ms?"), std::string::npos) << w;
    EXPECT_EQ(warnings_of(pipeline("    timeout: 1ms\n")), "");
}

}  // namespace
}  // namespace wprun::cli

namespace wprun::cli {
namespace {

std::vector<std::string> codes_of(std::string_view yaml) {
    std::vector<std::string> codes;
    diagnostics found = lint_pipeline(prepare(yaml), threads);
    for (const diagnostic& d : found.items()) codes.push_back(d.code);
    return codes;
}

TEST(Lint, EveryWarningCarriesItsCode) {
    EXPECT_EQ(codes_of(pipeline("    workers: 64\n")),
              std::vector<std::string>{"workers-above-cores"});
    EXPECT_EQ(codes_of(pipeline("    timeout: 500us\n")),
              std::vector<std::string>{"timeout-too-short"});
}

TEST(Lint, ANamedLimiterNoStageUsesWarnsAtTheLimiter) {
    std::string yaml =
        "limiters:\n  api: {rate: 5/s}\n  spare: {rate: 1/s}\n" + pipeline("    rate_limit: api\n");
    std::string w = warnings_of(yaml);
    EXPECT_NE(w.find("p.yaml:3:10: warning: limiter 'spare' is not used by any stage"),
              std::string::npos)
        << w;
    EXPECT_EQ(w.find("'api'"), std::string::npos) << w;
}

TEST(Lint, ARateThatCannotPassTheRangeBeforeTheDeadlineWarnsAtTheRateLimit) {
    // 3 items at 1/s (burst 1) need 2 s; a 1 s deadline lets 2 through.
    std::string slow = "deadline: 1s\n" + pipeline("    rate_limit: {rate: 1/s}\n");
    std::string w = warnings_of(slow);
    EXPECT_NE(w.find("p.yaml:6:17: warning: stage 's': its rate limit 1/s lets at most 2 items "
                     "through before the deadline 1s, but the source has 3"),
              std::string::npos)
        << w;
    EXPECT_EQ(codes_of(slow), std::vector<std::string>{"rate-below-deadline"});
    EXPECT_EQ(warnings_of("deadline: 3s\n" + pipeline("    rate_limit: {rate: 1/s}\n")), "");
    EXPECT_EQ(warnings_of(pipeline("    rate_limit: {rate: 1/s}\n")), "");  // no deadline
}

TEST(Lint, ASharedLimiterIsJudgedByItsOwnRate) {
    std::string yaml =
        "deadline: 1s\nlimiters:\n  api: {rate: 1/m}\n" + pipeline("    rate_limit: api\n");
    EXPECT_EQ(codes_of(yaml), std::vector<std::string>{"rate-below-deadline"});
}

}  // namespace
}  // namespace wprun::cli
