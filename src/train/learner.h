// The training step shared by `train` and learning on the program being mapped: Adam on
// MuZero's unrolled loss. From a sampled position the representation gives a latent; K times
// the dynamics network steps it with the recorded action; at every step the prediction's
// policy is scored against the policy target (cross-entropy), its value against the value
// target and (but for the last) the dynamics' reward against the game's reward (squares).
// Only nn/, search/ and train/ include this header (it pulls in LibTorch).
#ifndef MMAP_OPT_TRAIN_LEARNER_H_
#define MMAP_OPT_TRAIN_LEARNER_H_

#include <torch/torch.h>

#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nn/muzero_net.h"
#include "train/replay.h"

namespace mmap_opt {

// One optimizer step on `batch`; returns the mean loss per position and unroll step.
double TrainStep(MuZeroNet& net, torch::optim::Optimizer& optimizer, const TrainingBatch& batch);

// Called between the backward pass and the optimizer step with the step's loss: data
// parallelism averages the gradients and the loss over the ranks here (train/data_parallel.h).
using GradientSync = std::function<absl::Status(MuZeroNet& net, double& loss)>;

// TrainStep with `sync` (nullptr: none); its error stops the step before the optimizer moves.
absl::StatusOr<double> TrainStep(MuZeroNet& net, torch::optim::Optimizer& optimizer,
                                 const TrainingBatch& batch, const GradientSync& sync);

// Every parameter in one detached vector (a snapshot: reports and tests compare two).
torch::Tensor FlattenParameters(MuZeroNet& net);

}  // namespace mmap_opt

#endif  // MMAP_OPT_TRAIN_LEARNER_H_
