// svg_chart: small inline-SVG charts for the HTML report — a line chart and a bar chart, each
// with axes, a few tick labels and a title. No library, no script, no external reference, so
// the report stays one self-contained file that opens offline.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wprun::cli {

/// The text with &, <, >, " and ' escaped for HTML text and attribute values.
std::string html_escape(std::string_view text);

/// A compact number for axis labels: 950, 1.2k, 3.4M, 0.25.
std::string short_number(double v);

struct chart_frame {
    std::string id;  ///< the <svg> element's id
    std::string title, x_label, y_label;
};

/// A polyline through `points` (x, y), with both axes starting at 0.
std::string line_chart(const chart_frame& frame,
                       const std::vector<std::pair<double, double>>& points);

/// One bar per (label, value), left to right.
std::string bar_chart(const chart_frame& frame,
                      const std::vector<std::pair<std::string, double>>& bars);

}  // namespace wprun::cli
