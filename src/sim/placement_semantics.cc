// Placement rules shared by the validator and the simulator (see the header).
#include "mmap_opt/sim/placement_semantics.h"

#include <algorithm>

namespace mmap_opt {

std::optional<Time> FirstUseIn(const Program& program, BufferIndex b, Time start, Time end) {
  absl::Span<const Time> uses = program.uses(b);
  auto it = std::lower_bound(uses.begin(), uses.end(), start);
  if (it == uses.end() || *it > end) return std::nullopt;
  return *it;
}

bool NeedsEviction(const Program& program, BufferIndex b, Time end) {
  if (program.buffer(b).is_output()) return true;
  absl::Span<const Time> uses = program.uses(b);
  return !uses.empty() && uses.back() > end;
}

bool EvictableAt(const Program& program, BufferIndex b, Time definition, Time end) {
  return program.computation(end) == program.computation(definition) ||
         !NeedsEviction(program, b, end);
}

}  // namespace mmap_opt
