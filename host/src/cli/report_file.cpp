#include "cli/report_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "cli/report_html.h"
#include "cli/report_json.h"

namespace wprun::cli {
namespace {

std::string json_text(const run_record& record) {
    // Messages come from plugins and may hold invalid UTF-8: replace it rather than throw.
    return report_json(record).dump(2, ' ', false,
                                    nlohmann::ordered_json::error_handler_t::replace) +
           "\n";
}

}  // namespace

std::optional<report_format> report_format_of(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".json") return report_format::json;
    if (ext == ".html" || ext == ".htm") return report_format::html;
    return std::nullopt;
}

void write_report_file(const std::string& path, const run_record& record) {
    std::optional<report_format> format = report_format_of(path);
    if (!format) throw std::runtime_error("report '" + path + "': use a .json or .html name");
    std::string text = *format == report_format::json ? json_text(record) : report_html(record);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out)
        throw std::runtime_error("cannot write report '" + path + "': " + std::strerror(errno));
}

}  // namespace wprun::cli
