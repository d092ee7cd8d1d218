// `train`'s learning curve (issue 14 item 5): the held-out gain over the heuristic against the
// iteration, as a hand-written SVG (sim/svg.h's pieces), byte-for-byte deterministic. The
// points come back out of metrics.csv, so a resumed run draws the whole curve. Torch-free.
#ifndef MMAP_OPT_TRAIN_LEARNING_CURVE_H_
#define MMAP_OPT_TRAIN_LEARNING_CURVE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace mmap_opt {

struct CurvePoint {
  int iteration = 0;
  double gain_pct = 0;  // Mean held-out gain over the heuristic, in percent.
};

// The rows of metrics.csv whose `heldout_gain_pct` column is filled, in order; rows without
// that column (or with it empty) are skipped.
std::vector<CurvePoint> HeldOutPoints(absl::string_view metrics_csv);

// The curve with the first point (the imitation warm start) as a dashed reference line;
// `title` names the run.
std::string LearningCurveSvg(const std::vector<CurvePoint>& points, absl::string_view title);

}  // namespace mmap_opt

#endif  // MMAP_OPT_TRAIN_LEARNING_CURVE_H_
