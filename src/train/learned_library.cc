#include "train/learned_library.h"

#include "nn/muzero_agent.h"
#include "train/distributed_solve.h"

extern "C" __attribute__((visibility("default"))) const mmap_opt::LearnedLibrary*
mmap_opt_learned_library() {
  static const mmap_opt::LearnedLibrary library{
      mmap_opt::kLearnedLibraryAbi, MMAP_OPT_VERSION, &mmap_opt::RunLearnedAgent,
      &mmap_opt::Train, &mmap_opt::OpenProcessGroup, &mmap_opt::RunLearnedAgentInGroup};
  return &library;
}
