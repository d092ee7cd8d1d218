// Synchronous data parallelism over a ProcessGroup (train/process_group.h) for `train` and for
// learning on one program: after every backward pass the ranks average their gradients (and
// their losses) with one all-reduce, so that every rank's optimizer takes the same step and
// all hold the same parameters; a checksum of the parameters, compared across ranks, checks
// it. Only nn/, search/ and train/ include this header (it pulls in LibTorch).
#ifndef MMAP_OPT_TRAIN_DATA_PARALLEL_H_
#define MMAP_OPT_TRAIN_DATA_PARALLEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nn/muzero_net.h"
#include "train/learner.h"
#include "train/process_group.h"

namespace mmap_opt {

// The TrainStep hook that replaces each gradient and the loss by their mean over the ranks.
GradientSync AverageGradients(ProcessGroup& group);

// Bytes one rank hands to the gradient all-reduce per training step: every parameter's
// gradient (float32) and the loss.
int64_t GradientPayloadBytes(MuZeroNet& net);

// A 64-bit FNV-1a hash of every parameter's bytes: equal exactly when the parameters are.
uint64_t ParameterChecksum(MuZeroNet& net);

// Compares the ranks' parameter checksums; Internal naming the first rank that differs from
// rank 0 (`when` says where: "after step 40").
absl::Status CheckParametersAgree(ProcessGroup& group, MuZeroNet& net, const std::string& when);

// Compares every rank's `setting` (the options that must match, as text) with rank 0's;
// InvalidArgument naming the first rank that differs.
absl::Status CheckSettingsAgree(ProcessGroup& group, const std::string& setting);

// The indices of `count` items that rank `rank` of `world` takes: rank, rank + world, ...
std::vector<int> ShardIndices(int count, int rank, int world);

}  // namespace mmap_opt

#endif  // MMAP_OPT_TRAIN_DATA_PARALLEL_H_
