// The bench's SVG plots. Hand-written SVG (no plotting library in the dependency set);
// every coordinate is printed with fixed decimals so the files are byte-for-byte deterministic.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "mmap_opt/agents/bench_report.h"
#include "sim/svg.h"

namespace mmap_opt {
namespace {

constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#9467bd", "#8c564b",
                                    "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
constexpr char kFaster[] = "#2ca02c";
constexpr char kSlower[] = "#d62728";
constexpr char kEqual[] = "#7f7f7f";

using svg::Escape;

// An axis from lo to hi widened to round tick values (1, 2 or 5 x 10^k apart).
struct Axis {
  double lo = 0, hi = 1, step = 0.2;

  static Axis Around(double lo, double hi, int ticks = 5) {
    if (!(hi > lo)) {  // One value (or none): a unit range around it.
      lo -= 0.5;
      hi += 0.5;
    }
    const double raw = (hi - lo) / ticks;
    const double magnitude = std::pow(10, std::floor(std::log10(raw)));
    double step = 10 * magnitude;
    for (double m : {1.0, 2.0, 5.0}) {
      if (m * magnitude >= raw) {
        step = m * magnitude;
        break;
      }
    }
    return Axis{std::floor(lo / step) * step, std::ceil(hi / step) * step, step};
  }
  std::vector<double> Ticks() const {
    std::vector<double> ticks;
    for (double t = lo; t <= hi + step / 1e6; t += step)
      ticks.push_back(std::abs(t) < step / 1e6 ? 0 : t);
    return ticks;
  }
  // Position of `v` on a screen segment from `from` (at lo) to `to` (at hi).
  double Map(double v, double from, double to) const {
    return from + (v - lo) / (hi - lo) * (to - from);
  }
};

std::string Text(double x, double y, absl::string_view text, absl::string_view anchor,
                 int size = 11, absl::string_view extra = "") {
  return absl::StrFormat(
      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\"%s>%s</text>\n", x, y, size,
      anchor, extra, Escape(text));
}

std::string Line(double x1, double y1, double x2, double y2, absl::string_view style) {
  return absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" %s/>\n", x1, y1, x2,
                         y2, style);
}

std::string Header(int width, int height) {
  return svg::Open(width, height, "font-family=\"Helvetica, Arial, sans-serif\"");
}

std::string TickLabel(double value, double step, absl::string_view suffix) {
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  return absl::StrCat(absl::StrFormat("%.*f", decimals, value), suffix);
}

// One agent's panel of the speedup plot: a row per program, best at the top.
struct SpeedupBar {
  std::string program;
  std::optional<double> speedup;
};

constexpr int kRowHeight = 15;
constexpr int kLabelWidth = 330;
constexpr int kPanelWidth = 560;
constexpr int kPanelHeader = 40;
constexpr int kAxisHeight = 30;

std::string SpeedupPanel(const std::string& agent, std::vector<SpeedupBar> bars, double top) {
  std::stable_sort(bars.begin(), bars.end(), [](const SpeedupBar& a, const SpeedupBar& b) {
    if (a.speedup.has_value() != b.speedup.has_value()) return a.speedup.has_value();
    return a.speedup && *a.speedup > *b.speedup;
  });
  double lo = 0, hi = 0;
  int improved = 0, equal = 0, worse = 0;
  // Within the bench's tolerance a speedup is no change (kEqualLatencyTolerance, in percent).
  constexpr double kNoChange = 100 * kEqualLatencyTolerance;
  for (const SpeedupBar& bar : bars) {
    if (!bar.speedup) continue;
    lo = std::min(lo, *bar.speedup);
    hi = std::max(hi, *bar.speedup);
    improved += *bar.speedup > kNoChange;
    worse += *bar.speedup < -kNoChange;
    equal += std::abs(*bar.speedup) <= kNoChange;
  }
  const Axis axis = Axis::Around(lo, hi);
  const double left = kLabelWidth, right = kLabelWidth + kPanelWidth;
  const double plot_top = top + kPanelHeader;
  const double plot_bottom = plot_top + kRowHeight * static_cast<double>(bars.size());
  std::string svg = Text(20, top + 22,
                         absl::StrFormat("%s: %d faster, %d equal, %d slower than the heuristic",
                                         agent, improved, equal, worse),
                         "start", 14, " font-weight=\"bold\"");
  for (double tick : axis.Ticks()) {
    const double x = axis.Map(tick, left, right);
    svg += Line(x, plot_top, x, plot_bottom, "stroke=\"#dddddd\"");
    svg += Text(x, plot_bottom + 14, TickLabel(tick, axis.step, "%"), "middle", 10);
  }
  const double zero = axis.Map(0, left, right);
  for (size_t i = 0; i < bars.size(); ++i) {
    const double y = plot_top + kRowHeight * static_cast<double>(i);
    svg += Text(left - 6, y + 11, bars[i].program, "end", 10);
    if (!bars[i].speedup) {
      svg += Text(zero + 4, y + 11, "invalid", "start", 10, " fill=\"#d62728\"");
      continue;
    }
    const double s = *bars[i].speedup;
    const double x = axis.Map(s, left, right);
    const char* colour = s > kNoChange ? kFaster : s < -kNoChange ? kSlower : kEqual;
    svg += absl::StrFormat(
        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s: "
        "%+.3f%%</title></rect>\n",
        std::min(x, zero), y + 2, std::max(std::abs(x - zero), 0.5), kRowHeight - 4, colour,
        Escape(bars[i].program), s);
    // The value goes past the bar's end, or inside it (in white) where that would leave the
    // plot and run into the program names.
    constexpr double kLabelRoom = 48;
    const std::string value = absl::StrFormat("%+.2f%%", s);
    if (s >= 0) {
      const bool inside = x + kLabelRoom > right;
      svg += Text(inside ? x - 3 : std::max(x, zero) + 3, y + 11, value, inside ? "end" : "start",
                  9, inside ? " fill=\"white\"" : "");
    } else {
      const bool inside = x - kLabelRoom < left;
      svg += Text(inside ? x + 3 : x - 3, y + 11, value, inside ? "start" : "end", 9,
                  inside ? " fill=\"white\"" : "");
    }
  }
  svg += Line(zero, plot_top, zero, plot_bottom, "stroke=\"black\"");
  svg += Line(left, plot_bottom, right, plot_bottom, "stroke=\"black\"");
  return svg;
}

}  // namespace

