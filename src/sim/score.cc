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

  // Per instruction t: the knapsack bound on its time, and the bytes of unplaceable buffers
  // it moves.
  std::vector<double> fastest_s(n, 0), unplaceable(n, 0);
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
  // cross inside it over HBM's rate:
  // - every access of an unplaceable buffer in it;
  // - reads of older data: a placeable buffer that exists before i (a program input, or
  //   defined before i) and is read in the window needs min(size, the bytes its reads there
  //   take) from HBM inside the window (slow reads, or a prefetch of the whole buffer) unless
  //   it is in fast memory at instruction i (kept there since its definition, or a prefetch
  //   that began earlier, which occupies its chunk from its start). What is held at i is at
  //   most the capacity, and nothing is held before boundary 0;
  // - writes of data needed after it: a placeable buffer defined in the window that is an
  //   output or is read after it either is evicted (its size) or written slow and then read
  //   from HBM at its uses in the window, so min(size, bytes written + those reads) reach or
  //   leave HBM inside the window unless it is still in fast memory at instruction j - 1; at
  //   most the capacity again, and nothing is after the program's end.
  // Any partition of the program into windows bounds the total; the best over a grid of
  // boundaries is found by dynamic programming.
  auto prefix = [](const std::vector<double>& v) {
    std::vector<double> sums(v.size() + 1, 0);
    for (size_t i = 0; i < v.size(); ++i) sums[i + 1] = sums[i] + v[i];
    return sums;
  };
  const std::vector<double> fastest = prefix(fastest_s), unplaced = prefix(unplaceable);
  const double hbm_rate = std::max(1.0, hw.async_copy_fraction()) * hw.slow_bandwidth();
  constexpr Time kMaxBoundaries = 1024;
  std::vector<Time> boundaries;
  for (Time k = 0; k <= std::min(n, kMaxBoundaries); ++k) {
    boundaries.push_back(n <= kMaxBoundaries ? k : k * n / kMaxBoundaries);
  }
  const size_t k = boundaries.size();

  // Per placeable buffer: the bytes each use reads, and the bytes its definition writes.
  std::vector<BufferIndex> placed;
  std::vector<std::vector<double>> use_reads(program.num_buffers());
  std::vector<double> def_writes(program.num_buffers(), 0);
  for (BufferIndex b = 0; b < program.num_buffers(); ++b) {
    if (!placeable(b)) continue;
    placed.push_back(b);
    const double size = static_cast<double>(program.buffer(b).size());
    for (Time u : program.uses(b)) {
      use_reads[b].push_back(std::min<double>(size, model.BytesOf(u, b).read));
    }
    if (const std::optional<Time> def = program.definition(b)) {
      def_writes[b] = std::min<double>(size, model.BytesOf(*def, b).written);
    }
  }
  // older_reads[ib * k + jb]: the read bytes of older data in [boundaries[ib], boundaries[jb]);
  // later_writes[ib * k + jb]: the written bytes needed after boundaries[jb], in the same window.
  std::vector<double> older_reads(k * k, 0), later_writes(k * k, 0);
  std::vector<double> at(n, 0);
  for (size_t ib = 0; ib + 1 < k; ++ib) {
    const Time i = boundaries[ib];
    std::fill(at.begin(), at.end(), 0);
    for (BufferIndex b : placed) {
      const std::optional<Time> def = program.definition(b);
      if (def && *def >= i) continue;
      const absl::Span<const Time> uses = program.uses(b);
      const double size = static_cast<double>(program.buffer(b).size());
      double taken = 0;  // Capped at the size: one prefetch serves every later read.
      for (size_t u = std::lower_bound(uses.begin(), uses.end(), i) - uses.begin();
           u < uses.size() && taken < size; ++u) {
        const double bytes = std::min(use_reads[b][u], size - taken);
        at[uses[u]] += bytes;
        taken += bytes;
      }
    }
    const std::vector<double> sums = prefix(at);
    for (size_t jb = ib + 1; jb < k; ++jb) older_reads[ib * k + jb] = sums[boundaries[jb]];
  }
  for (size_t jb = 1; jb < k; ++jb) {
    const Time j = boundaries[jb];
    std::fill(at.begin(), at.end(), 0);
    for (BufferIndex b : placed) {
      const std::optional<Time> def = program.definition(b);
      if (!def || *def >= j) continue;
      const absl::Span<const Time> uses = program.uses(b);
      if (!program.buffer(b).is_output() && (uses.empty() || uses.back() < j)) continue;
      double bytes = def_writes[b];
      for (size_t u = 0; u < uses.size() && uses[u] < j; ++u) bytes += use_reads[b][u];
      at[*def] += std::min<double>(bytes, program.buffer(b).size());
    }
    const std::vector<double> sums = prefix(at);
    for (size_t ib = 0; ib < jb; ++ib) {
      later_writes[ib * k + jb] = sums[j] - sums[boundaries[ib]];
    }
  }

  std::vector<double> best(k, 0);
  for (size_t jb = 1; jb < k; ++jb) {
    const Time j = boundaries[jb];
    best[jb] = -1;
    for (size_t ib = 0; ib < jb; ++ib) {
      const Time i = boundaries[ib];
      const double in = older_reads[ib * k + jb], out = later_writes[ib * k + jb];
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
