// What a placement means in time (DESIGN.md §3), written down once for the validator, the
// simulator, the renderer and every agent that builds placements.
//
// Times are instruction indices. A copy is issued at a *boundary*: boundary t is the moment
// just before instruction t starts (boundary T, after the last instruction, is the end of the
// program). A copy runs during the instructions after its issue boundary and must be complete
// at its deadline boundary; if it is not, the program stalls there until it is.
//
// - PRODUCED placement [start, end] of a buffer defined at d: start == d; instruction d
//   writes the buffer into fast memory, the uses in (d, end] read it from there. The fast
//   memory is occupied over [start, end].
// - PREFETCHED placement [start, end] with copy_start c: an async copy from slow memory is
//   issued at boundary c and must be complete at boundary u, the first use of the buffer in
//   [start, end] (a prefetch must cover at least one use). Uses in [start, end] read fast
//   memory. The copy writes its destination from c on, so the fast memory is occupied over
//   [c, end]; [c, start) is the "prefetch window" (c <= start is required).
//   The source must exist at boundary c: program inputs exist from boundary 0; a buffer
//   written to slow memory at d exists from boundary d + 1; a buffer PRODUCED into fast
//   memory over [d, e] exists in slow memory only after its eviction, i.e. from boundary e + 1.
// - Eviction: a PRODUCED placement [d, e] whose buffer is needed in slow memory later (it is
//   a program output, or it has a use after e: such a use reads slow memory or is prefetched
//   from it) is written back by an async copy issued at boundary d + 1 (as soon as the data is
//   complete) that must be complete at boundary e + 1 (before its fast memory is released).
//   So the placement covers its eviction, which therefore always finishes before the next use
//   outside the placement and, for outputs, by the end of the program.
// - A use at time t reads fast memory iff some placement of that buffer covers t.
// - Computations (Instruction.computation, set by the HLO importer): HLO keeps an async copy
//   within one computation, and our program flattens called computations into the timeline.
//   A copy issued at boundary t belongs to instruction t's computation; so a prefetch's
//   copy_start lies in the computation of its start (where its copy-done is written) and of
//   the first use it serves, and a PRODUCED placement that needs an eviction ends in the
//   computation of its definition (the eviction is written after its last instruction). One
//   computation: no constraint.
#ifndef MMAP_OPT_SIM_PLACEMENT_SEMANTICS_H_
#define MMAP_OPT_SIM_PLACEMENT_SEMANTICS_H_

#include <optional>

#include "mmap_opt/model/program.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt {

// Boundaries at which an async copy is issued and by which it must be complete.
struct CopyWindow {
  Time issue = 0;
  Time deadline = 0;  // >= issue.
};

// The first time the placement's fast memory is reserved: copy_start for a prefetch, else start.
inline Time OccupiedStart(const proto::Placement& p) {
  return p.source() == proto::Placement::PREFETCHED ? p.copy_start() : p.start();
}

// The first use of buffer b in [start, end], if any (binary search over its uses).
std::optional<Time> FirstUseIn(const Program& program, BufferIndex b, Time start, Time end);

// Whether a PRODUCED placement of b ending at `end` must be evicted (see above).
bool NeedsEviction(const Program& program, BufferIndex b, Time end);

// Whether a PRODUCED placement of b (defined at `definition`) may end at `end`: it needs no
// eviction there, or the eviction stays in the definition's computation.
bool EvictableAt(const Program& program, BufferIndex b, Time definition, Time end);

// Whether a prefetch issued at boundary `copy_start` may have its copy done at, or serve a use
// at, time t: both in one computation.
inline bool PrefetchWithinComputation(const Program& program, Time copy_start, Time t) {
  return program.computation(copy_start) == program.computation(t);
}

// The eviction of a PRODUCED placement [definition, end]: issued at definition + 1, due at
// end + 1.
inline CopyWindow EvictionWindow(Time definition, Time end) { return {definition + 1, end + 1}; }

// A prefetch issued at copy_start, due at its first covered use.
inline CopyWindow PrefetchWindow(Time copy_start, Time first_use) {
  return {copy_start, first_use};
}

}  // namespace mmap_opt

#endif  // MMAP_OPT_SIM_PLACEMENT_SEMANTICS_H_
