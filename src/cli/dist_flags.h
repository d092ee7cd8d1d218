// The launch flags of the verbs that scale out (train, solve with muzero/hybrid, bench):
// `--world-size N --rank R --master HOST:PORT --dist-timeout S`, or torchrun's variables
// WORLD_SIZE, RANK, MASTER_ADDR and MASTER_PORT where a flag is not given.
#ifndef MMAP_OPT_CLI_DIST_FLAGS_H_
#define MMAP_OPT_CLI_DIST_FLAGS_H_

#include "CLI/CLI.hpp"
#include "train/process_group.h"

namespace mmap_opt::cli {

void AddDistFlags(CLI::App* verb, DistOptions* options);

// Fills what the flags left unset from the environment and checks the result; a malformed
// value (flag or variable) is CLI11's ValidationError (exit 2) naming it.
void ResolveDistFlags(const CLI::App* verb, DistOptions* options);

}  // namespace mmap_opt::cli

#endif  // MMAP_OPT_CLI_DIST_FLAGS_H_