std::string SpeedupSvg(const BenchResults& results) {
  std::vector<std::string> agents;
  for (const std::string& agent : results.agents) {
    if (agent != kBenchReference) agents.push_back(agent);
  }
  const int rows = static_cast<int>(results.programs.size());
  const int panel = kPanelHeader + rows * kRowHeight + kAxisHeight;
  const int width = kLabelWidth + kPanelWidth + 70;
  const int height = 50 + std::max(1, static_cast<int>(agents.size())) * panel;
  std::string svg = Header(width, height);
  svg += Text(width / 2.0, 24,
              "Speedup over the XLA-style heuristic (heuristic latency / agent latency - 1)",
              "middle", 16, " font-weight=\"bold\"");
  if (agents.empty()) {
    svg += Text(width / 2.0, 70, "only the heuristic ran: nothing to compare", "middle", 13);
  }
  for (size_t a = 0; a < agents.size(); ++a) {
    std::vector<SpeedupBar> bars;
    for (const ProgramOutcome& program : results.programs) {
      const AgentOutcome* outcome = program.Find(agents[a]);
      bars.push_back({program.file, outcome ? outcome->speedup_percent : std::nullopt});
    }
    svg += SpeedupPanel(agents[a], std::move(bars), 40 + static_cast<double>(a) * panel);
  }
  return svg + "</svg>\n";
}

