// Re-using a buffer's decision across buffer orders (heuristic-tuned's order search, issue 16).
// The heuristic decides each buffer from what it reads of the plan so far: the heap, the
// outstanding-copy counts and the bytes served fast over some instructions, and the copy
// engine's queue. A decision records what it read and what it did; in a new order, when no
// buffer placed differently than in the old order (before this one) wrote where it read, and
// the copy engine enters each of its checks in the same state, it decides the same, so its
// changes are applied again without deciding.
#ifndef MMAP_OPT_AGENTS_DECISION_REUSE_H_
#define MMAP_OPT_AGENTS_DECISION_REUSE_H_

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "mmap_opt/game/memory_state.h"
#include "mmap_opt/sim/async_copy_resource.h"

namespace mmap_opt {

// Instruction intervals [first, second], kept sorted and disjoint by Normalize.
using Spans = std::vector<std::pair<Time, Time>>;
void AddSpan(Spans& spans, Time from, Time to);  // Merged into the last one when they touch.
void Normalize(Spans& spans);

// What one buffer's planning read, over all its attempts.
struct DecisionReads {
  Spans spans;  // The instructions read of the heap, counts and served bytes.
  std::vector<AsyncCopyResource::Probe> probes;  // Every copy-engine check, in order.
  bool complete = true;  // False when it read something not tracked here (a repack's note).

  void Clear() {
    spans.clear();
    probes.clear();
    complete = true;
  }
  void Note(Time from, Time to) { AddSpan(spans, from, to); }
};

// Where a decision's changes wrote: the instructions (heap chunks, copies' counted spans,
// served instructions) and the copy-engine slots changed (copy starts, served instructions).
struct Footprint {
  Spans spans;
  std::vector<Time> engine_points;
};

// One buffer's decision in the plan held: what it read and what it changed.
struct Decision {
  bool recorded = false;
  DecisionReads reads;
  MemoryState::Effects effects;
  Footprint print;  // Of `effects`.

  // Fills `print` from `effects`.
  void Summarize();
};

// How many footprints cover each instruction (from -1, where copy-engine starts begin, to a
// horizon; times outside are clamped), with "is any covered in [lo, hi]" queries: Fenwick trees
// for range additions and range sums (counts are never negative, so a positive sum says one is
// covered).
class TimeCover {
 public:
  void Reset(Time horizon);
  void Add(Time lo, Time hi, int64_t delta);
  bool Any(Time lo, Time hi) const;

 private:
  size_t Index(Time t) const {  // 1-based.
    return static_cast<size_t>(std::clamp<Time>(t + 1, 0, static_cast<Time>(size_) - 1)) + 1;
  }
  void AddAt(size_t i, int64_t delta_count, int64_t delta_weighted);
  int64_t PrefixSum(size_t i) const;  // Sum of counts over indices [1, i].
  size_t size_ = 0;
  std::vector<int64_t> count_, weighted_;  // The two trees of a range-add range-sum Fenwick.
  int64_t total_ = 0;  // Footprint intervals added (0: nothing covered, a quick no).
};

}  // namespace mmap_opt

#endif  // MMAP_OPT_AGENTS_DECISION_REUSE_H_
