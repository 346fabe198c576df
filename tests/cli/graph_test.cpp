#include "cli/graph.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "config/loader.h"

namespace wprun::cli {
namespace {

/// Two stages: the first with every policy, the second plain; an ordered sink.
constexpr std::string_view policies_yaml = R"(name: demo
source: {type: range, count: 100}
stages:
  - name: api
    processor: chaos
    workers: 4
    queue: {items: 64, bytes: 1MiB}
    retry: {attempts: 5, backoff: {initial: 1ms, max: 5ms}}
    rate_limit: {rate: 100/s, burst: 10}
    circuit_breaker: {failures: 5, open_for: 1s}
    timeout: 200ms
    batch: {items: 100, bytes: 1MiB, wait: 50ms}
    priority: {levels: 3}
    max_errors: 10
  - name: upper
    processor: upper
    workers: {min: 1, max: 8}
sink: {type: lines, path: out/demo.txt, ordered: true}
errors: {type: jsonl, path: out/errors.jsonl}
)";

engine::pipeline_spec load(std::string_view yaml) {
    config::load_result loaded = config::load_pipeline_text(yaml, "p.yaml", "/base", {});
    EXPECT_FALSE(loaded.diags.has_errors())
        << (loaded.diags.items().empty() ? "" : loaded.diags.items().front().str());
    return std::move(loaded.spec);
}

size_t count(std::string_view text, std::string_view what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

/// A stage built by hand whose name needs escaping in both formats.
engine::pipeline_spec quoted_stage_spec() {
    engine::pipeline_spec spec;
    spec.name = "q";
    spec.source.type = "range";
    spec.source.opts.set("count", "3");
    spec.sink.type = "null";
    spec.errors.type = "null";
    engine::stage_spec& s = spec.stages.emplace_back();
    s.name = R"(say "hi" \ <b>)";
    s.processor = "upper";
    return spec;
}

TEST(Graph, StageLabelHasWorkersQueueAndOneLinePerPolicy) {
    engine::pipeline_spec spec = load(policies_yaml);
    std::vector<std::string> expected{"api",
                                      "processor chaos",
                                      "workers 4",
                                      "queue 64 items / 1MiB",
                                      "retry 5×, backoff 1ms..5ms",
                                      "rate 100/s burst 10",
                                      "breaker 5 fails / 1s",
                                      "timeout 200ms",
                                      "batch 100 / 1MiB / 50ms",
                                      "priority 3 strict",
                                      "max_errors 10"};
    EXPECT_EQ(stage_label(spec.stages[0]), expected);
    EXPECT_EQ(stage_label(spec.stages[1])[2], "workers 1..8");
}

TEST(Graph, AdaptiveWorkersShowTheirRange) {
    auto spec = load(
        "source: {type: range, count: 1}\n"
        "stages: [{name: s, processor: upper, workers: {adaptive: {max: 16}}}]\n"
        "sink: {type: \"null\"}\n");
    EXPECT_EQ(stage_label(spec.stages.at(0))[2], "workers adaptive 1..16");
}

TEST(Graph, AutoWorkersAndASharedLimiterAreNamed) {
    engine::pipeline_spec spec = load(R"(source: {type: range, count: 3}
limiters: {api: {rate: 5/s}}
stages:
  - {name: s, processor: upper, workers: auto, rate_limit: api}
sink: {type: "null"}
)");
    std::vector<std::string> label = stage_label(spec.stages[0]);
    EXPECT_EQ(label[2], "workers auto");
    EXPECT_EQ(label[4], "rate: limiter api");
}

TEST(Graph, ProcessIsolationHasALine) {
    engine::pipeline_spec spec = load(R"(source: {type: range, count: 3}
stages:
  - {name: s, processor: upper, workers: 2, isolation: process, timeout: 1s}
sink: {type: "null"}
)");
    std::vector<std::string> label = stage_label(spec.stages[0]);
    ASSERT_EQ(label.size(), 6u);
    EXPECT_EQ(label[5], "isolation process");
}

TEST(Graph, IoLabelShowsTypeAndMainOption) {
    engine::pipeline_spec spec = load(policies_yaml);
    EXPECT_EQ(io_label("source", spec.source),
              (std::vector<std::string>{"source: range", "count 100"}));
    EXPECT_EQ(io_label("sink", spec.sink),
              (std::vector<std::string>{"sink: lines", "path out/demo.txt"}));
}

TEST(Graph, DotHasEveryNodeTheFlowEdgesAndDashedErrorEdges) {
    std::string dot = render_dot(load(policies_yaml));
    EXPECT_EQ(dot.rfind("digraph \"demo\" {\n", 0), 0u) << dot;
    EXPECT_EQ(count(dot, "[label="), 6u) << dot;  // source, 2 stages, sink, errors; `ordered`
    EXPECT_EQ(count(dot, " -> "), 5u) << dot;     // 3 flow edges, 2 error edges
    EXPECT_EQ(count(dot, "-> errors [style=dashed]"), 2u) << dot;
    EXPECT_NE(dot.find("stage_1 -> sink [label=\"ordered\"];"), std::string::npos) << dot;
    EXPECT_NE(dot.find("api\\nprocessor chaos\\nworkers 4\\n"), std::string::npos) << dot;
    EXPECT_NE(dot.find("breaker 5 fails / 1s"), std::string::npos) << dot;
    EXPECT_EQ(dot.back(), '\n');
}

TEST(Graph, MermaidHasEveryNodeTheFlowEdgesAndDottedErrorEdges) {
    std::string m = render_mermaid(load(policies_yaml));
    EXPECT_EQ(m.rfind("flowchart LR\n", 0), 0u) << m;
    EXPECT_EQ(count(m, "[\""), 5u) << m;
    EXPECT_EQ(count(m, " --> "), 2u) << m;  // the edge into the sink has a label
    EXPECT_EQ(count(m, " -->|ordered| sink"), 1u) << m;
    EXPECT_EQ(count(m, " -.-> errors"), 2u) << m;
    EXPECT_NE(m.find("api<br/>processor chaos<br/>workers 4<br/>"), std::string::npos) << m;
}

/// A route stage between two plain stages, into an ordered sink.
constexpr std::string_view fan_out_yaml = R"(name: fan
source: {type: range, count: 10}
stages:
  - {name: first, processor: trim}
  - name: sort
    route:
      - {name: even, processor: upper, when: "[02468]$"}
      - {processor: hash, when: {regex: "^1", on: key}}
      - {processor: lower, default: true}
  - {name: last, processor: trim}
sink: {type: lines, path: out/fan.txt, ordered: true}
)";

TEST(Graph, BranchLabelHasNameProcessorAndRule) {
    engine::pipeline_spec spec = load(fan_out_yaml);
    const auto& b = spec.stages.at(1).branches;
    EXPECT_EQ(branch_label(b.at(0)),
              (std::vector<std::string>{"even", "processor upper", "when /[02468]$/"}));
    EXPECT_EQ(branch_label(b.at(1)), (std::vector<std::string>{"hash", "when key /^1/"}));
    EXPECT_EQ(branch_label(b.at(2)), (std::vector<std::string>{"lower", "default"}));
}

TEST(Graph, DotDrawsEachBranchBetweenTheFanOutStageAndTheNext) {
    std::string dot = render_dot(load(fan_out_yaml));
    EXPECT_NE(dot.find("stage_1 [label=\"sort\\nprocessor route(even, hash, lower)"),
              std::string::npos)
        << dot;
    for (std::string b : {"stage_1_b0", "stage_1_b1", "stage_1_b2"}) {
        EXPECT_NE(dot.find("    stage_1 -> " + b + ";"), std::string::npos) << dot;
        EXPECT_NE(dot.find("    " + b + " -> stage_2;"), std::string::npos) << dot;
    }
    EXPECT_EQ(count(dot, "stage_1 -> stage_2"), 0u) << dot;
    EXPECT_NE(dot.find("stage_2 -> sink [label=\"ordered\"];"), std::string::npos) << dot;
}

TEST(Graph, MermaidDrawsEachBranchAsARoundedNode) {
    std::string m = render_mermaid(load(fan_out_yaml));
    EXPECT_NE(m.find("    stage_1_b0([\"even<br/>processor upper<br/>when /[02468]$/\"])"),
              std::string::npos)
        << m;
    EXPECT_EQ(count(m, " --> stage_2"), 3u) << m;
}

TEST(Graph, UnorderedSinkEdgeHasNoLabel) {
    engine::pipeline_spec spec = quoted_stage_spec();
    EXPECT_EQ(render_dot(spec).find("ordered"), std::string::npos);
    EXPECT_EQ(render_mermaid(spec).find("ordered"), std::string::npos);
}

TEST(Graph, DotEscapesQuotesBackslashesAndLineBreaks) {
    std::string dot = render_dot(quoted_stage_spec());
    EXPECT_NE(dot.find(R"([label="say \"hi\" \\ <b>\nprocessor upper)"), std::string::npos) << dot;
    EXPECT_EQ(dot_escape({"a\nb", "c"}), R"(a\nb\nc)");
}

TEST(Graph, MermaidEscapesQuotesAndMarkupAsEntities) {
    std::string m = render_mermaid(quoted_stage_spec());
    EXPECT_NE(m.find(R"(stage_0["say #quot;hi#quot; \ #lt;b#gt;<br/>processor upper)"),
              std::string::npos)
        << m;
    EXPECT_EQ(mermaid_escape({"a\nb", "#1 & 2"}), "a<br/>b<br/>#35;1 #amp; 2");
}

TEST(Graph, FormatNamesParse) {
    EXPECT_EQ(parse_graph_format("dot"), graph_format::dot);
    EXPECT_EQ(parse_graph_format("mermaid"), graph_format::mermaid);
    EXPECT_FALSE(parse_graph_format("svg"));
}

}  // namespace
}  // namespace wprun::cli
