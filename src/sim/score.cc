// Bounds and scores (DESIGN.md §4).
#include "mmap_opt/sim/score.h"

#include <algorithm>
#include <string>
#include <vector>

#include "mmap_opt/status_macros.h"

namespace mmap_opt {

Bounds ComputeBounds(const CostModel& model) {
  Bounds bounds;
  bounds.all_slow_s = model.AllSlowLatency();
  bounds.lower_bound_s = model.LowerBoundLatency();
  bounds.headroom_s = bounds.all_slow_s - bounds.lower_bound_s;
  bounds.capacity_bound_s = CapacityBoundLatency(model);
  return bounds;
}

double CapacityBoundLatency(const CostModel& model) {
  const Program& program = model.program();
  const proto::Hardware& hw = model.hardware();
  const Time n = program.num_instructions();
  const double capacity = static_cast<double>(hw.fast_capacity());
  auto placeable = [&](BufferIndex b) {
    return !program.buffer(b).slow_only() && program.buffer(b).size() <= hw.fast_capacity();
  };
  // Seconds saved per byte by serving a read or a write from fast memory (never negative:
  // an access is free to stay slow).
  const double read_gain = std::max(0.0, 1 / hw.slow_bandwidth() - 1 / hw.fast_read_bandwidth());
  const double write_gain =
      std::max(0.0, 1 / hw.slow_bandwidth() - 1 / hw.fast_write_bandwidth());

  // Per instruction t: the knapsack bound on its time, and the HBM bytes attributed to it
  // (unplaceable accesses at t, first reads of inputs at t, writes of outputs defined at t).
  std::vector<double> fastest_s(n, 0), unplaceable(n, 0), input_reads(n, 0), output_writes(n, 0);
  std::vector<CostModel::BufferBytes> bytes(program.num_buffers());
  std::vector<BufferIndex> touched;
  struct Item {
    double saved_s;
    double size;
  };
  std::vector<Item> items;
  for (Time t = 0; t < n; ++t) {
    touched.clear();
    for (const Access& a : program.writes(t)) {
      if (bytes[a.buffer].read == 0 && bytes[a.buffer].written == 0) touched.push_back(a.buffer);
      bytes[a.buffer].written += a.bytes;
    }
    for (const Access& a : program.reads(t)) {
      if (bytes[a.buffer].read == 0 && bytes[a.buffer].written == 0) touched.push_back(a.buffer);
      bytes[a.buffer].read += a.bytes;
    }
    items.clear();
    for (BufferIndex b : touched) {
      const double size = static_cast<double>(program.buffer(b).size());
      if (!placeable(b)) {
        unplaceable[t] += bytes[b].read + bytes[b].written;
      } else {
        items.push_back({bytes[b].read * read_gain + bytes[b].written * write_gain, size});
        if (!program.definition(b) && program.uses(b).front() == t) {
          input_reads[t] += std::min<double>(size, bytes[b].read);
        }
        if (program.definition(b) == t && program.buffer(b).is_output()) {
          output_writes[t] += std::min<double>(size, bytes[b].written);
        }
      }
      bytes[b] = {};
    }
    // Fractional knapsack: the best saving per byte of fast memory first.
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
      return a.saved_s * b.size > b.saved_s * a.size;
    });
    double room = capacity, saved_s = 0;
    for (const Item& item : items) {
      if (room <= 0) break;
      const double share = std::min(1.0, room / item.size);
      saved_s += share * item.saved_s;
      room -= share * item.size;
    }
    const InstructionCost slow = model.Cost(t, 0, 0);
    fastest_s[t] = std::max(slow.compute_s, slow.memory_s - saved_s);
  }

  // A window of instructions [i, j) (with the stalls at its boundaries i..j-1, and at n for the
  // last) takes at least its instructions' knapsack times, and at least the HBM bytes that must
  // cross inside it over HBM's rate. Input bytes first read inside it may have crossed before
  // only into fast memory that is still held at instruction i (at most the capacity, and
  // nothing before boundary 0); likewise output bytes written inside it may leave after it
  // only from fast memory held at instruction j - 1. Any partition of the program into windows
  // bounds the total; the best over a grid of boundaries is found by dynamic programming.
  auto prefix = [](const std::vector<double>& v) {
    std::vector<double> sums(v.size() + 1, 0);
    for (size_t i = 0; i < v.size(); ++i) sums[i + 1] = sums[i] + v[i];
    return sums;
  };
  const std::vector<double> fastest = prefix(fastest_s), unplaced = prefix(unplaceable),
                            inputs = prefix(input_reads), outputs = prefix(output_writes);
  const double hbm_rate = std::max(1.0, hw.async_copy_fraction()) * hw.slow_bandwidth();
  constexpr Time kMaxBoundaries = 1024;
  std::vector<Time> boundaries;
  for (Time k = 0; k <= std::min(n, kMaxBoundaries); ++k) {
    boundaries.push_back(n <= kMaxBoundaries ? k : k * n / kMaxBoundaries);
  }
  std::vector<double> best(boundaries.size(), 0);
  for (size_t jb = 1; jb < boundaries.size(); ++jb) {
    const Time j = boundaries[jb];
    best[jb] = -1;
    for (size_t ib = 0; ib < jb; ++ib) {
      const Time i = boundaries[ib];
      const double in = inputs[j] - inputs[i], out = outputs[j] - outputs[i];
      const double crossing = unplaced[j] - unplaced[i] +
                              (i == 0 ? in : std::max(0.0, in - capacity)) +
                              (j == n ? out : std::max(0.0, out - capacity));
      best[jb] = std::max(best[jb], best[ib] + std::max(fastest[j] - fastest[i], crossing / hbm_rate));
    }
  }
  return best.back();
}

double HeadroomClosed(const Bounds& bounds, double latency_s) {
  // Relative to the all-slow latency, a headroom below one part in 1e12 is rounding noise.
  if (!(bounds.headroom_s > 1e-12 * bounds.all_slow_s)) return 0;
  return (bounds.all_slow_s - latency_s) / bounds.headroom_s;
}

absl::StatusOr<Score> ScoreAssignment(const CostModel& model, const proto::Assignment& assignment) {
  Score score;
  ASSIGN_OR_RETURN(score.simulation, Simulate(model, assignment));
  score.bounds = ComputeBounds(model);
  score.headroom_closed = HeadroomClosed(score.bounds, score.simulation.latency_s);
  return score;
}

proto::Assignment EmptyAssignment(const Program& program, absl::string_view agent) {
  proto::Assignment assignment;
  assignment.set_program_name(program.name());
  assignment.set_agent(std::string(agent));
  return assignment;
}

}  // namespace mmap_opt