std::string RewardGainSvg(const BenchResults& results) {
  constexpr double kLeft = 80, kTop = 60, kSize = 480, kLegend = 300;
  const int width = static_cast<int>(kLeft + kSize + kLegend);
  const int height = static_cast<int>(kTop + kSize + 60);
  std::string svg = Header(width, height);
  svg += Text(kLeft + kSize / 2, 28,
              "Summed game reward against the simulated latency gain over all-slow", "middle", 15,
              " font-weight=\"bold\"");
  // One range for both axes, so that y = x is the diagonal.
  double lo = 0, hi = 1;
  for (const ProgramOutcome& program : results.programs) {
    for (const AgentOutcome& o : program.agents) {
      if (!o.game_reward || !o.valid()) continue;
      lo = std::min({lo, *o.game_reward, o.headroom_closed});
      hi = std::max({hi, *o.game_reward, o.headroom_closed});
    }
  }
  const Axis axis = Axis::Around(lo, hi);
  const double right = kLeft + kSize, bottom = kTop + kSize;
  for (double tick : axis.Ticks()) {
    const double x = axis.Map(tick, kLeft, right), y = axis.Map(tick, bottom, kTop);
    svg += Line(x, kTop, x, bottom, "stroke=\"#eeeeee\"");
    svg += Line(kLeft, y, right, y, "stroke=\"#eeeeee\"");
    svg += Text(x, bottom + 16, TickLabel(tick, axis.step, ""), "middle", 10);
    svg += Text(kLeft - 6, y + 4, TickLabel(tick, axis.step, ""), "end", 10);
  }
  svg += absl::StrFormat(
      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
      "stroke=\"black\"/>\n",
      kLeft, kTop, kSize, kSize);
  svg += Line(kLeft, bottom, right, kTop, "stroke=\"#999999\" stroke-dasharray=\"5,4\"");
  svg += Text(kLeft + kSize / 2, bottom + 40,
              "summed step reward (normalised by the program's headroom)", "middle", 12);
  svg += absl::StrFormat(
      "<text x=\"22\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 "
      "22 %.1f)\">(all-slow - latency) / headroom (simulator)</text>\n",
      kTop + kSize / 2, kTop + kSize / 2);
  if (results.correlations.empty()) {
    svg += Text(kLeft + kSize / 2, kTop + kSize / 2, "no agent played the game", "middle", 13);
  }
  double legend_y = kTop + 10;
  for (size_t c = 0; c < results.correlations.size(); ++c) {
    const RewardCorrelation& corr = results.correlations[c];
    const char* colour = kPalette[c % (sizeof(kPalette) / sizeof(kPalette[0]))];
    for (const ProgramOutcome& program : results.programs) {
      const AgentOutcome* o = program.Find(corr.agent);
      if (o == nullptr || !o->game_reward || !o->valid()) continue;
      svg += absl::StrFormat(
          "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"4\" fill=\"%s\" fill-opacity=\"0.75\"><title>%s "
          "on %s: reward %.4f, gain %.4f</title></circle>\n",
          axis.Map(*o->game_reward, kLeft, right), axis.Map(o->headroom_closed, bottom, kTop),
          colour, Escape(corr.agent), Escape(program.file), *o->game_reward, o->headroom_closed);
    }
    svg += absl::StrFormat("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>\n", right + 25,
                           legend_y, colour);
    svg += Text(right + 36, legend_y + 4, absl::StrFormat("%s (%d games)", corr.agent, corr.games),
                "start", 12);
    svg += Text(
        right + 36, legend_y + 20,
        absl::StrCat("Pearson ",
                     std::isfinite(corr.pearson) ? absl::StrFormat("%.4f", corr.pearson) : "n/a",
                     ", Spearman ",
                     std::isfinite(corr.spearman) ? absl::StrFormat("%.4f", corr.spearman) : "n/a"),
        "start", 11);
    legend_y += 44;
  }
  svg += Text(right + 25, legend_y + 4, "dashed: reward = gain", "start", 11, " fill=\"#666666\"");
  return svg + "</svg>\n";
}

