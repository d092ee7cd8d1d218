// The one entry point of libmmap_opt_learned.so, the LibTorch library that holds the learned
// agents and `train`. The mmap-opt binary does not link it (loading LibTorch costs most of a
// second): cli/learned_library.cc opens it with dlopen on the first use of a learned verb and
// calls through this table. Torch-free, so the binary can include it.
#ifndef MMAP_OPT_TRAIN_LEARNED_LIBRARY_H_
#define MMAP_OPT_TRAIN_LEARNED_LIBRARY_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mmap_opt/agents/registry.h"
#include "mmap_opt/sim/cost_model.h"
#include "train/process_group.h"
#include "train/trainer.h"

namespace mmap_opt {

// Bumped whenever LearnedLibrary or a type it passes changes layout: the binary refuses a
// library built from other sources rather than crash in it.
inline constexpr int kLearnedLibraryAbi = 3;

struct LearnedLibrary {
  int abi = kLearnedLibraryAbi;
  const char* version = "";  // The project version it was built from (MMAP_OPT_VERSION).
  // Runs a learned agent (one of LearnedAgentNames()).
  absl::StatusOr<AgentRun> (*run_agent)(absl::string_view name, const CostModel& cost,
                                        const AgentOptions& options) = nullptr;
  absl::Status (*train)(const TrainOptions& options) = nullptr;
  // Scale-out (train/process_group.h): a process group for `bench --world-size`, and a
  // learned agent run by every rank of one on the same program (rank 0 gets the best).
  absl::StatusOr<std::unique_ptr<ProcessGroup>> (*open_group)(const DistOptions& options) =
      nullptr;
  absl::StatusOr<AgentRun> (*run_agent_in_group)(absl::string_view name, const CostModel& cost,
                                                 const AgentOptions& options,
                                                 const DistOptions& dist) = nullptr;
};

// The symbol the binary looks up with dlsym.
inline constexpr char kLearnedLibraryEntry[] = "mmap_opt_learned_library";

}  // namespace mmap_opt

// Returns the library's table (static storage).
extern "C" const mmap_opt::LearnedLibrary* mmap_opt_learned_library();

#endif  // MMAP_OPT_TRAIN_LEARNED_LIBRARY_H_
