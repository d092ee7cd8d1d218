// When to start an async copy: XLA's prefetch-interval pickers (xla-msa.md §1.5), the
// cost-analysis one (the default) and the instruction-count one XLA's own MSA tests run with;
// shared by the heuristic and the MallocGame so that both choose copy windows by one rule.
#ifndef MMAP_OPT_SIM_PREFETCH_INTERVAL_PICKER_H_
#define MMAP_OPT_SIM_PREFETCH_INTERVAL_PICKER_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/types/span.h"

namespace mmap_opt {

using Time = int64_t;  // Logical time: an instruction's index in the schedule.

// The picker's knobs; defaults are the values XLA's own tests and tools use.
struct PrefetchIntervalOptions {
  // Which of XLA's pickers answers.
  enum class Kind {
    // CostAnalysisPrefetchIntervalPicker: windows measured in seconds of instruction time,
    // against the copy's time (the ratios below). XLA's production choice.
    kCostAnalysis,
    // InstructionCountPrefetchIntervalPicker: windows measured in instructions (the counts
    // below), whatever they cost. The picker XLA's memory_space_assignment_test.cc runs most
    // scenarios with (min 2, max 10); used to compare with those tests like for like.
    kInstructionCount,
  };
  Kind kind = Kind::kCostAnalysis;

  // A prefetch must overlap at least this multiple of its copy time with other work...
  double min_overlap_to_async_copy_ratio = 0.8;
  // ...ideally this multiple (the first candidate tried)...
  double preferred_overlap_to_async_copy_ratio = 1.5;
  // ...and a buffer may sit in fast memory without a copy, or a prefetch may start, at most
  // this multiple of the time it takes to copy the whole fast memory ("live range too long").
  double max_overlap_to_mem_size_async_copy_ratio = 10.0;

  // kInstructionCount only. A prefetch must leave at least `min_overlap_count` instructions
  // between its issue and its use (XLA: the copy-start time t satisfies use - t >
  // min_overlap_count) and may start at most `max_overlap_count` instructions before the use
  // (use - t <= max_overlap_count); a buffer may stay in fast memory without a copy across at
  // most `max_overlap_count` instructions; an eviction should be done `min_overlap_count`
  // instructions after its placement starts. Candidates run earliest first. XLA's test
  // defaults: 2 and 10.
  int64_t min_overlap_count = 2;
  int64_t max_overlap_count = 10;
};

class PrefetchIntervalPicker;

// PrefetchIntervalPicker::PrefetchStartCandidates one at a time, for a caller that usually stops
// at one of the first (the heuristic takes the first start that fits): the same starts in the
// same order, each worked out only when asked for. Valid while its picker lives.
class PrefetchStartWalk {
 public:
  std::optional<Time> Next();
  // No candidate is earlier than this.
  Time lower_bound() const { return lower_bound_; }

 private:
  friend class PrefetchIntervalPicker;
  // One step of the walk: the next later and/or earlier start into pending_; false when done.
  bool Advance();
  // The next earlier start once the later side has run out (see Advance).
  Time NextDown() const;

  const PrefetchIntervalPicker* picker_ = nullptr;
  Time use_ = 0;
  bool counts_ = false;  // kInstructionCount: up_ .. latest_, earliest first.
  Time latest_ = -1, first_ = 0, up_ = 0, down_ = -1;
  double step_ = 0, last_down_elapsed_ = 0;
  Time pending_[2] = {0, 0};
  int pending_count_ = 0, pending_at_ = 0;
  Time lower_bound_ = 0;
  bool filter_ = false;  // Skip starts issued in another computation than the use's.
};

// Answers the picker's questions in O(log T) from prefix sums of instruction times.
// "Elapsed between a and b", E(a, b), is the time of the instructions strictly between them.
class PrefetchIntervalPicker {
 public:
  // `elapsed[t]`: the time of instruction t (the heuristic passes the all-slow times);
  // `copy_bandwidth`: bytes/s of an async copy; `fast_capacity`: bytes of fast memory;
  // `computation[t]`: instruction t's computation (Program::computations(); empty: one), which
  // a copy may not leave (sim/placement_semantics.h).
  PrefetchIntervalPicker(absl::Span<const double> elapsed, double copy_bandwidth,
                         int64_t fast_capacity, PrefetchIntervalOptions options = {},
                         absl::Span<const int32_t> computation = {});

  // E(a, b) for a < b: Σ elapsed[t] for a < t < b; 0 when b <= a + 1.
  double ElapsedBetween(Time a, Time b) const;
  // Seconds an async copy of `bytes` takes.
  double CopyTime(int64_t bytes) const { return static_cast<double>(bytes) / copy_bandwidth_; }

  // May a buffer stay in fast memory, uncopied, from `start` to `end`?
  bool CanKeepWithoutCopy(Time start, Time end) const;

  // The time an eviction of `bytes` that starts after `start` should be done by: the first
  // t > start with E(start, t) >= (1 + 2 * retry) * preferred * copy time, capped at `latest`.
  Time PreferredEvictionEnd(int64_t bytes, Time start, Time latest, int retry = 0) const;

  // Candidate copy-start times for a prefetch of `bytes` that must be done before the use at
  // `use_time`, starting no earlier than `earliest`. `use_speedup` is how much faster the using
  // instruction runs with this operand in fast memory (it lets a shorter overlap suffice).
  // Ordered as XLA tries them: the preferred start first, then alternately later and earlier
  // starts (kInstructionCount: earliest first), less those issued in another computation than
  // the use's. Empty when no start leaves enough overlap.
  std::vector<Time> PrefetchStartCandidates(int64_t bytes, Time earliest, Time use_time,
                                            double use_speedup = 0) const;
  // The same candidates, one at a time.
  PrefetchStartWalk StartWalk(int64_t bytes, Time earliest, Time use_time,
                              double use_speedup = 0) const;

  // The latest start that still overlaps `min_ratio` x copy time, or nullopt.
  std::optional<Time> LatestPrefetchStart(int64_t bytes, Time earliest, Time use_time,
                                          double use_speedup = 0) const;

  double max_copy_window() const { return max_copy_window_; }
  const PrefetchIntervalOptions& options() const { return options_; }

 private:
  bool counts_instructions() const {
    return options_.kind == PrefetchIntervalOptions::Kind::kInstructionCount;
  }
  friend class PrefetchStartWalk;
  // Largest t in [lo, hi] with E(t, end) >= need, or nullopt. E(t, end) falls as t grows.
  std::optional<Time> LastStartWithOverlap(double need, Time lo, Time hi, Time end) const;

  std::vector<double> prefix_;  // prefix_[t] = Σ elapsed[0..t-1].
  std::vector<int32_t> computation_;  // Empty when the program has one computation.
  double copy_bandwidth_;
  double max_copy_window_;
  PrefetchIntervalOptions options_;
};

}  // namespace mmap_opt

#endif  // MMAP_OPT_SIM_PREFETCH_INTERVAL_PICKER_H_
