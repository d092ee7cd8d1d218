// SVG drawing of a memory layout. Plain string building: the picture is simple and the
// dependency list stays Debian-only.
#include "mmap_opt/sim/layout_svg.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "mmap_opt/sim/placement_semantics.h"
#include "sim/svg.h"

namespace mmap_opt {
namespace {

using proto::Placement;

constexpr char kProducedColour[] = "#4c9f70";
constexpr char kPrefetchedColour[] = "#3b75af";
constexpr char kEvictionColour[] = "#e08a2c";
constexpr char kInvalidColour[] = "#d62728";

using svg::Escape;

std::string Bytes(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  return unit == 0 ? absl::StrFormat("%.0f B", bytes)
                   : absl::StrFormat("%.3g %s", bytes, kUnits[unit]);
}

std::string Seconds(double s) {
  if (s >= 1) return absl::StrFormat("%.4g s", s);
  if (s >= 1e-3) return absl::StrFormat("%.4g ms", s * 1e3);
  return absl::StrFormat("%.4g us", s * 1e6);
}

// Maps logical time and bytes onto the plot area.
struct Frame {
  double left, top, width, height;
  double times;      // T: the x axis spans [0, T].
  double max_bytes;  // The y axis spans [0, max_bytes].
  double X(double t) const { return left + width * t / times; }
  double Y(double bytes) const { return top + height - height * bytes / max_bytes; }
};

std::string Rect(double x0, double y0, double x1, double y1, absl::string_view style) {
  return absl::StrFormat(R"(<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" %s/>)", x0, y1,
                         std::max(x1 - x0, 0.5), std::max(y0 - y1, 1.5), style);
}

class Renderer {
 public:
  Renderer(const CostModel& model, const proto::Assignment& assignment,
           absl::Span<const Violation> violations, const std::optional<Score>& score,
           const LayoutSvgOptions& options)
      : program_(model.program()),
        hardware_(model.hardware()),
        assignment_(assignment),
        score_(score),
        options_(options) {
    for (const Violation& v : violations) {
      if (v.placement >= 0 && !problems_.contains(v.placement)) problems_[v.placement] = v.reason;
    }
  }

  std::string Render() {
    std::vector<double> occupancy = Occupancy();
    const double peak =
        occupancy.empty() ? 0 : *std::max_element(occupancy.begin(), occupancy.end());
    double top_byte = std::max<double>(hardware_.fast_capacity(), peak);
    for (const Placement& p : assignment_.placements()) {
      if (std::optional<BufferIndex> b = program_.IndexOf(p.buffer_id())) {
        // Offsets far out of range (invalid) would squash the picture: they are clipped.
        top_byte = std::max(top_byte,
                            std::min(static_cast<double>(p.offset()) + program_.buffer(*b).size(),
                                     2.0 * std::max<double>(hardware_.fast_capacity(), peak)));
      }
    }
    frame_ = {90,
              50,
              options_.width - 90.0 - 170,
              options_.height - 50.0 - 60,
              static_cast<double>(program_.num_instructions()),
              std::max(top_byte * 1.05, 1.0)};
    out_ = svg::Open(options_.width, options_.height, R"(font-family="sans-serif" font-size="12")");
    Caption();
    Axes();
    absl::StrAppend(&out_, "<g id=\"placements\">\n");
    for (int i = 0; i < assignment_.placements_size(); ++i) DrawPlacement(i);
    absl::StrAppend(&out_, "</g>\n");
    DrawOccupancy(occupancy);
    DrawCapacity();
    Legend();
    absl::StrAppend(&out_, "</svg>\n");
    return std::move(out_);
  }

 private:
  // Bytes of fast memory reserved at each time (prefetch windows included).
  std::vector<double> Occupancy() const {
    const Time n = program_.num_instructions();
    std::vector<double> delta(n + 1, 0);
    for (const Placement& p : assignment_.placements()) {
      std::optional<BufferIndex> b = program_.IndexOf(p.buffer_id());
      const Time from = std::max<Time>(OccupiedStart(p), 0), to = std::min<Time>(p.end(), n - 1);
      if (!b || from > to) continue;
      delta[from] += program_.buffer(*b).size();
      delta[to + 1] -= program_.buffer(*b).size();
    }
    std::vector<double> occupancy(n);
    double live = 0;
    for (Time t = 0; t < n; ++t) occupancy[t] = live += delta[t];
    return occupancy;
  }

