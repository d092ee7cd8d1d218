#include "nn/muzero_net.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "mmap_opt/status_macros.h"
#include "nn/evaluator.h"

// OpenBLAS's own thread pool, which at::set_num_threads does not reach (Debian's LibTorch does
// its matrix products in OpenBLAS). Weak: absent when another BLAS is installed.
extern "C" void openblas_set_num_threads(int threads) __attribute__((weak));

namespace mmap_opt {
namespace {

// Written into every model file so a foreign archive is recognised as such.
constexpr int64_t kModelMagic = 0x6d6d61706f707431;  // "mmapopt1"

torch::nn::Sequential Mlp(int in, int hidden, int out) {
  return torch::nn::Sequential(torch::nn::Linear(in, hidden), torch::nn::ReLU(),
                               torch::nn::Linear(hidden, out));
}

// MuZero's latent normalisation: each state's latent scaled to [0, 1], so that the dynamics
// sees inputs of the same range as the representation produces.
torch::Tensor ScaleLatent(const torch::Tensor& x) {
  auto min = std::get<0>(x.min(1, true));
  auto max = std::get<0>(x.max(1, true));
  return (x - min) / (max - min).clamp_min(1e-5);
}

class TorchEvaluator : public Evaluator {
 public:
  TorchEvaluator(MuZeroNet net, int threads) : net_(std::move(net)), threads_(threads) {
    net_->eval();
    // The search's batches are small: extra BLAS threads only wait for a busy core (measured
    // in net_nnbench: batch 64 took 85 instead of 64 us with them on two loaded cores).
    if (openblas_set_num_threads != nullptr) openblas_set_num_threads(threads_);
  }
  int observation_size() const override { return net_->config().observation_size; }
  int num_actions() const override { return net_->config().num_actions; }
  void Evaluate(const float* observations, int batch, float* logits, float* values) override {
    // Both settings are per thread (muzero-notes.md §3): set them on the calling thread.
    if (at::get_num_threads() != threads_) at::set_num_threads(threads_);
    c10::InferenceMode guard;
    torch::Tensor obs = torch::from_blob(const_cast<float*>(observations),
                                         {batch, observation_size()}, torch::kFloat32);
    auto [policy, value] = net_->Predict(net_->Represent(obs));
    policy = policy.contiguous();
    value = value.contiguous();
    std::copy(policy.data_ptr<float>(), policy.data_ptr<float>() + batch * num_actions(), logits);
    std::copy(value.data_ptr<float>(), value.data_ptr<float>() + batch, values);
  }

  int latent_size() const override { return net_->config().latent; }

  void InitialInference(const float* observations, int batch, float* latents, float* logits,
                        float* values) override {
    if (at::get_num_threads() != threads_) at::set_num_threads(threads_);
    c10::InferenceMode guard;
    torch::Tensor obs = torch::from_blob(const_cast<float*>(observations),
                                         {batch, observation_size()}, torch::kFloat32);
    torch::Tensor latent = net_->Represent(obs);
    auto [policy, value] = net_->Predict(latent);
    CopyOut(latent, latents);
    CopyOut(policy, logits);
    CopyOut(value, values);
  }

  void RecurrentInference(const float* latents, const int* actions, int batch,
                          float* next_latents, float* rewards, float* logits,
                          float* values) override {
    if (at::get_num_threads() != threads_) at::set_num_threads(threads_);
    c10::InferenceMode guard;
    torch::Tensor latent = torch::from_blob(const_cast<float*>(latents),
                                            {batch, latent_size()}, torch::kFloat32);
    torch::Tensor action =
        torch::from_blob(const_cast<int*>(actions), {batch}, torch::kInt32).to(torch::kInt64);
    auto [next, reward] = net_->Dynamics(latent, action);
    auto [policy, value] = net_->Predict(next);
    CopyOut(next, next_latents);
    CopyOut(reward, rewards);
    CopyOut(policy, logits);
    CopyOut(value, values);
  }

 private:
  static void CopyOut(const torch::Tensor& t, float* out) {
    torch::Tensor c = t.contiguous();
    std::copy(c.data_ptr<float>(), c.data_ptr<float>() + c.numel(), out);
  }

