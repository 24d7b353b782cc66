// src/viz/svg.h: scales, ticks, path data and the chart markup of the HTML pages.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "viz/svg.h"

namespace charnn {

namespace {
int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}
}  // namespace

TEST(Svg, LinearScaleMapsTheDomainOntoTheRangeEitherWay) {
  const svg::Scale x = svg::Scale::linear(0, 100, 50, 250);
  EXPECT_DOUBLE_EQ(x(0), 50);
  EXPECT_DOUBLE_EQ(x(50), 150);
  EXPECT_DOUBLE_EQ(x(100), 250);
  const svg::Scale y = svg::Scale::linear(1, 3, 300, 0);  // pixels grow downwards
  EXPECT_DOUBLE_EQ(y(1), 300);
  EXPECT_DOUBLE_EQ(y(2.5), 75);
  // A domain of one value is widened, so a single point lands mid-range, not on a NaN.
  const svg::Scale one = svg::Scale::linear(5, 5, 0, 100);
  EXPECT_DOUBLE_EQ(one(5), 50);
  EXPECT_FALSE(one.places(std::nan("")));
}

TEST(Svg, LogScaleSpacesDecadesEvenlyAndPlacesOnlyPositiveValues) {
  const svg::Scale x = svg::Scale::log10(1, 1000, 0, 300);
  EXPECT_TRUE(x.is_log());
  EXPECT_NEAR(x(1), 0, 1e-9);
  EXPECT_NEAR(x(10), 100, 1e-9);
  EXPECT_NEAR(x(100), 200, 1e-9);
  EXPECT_NEAR(x(1000), 300, 1e-9);
  EXPECT_NEAR(x(std::sqrt(10.0)), 50, 1e-9);
  EXPECT_TRUE(x.places(0.5));
  EXPECT_FALSE(x.places(0));
  EXPECT_FALSE(x.places(-3));
  // One value: a decade around it.
  const svg::Scale one = svg::Scale::log10(100, 100, 0, 100);
  EXPECT_NEAR(one(100), 50, 1e-9);
}

TEST(Svg, LinearTicksAreRoundNumbersInsideTheDomain) {
  EXPECT_EQ(svg::linear_ticks(0, 1000, 5), (std::vector<double>{0, 200, 400, 600, 800, 1000}));
  EXPECT_EQ(svg::linear_ticks(-0.5, 0.5, 4), (std::vector<double>{-0.4, -0.2, 0, 0.2, 0.4}));
  const std::vector<double> lr = svg::linear_ticks(0.0015, 0.0025, 5);
  ASSERT_EQ(lr.size(), 5u);
  EXPECT_NEAR(lr.front(), 0.0016, 1e-12);
  EXPECT_NEAR(lr.back(), 0.0024, 1e-12);
  for (int target : {2, 5, 8}) {
    const std::vector<double> t = svg::linear_ticks(1.37, 3.91, target);
    EXPECT_GE(t.size(), 2u);
    EXPECT_LE(t.size(), static_cast<size_t>(2 * target));
    for (double v : t) EXPECT_TRUE(v >= 1.37 && v <= 3.91) << v;
  }
  EXPECT_EQ(svg::linear_ticks(7, 7), (std::vector<double>{7}));
}

TEST(Svg, LogTicksArePowersOfTenOrOneTwoFiveWithinADecadeOrTwo) {
  EXPECT_EQ(svg::log_ticks(1, 5000), (std::vector<double>{1, 10, 100, 1000}));
  EXPECT_EQ(svg::log_ticks(50, 400), (std::vector<double>{50, 100, 200}));
  const std::vector<double> wide = svg::log_ticks(1, 1e12);  // 13 decades: every other one
  EXPECT_EQ(wide.size(), 7u);
  EXPECT_DOUBLE_EQ(wide[1], 100);
  EXPECT_TRUE(svg::log_ticks(0, 10).empty());
}

TEST(Svg, TickLabelsAreShort) {
  EXPECT_EQ(svg::tick_label(0), "0");
  EXPECT_EQ(svg::tick_label(0.002), "0.002");
  EXPECT_EQ(svg::tick_label(1.5), "1.5");
  EXPECT_EQ(svg::tick_label(500), "500");
  EXPECT_EQ(svg::tick_label(12000), "12k");
  EXPECT_EQ(svg::tick_label(1.2e6), "1.2M");
  EXPECT_EQ(svg::tick_label(3e-5), "3e-05");
}

