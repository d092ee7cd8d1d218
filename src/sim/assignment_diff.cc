// Comparing two assignments buffer by buffer and instruction by instruction.
#include "mmap_opt/sim/assignment_diff.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

using proto::Placement;

// Placements of every buffer, sorted by time.
std::vector<std::vector<const Placement*>> ByBuffer(const Program& program,
                                                    const proto::Assignment& assignment) {
  std::vector<std::vector<const Placement*>> by_buffer(program.num_buffers());
  for (const Placement& p : assignment.placements()) {
    by_buffer[*program.IndexOf(p.buffer_id())].push_back(&p);
  }
  for (auto& list : by_buffer) {
    std::sort(list.begin(), list.end(), [](const Placement* x, const Placement* y) {
      return std::make_tuple(x->start(), x->end(), x->offset()) <
             std::make_tuple(y->start(), y->end(), y->offset());
    });
  }
  return by_buffer;
}

bool SameTiming(const Placement& x, const Placement& y) {
  return x.source() == y.source() && x.start() == y.start() && x.end() == y.end() &&
         (x.source() != Placement::PREFETCHED || x.copy_start() == y.copy_start());
}

std::string Describe(const std::vector<const Placement*>& list) {
  if (list.empty()) return "-";
  return absl::StrJoin(list, "; ", [](std::string* out, const Placement* p) {
    if (p->source() == Placement::PREFETCHED) {
      absl::StrAppend(out, "PREFETCHED@", p->offset(), " [", p->start(), ", ", p->end(), "] copy ",
                      p->copy_start());
    } else {
      absl::StrAppend(out, "PRODUCED@", p->offset(), " [", p->start(), ", ", p->end(), "]");
    }
  });
}

absl::StatusOr<Score> ScoreSide(const CostModel& model, const proto::Assignment& assignment,
                                absl::string_view side) {
  absl::StatusOr<Score> score = ScoreAssignment(model, assignment);
  if (!score.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(side, ": ", score.status().message()));
  }
  return score;
}

}  // namespace

absl::string_view BufferChangeKindName(BufferChangeKind kind) {
  switch (kind) {
    case BufferChangeKind::kEntered:
      return "entered";
    case BufferChangeKind::kLeft:
      return "left";
    case BufferChangeKind::kMoved:
      return "moved";
    case BufferChangeKind::kRetimed:
      return "retimed";
  }
  return "unknown";
}

double AssignmentDiff::delta_percent() const {
  const double base = a.simulation.latency_s;
  return base > 0 ? 100 * delta_s() / base : 0;
}

absl::StatusOr<AssignmentDiff> DiffAssignments(const CostModel& model, const proto::Assignment& a,
                                               const proto::Assignment& b, int top) {
  AssignmentDiff diff;
  ASSIGN_OR_RETURN(diff.a, ScoreSide(model, a, "A"));
  ASSIGN_OR_RETURN(diff.b, ScoreSide(model, b, "B"));
  const Program& program = model.program();
  const auto a_lists = ByBuffer(program, a), b_lists = ByBuffer(program, b);
  for (BufferIndex buffer = 0; buffer < program.num_buffers(); ++buffer) {
    const auto& x = a_lists[buffer];
    const auto& y = b_lists[buffer];
    if (x.empty() && y.empty()) continue;
    BufferChange change{buffer, BufferChangeKind::kRetimed, Describe(x), Describe(y)};
    if (x.empty()) {
      change.kind = BufferChangeKind::kEntered;
    } else if (y.empty()) {
      change.kind = BufferChangeKind::kLeft;
    } else if (x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin(),
                                                  [](const Placement* p, const Placement* q) {
                                                    return SameTiming(*p, *q);
                                                  })) {
      if (change.a == change.b) continue;  // Identical.
      change.kind = BufferChangeKind::kMoved;
    }
    diff.changes.push_back(std::move(change));
  }
  for (Time t = 0; t < program.num_instructions(); ++t) {
    const InstructionTiming& x = diff.a.simulation.instructions[t];
    const InstructionTiming& y = diff.b.simulation.instructions[t];
    InstructionDelta delta{t, x.cost.elapsed_s + x.stall_s, y.cost.elapsed_s + y.stall_s};
    if (delta.delta_s() != 0) diff.top.push_back(delta);
  }
  std::stable_sort(diff.top.begin(), diff.top.end(),
                   [](const InstructionDelta& p, const InstructionDelta& q) {
                     return std::fabs(p.delta_s()) > std::fabs(q.delta_s());
                   });
  if (static_cast<int>(diff.top.size()) > top) diff.top.resize(std::max(top, 0));
  return diff;
}

}  // namespace mmap_opt
