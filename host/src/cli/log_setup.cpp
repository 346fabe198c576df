#include "cli/log_setup.h"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace wprun::cli {
namespace {

/// The --log-level spelling of a level ("warn", not spdlog's "warning").
std::string_view short_name(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
            return "trace";
        case spdlog::level::debug:
            return "debug";
        case spdlog::level::info:
            return "info";
        case spdlog::level::warn:
            return "warn";
        case spdlog::level::err:
            return "error";
        default:
            return "critical";
    }
}

std::string iso_time(std::chrono::system_clock::time_point at) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                       utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ms % 1000);
}

std::string origin_text(const engine::log_origin& o) {
    std::string out;
    auto part = [&out](const std::string& text) { out += (out.empty() ? "" : ", ") + text; };
    if (!o.stage.empty()) part("stage " + std::string(o.stage));
    if (!o.processor.empty()) part("processor " + std::string(o.processor));
    if (o.seq != engine::log_origin::no_seq) part("item " + std::to_string(o.seq));
    return out;
}

class line_formatter final : public spdlog::formatter {
public:
    line_formatter(log_format format, bool clear_line) : format_(format), clear_line_(clear_line) {}

    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        std::string_view text(msg.payload.data(), msg.payload.size());
        const engine::log_origin& o = engine::current_log_origin;
        std::string line;
        if (format_ == log_format::json) {
            line = json_log_line(msg.time, short_name(msg.level), o, text);
        } else {
            // The level is the colour range, as in spdlog's "%^%l%$" (colour on a terminal).
            auto name = spdlog::level::to_string_view(msg.level);
            std::string_view level(name.data(), name.size());
            // On a terminal, first clear the line: the live progress line may be on it (it is
            // redrawn below at the next tick).
            std::string_view clear = clear_line_ ? "\r\x1b[K" : "";
            msg.color_range_start = clear.size() + 7;  // after "wprun: "
            msg.color_range_end = msg.color_range_start + level.size();
            line = std::string(clear) + text_log_line(level, o, text);
        }
        line += '\n';
        dest.append(line.data(), line.data() + line.size());
    }
    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<line_formatter>(format_, clear_line_);
    }

private:
    log_format format_;
    bool clear_line_;
};

}  // namespace

std::optional<log_format> parse_log_format(std::string_view name) {
    if (name == "text") return log_format::text;
    if (name == "json") return log_format::json;
    return std::nullopt;
}

std::string text_log_line(std::string_view level,
                          const engine::log_origin& o,
                          std::string_view msg) {
    std::string origin = origin_text(o);
    return fmt::format("wprun: {}: {}{}{}", level, origin, origin.empty() ? "" : ": ", msg);
}

std::string json_log_line(std::chrono::system_clock::time_point at,
                          std::string_view level,
                          const engine::log_origin& o,
                          std::string_view msg) {
    nlohmann::ordered_json j;
    j["ts"] = iso_time(at);
    j["level"] = level;
    j["stage"] = o.stage.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(o.stage);
    j["seq"] = o.seq == engine::log_origin::no_seq ? nlohmann::ordered_json()
                                                   : nlohmann::ordered_json(o.seq);
    if (!o.processor.empty()) j["processor"] = o.processor;
    j["msg"] = msg;
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::unique_ptr<spdlog::formatter> make_log_formatter(log_format format, bool clear_line) {
    return std::make_unique<line_formatter>(format, clear_line && format == log_format::text);
}

void setup_logging(const std::string& level, log_format format) {
    std::shared_ptr<spdlog::logger> logger;
    if (format == log_format::json)
        logger = spdlog::stderr_logger_mt("wprun");  // no colour codes inside JSON
    else
        logger = spdlog::stderr_color_mt("wprun");
    logger->set_formatter(make_log_formatter(format, ::isatty(::fileno(stderr)) == 1));
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(logger);
}

}  // namespace wprun::cli
