// `mmap-opt gen`: programs of published model architectures, built layer by layer, in
// inference or training mode (forward, backward, Adam update), for the corpus and for tests.
//
// What the seed changes: nothing about shapes or costs. Seed 0 emits the canonical order a
// framework would (per layer the data gradient before the weight gradient; Adam updates in
// parameter order). Any other seed breaks those ties at random: per weighted layer whether the
// weight or the data gradient comes first, and the order of the Adam updates. Both orders are
// valid schedules that frameworks do emit; they change live ranges and so the memory problem.
#ifndef MMAP_OPT_IO_GEN_H_
#define MMAP_OPT_IO_GEN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt {

enum class GenMode {
  kInference,  // Forward only (for gpt2: the prefill of `seq` tokens, emitting the KV cache).
  kTraining,   // Forward, loss, backward, then an Adam update of every weight.
  kDecode,     // gpt2 only: one new token per sequence against a KV cache of `seq` tokens.
};

struct GenOptions {
  std::string family;  // One of GenFamilies()[i].name.
  GenMode mode = GenMode::kInference;
  // 0 picks the family's default; otherwise > 0.
  int64_t batch = 0;
  // Sequence length (text families) or image side in pixels (vision families); 0: default.
  int64_t seq = 0;
  std::string dtype = "bf16";       // f32, bf16, f16, f8, s8 (s8/f8 for inference only).
  std::string size;                 // One of the family's sizes; empty: its default.
  std::string hardware = "tpuv4i";  // Preset named in the program (only `name` is set).
  uint64_t seed = 0;                // See the header comment.
};

struct GenFamily {
  std::string name;
  std::string description;  // The published architecture it follows.
  std::vector<std::string> sizes;
  std::string default_size;
  bool has_decode = false;  // Supports GenMode::kDecode.
  std::string seq_meaning;  // "sequence length", "image side", ...
  int64_t default_batch = 1;
  int64_t default_seq = 0;
};

// Every family, in the order `gen --list` prints them.
const std::vector<GenFamily>& GenFamilies();

absl::StatusOr<GenMode> ParseGenMode(const std::string& mode);
const char* GenModeName(GenMode mode);

// The program those options describe, validated; InvalidArgument naming the bad option
// (unknown family or size, a non-positive or absurd batch/seq, an unsupported mode).
absl::StatusOr<proto::Program> GenerateProgram(const GenOptions& options);

}  // namespace mmap_opt

#endif  // MMAP_OPT_IO_GEN_H_
