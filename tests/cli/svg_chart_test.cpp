#include "cli/svg_chart.h"

#include <gtest/gtest.h>

namespace wprun::cli {
namespace {

TEST(SvgChart, EscapesHtmlSpecialCharacters) {
    EXPECT_EQ(html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
}

TEST(SvgChart, ShortNumbersUseSiSuffixes) {
    EXPECT_EQ(short_number(950), "950");
    EXPECT_EQ(short_number(1234), "1.23k");
    EXPECT_EQ(short_number(3'400'000), "3.4M");
    EXPECT_EQ(short_number(0.25), "0.25");
}

TEST(SvgChart, LineChartHasItsIdTitleAndOnePointPerSample) {
    std::string svg = line_chart({"c1", "rate", "s", "items/s"}, {{0, 1}, {1, 5}, {2, 3}});
    EXPECT_EQ(svg.rfind("<svg id=\"c1\"", 0), 0u);
    EXPECT_NE(svg.find("<title>rate</title>"), std::string::npos);
    EXPECT_NE(svg.find("points=\"56.0,"), std::string::npos) << svg;
    EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
}

TEST(SvgChart, TheLargestValueReachesTheTopOfThePlot) {
    std::string svg = line_chart({"c", "t", "x", "y"}, {{0, 0}, {10, 4}});
    // Plot area: x from 56 to 448, y from 180 (zero) up to 28 (the largest value).
    EXPECT_NE(svg.find("points=\"56.0,180.0 448.0,28.0\""), std::string::npos) << svg;
}

TEST(SvgChart, EmptyChartsSayNoData) {
    EXPECT_NE(line_chart({"c", "t", "x", "y"}, {}).find("no data"), std::string::npos);
    EXPECT_NE(bar_chart({"c", "t", "x", "y"}, {}).find("no data"), std::string::npos);
}

TEST(SvgChart, BarChartDrawsOneBarPerValue) {
    std::string svg = bar_chart({"b", "t", "x", "y"}, {{"1us", 3}, {"2us", 0}, {"4us", 9}});
    size_t bars = 0;
    for (size_t at = svg.find("<rect"); at != std::string::npos; at = svg.find("<rect", at + 1))
        ++bars;
    EXPECT_EQ(bars, 3u);
}

}  // namespace
}  // namespace wprun::cli
