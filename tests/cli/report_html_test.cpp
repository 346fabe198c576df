#include "cli/report_html.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "support/recorded_run.h"

namespace wprun::cli {
namespace {

const std::string& page() {
    static const std::string p = report_html(wprun::testing::recorded_run());
    return p;
}

/// The element with this id, from its start tag to the end of its closing tag.
std::string element(const std::string& html, const std::string& id, const std::string& tag) {
    size_t at = html.find("id=\"" + id + "\"");
    if (at == std::string::npos) return "";
    size_t start = html.rfind("<" + tag, at);
    size_t end = html.find("</" + tag + ">", at);
    return html.substr(start, end + tag.size() + 3 - start);
}

size_t polyline_points(const std::string& svg) {
    size_t line = svg.find("<polyline");
    if (line == std::string::npos) return 0;
    size_t start = svg.find("points=\"", line) + 8;
    std::string pts = svg.substr(start, svg.find('"', start) - start);
    return pts.empty() ? 0 : static_cast<size_t>(std::count(pts.begin(), pts.end(), ' ')) + 1;
}

/// Every start tag is closed in order (void elements written as <x/>); "" when it holds.
std::string tag_balance(const std::string& html) {
    std::vector<std::string> open;
    std::regex tag(R"(<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>)");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), tag);
         it != std::sregex_iterator(); ++it) {
        const std::smatch& m = *it;
        if (m[3] == "/") continue;
        if (m[1] == "") {
            open.push_back(m[2]);
            continue;
        }
        if (open.empty() || open.back() != m[2]) return "unexpected </" + m[2].str() + ">";
        open.pop_back();
    }
    return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

TEST(ReportHtml, IsOneDocumentWithBalancedTags) {
    EXPECT_EQ(page().rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(page().find("</html>"), std::string::npos);
    EXPECT_EQ(tag_balance(page()), "");
}

TEST(ReportHtml, HasNoNetworkReferencesAndNoScript) {
    EXPECT_EQ(page().find("http://"), std::string::npos);
    EXPECT_EQ(page().find("https://"), std::string::npos);
    EXPECT_EQ(page().find("<script"), std::string::npos);
    EXPECT_EQ(page().find("<link"), std::string::npos);
}

TEST(ReportHtml, ShowsThePipelineGraphWithEveryStage) {
    std::string graph = element(page(), "graph", "svg");
    ASSERT_FALSE(graph.empty());
    for (const char* name : {"source", "slow", "check", "sink", "errors"})
        EXPECT_NE(graph.find(std::string(">") + name + "<"), std::string::npos) << name;
    EXPECT_NE(graph.find("read 2000"), std::string::npos);
}

TEST(ReportHtml, EveryStageHasEveryChart) {
    for (const char* stage : {"slow", "check"})
        for (const char* chart : {"throughput", "latency", "workers", "queue"})
            EXPECT_FALSE(
                element(page(), std::string("chart-") + chart + "-" + stage, "svg").empty())
                << chart << " " << stage;
}

TEST(ReportHtml, TimeChartsHaveOnePointPerSample) {
    for (const char* stage : {"slow", "check"}) {
        EXPECT_GT(polyline_points(element(page(), std::string("chart-throughput-") + stage, "svg")),
                  1u);
        EXPECT_GT(polyline_points(element(page(), std::string("chart-queue-") + stage, "svg")), 2u);
        EXPECT_GT(polyline_points(element(page(), std::string("chart-workers-") + stage, "svg")),
                  2u);
    }
}

TEST(ReportHtml, LatencyChartHasOneBarPerNonEmptyBucket) {
    std::string svg = element(page(), "chart-latency-slow", "svg");
    size_t bars = 0;
    for (size_t at = svg.find("<rect"); at != std::string::npos; at = svg.find("<rect", at + 1))
        ++bars;
    EXPECT_GT(bars, 0u);
    EXPECT_EQ(svg.find("no data"), std::string::npos);
}

TEST(ReportHtml, ErrorsTableListsTheFirstHundredFailures) {
    std::string table = element(page(), "errors", "table");
    size_t rows = 0;
    for (size_t at = table.find("<tr class=\"error\">"); at != std::string::npos;
         at = table.find("<tr class=\"error\">", at + 1))
        ++rows;
    EXPECT_EQ(rows, 100u);
    EXPECT_NE(table.find("bad item"), std::string::npos);
    EXPECT_NE(page().find("286 failure(s), the first 100 shown"), std::string::npos);
}

TEST(ReportHtml, AStageWithABalanceShowsItsStrategyAndSpreadLikeTheTextReport) {
    run_record r;
    engine::stage_report s;
    s.name = "spread";
    s.balance = "steal";
    s.per_worker_in = {10, 30};
    s.steals = 7;
    r.report.stages.push_back(s);
    std::string line = element(report_html(r), "balance-spread", "p");
    EXPECT_NE(line.find("balance steal: items per worker min 10, max 30, mean 20.0, stddev 10.0 "
                        "(cv 0.50); 7 item(s) stolen"),
              std::string::npos)
        << line;
}

TEST(ReportHtml, AResumedRunSaysInItsSummaryHowManyItemsItSkipped) {
    run_record r = wprun::testing::recorded_run();
    EXPECT_EQ(element(report_html(r), "summary", "table").find("resumed"), std::string::npos);
    r.report.skipped = 1234;
    std::string summary = element(report_html(r), "summary", "table");
    EXPECT_NE(summary.find("<th>resumed</th><td class=\"text\">1234 item(s) committed by an "
                           "earlier run were skipped</td>"),
              std::string::npos)
        << summary;
}

TEST(ReportHtml, SharedStagesHaveNoBalanceLine) {
    EXPECT_EQ(page().find("id=\"balance-"), std::string::npos);
}

TEST(ReportHtml, EscapesNamesAndMakesSafeIds) {
    run_record r;
    r.name = "<b>&";
    engine::stage_report s;
    s.name = "a b<c";
    r.report.stages.push_back(s);
    std::string html = report_html(r);
    EXPECT_EQ(html.find("<b>&"), std::string::npos);
    EXPECT_NE(html.find("&lt;b&gt;&amp;"), std::string::npos);
    EXPECT_NE(html.find("id=\"chart-throughput-a_b_c\""), std::string::npos);
    EXPECT_EQ(tag_balance(html), "");
}

}  // namespace
}  // namespace wprun::cli
