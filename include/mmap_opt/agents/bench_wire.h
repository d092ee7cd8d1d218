// A bench's rows as bytes, so that a bench split over processes (`mmap-opt bench
// --world-size N`) gathers them on rank 0 exactly as one process would have made them:
// doubles travel as their bits, assignments as serialized protos.
#ifndef MMAP_OPT_AGENTS_BENCH_WIRE_H_
#define MMAP_OPT_AGENTS_BENCH_WIRE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "mmap_opt/agents/bench.h"

namespace mmap_opt {

std::string EncodeProgramOutcomes(absl::Span<const ProgramOutcome> programs);

// InvalidArgument for bytes that EncodeProgramOutcomes did not write (truncated, trailing).
absl::StatusOr<std::vector<ProgramOutcome>> DecodeProgramOutcomes(absl::string_view bytes);

// The programs of a corpus that rank `rank` of `world` runs: indices rank, rank + world, ...
std::vector<std::string> BenchShard(absl::Span<const std::string> paths, int rank, int world);

// Puts the ranks' shares (rank order, each as BenchShard cut it) back into corpus order.
std::vector<ProgramOutcome> MergeBenchShards(std::vector<std::vector<ProgramOutcome>> shards);

}  // namespace mmap_opt

#endif  // MMAP_OPT_AGENTS_BENCH_WIRE_H_
