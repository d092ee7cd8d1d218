#include "train/corpus.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/sim/score.h"
#include "mmap_opt/status_macros.h"
#include "train/data_parallel.h"

namespace mmap_opt {

namespace fs = std::filesystem;

absl::StatusOr<std::vector<CorpusProgram>> LoadPrograms(const fs::path& dir,
                                                        const std::string& hardware_flag,
                                                        const DistOptions& dist) {
  std::error_code error;
  std::vector<std::string> paths;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_regular_file() && HasProtoExtension(entry.path().string())) {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());  // Directory order is not reproducible.
  if (paths.empty()) {
    return absl::NotFoundError(absl::StrCat(dir.string(), ": no programs (.pb, .txtpb, .json)"));
  }
  std::vector<CorpusProgram> corpus;
  for (int index : ShardIndices(paths.size(), dist.rank, dist.world_size)) {
    const std::string& path = paths[index];
    CorpusProgram entry;
    entry.path = path;
    ASSIGN_OR_RETURN(proto::Program proto, ReadProgram(path));
    ASSIGN_OR_RETURN(proto::Hardware hardware, HardwareFor(proto, hardware_flag));
    ASSIGN_OR_RETURN(Program program, Program::Create(std::move(proto)));
    entry.program = std::make_unique<Program>(std::move(program));
    ASSIGN_OR_RETURN(CostModel cost, CostModel::Create(*entry.program, std::move(hardware)));
    entry.cost = std::make_unique<CostModel>(std::move(cost));
    ASSIGN_OR_RETURN(proto::Assignment heuristic, RunMsaHeuristic(*entry.cost));
    ASSIGN_OR_RETURN(Score score, ScoreAssignment(*entry.cost, heuristic));
    entry.heuristic_latency = score.simulation.latency_s;
    corpus.push_back(std::move(entry));
  }
  return corpus;
}

absl::StatusOr<std::vector<CorpusProgram>> LoadCorpus(const TrainOptions& options) {
  fs::path dir = options.corpus;
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return absl::NotFoundError(absl::StrCat(options.corpus, ": not a folder"));
  }
  if (fs::is_directory(dir / "train", error)) dir /= "train";
  ASSIGN_OR_RETURN(std::vector<CorpusProgram> corpus,
                   LoadPrograms(dir, options.hardware, options.dist));
  if (corpus.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: fewer programs than the %d ranks, each of which plays on a share of them",
        dir.string(), options.dist.world_size));
  }
  return corpus;
}

absl::StatusOr<std::vector<CorpusProgram>> LoadHeldOut(const TrainOptions& options) {
  if (options.heldout_every == 0) return std::vector<CorpusProgram>();
  std::error_code error;
  if (!options.heldout.empty()) {
    if (!fs::is_directory(options.heldout, error)) {
      return absl::NotFoundError(absl::StrCat(options.heldout, ": not a folder"));
    }
    return LoadPrograms(options.heldout, options.hardware, options.dist);
  }
  const fs::path corpus = options.corpus;
  if (fs::is_directory(corpus / "train", error) && fs::is_directory(corpus / "test", error)) {
    return LoadPrograms(corpus / "test", options.hardware, options.dist);
  }
  return std::vector<CorpusProgram>();
}

}  // namespace mmap_opt
