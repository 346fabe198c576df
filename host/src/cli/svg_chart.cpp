#include "cli/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace wprun::cli {
namespace {

constexpr double width = 460, height = 220;
constexpr double left = 56, right = 12, top = 28, bottom = 40;
constexpr double plot_w = width - left - right, plot_h = height - top - bottom;

std::string open_svg(const chart_frame& f) {
    return fmt::format(
        "<svg id=\"{}\" class=\"chart\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" "
        "role=\"img\"><title>{}</title>"
        "<text class=\"title\" x=\"{}\" y=\"16\">{}</text>",
        html_escape(f.id), width, height, width, height, html_escape(f.title), left,
        html_escape(f.title));
}

std::string axes(const chart_frame& f, double y_max) {
    std::string s = fmt::format(
        "<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>"
        "<line class=\"axis\" x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\"/>",
        left, top, top + plot_h, left + plot_w);
    for (int i = 0; i <= 2; ++i) {
        double y = top + plot_h - plot_h * i / 2;
        s += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>",
                         left - 4, y + 4, short_number(y_max * i / 2));
    }
    s += fmt::format("<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                     left + plot_w / 2, height - 4, html_escape(f.x_label));
    s += fmt::format(
        "<text class=\"label\" transform=\"translate(12,{}) rotate(-90)\" "
        "text-anchor=\"middle\">{}</text>",
        top + plot_h / 2, html_escape(f.y_label));
    return s;
}

std::string x_ticks(double x_max) {
    std::string s;
    for (int i = 0; i <= 2; ++i)
        s += fmt::format(
            "<text class=\"tick\" x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            left + plot_w * i / 2, top + plot_h + 14, short_number(x_max * i / 2));
    return s;
}

/// The axis' top: the largest value, or 1 when there is none (an empty chart still has axes).
double scale_of(double largest) { return largest > 0 ? largest : 1; }

std::string no_data() {
    return fmt::format(
        "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">no data</text>",
        left + plot_w / 2, top + plot_h / 2);
}

}  // namespace

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string short_number(double v) {
    double a = std::fabs(v);
    if (a >= 1e9) return fmt::format("{:.3g}G", v / 1e9);
    if (a >= 1e6) return fmt::format("{:.3g}M", v / 1e6);
    if (a >= 1e3) return fmt::format("{:.3g}k", v / 1e3);
    return fmt::format("{:.3g}", v);
}

std::string line_chart(const chart_frame& frame,
                       const std::vector<std::pair<double, double>>& points) {
    double x_max = 0, y_max = 0;
    for (const auto& [x, y] : points) {
        x_max = std::max(x_max, x);
        y_max = std::max(y_max, y);
    }
    x_max = scale_of(x_max);
    y_max = scale_of(y_max);
    std::string coords;
    for (const auto& [x, y] : points)
        coords += fmt::format("{}{:.1f},{:.1f}", coords.empty() ? "" : " ",
                              left + plot_w * x / x_max, top + plot_h - plot_h * y / y_max);
    std::string s = open_svg(frame) + axes(frame, y_max) + x_ticks(x_max);
    s += points.empty() ? no_data()
                        : fmt::format("<polyline class=\"series\" points=\"{}\"/>", coords);
    return s + "</svg>";
}

std::string bar_chart(const chart_frame& frame,
                      const std::vector<std::pair<std::string, double>>& bars) {
    double y_max = 0;
    for (const auto& bar : bars) y_max = std::max(y_max, bar.second);
    y_max = scale_of(y_max);
    std::string s = open_svg(frame) + axes(frame, y_max);
    double slot = bars.empty() ? plot_w : plot_w / static_cast<double>(bars.size());
    size_t label_every = std::max<size_t>(1, bars.size() / 6);
    for (size_t i = 0; i < bars.size(); ++i) {
        double h = plot_h * bars[i].second / y_max, x = left + slot * static_cast<double>(i);
        s += fmt::format(
            "<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\">"
            "<title>{}: {}</title></rect>",
            x + 1, top + plot_h - h, std::max(slot - 2, 1.0), h, html_escape(bars[i].first),
            short_number(bars[i].second));
        if (i % label_every == 0)
            s += fmt::format(
                "<text class=\"tick\" x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x + slot / 2, top + plot_h + 14, html_escape(bars[i].first));
    }
    return s + (bars.empty() ? no_data() : "") + "</svg>";
}

}  // namespace wprun::cli
