// The baseline: a re-implementation of XLA's memory-space assignment (xla-msa.md §1-§3) and a
// simpler greedy reference below it. Both return a valid Assignment for a program.
#ifndef MMAP_OPT_AGENTS_HEURISTIC_H_
#define MMAP_OPT_AGENTS_HEURISTIC_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mmap_opt/game/buffer_order.h"
#include "mmap_opt/game/malloc_game.h"
#include "mmap_opt/model/program.h"
#include "mmap_opt/proto/mmap_opt.pb.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/sim/prefetch_interval_picker.h"

namespace mmap_opt {

// Every knob of the heuristic; the defaults are XLA's.
struct HeuristicOptions {
  // When a copy may start and how long a buffer may stay without one (xla-msa.md §1.5).
  PrefetchIntervalOptions prefetch;

  // Attempts per buffer. A later attempt relaxes the eviction timing (it asks for a longer
  // eviction window, (1 + 2 * retry) x the preferred overlap). XLA's default is 1: no retry.
  int max_retries = 1;

  // XLA's inefficiency filter: when ratio x bytes copied > bytes actually read or written in
  // fast memory by a buffer's placements, its copies are dropped and only the uncopied part is
  // kept. 0 turns the filter off (XLA's default).
  double inefficient_use_to_copy_ratio = 0;

  // Whether a buffer kept in fast memory may reserve its chunk up to later uses at once (XLA
  // does: it saves copying again later).
  bool reserve_to_later_uses = true;

  // Whether every async copy must fit the copy engine's bandwidth (xla-msa.md §1.8b: the
  // copies before it in first-in first-out order and the HBM time the instructions leave idle)
  // besides the outstanding-copy limits. Off, only the limits apply: XLA's MSA without a cost
  // analysis (its own tests with the instruction-count picker) gives every copy a tenth of an
  // instruction's slot, which none of those scenarios runs out of.
  bool check_copy_bandwidth = true;

  // Whether to prefetch at all; off gives "no-copy only" placements.
  bool enable_prefetch = true;

  // Repacks (xla-msa.md §1.7) the run may do. When a buffer's chunk finds no contiguous room
  // although the fast memory has the bytes then (fragmentation), the placements so far get new
  // offsets from the packer (times kept, so latency does not change) such that the wanted chunk
  // fits too, and the buffer is planned again. 0 is off, XLA's default.
  int max_repacks = 0;

  // Seconds each packer call may search (a repack makes at most two: all of a buffer's wanted
  // chunks, then its first alone); 0: the packer's best-fit passes only (fast and
  // deterministic), else its complete search may run until then after they fail.
  double repack_time_limit_s = 0;

  // One priority per buffer (BufferIndex) in place of XLA's memory boundedness as the first
  // sort key; empty: XLA's order. Anything else than empty or one per buffer is an error.
  std::vector<double> priority;

  // The buffer order when `priority` is empty (xla-msa.md §1.3): XLA's memory boundedness
  // (the comparator XLA's production pipeline passes), or kSpatial: size, then live-range
  // length, then id (the heap simulator's order, which XLA's MSA falls back to when given no
  // comparator, as most of XLA's own MSA tests are).
  enum class Order { kMemoryBoundedness, kSpatial };
  Order order = Order::kMemoryBoundedness;
};

// What a run did besides its assignment.
struct HeuristicStats {
  int repacks_tried = 0;     // Packer calls made (each counts against max_repacks).
  int repacks_applied = 0;   // Those that found offsets, after which the buffer was re-planned.
  int buffers_improved = 0;  // Re-planned buffers that then served more of their uses fast.
};

// XLA-style memory-space assignment: buffers in memory-boundedness order (then size, then live
// length); for each use segment, keep in fast memory without a copy when the picker allows,
// else evict when needed, else prefetch at a start the cost-based picker chooses, else read
// slow memory. Best-fit offsets in the fast-memory heap; async copies checked against the copy
// engine's bandwidth and the outstanding-copy limits. The result always validates.
// `stats`, when given, is filled in.
absl::StatusOr<proto::Assignment> RunMsaHeuristic(const CostModel& cost,
                                                  const HeuristicOptions& options = {},
                                                  HeuristicStats* stats = nullptr);

// RunMsaHeuristic over a sequence of buffer priorities with every other option fixed, as
// heuristic-tuned's order search asks for them. The heuristic decides the buffers one after
// another, so the buffers before the first position where a new order differs from the one
// planned last see the same state and decide the same: Plan rolls the state back to that
// position (MemoryState's rollback, marked before every buffer) and plans only from there, and
// not at all when the order is unchanged. Plan(p) returns exactly RunMsaHeuristic(cost,
// options with priority p) (tests/agents/incremental_heuristic_test.cc).
class IncrementalMsaHeuristic {
 public:
  // `options.priority` is ignored: each Plan brings its own. `cost` must outlive the object.
  static absl::StatusOr<IncrementalMsaHeuristic> Create(const CostModel& cost,
                                                        const HeuristicOptions& options);
  IncrementalMsaHeuristic(IncrementalMsaHeuristic&&) noexcept;
  IncrementalMsaHeuristic& operator=(IncrementalMsaHeuristic&&) noexcept;
  ~IncrementalMsaHeuristic();

