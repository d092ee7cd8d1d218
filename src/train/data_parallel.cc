#include "train/data_parallel.h"

#include <cstring>

#include "absl/strings/str_format.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {

GradientSync AverageGradients(ProcessGroup& group) {
  return [&group](MuZeroNet& net, double& loss) -> absl::Status {
    // A parameter without a gradient (the dynamics with no unroll) has none on every rank.
    std::vector<torch::Tensor> grads;
    int64_t n = 0;
    for (const torch::Tensor& p : net->parameters()) {
      if (!p.grad().defined()) continue;
      grads.push_back(p.grad());
      n += p.grad().numel();
    }
    std::vector<float> buffer(n + 1);
    int64_t at = 0;
    for (const torch::Tensor& g : grads) {
      const torch::Tensor c = g.contiguous();
      std::memcpy(buffer.data() + at, c.data_ptr<float>(), c.numel() * sizeof(float));
      at += c.numel();
    }
    buffer[n] = static_cast<float>(loss);
    RETURN_IF_ERROR(group.AllReduceSum(absl::MakeSpan(buffer)));
    const float scale = 1.0f / group.world_size();
    for (float& v : buffer) v *= scale;
    at = 0;
    torch::NoGradGuard no_grad;
    for (torch::Tensor& g : grads) {
      g.copy_(torch::from_blob(buffer.data() + at, g.sizes(), torch::kFloat32));
      at += g.numel();
    }
    loss = buffer[n];
    return absl::OkStatus();
  };
}

int64_t GradientPayloadBytes(MuZeroNet& net) {
  int64_t n = 1;
  for (const torch::Tensor& p : net->parameters()) n += p.numel();
  return n * static_cast<int64_t>(sizeof(float));
}

uint64_t ParameterChecksum(MuZeroNet& net) {
  uint64_t hash = 1469598103934665603ull;
  for (const torch::Tensor& p : net->parameters()) {
    const torch::Tensor c = p.detach().contiguous();
    const auto* bytes = static_cast<const unsigned char*>(c.data_ptr());
    const int64_t size = c.numel() * static_cast<int64_t>(c.element_size());
    for (int64_t i = 0; i < size; ++i) {
      hash = (hash ^ bytes[i]) * 1099511628211ull;
    }
  }
  return hash;
}

absl::Status CheckParametersAgree(ProcessGroup& group, MuZeroNet& net, const std::string& when) {
  const uint64_t mine = ParameterChecksum(net);
  ASSIGN_OR_RETURN(std::vector<std::string> all,
                   group.AllGather(std::string(reinterpret_cast<const char*>(&mine), 8)));
  for (int q = 1; q < group.world_size(); ++q) {
    if (all[q] != all[0]) {
      uint64_t theirs = 0, root = 0;
      std::memcpy(&theirs, all[q].data(), 8);
      std::memcpy(&root, all[0].data(), 8);
      return absl::InternalError(absl::StrFormat(
          "the ranks' parameters drifted apart %s: rank %d has checksum %016x, rank 0 %016x", when,
          q, theirs, root));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSettingsAgree(ProcessGroup& group, const std::string& setting) {
  ASSIGN_OR_RETURN(std::vector<std::string> all, group.AllGather(setting));
  for (int q = 1; q < group.world_size(); ++q) {
    if (all[q] != all[0]) {
      return absl::InvalidArgumentError(
          absl::StrFormat("rank %d was started with other settings than rank 0 (%s, rank 0: %s)", q,
                          all[q], all[0]));
    }
  }
  return absl::OkStatus();
}

std::vector<int> ShardIndices(int count, int rank, int world) {
  std::vector<int> indices;
  for (int i = rank; i < count; i += world) indices.push_back(i);
  return indices;
}

}  // namespace mmap_opt
