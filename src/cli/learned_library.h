// The learned agents and `train` without LibTorch on the startup path: the binary lists them,
// and their first use opens libmmap_opt_learned.so (train/learned_library.h) with dlopen. A
// build or install without that library says so for those verbs and does everything else.
#ifndef MMAP_OPT_CLI_LEARNED_LIBRARY_H_
#define MMAP_OPT_CLI_LEARNED_LIBRARY_H_

#include "absl/status/statusor.h"
#include "train/learned_library.h"

namespace mmap_opt::cli {

// Registers muzero, mcts and hybrid with the agent registry; running one loads the library.
void AddLearnedAgents();

// Whether a learned library is there to load (looks for the file; loads nothing).
bool LearnedLibraryFound();

// The learned library, opened on the first call: the file MMAP_OPT_LEARNED_LIBRARY names, else
// libmmap_opt_learned.so next to the binary, in the install's library folder beside it, or in
// the configured install prefix. FailedPrecondition "this build has no learned agents" when
// there is none; Internal when one is there but does not load.
absl::StatusOr<const LearnedLibrary*> LoadLearnedLibrary();

}  // namespace mmap_opt::cli

#endif  // MMAP_OPT_CLI_LEARNED_LIBRARY_H_
