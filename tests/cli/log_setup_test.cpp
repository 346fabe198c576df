#include "cli/log_setup.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/host_api.h"

namespace wprun::cli {
namespace {

using engine::log_origin;

std::chrono::system_clock::time_point at_2026() {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(1767323045678));
}

TEST(LogLine, TextNamesStageProcessorAndItemWhenKnown) {
    EXPECT_EQ(text_log_line("info", {}, "loaded"), "wprun: info: loaded");
    EXPECT_EQ(text_log_line("warning", {"hash", "", 42}, "slow"),
              "wprun: warning: stage hash, item 42: slow");
    EXPECT_EQ(text_log_line("info", {"hash", "sha", log_origin::no_seq}, "hi"),
              "wprun: info: stage hash, processor sha: hi");
}

TEST(LogLine, JsonHasTheFieldsInOrderWithNullsWhereTheyDoNotApply) {
    std::string line = json_log_line(at_2026(), "warn", {}, "plain");
    EXPECT_EQ(line, R"({"ts":"2026-01-02T03:04:05.678Z","level":"warn","stage":null,"seq":null,)"
                    R"("msg":"plain"})");
    auto j = nlohmann::json::parse(json_log_line(at_2026(), "debug", {"s", "chaos", 7}, "m"));
    EXPECT_EQ(j.at("stage"), "s");
    EXPECT_EQ(j.at("seq"), 7);
    EXPECT_EQ(j.at("processor"), "chaos");
}

TEST(LogLine, JsonEscapesQuotesNewlinesControlsAndBadUtf8) {
    std::string msg = "a \"quoted\"\nline\t\x01 \\ \xff\xfe end";
    std::string line = json_log_line(at_2026(), "info", {"st\"age", "", 1}, msg);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    auto j = nlohmann::json::parse(line);  // throws if not valid JSON
    EXPECT_EQ(j.at("stage"), "st\"age");
    std::string back = j.at("msg");
    EXPECT_EQ(back.substr(0, 17), "a \"quoted\"\nline\t\x01");
    EXPECT_NE(back.find("\xef\xbf\xbd"), std::string::npos);  // U+FFFD for the bad bytes
}

TEST(LogLine, FormatNamesAreTextAndJson) {
    EXPECT_EQ(parse_log_format("text"), log_format::text);
    EXPECT_EQ(parse_log_format("json"), log_format::json);
    EXPECT_FALSE(parse_log_format("xml"));
}

/// A default logger writing lines to a string, restored afterwards.
class captured_log {
public:
    explicit captured_log(log_format format, bool clear_line = false)
        : saved_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
        auto logger = std::make_shared<spdlog::logger>("test", sink);
        logger->set_formatter(make_log_formatter(format, clear_line));
        logger->set_level(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    ~captured_log() { spdlog::set_default_logger(saved_); }
    std::string text() const { return text_.str(); }

private:
    std::shared_ptr<spdlog::logger> saved_;
    std::ostringstream text_;
};

TEST(LogFormatter, EngineLinesCarryTheThreadsStageAndItem) {
    captured_log log(log_format::json);
    {
        engine::log_scope stage("parse");
        spdlog::info("worker started");
        engine::log_item(spdlog::level::debug, 12, "item failed: {}", "bad");
    }
    spdlog::warn("host line");
    std::istringstream lines(log.text());
    std::string line;
    std::vector<nlohmann::json> parsed;
    while (std::getline(lines, line)) parsed.push_back(nlohmann::json::parse(line));
    ASSERT_EQ(parsed.size(), 3u) << log.text();
    EXPECT_EQ(parsed[0].at("stage"), "parse");
    EXPECT_TRUE(parsed[0].at("seq").is_null());
    EXPECT_EQ(parsed[1].at("seq"), 12);
    EXPECT_EQ(parsed[1].at("msg"), "item failed: bad");
    EXPECT_EQ(parsed[1].at("level"), "debug");
    EXPECT_TRUE(parsed[2].at("stage").is_null());
    EXPECT_EQ(parsed[2].at("level"), "warn");
}

TEST(LogFormatter, PluginLinesComeThroughTheHostApiWithStageProcessorAndItem) {
    captured_log log(log_format::text);
    wprun_stage_context ctx{"hash", "sha"};
    const char* msg = "from the plugin";
    {
        engine::log_scope worker("hash", 99);  // a worker of the stage, in a call on item 99
        engine::host_api()->log(&ctx, WPRUN_LOG_WARN, msg, std::strlen(msg));
    }
    engine::host_api()->log(&ctx, WPRUN_LOG_INFO, msg, std::strlen(msg));  // outside a call
    EXPECT_EQ(log.text(),
              "wprun: warning: stage hash, processor sha, item 99: from the plugin\n"
              "wprun: info: stage hash, processor sha: from the plugin\n");
}

TEST(LogFormatter, OnATerminalTextLinesFirstClearTheProgressLine) {
    {
        captured_log log(log_format::text, true);
        spdlog::warn("careful");
        EXPECT_EQ(log.text(), "\r\x1b[Kwprun: warning: careful\n");
    }
    captured_log json(log_format::json, true);  // never inside JSON
    spdlog::warn("careful");
    EXPECT_EQ(json.text().rfind("{\"ts\":", 0), 0u) << json.text();
}

}  // namespace
}  // namespace wprun::cli