std::string GainBudgetSvg(const BenchResults& results) {
  constexpr double kLeft = 80, kTop = 60, kWidth = 520, kHeight = 340, kLegend = 220;
  const int width = static_cast<int>(kLeft + kWidth + kLegend);
  const int height = static_cast<int>(kTop + kHeight + 70);
  const double right = kLeft + kWidth, bottom = kTop + kHeight;
  std::string svg = Header(width, height);
  svg += Text(kLeft + kWidth / 2, 28,
              "Mean speedup over the heuristic against the time limit per program", "middle", 15,
              " font-weight=\"bold\"");
  // x: log10 of the budget, padded so the end markers sit inside the frame.
  double lo = 0, hi = 1;
  if (!results.budgets.empty()) {
    lo = std::log10(results.budgets.front());
    hi = std::log10(results.budgets.back());
  }
  const double pad = hi > lo ? 0.08 * (hi - lo) : 0.5;
  lo -= pad;
  hi += pad;
  auto x_of = [&](double budget) { return kLeft + (std::log10(budget) - lo) / (hi - lo) * kWidth; };
  double y_lo = 0, y_hi = 0;
  for (const BudgetSummary& b : results.budget_summaries) {
    if (b.summary.compared == 0) continue;
    y_lo = std::min(y_lo, b.summary.mean_speedup_percent);
    y_hi = std::max(y_hi, b.summary.mean_speedup_percent);
  }
  const Axis y_axis = Axis::Around(y_lo, y_hi);
  // Grid: every decade inside the range (light), every budget (labelled), every y tick.
  for (int decade = static_cast<int>(std::ceil(lo)); decade <= std::floor(hi); ++decade) {
    const double x = x_of(std::pow(10.0, decade));
    svg += Line(x, kTop, x, bottom, "stroke=\"#f2f2f2\"");
  }
  for (double budget : results.budgets) {
    const double x = x_of(budget);
    svg += Line(x, kTop, x, bottom, "stroke=\"#dddddd\"");
    svg += Text(x, bottom + 16, absl::StrFormat("%g s", budget), "middle", 10);
  }
  for (double tick : y_axis.Ticks()) {
    const double y = y_axis.Map(tick, bottom, kTop);
    svg += Line(kLeft, y, right, y, "stroke=\"#eeeeee\"");
    svg += Text(kLeft - 6, y + 4, TickLabel(tick, y_axis.step, "%"), "end", 10);
  }
  const double zero = y_axis.Map(0, bottom, kTop);
  svg += Line(kLeft, zero, right, zero, "stroke=\"#999999\" stroke-dasharray=\"5,4\"");
  svg += absl::StrFormat(
      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
      "stroke=\"black\"/>\n",
      kLeft, kTop, kWidth, kHeight);
  svg +=
      Text(kLeft + kWidth / 2, bottom + 42, "time limit per program (s, log scale)", "middle", 12);
  svg += absl::StrFormat(
      "<text x=\"22\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 "
      "22 %.1f)\">mean speedup over the heuristic (%%)</text>\n",
      kTop + kHeight / 2, kTop + kHeight / 2);
  double legend_y = kTop + 10;
  for (size_t a = 0; a < results.time_limited.size(); ++a) {
    const std::string& agent = results.time_limited[a];
    const char* colour = kPalette[a % (sizeof(kPalette) / sizeof(kPalette[0]))];
    std::vector<std::string> points;
    std::string markers;
    for (const BudgetSummary& b : results.budget_summaries) {
      if (b.agent != agent || b.summary.compared == 0) continue;
      const double x = x_of(b.budget_s);
      const double y = y_axis.Map(b.summary.mean_speedup_percent, bottom, kTop);
      points.push_back(absl::StrFormat("%.2f,%.2f", x, y));
      markers += absl::StrFormat(
          "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"4\" fill=\"%s\"><title>%s at %g s: %+.3f%% mean "
          "over %d programs</title></circle>\n",
          x, y, colour, Escape(agent), b.budget_s, b.summary.mean_speedup_percent,
          b.summary.compared);
    }
    // One polyline per agent, even when it has no point (it then draws nothing).
    svg += absl::StrFormat(
        "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"><title>%s</title>"
        "</polyline>\n",
        absl::StrJoin(points, " "), colour, Escape(agent));
    svg += markers;
    svg += Line(right + 20, legend_y, right + 44, legend_y,
                absl::StrFormat("stroke=\"%s\" stroke-width=\"2\"", colour));
    svg += absl::StrFormat("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n", right + 32,
                           legend_y, colour);
    svg += Text(right + 52, legend_y + 4, agent, "start", 12);
    legend_y += 22;
  }
  if (results.time_limited.empty() || results.budgets.empty()) {
    svg += Text(kLeft + kWidth / 2, kTop + kHeight / 2, "no sweep of budgets", "middle", 13);
  }
  return svg + "</svg>\n";
}

}  // namespace mmap_opt