  // The heuristic's assignment with this priority (empty: XLA's order); `stats` as
  // RunMsaHeuristic fills it.
  absl::StatusOr<proto::Assignment> Plan(absl::Span<const double> priority,
                                         HeuristicStats* stats = nullptr);
  // Buffers the last Plan decided again (the rest were kept).
  int replanned() const { return replanned_; }

 private:
  struct Impl;
  IncrementalMsaHeuristic(const CostModel& cost, std::unique_ptr<Impl> impl);
  const CostModel* cost_;
  std::unique_ptr<Impl> impl_;
  int replanned_ = 0;
};

// XLA's heuristic tuned per program, the way compiler engineers tune it with flags, but
// searched: every candidate is run and scored by the simulator, and the fastest is kept, so it
// is never slower than RunMsaHeuristic(cost, base). Deterministic for a seed.
//   1. `base`, then a fixed grid of its timing knobs (HeuristicTuningGrid).
//   2. A local search over the buffer order with the best knobs: each step multiplies the
//      priority (initially XLA's memory boundedness) of a random `order_fraction` of the
//      buffers by exp(order_noise x N(0, 1)) and keeps the result if it is strictly faster.
struct HeuristicTuning {
  bool knobs = true;
  int order_steps = 400;
  double order_noise = 1.0;
  double order_fraction = 0.1;
  uint64_t seed = 0;
  // Wall-clock budget in seconds; 0: none, and `order_steps` is the budget (deterministic).
  // With a limit it replaces the step count: the clock is read between heuristic runs, the
  // grid stops when the time is spent and the order search runs until it is. The first run
  // (`base`) always happens and a run in progress finishes, so the total may pass the limit
  // by one heuristic run.
  double time_limit_s = 0;
  // Whether an order step re-plans only from the first buffer whose place in the order changed
  // (IncrementalMsaHeuristic); false re-runs the whole heuristic for every step, as before
  // issue 16 (the same results, for tests and benchmarks).
  bool incremental = true;
};

struct TunedHeuristic {
  proto::Assignment assignment;
  HeuristicOptions options;    // The winning configuration (priority empty: XLA's order).
  double latency_s = 0;        // Its simulated latency.
  double base_latency_s = 0;   // The latency with `base` itself.
  int runs = 0;                // Heuristic runs made.
  int order_steps_kept = 0;    // Order steps that made it faster.
  double knobs_latency_s = 0;  // The best after the grid, before the order search.
  int order_steps_run = 0;     // Order steps tried.
  double time_limit_s = 0;     // HeuristicTuning::time_limit_s of the run.
  bool grid_complete = true;   // False when the time limit cut the grid short.
  // Buffers the order steps planned, and those they would have planned re-running the whole
  // heuristic each time (equal unless HeuristicTuning::incremental).
  int64_t order_buffers_planned = 0;
  int64_t order_buffers_full = 0;
};

// `game` set to play in the heuristic's copy timing, eviction retries and buffer order (as
// hybrid plays the game heuristic-tuned found).
GameOptions GameOptionsLike(const HeuristicOptions& heuristic, GameOptions game = {});

// The grid tried after `base`: 96 combinations of the picker's preferred (1, 1.5, 2.5, 4),
// minimum (0.5, 0.8) and "too long" (5, 10, 30) overlap ratios and eviction retries (1, 2, 3,
// 5); everything else as in `base`.
std::vector<HeuristicOptions> HeuristicTuningGrid(const HeuristicOptions& base);

absl::StatusOr<TunedHeuristic> RunTunedHeuristic(const CostModel& cost,
                                                 const HeuristicOptions& base = {},
                                                 const HeuristicTuning& tuning = {});

// A reference point below the heuristic: buffers by size (largest first), each produced into
// fast memory for its whole live range at the best-fit offset if it fits, evicted when it is an
// output; no prefetching (so program inputs never enter fast memory).
absl::StatusOr<proto::Assignment> RunGreedy(const CostModel& cost);

}  // namespace mmap_opt

#endif  // MMAP_OPT_AGENTS_HEURISTIC_H_
