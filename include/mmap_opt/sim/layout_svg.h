// The memory layout of an assignment as an SVG picture (the paper's AlexNet figure): logical
// time on x, fast-memory offset on y, one rectangle per placement coloured by how its data got
// there, prefetch windows and evictions marked, buffer names on hover, the occupancy curve and
// the capacity line.
#ifndef MMAP_OPT_SIM_LAYOUT_SVG_H_
#define MMAP_OPT_SIM_LAYOUT_SVG_H_

#include <optional>
#include <string>

#include "absl/types/span.h"
#include "mmap_opt/proto/mmap_opt.pb.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/sim/score.h"
#include "mmap_opt/sim/validator.h"

namespace mmap_opt {

struct LayoutSvgOptions {
  int width = 1200;  // Pixels.
  int height = 700;
  std::string title;  // Shown above the plot; empty: the program's name and the agent.
};

// Draws `assignment`. Placements that name a buffer of the program are drawn even when the
// assignment is invalid; those named in `violations` get a red outline and their reason in
// the hover text. `score` (of a valid assignment) adds its latency to the caption.
std::string RenderLayoutSvg(const CostModel& model, const proto::Assignment& assignment,
                            absl::Span<const Violation> violations,
                            const std::optional<Score>& score, const LayoutSvgOptions& options);

}  // namespace mmap_opt

#endif  // MMAP_OPT_SIM_LAYOUT_SVG_H_
