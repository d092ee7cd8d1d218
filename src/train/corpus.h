// The programs `train` plays on: a corpus folder's training programs and its held-out ones,
// each with its cost model and the heuristic's latency (the reference every gain is measured
// against). Torch-free.
#ifndef MMAP_OPT_TRAIN_CORPUS_H_
#define MMAP_OPT_TRAIN_CORPUS_H_

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mmap_opt/model/program.h"
#include "mmap_opt/sim/cost_model.h"
#include "train/process_group.h"
#include "train/trainer.h"

namespace mmap_opt {

struct CorpusProgram {
  std::string path;
  std::unique_ptr<Program> program;
  std::unique_ptr<CostModel> cost;
  double heuristic_latency = 0;
};

// The programs of one folder (sorted by path) with their heuristic latencies; in a
// distributed run only this rank's share of them (ShardIndices).
absl::StatusOr<std::vector<CorpusProgram>> LoadPrograms(const std::filesystem::path& dir,
                                                        const std::string& hardware_flag,
                                                        const DistOptions& dist);

// TrainOptions::corpus (its train/ folder where it has one); an error where this rank's share
// is empty.
absl::StatusOr<std::vector<CorpusProgram>> LoadCorpus(const TrainOptions& options);

// The held-out programs (TrainOptions::heldout, else the corpus's test/ folder beside train/);
// none when there are no such programs or no held-out measurements.
absl::StatusOr<std::vector<CorpusProgram>> LoadHeldOut(const TrainOptions& options);

}  // namespace mmap_opt

#endif  // MMAP_OPT_TRAIN_CORPUS_H_