  MuZeroNet net_;
  int threads_;
};

}  // namespace

MuZeroNetImpl::MuZeroNetImpl(NetConfig config) : config_(config) {
  representation_ = register_module(
      "representation", Mlp(config.observation_size, config.hidden, config.latent));
  dynamics_ = register_module(
      "dynamics", Mlp(config.latent + config.num_actions, config.hidden, config.latent));
  reward_ = register_module("reward", torch::nn::Linear(config.latent, 1));
  prediction_ = register_module(
      "prediction", torch::nn::Sequential(torch::nn::Linear(config.latent, config.hidden),
                                          torch::nn::ReLU()));
  policy_ = register_module("policy", torch::nn::Linear(config.hidden, config.num_actions));
  value_ = register_module("value", torch::nn::Linear(config.hidden, 1));
}

torch::Tensor MuZeroNetImpl::Represent(const torch::Tensor& observations) {
  return ScaleLatent(representation_->forward(observations));
}

std::pair<torch::Tensor, torch::Tensor> MuZeroNetImpl::Dynamics(const torch::Tensor& latent,
                                                                const torch::Tensor& actions) {
  torch::Tensor one_hot =
      torch::one_hot(actions, config_.num_actions).to(latent.scalar_type());
  torch::Tensor next = dynamics_->forward(torch::cat({latent, one_hot}, 1));
  return {ScaleLatent(next), reward_->forward(next).squeeze(1)};
}

std::pair<torch::Tensor, torch::Tensor> MuZeroNetImpl::Predict(const torch::Tensor& latent) {
  torch::Tensor trunk = prediction_->forward(latent);
  return {policy_->forward(trunk), value_->forward(trunk).squeeze(1)};
}

void WriteNet(MuZeroNet& net, torch::serialize::OutputArchive& archive) {
  const NetConfig& c = net->config();
  archive.write("config", torch::tensor({kModelMagic, int64_t{c.observation_size},
                                         int64_t{c.num_actions}, int64_t{c.hidden},
                                         int64_t{c.latent}},
                                        torch::kInt64));
  torch::serialize::OutputArchive parameters;
  net->save(parameters);
  archive.write("net", parameters);
}

absl::StatusOr<MuZeroNet> ReadNet(torch::serialize::InputArchive& archive,
                                  const std::string& path) {
  try {
    torch::Tensor config;
    if (!archive.try_read("config", config) || config.dim() != 1 || config.numel() != 5 ||
        config.scalar_type() != torch::kInt64 || config[0].item<int64_t>() != kModelMagic) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": not an mmap-opt model (no model config)"));
    }
    auto in_range = [](int64_t v, int64_t hi) { return v >= 1 && v <= hi; };
    NetConfig c;
    const int64_t obs = config[1].item<int64_t>(), actions = config[2].item<int64_t>(),
                  hidden = config[3].item<int64_t>(), latent = config[4].item<int64_t>();
    if (!in_range(obs, 1 << 16) || !in_range(actions, 129) || !in_range(hidden, 1 << 14) ||
        !in_range(latent, 1 << 14)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": absurd model sizes (observation ", obs, ", actions ", actions, ", hidden ",
          hidden, ", latent ", latent, ")"));
    }
    c.observation_size = obs;
    c.num_actions = actions;
    c.hidden = hidden;
    c.latent = latent;
    MuZeroNet net(c);
    torch::serialize::InputArchive parameters;
    if (!archive.try_read("net", parameters)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": the model has no parameters"));
    }
    net->load(parameters);
    // Loading replaces tensors whole, shapes included: one forward pass proves they fit.
    torch::NoGradGuard no_grad;
    torch::Tensor latent_state = net->Represent(torch::zeros({1, c.observation_size}));
    net->Dynamics(latent_state, torch::zeros({1}, torch::kInt64));
    net->Predict(latent_state);
    return net;
  } catch (const std::exception& e) {
    std::string what = e.what();
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": unreadable model: ", what.substr(0, what.find('\n'))));
  }
}

absl::Status CommitFile(const std::string& tmp, const std::string& path) {
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": cannot write (rename failed)"));
  }
  return absl::OkStatus();
}

absl::Status SaveModel(MuZeroNet& net, const std::string& path) {
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  try {
    torch::serialize::OutputArchive archive;
    WriteNet(net, archive);
    archive.save_to(tmp);
  } catch (const std::exception& e) {
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": cannot write model: ", e.what()));
  }
  return CommitFile(tmp, path);
}

absl::StatusOr<MuZeroNet> LoadModel(const std::string& path) {
  if (!std::ifstream(path).good()) {
    return absl::NotFoundError(absl::StrCat(path, ": no such model file"));
  }
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const std::exception& e) {
    std::string what = e.what();
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a model archive: ", what.substr(0, what.find('\n'))));
  }
  return ReadNet(archive, path);
}

std::unique_ptr<Evaluator> MakeNetEvaluator(MuZeroNet net, int threads) {
  return std::make_unique<TorchEvaluator>(std::move(net), std::max(threads, 1));
}

absl::StatusOr<std::unique_ptr<Evaluator>> LoadModelEvaluator(const std::string& path,
                                                              int threads) {
  ASSIGN_OR_RETURN(MuZeroNet net, LoadModel(path));
  return std::unique_ptr<Evaluator>(std::make_unique<TorchEvaluator>(std::move(net),
                                                                     std::max(threads, 1)));
}

}  // namespace mmap_opt