  void Caption() {
    std::string title = options_.title;
    if (title.empty()) {
      title = absl::StrCat(program_.name(), " — agent ",
                           assignment_.agent().empty() ? "?" : assignment_.agent(), ", ",
                           assignment_.placements_size(), " placements on ", hardware_.name());
    }
    absl::StrAppend(
        &out_,
        absl::StrFormat(R"(<text x="%d" y="20" font-size="15" font-weight="bold">%s</text>)", 10,
                        Escape(title)),
        "\n");
    std::string sub;
    if (score_) {
      sub = absl::StrFormat(
          "latency %s (all-slow %s, lower bound %s, headroom closed %.1f%%, stall %s)",
          Seconds(score_->simulation.latency_s), Seconds(score_->bounds.all_slow_s),
          Seconds(score_->bounds.lower_bound_s), 100 * score_->headroom_closed,
          Seconds(score_->simulation.stall_s));
    } else if (!problems_.empty()) {
      sub = absl::StrCat("INVALID: ", problems_.size(), " placements break the rules (red)");
    }
    absl::StrAppend(
        &out_, absl::StrFormat(R"(<text x="10" y="38" fill="#444">%s</text>)", Escape(sub)), "\n");
  }

  void Axes() {
    const Frame& f = frame_;
    absl::StrAppend(&out_, "<g id=\"axes\" stroke=\"#888\" fill=\"#333\">\n");
    absl::StrAppend(
        &out_,
        Rect(f.left, f.top + f.height, f.left + f.width, f.top, R"(fill="#fafafa" stroke="#888")"),
        "\n");
    const Time n = program_.num_instructions();
    const Time step = std::max<Time>(1, static_cast<Time>(std::ceil(n / 10.0)));
    for (Time t = 0; t <= n; t += step) {
      absl::StrAppend(
          &out_,
          absl::StrFormat(
              R"(<line x1="%.2f" y1="%.2f" x2="%.2f" y2="%.2f"/><text x="%.2f" y="%.2f" text-anchor="middle" stroke="none">%d</text>)",
              f.X(t), f.top + f.height, f.X(t), f.top + f.height + 5, f.X(t), f.top + f.height + 18,
              t),
          "\n");
    }
    absl::StrAppend(
        &out_,
        absl::StrFormat(
            R"(<text x="%.2f" y="%.2f" text-anchor="middle" stroke="none">logical time (instruction)</text>)",
            f.left + f.width / 2, f.top + f.height + 40),
        "\n");
    // Ticks at quarters of the capacity, which is what a reader measures offsets against.
    const double quarter =
        (hardware_.fast_capacity() > 0 ? hardware_.fast_capacity() : f.max_bytes / 1.05) / 4;
    for (int k = 0; k * quarter <= f.max_bytes; ++k) {
      const double bytes = k * quarter;
      absl::StrAppend(
          &out_,
          absl::StrFormat(
              R"(<line x1="%.2f" y1="%.2f" x2="%.2f" y2="%.2f"/><text x="%.2f" y="%.2f" text-anchor="end" stroke="none">%s</text>)",
              f.left - 5, f.Y(bytes), f.left, f.Y(bytes), f.left - 8, f.Y(bytes) + 4, Bytes(bytes)),
          "\n");
    }
    absl::StrAppend(
        &out_,
        absl::StrFormat(
            R"svg(<text transform="translate(14 %.2f) rotate(-90)" text-anchor="middle" stroke="none">fast-memory offset</text>)svg",
            f.top + f.height / 2),
        "\n");
    absl::StrAppend(&out_, "</g>\n");
  }

  void DrawPlacement(int i) {
    const Placement& p = assignment_.placements(i);
    std::optional<BufferIndex> b = program_.IndexOf(p.buffer_id());
    // Rectangles outside the program's times cannot be drawn (the validator names them).
    if (!b || p.end() < p.start() || p.start() < 0 || p.end() >= program_.num_instructions()) {
      return;
    }
    const proto::Buffer& buffer = program_.buffer(*b);
    const bool prefetched = p.source() == Placement::PREFETCHED;
    auto problem = problems_.find(i);
    std::string hover = absl::StrFormat(
        "placement %d: buffer %d '%s' (%s) %s at offset %d over [%d, %d]", i, buffer.id(),
        buffer.name(), Bytes(buffer.size()),
        prefetched ? "PREFETCHED" : (p.source() == Placement::PRODUCED ? "PRODUCED" : "no source"),
        p.offset(), p.start(), p.end());
    if (prefetched) absl::StrAppend(&hover, absl::StrFormat(", copy from t=%d", p.copy_start()));
    const bool evicts = p.source() == Placement::PRODUCED && program_.definition(*b) &&
                        NeedsEviction(program_, *b, p.end());
    if (evicts) absl::StrAppend(&hover, ", evicted by the end of t=", p.end());
    if (problem != problems_.end()) absl::StrAppend(&hover, "; INVALID: ", problem->second);

    const Frame& f = frame_;
    const double offset = std::clamp<double>(p.offset(), 0, f.max_bytes);
    const double y0 = f.Y(offset), y1 = f.Y(std::min(offset + buffer.size(), f.max_bytes));
    const std::string outline =
        problem != problems_.end()
            ? absl::StrCat(R"(stroke=")", kInvalidColour, R"(" stroke-width="2")")
            : R"(stroke="#1a1a1a" stroke-width="0.5")";
    absl::StrAppend(&out_, "<g><title>", Escape(hover), "</title>");
    if (prefetched && p.copy_start() < p.start()) {
      absl::StrAppend(
          &out_, Rect(f.X(std::max<Time>(p.copy_start(), 0)), y0, f.X(p.start()), y1,
                      absl::StrCat(R"(class="prefetch-window" fill=")", kPrefetchedColour,
                                   R"(" fill-opacity="0.3" stroke-dasharray="3 2" )", outline)));
    }
    absl::StrAppend(&out_, Rect(f.X(p.start()), y0, f.X(p.end() + 1), y1,
                                absl::StrCat(R"(class="placement" fill=")",
                                             prefetched ? kPrefetchedColour : kProducedColour,
                                             R"(" fill-opacity="0.85" )", outline)));
    if (evicts) {
      const CopyWindow w = EvictionWindow(p.start(), p.end());
      const double band = std::min(4.0, (y0 - y1) / 3);
      absl::StrAppend(&out_,
                      Rect(f.X(std::min(w.issue, w.deadline - 1)), y1 + band, f.X(w.deadline), y1,
                           absl::StrCat(R"(class="eviction" fill=")", kEvictionColour, R"(")")));
    }
    absl::StrAppend(&out_, "</g>\n");
  }

  void DrawOccupancy(const std::vector<double>& occupancy) {
    std::vector<std::string> points;
    for (Time t = 0; t < static_cast<Time>(occupancy.size()); ++t) {
      points.push_back(absl::StrFormat("%.2f,%.2f", frame_.X(t), frame_.Y(occupancy[t])));
      points.push_back(absl::StrFormat("%.2f,%.2f", frame_.X(t + 1), frame_.Y(occupancy[t])));
    }
    absl::StrAppend(
        &out_, R"(<polyline id="occupancy" fill="none" stroke="#111" stroke-width="1.5" points=")",
        absl::StrJoin(points, " "), R"("><title>bytes of fast memory reserved</title></polyline>)",
        "\n");
  }

  void DrawCapacity() {
    const double y = frame_.Y(hardware_.fast_capacity());
    absl::StrAppend(
        &out_,
        absl::StrFormat(
            R"(<line id="capacity" x1="%.2f" y1="%.2f" x2="%.2f" y2="%.2f" stroke="%s" stroke-width="1.5" stroke-dasharray="6 4"><title>capacity %s</title></line>)",
            frame_.left, y, frame_.left + frame_.width, y, kInvalidColour,
            Bytes(hardware_.fast_capacity())),
        "\n");
    absl::StrAppend(
        &out_,
        absl::StrFormat(R"(<text x="%.2f" y="%.2f" fill="%s" text-anchor="end">capacity %s</text>)",
                        frame_.left + frame_.width - 4, y - 4, kInvalidColour,
                        Bytes(hardware_.fast_capacity())),
        "\n");
  }

  void Legend() {
    const double x = frame_.left + frame_.width + 15;
    double y = frame_.top + 10;
    auto entry = [&](absl::string_view swatch, absl::string_view label) {
      absl::StrAppend(
          &out_, swatch,
          absl::StrFormat(R"(<text x="%.2f" y="%.2f">%s</text>)", x + 24, y + 10, label), "\n");
      y += 22;
    };
    absl::StrAppend(&out_, "<g id=\"legend\">\n");
    entry(Rect(x, y + 12, x + 18, y, absl::StrCat(R"(fill=")", kProducedColour, R"(")")),
          "produced fast");
    entry(Rect(x, y + 12, x + 18, y, absl::StrCat(R"(fill=")", kPrefetchedColour, R"(")")),
          "prefetched");
    entry(Rect(x, y + 12, x + 18, y,
               absl::StrCat(R"(fill=")", kPrefetchedColour,
                            R"(" fill-opacity="0.3" stroke="#1a1a1a" stroke-dasharray="3 2")")),
          "prefetch in flight");
    entry(Rect(x, y + 12, x + 18, y + 8, absl::StrCat(R"(fill=")", kEvictionColour, R"(")")),
          "eviction");
    entry(absl::StrFormat(
              R"(<line x1="%.2f" y1="%.2f" x2="%.2f" y2="%.2f" stroke="#111" stroke-width="1.5"/>)",
              x, y + 6, x + 18, y + 6),
          "occupancy");
    entry(
        absl::StrFormat(
            R"(<line x1="%.2f" y1="%.2f" x2="%.2f" y2="%.2f" stroke="%s" stroke-dasharray="6 4"/>)",
            x, y + 6, x + 18, y + 6, kInvalidColour),
        "capacity");
    if (!problems_.empty()) {
      entry(Rect(x, y + 12, x + 18, y,
                 absl::StrCat(R"(fill="none" stroke=")", kInvalidColour, R"(" stroke-width="2")")),
            "breaks a rule");
    }
    absl::StrAppend(&out_, "</g>\n");
  }

  const Program& program_;
  const proto::Hardware& hardware_;
  const proto::Assignment& assignment_;
  const std::optional<Score>& score_;
  const LayoutSvgOptions& options_;
  absl::flat_hash_map<int, std::string> problems_;  // Placement index -> first reason.
  Frame frame_{};
  std::string out_;
};

}  // namespace

std::string RenderLayoutSvg(const CostModel& model, const proto::Assignment& assignment,
                            absl::Span<const Violation> violations,
                            const std::optional<Score>& score, const LayoutSvgOptions& options) {
  return Renderer(model, assignment, violations, score, options).Render();
}

}  // namespace mmap_opt
