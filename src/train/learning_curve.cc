#include "train/learning_curve.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "sim/svg.h"

namespace mmap_opt {
namespace {

constexpr double kLeft = 70, kTop = 50, kWidth = 560, kHeight = 300;

// A step of 1, 2 or 5 x 10^k that cuts [lo, hi] into about five pieces.
double TickStep(double lo, double hi) {
  const double raw = std::max(hi - lo, 1e-9) / 5;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

std::string Text(double x, double y, absl::string_view text, absl::string_view anchor,
                 int size = 11) {
  return absl::StrFormat(
      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\">%s</text>\n", x, y, size,
      anchor, svg::Escape(text));
}

}  // namespace

std::vector<CurvePoint> HeldOutPoints(absl::string_view metrics_csv) {
  std::vector<CurvePoint> points;
  int column = -1;
  for (absl::string_view line : absl::StrSplit(metrics_csv, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, ',');
    if (column < 0) {  // The header.
      auto at = std::find(fields.begin(), fields.end(), "heldout_gain_pct");
      if (at == fields.end()) return points;
      column = static_cast<int>(at - fields.begin());
      continue;
    }
    CurvePoint point;
    if (static_cast<int>(fields.size()) > column && !fields[column].empty() &&
        absl::SimpleAtoi(fields[0], &point.iteration) &&
        absl::SimpleAtod(fields[column], &point.gain_pct)) {
      points.push_back(point);
    }
  }
  return points;
}

std::string LearningCurveSvg(const std::vector<CurvePoint>& points, absl::string_view title) {
  const int width = static_cast<int>(kLeft + kWidth + 30);
  const int height = static_cast<int>(kTop + kHeight + 60);
  std::string out = svg::Open(width, height, "font-family=\"Helvetica, Arial, sans-serif\"");
  out += absl::StrFormat(
      "<text x=\"%.1f\" y=\"28\" font-size=\"15\" text-anchor=\"middle\" "
      "font-weight=\"bold\">%s</text>\n",
      kLeft + kWidth / 2, svg::Escape(absl::StrCat("Held-out gain over the heuristic: ", title)));
  double lo = 0, hi = 0;
  int last = 1;
  for (const CurvePoint& p : points) {
    lo = std::min(lo, p.gain_pct);
    hi = std::max(hi, p.gain_pct);
    last = std::max(last, p.iteration);
  }
  const double step = TickStep(lo, hi);
  lo = std::floor(lo / step) * step;
  hi = std::max(std::ceil(hi / step) * step, lo + step);
  const double right = kLeft + kWidth, bottom = kTop + kHeight;
  auto x_of = [&](double iteration) { return kLeft + iteration / last * kWidth; };
  auto y_of = [&](double gain) { return bottom - (gain - lo) / (hi - lo) * kHeight; };
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  for (double tick = lo; tick <= hi + step / 1e6; tick += step) {
    const double y = y_of(tick);
    out +=
        absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                        kLeft, y, right, y, std::abs(tick) < step / 1e6 ? "#999999" : "#eeeeee");
    out += Text(kLeft - 6, y + 4,
                absl::StrFormat("%+.*f%%", decimals, std::abs(tick) < step / 1e6 ? 0.0 : tick),
                "end", 10);
  }
  const double x_step = std::max(1.0, TickStep(0, last));
  for (double tick = 0; tick <= last + x_step / 1e6; tick += x_step) {
    out += Text(x_of(tick), bottom + 16, absl::StrFormat("%.0f", tick), "middle", 10);
  }
  out += absl::StrFormat(
      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
      "stroke=\"black\"/>\n",
      kLeft, kTop, kWidth, kHeight);
  out += Text(kLeft + kWidth / 2, bottom + 40, "iteration (0: imitation warm start)", "middle", 12);
  if (points.empty()) {
    out +=
        Text(kLeft + kWidth / 2, kTop + kHeight / 2, "no held-out measurement yet", "middle", 13);
    return out + "</svg>\n";
  }
  out += absl::StrFormat(
      "<line x1=\"%.1f\" y1=\"%.2f\" x2=\"%.1f\" y2=\"%.2f\" stroke=\"#ff7f0e\" "
      "stroke-dasharray=\"5,4\"/>\n",
      kLeft, y_of(points.front().gain_pct), right, y_of(points.front().gain_pct));
  std::string path;
  for (const CurvePoint& p : points) {
    absl::StrAppendFormat(&path, "%s%.2f,%.2f", path.empty() ? "" : " ", x_of(p.iteration),
                          y_of(p.gain_pct));
  }
  out += absl::StrFormat(
      "<polyline points=\"%s\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n", path);
  for (const CurvePoint& p : points) {
    out += absl::StrFormat(
        "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"#1f77b4\"><title>iteration %d: "
        "%+.4f%%</title></circle>\n",
        x_of(p.iteration), y_of(p.gain_pct), p.iteration, p.gain_pct);
  }
  out += Text(right - 4, kTop + 14, "dashed: the imitation warm start", "end", 11);
  return out + "</svg>\n";
}

}  // namespace mmap_opt
