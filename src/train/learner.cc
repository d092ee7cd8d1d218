#include "train/learner.h"

#include <algorithm>
#include <vector>

namespace mmap_opt {
namespace {

torch::Tensor View(const std::vector<float>& v, std::vector<int64_t> shape) {
  return torch::from_blob(const_cast<float*>(v.data()), shape, torch::kFloat32);
}

}  // namespace

double TrainStep(MuZeroNet& net, torch::optim::Optimizer& optimizer, const TrainingBatch& batch) {
  return *TrainStep(net, optimizer, batch, nullptr);  // Without a sync nothing can fail.
}

absl::StatusOr<double> TrainStep(MuZeroNet& net, torch::optim::Optimizer& optimizer,
                                 const TrainingBatch& batch, const GradientSync& sync) {
  const int B = batch.batch, K = batch.unroll, O = batch.observation_size, A = batch.num_actions;
  torch::Tensor policy_t = View(batch.policies, {K + 1, B, A}),
                value_t = View(batch.values, {K + 1, B}), mask_t = View(batch.mask, {K + 1, B}),
                reward_t = View(batch.rewards, {std::max(K, 1), B});
  torch::Tensor action_t = torch::from_blob(const_cast<int64_t*>(batch.actions.data()),
                                            {std::max(K, 1), B}, torch::kInt64);
  torch::Tensor latent = net->Represent(View(batch.observations, {B, O}));
  torch::Tensor loss = torch::zeros({B});
  for (int k = 0; k <= K; ++k) {
    auto [logits, v] = net->Predict(latent);
    torch::Tensor step_loss =
        -(policy_t[k] * torch::log_softmax(logits, 1)).sum(1) + (v - value_t[k]).pow(2);
    if (k < K) {
      auto [next, r] = net->Dynamics(latent, action_t[k]);
      step_loss = step_loss + (r - reward_t[k]).pow(2);
      // MuZero halves the gradient flowing back through the dynamics.
      latent = 0.5 * next + 0.5 * next.detach();
    }
    loss = loss + mask_t[k] * step_loss;
  }
  torch::Tensor mean = loss.mean() / (K + 1);
  optimizer.zero_grad();
  mean.backward();
  double mean_loss = mean.item<double>();
  if (sync) {
    absl::Status synced = sync(net, mean_loss);
    if (!synced.ok()) return synced;
  }
  optimizer.step();
  return mean_loss;
}

torch::Tensor FlattenParameters(MuZeroNet& net) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> flat;
  for (const torch::Tensor& p : net->parameters()) flat.push_back(p.detach().flatten());
  return torch::cat(flat).clone();
}

}  // namespace mmap_opt
