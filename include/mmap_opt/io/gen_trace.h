// `mmap-opt gen training-trace`: buffer traces shaped like an ML training step (MiniMalloc
// CSV rows), for the packer's tests and benchmarks, each with a known packing whose peak is
// the trace's peak live load, so the packer's lower bound is provably reachable.
//
// What a trace holds: a few buffers live for the whole program (weights, optimizer state,
// 50 MB up to `max_size`); per layer a forward pass whose outputs are temporaries (live a few
// steps, some across a residual) or activations saved until the layer's backward pass; a
// backward pass of gradient temporaries and per-layer weight gradients that live until the
// optimizer updates them at the end; and small buffers (1 B to 4 KB: scalars, statistics).
// One operation per time step. Sizes span 1 B to `max_size`.
//
// How the packing is known: an online first-fit allocator (lowest free address at the time a
// buffer starts, as a runtime allocator would) places the buffers; its peak H is above the
// peak live load because of the holes it leaves. At the busiest time t* (the least free bytes
// under H), every hole below H is then cut into filler buffers that live at t* and a few
// steps around it, as far as their bytes stay free (like temporaries). Now t* has H live
// bytes: the peak live load is H, and the allocator's packing (with the fillers) peaks at H.
// The same is done at `extra_cuts` other busy times (at least 0.8x t*'s load): the trace is
// tight, with no waste allowed, at all of them. With none, a packer that stacks the busiest
// time first reaches the bound at once; with 8 (the default), best fit ends 1-7% above it.
#ifndef MMAP_OPT_IO_GEN_TRACE_H_
#define MMAP_OPT_IO_GEN_TRACE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "mmap_opt/io/csv.h"

namespace mmap_opt {

struct TraceOptions {
  int64_t buffers = 20000;          // About this many (the fillers add a few percent).
  uint64_t seed = 1;                // Every random choice; same options, same trace.
  int64_t max_size = 400'000'000;  // The largest buffer, in bytes (>= 1024).
  int64_t extra_cuts = 8;           // Busy times cut besides the busiest (see above).
};

struct GeneratedTrace {
  std::vector<CsvBuffer> rows;  // Ids "b0", "b1", ... in start order, each with its offset.
  int64_t peak = 0;             // The known packing's peak = the peak live load.
  int64_t cut_time = 0;         // t*: the time whose live load is `peak`.
  int64_t fillers = 0;          // Rows cut from the holes at t*.
};

// InvalidArgument when buffers is outside [1, 1000000] or max_size below 1024.
absl::StatusOr<GeneratedTrace> GenerateTrainingTrace(const TraceOptions& options);

}  // namespace mmap_opt

#endif  // MMAP_OPT_IO_GEN_TRACE_H_
