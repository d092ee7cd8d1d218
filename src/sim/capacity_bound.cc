// The capacity bound (CostModel::CapacityBoundLatency): per-instruction knapsacks and per-window
// HBM traffic, the best split into windows by dynamic programming.
#include "sim/capacity_bound.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace mmap_opt::internal {

double ComputeCapacityBound(const CostModel& model) {
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
  InstructionBufferBytes touched(program);
  struct Item {
    double saved_s;
    double size;
    double read, written;
  };
  std::vector<Item> items;
  for (Time t = 0; t < n; ++t) {
    items.clear();
    for (const InstructionBufferBytes::Entry& e : touched.Gather(t)) {
      if (!placeable(e.buffer)) {
        unplaceable[t] += e.read + e.written;
      } else {
        items.push_back({e.read * read_gain + e.written * write_gain,
                         static_cast<double>(program.buffer(e.buffer).size()),
                         static_cast<double>(e.read), static_cast<double>(e.written)});
      }
    }
    // Fractional knapsack: the best saving per byte of fast memory first.
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
      return a.saved_s * b.size > b.saved_s * a.size;
    });
    double room = capacity, fast_read = 0, fast_written = 0;
    for (const Item& item : items) {
      if (room <= 0) break;
      const double share = std::min(1.0, room / item.size);
      fast_read += share * item.read;
      fast_written += share * item.written;
      room -= share * item.size;
    }
    // The memory time from the bytes each memory serves, as CostModel::Cost adds it up, rather
    // than the all-slow time less the seconds saved: on a slow HBM that difference cancels
    // catastrophically and could fall below the lower bound (found by fuzz/proto_targets.cc).
    const double slow_bytes =
        std::max(0.0, static_cast<double>(program.bytes_read(t)) +
                          static_cast<double>(program.bytes_written(t)) - fast_read -
                          fast_written);
    const double memory_s = fast_read / hw.fast_read_bandwidth() +
                            fast_written / hw.fast_write_bandwidth() +
                            slow_bytes / hw.slow_bandwidth();
    fastest_s[t] = std::max({model.ComputeSeconds(t), memory_s, model.LowerBoundElapsed(t)});
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

  // bucket[t]: the first boundary index after time t (a window [boundaries[ib],
  // boundaries[jb]) holds t iff last_before[t] >= ib and bucket[t] <= jb).
  std::vector<size_t> bucket(n), last_before(n);
  for (Time t = 0, q = 0; t < n; ++t) {
    while (q + 1 < static_cast<Time>(k) && boundaries[q + 1] <= t) ++q;
    last_before[t] = q;
    bucket[t] = q + 1;
  }
  // Both tables hold only jb >= ib, row by row: at(ib, jb) is their index (half the memory of
  // k x k, whose page faults cost as much as the arithmetic).
  std::vector<size_t> row_start(k + 1, 0);
  for (size_t ib = 0; ib < k; ++ib) row_start[ib + 1] = row_start[ib] + (k - ib);
  auto at = [&](size_t ib, size_t jb) { return row_start[ib] + (jb - ib); };
  // older_reads[at(ib, jb)]: the read bytes of older data in [boundaries[ib], boundaries[jb]);
  // later_writes[at(ib, jb)]: the written bytes needed after boundaries[jb], in the same
  // window. Filled per window edge as contributions by bucket, then summed.
  std::vector<double> older_reads(row_start[k], 0), later_writes(row_start[k], 0);
  std::vector<double> cumulative;
  for (BufferIndex b = 0; b < program.num_buffers(); ++b) {
    if (!placeable(b)) continue;
    const absl::Span<const Time> uses = program.uses(b);
    const std::optional<Time> def = program.definition(b);
    const bool output = program.buffer(b).is_output();
    if (uses.empty() && !(def && output)) continue;
    const double size = static_cast<double>(program.buffer(b).size());
    // cumulative[u]: the bytes of the uses before uses[u].
    cumulative.assign(uses.size() + 1, 0);
    for (size_t u = 0; u < uses.size(); ++u) {
      cumulative[u + 1] = cumulative[u] + model.BytesOf(uses[u], b).read;
    }
    // Left edges i in (definition, last use]: the reads from the first use at or after i on,
    // capped at the size (one prefetch serves them all).
    const Time first_left = def ? *def + 1 : 0;
    for (size_t ib = first_left < n ? last_before[first_left] : k;
         ib < k && !uses.empty() && boundaries[ib] <= uses.back(); ++ib) {
      const Time i = boundaries[ib];
      if (i < first_left) continue;
      const size_t from = std::lower_bound(uses.begin(), uses.end(), i) - uses.begin();
      double taken = 0;
      for (size_t u = from; u < uses.size() && taken < size; ++u) {
        const double bytes = std::min(cumulative[u + 1] - cumulative[u], size - taken);
        older_reads[at(ib, bucket[uses[u]])] += bytes;
        taken += bytes;
      }
    }
    // Right edges j in (definition, the end of its need]: the write (or eviction) and the
    // reads before j, capped at the size, for every window that holds the definition.
    if (!def) continue;
    const Time needed_until = output ? n : uses.back();
    const double written = model.BytesOf(*def, b).written;
    for (size_t jb = bucket[*def]; jb < k && boundaries[jb] <= needed_until; ++jb) {
      const size_t before = std::lower_bound(uses.begin(), uses.end(), boundaries[jb]) - uses.begin();
      later_writes[at(last_before[*def], jb)] += std::min(size, written + cumulative[before]);
    }
  }
  // Sum the contributions: reads over the buckets up to jb, writes over the windows' starts
  // from ib up to the definition's.
  for (size_t ib = 0; ib < k; ++ib) {
    for (size_t jb = ib + 1; jb < k; ++jb) older_reads[at(ib, jb)] += older_reads[at(ib, jb - 1)];
  }
  // Row by row (ib outer) so that both k x k passes read memory in order: the sums and maxima
  // are the same, term by term, as column by column (they were 2/3 of `solve`'s time on a
  // 2,000-instruction program, in cache misses).
  for (size_t ib = k; ib-- > 0;) {
    for (size_t jb = ib + 2; jb < k; ++jb) later_writes[at(ib, jb)] += later_writes[at(ib + 1, jb)];
  }

  // best[jb]: the bound on [0, boundaries[jb]); every best[ib] is final before it is extended.
  std::vector<double> best(k, -1);
  best[0] = 0;
  for (size_t ib = 0; ib + 1 < k; ++ib) {
    const Time i = boundaries[ib];
    for (size_t jb = ib + 1; jb < k; ++jb) {
      const Time j = boundaries[jb];
      const double in = older_reads[at(ib, jb)], out = later_writes[at(ib, jb)];
      const double crossing = unplaced[j] - unplaced[i] +
                              (i == 0 ? in : std::max(0.0, in - capacity)) +
                              (j == n ? out : std::max(0.0, out - capacity));
      best[jb] = std::max(best[jb], best[ib] + std::max(fastest[j] - fastest[i], crossing / hbm_rate));
    }
  }
  return best.back();
}

}  // namespace mmap_opt::internal