TEST(Svg, PathDataHasOnePointPerPlaceableDataPoint) {
  const std::vector<svg::Point> pts = {{0, 0}, {10, 1}, {20, 4}};
  const svg::Scale x = svg::Scale::linear(0, 20, 0, 200), y = svg::Scale::linear(0, 4, 100, 0);
  const std::string d = svg::path_data(pts, x, y);
  EXPECT_EQ(d, "M0.0,100.0L100.0,75.0L200.0,0.0");
  EXPECT_EQ(svg::path_points(d), 3u);
  // On a log x axis the point at x = 0 has no place: left out, the path starts at the next.
  const std::string logd = svg::path_data(pts, svg::Scale::log10(10, 20, 0, 200), y);
  EXPECT_EQ(svg::path_points(logd), 2u);
  EXPECT_EQ(logd.rfind("M0.0,75.0", 0), 0u);
  EXPECT_EQ(svg::path_points(svg::path_data({{1, std::nan("")}, {2, 1}}, x, y)), 1u);
  EXPECT_EQ(svg::path_data({}, x, y), "");
}

TEST(Svg, DecimateKeepsTheShapeWithinTheBudget) {
  std::vector<svg::Point> pts;
  for (int i = 0; i < 10000; ++i) pts.push_back({double(i), std::sin(i / 300.0) + (i == 7777 ? 5 : 0)});
  const std::vector<svg::Point> d = svg::decimate(pts, 400);
  EXPECT_LE(d.size(), 400u);
  EXPECT_GE(d.size(), 200u);
  EXPECT_DOUBLE_EQ(d.front().x, 0);
  EXPECT_TRUE(std::is_sorted(d.begin(), d.end(), [](auto& a, auto& b) { return a.x < b.x; }));
  // The spike survives: every run keeps its highest point.
  EXPECT_TRUE(std::any_of(d.begin(), d.end(), [](auto& p) { return p.x == 7777; }));
  EXPECT_EQ(svg::decimate({{1, 1}, {2, 2}}, 400).size(), 2u);
}

TEST(Svg, ChartDrawsEverySeriesInBothXViewsWithItsPointCount) {
  svg::Chart c;
  c.id = "loss", c.title = "Loss <1>", c.y_label = "nats";
  svg::Series train;
  train.label = "train & co", train.css_class = "train";
  for (int i = 1; i <= 12; ++i) train.points.push_back({double(10 * i), 3.0 / i});
  svg::Series val;
  val.label = "val", val.css_class = "val", val.markers = true, val.href = "#x", val.attrs = "data-trial=\"3\"";
  val.points = {{0, 4}, {60, 2}, {120, 1}};
  c.series = {train, val};
  const std::string out = svg::render(c);
  EXPECT_NE(out.find("<figure class=\"chart\" id=\"loss\"><figcaption>Loss &lt;1&gt;</figcaption>"), std::string::npos);
  EXPECT_EQ(count(out, "<g class=\"xs-lin\">"), 1);
  EXPECT_EQ(count(out, "<g class=\"xs-log\">"), 1);
  EXPECT_EQ(count(out, "class=\"series train\""), 2);
  // val's point at iteration 0 is on the linear view only.
  const std::regex val_path(R"re(class="series val" d="([^"]*)"[^>]*data-points="(\d+)")re");
  std::vector<std::string> counts;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), val_path); it != std::sregex_iterator(); ++it) {
    EXPECT_EQ(svg::path_points((*it)[1]), std::stoul((*it)[2]));
    counts.push_back((*it)[2]);
  }
  EXPECT_EQ(counts, (std::vector<std::string>{"3", "2"}));
  EXPECT_NE(out.find("data-points=\"12\""), std::string::npos);
  EXPECT_NE(out.find("<a href=\"#x\"><path class=\"series val\""), std::string::npos);
  EXPECT_NE(out.find("data-trial=\"3\""), std::string::npos);
  EXPECT_NE(out.find("<title>train &amp; co</title>"), std::string::npos);
  EXPECT_EQ(count(out, "<circle "), 3 + 2);
  EXPECT_NE(out.find("iteration (log scale)"), std::string::npos);
}

TEST(Svg, ChartWithoutPointsSaysSo) {
  svg::Chart c;
  c.title = "Throughput";
  c.series.push_back({});
  c.empty_text = "nothing <yet>";
  const std::string out = svg::render(c);
  EXPECT_EQ(out.find("<svg"), std::string::npos);
  EXPECT_NE(out.find("<div class=\"nodata\">nothing &lt;yet&gt;</div>"), std::string::npos);
}

}  // namespace charnn
