// The MuZero networks (DESIGN.md §6), small enough for two CPU cores: multilayer perceptrons
// over the MallocGame's feature vector.
//   representation h: observation -> latent (min-max scaled to [0, 1], as in MuZero)
//   dynamics       g: latent, action -> next latent, reward
//   prediction     f: latent -> policy logits over the 1 + 2K actions, value
// Only nn/, search/ and train/ include this header (it pulls in LibTorch).
#ifndef MMAP_OPT_NN_MUZERO_NET_H_
#define MMAP_OPT_NN_MUZERO_NET_H_

#include <memory>
#include <string>
#include <utility>

#include <torch/torch.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mmap_opt {

struct NetConfig {
  int observation_size = 0;  // MallocGame::ObservationSize of the game options.
  int num_actions = 0;       // 1 + 2K.
  int hidden = 128;          // Width of every hidden layer.
  int latent = 64;           // Width of the latent state.
};

class MuZeroNetImpl : public torch::nn::Module {
 public:
  explicit MuZeroNetImpl(NetConfig config);

  const NetConfig& config() const { return config_; }
  torch::Tensor Represent(const torch::Tensor& observations);
  // `actions`: int64 [batch]. Returns (next latent, reward [batch]).
  std::pair<torch::Tensor, torch::Tensor> Dynamics(const torch::Tensor& latent,
                                                   const torch::Tensor& actions);
  // Returns (logits [batch, num_actions], value [batch]).
  std::pair<torch::Tensor, torch::Tensor> Predict(const torch::Tensor& latent);

 private:
  NetConfig config_;
  torch::nn::Sequential representation_{nullptr};
  torch::nn::Sequential dynamics_{nullptr};
  torch::nn::Linear reward_{nullptr};
  torch::nn::Sequential prediction_{nullptr};
  torch::nn::Linear policy_{nullptr};
  torch::nn::Linear value_{nullptr};
};
TORCH_MODULE(MuZeroNet);

// A model file: the config plus the parameters, in one torch::serialize archive, written
// through a temporary file and a rename.
absl::Status SaveModel(MuZeroNet& net, const std::string& path);
absl::StatusOr<MuZeroNet> LoadModel(const std::string& path);

// Parameters into / out of an archive (for training checkpoints, which hold more).
void WriteNet(MuZeroNet& net, torch::serialize::OutputArchive& archive);
absl::StatusOr<MuZeroNet> ReadNet(torch::serialize::InputArchive& archive, const std::string& path);

// An Evaluator over `net` (shared, not copied: it sees later training steps).
class Evaluator;
std::unique_ptr<Evaluator> MakeNetEvaluator(MuZeroNet net, int threads);

// Renames `tmp` over `path`; the error names `path`.
absl::Status CommitFile(const std::string& tmp, const std::string& path);

}  // namespace mmap_opt

#endif  // MMAP_OPT_NN_MUZERO_NET_H_
