// The model families behind GenerateProgram, one builder per family. Internal to src/io/gen.
#ifndef MMAP_OPT_SRC_IO_GEN_FAMILIES_H_
#define MMAP_OPT_SRC_IO_GEN_FAMILIES_H_

#include <cstdint>
#include <string>

#include "mmap_opt/io/gen.h"
#include "mmap_opt/io/gen_graph.h"

namespace mmap_opt::gen {

// The resolved options a builder sees: size known to the family, batch and seq positive.
struct FamilyConfig {
  std::string size;
  GenMode mode = GenMode::kInference;
  int64_t batch = 1;
  int64_t seq = 1;
};

// Each emits the whole step into `g` (forward; in training also the loss, the backward and the
// update through g.BackwardAndUpdate) and marks the outputs.
void BuildBert(GraphBuilder& g, const FamilyConfig& c);
void BuildGpt2(GraphBuilder& g, const FamilyConfig& c);
void BuildVit(GraphBuilder& g, const FamilyConfig& c);
void BuildResnet(GraphBuilder& g, const FamilyConfig& c);
void BuildMobilenetV2(GraphBuilder& g, const FamilyConfig& c);
void BuildUnet(GraphBuilder& g, const FamilyConfig& c);
void BuildAlexnet(GraphBuilder& g, const FamilyConfig& c);
void BuildVgg(GraphBuilder& g, const FamilyConfig& c);
void BuildLstmSeq2seq(GraphBuilder& g, const FamilyConfig& c);
void BuildDlrm(GraphBuilder& g, const FamilyConfig& c);

}  // namespace mmap_opt::gen

#endif  // MMAP_OPT_SRC_IO_GEN_FAMILIES_H_
