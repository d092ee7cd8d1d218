#include "train/checkpoint.h"

#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

torch::Tensor Floats(const std::vector<float>& v) {
  return torch::from_blob(const_cast<float*>(v.data()), {static_cast<int64_t>(v.size())},
                          torch::kFloat32)
      .clone();
}
torch::Tensor Ints(const std::vector<int64_t>& v) {
  return torch::from_blob(const_cast<int64_t*>(v.data()), {static_cast<int64_t>(v.size())},
                          torch::kInt64)
      .clone();
}
template <typename T>
std::vector<T> Vector(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous();
  return std::vector<T>(c.data_ptr<T>(), c.data_ptr<T>() + c.numel());
}

// The generator, the replay buffer and the best games: all a rank of a distributed run has of
// its own.
void WriteRankState(TrainingState& state, torch::serialize::OutputArchive& archive) {
  std::ostringstream rng;
  rng << state.rng;
  archive.write("rng", c10::IValue(rng.str()));
  std::vector<float> obs, policies, rewards, returns;
  std::vector<int64_t> actions, lengths;
  for (const Episode& e : state.replay->episodes()) {
    obs.insert(obs.end(), e.observations.begin(), e.observations.end());
    policies.insert(policies.end(), e.policies.begin(), e.policies.end());
    rewards.insert(rewards.end(), e.rewards.begin(), e.rewards.end());
    returns.insert(returns.end(), e.values.begin(), e.values.end());
    actions.insert(actions.end(), e.actions.begin(), e.actions.end());
    lengths.push_back(e.length());
  }
  archive.write("replay_observations", Floats(obs));
  archive.write("replay_policies", Floats(policies));
  archive.write("replay_rewards", Floats(rewards));
  archive.write("replay_returns", Floats(returns));
  archive.write("replay_actions", Ints(actions));
  archive.write("replay_lengths", Ints(lengths));
  std::vector<int64_t> programs, best_actions, best_evictions;
  for (const auto& [program, best] : state.best_games) {
    programs.insert(programs.end(), {program, static_cast<int64_t>(best.actions.size()),
                                     static_cast<int64_t>(best.later_evictions.size())});
    best_actions.insert(best_actions.end(), best.actions.begin(), best.actions.end());
    best_evictions.insert(best_evictions.end(), best.later_evictions.begin(),
                          best.later_evictions.end());
  }
  archive.write("best_programs", Ints(programs));
  archive.write("best_actions", Ints(best_actions));
  archive.write("best_evictions", Ints(best_evictions));
}

// The best games WriteRankState wrote (none in checkpoints from before them).
absl::Status ReadBestGames(TrainingState& state, torch::serialize::InputArchive& archive,
                           const std::string& path) {
  state.best_games.clear();
  torch::Tensor programs_tensor, actions_tensor, evictions_tensor;
  if (!archive.try_read("best_programs", programs_tensor)) return absl::OkStatus();
  archive.read("best_actions", actions_tensor);
  archive.read("best_evictions", evictions_tensor);
  const std::vector<int64_t> programs = Vector<int64_t>(programs_tensor);
  const std::vector<int64_t> actions = Vector<int64_t>(actions_tensor);
  const std::vector<int64_t> evictions = Vector<int64_t>(evictions_tensor);
  const auto bad = [&path] {
    return absl::InvalidArgumentError(absl::StrCat(path, ": inconsistent best games"));
  };
  if (programs.size() % 3 != 0) return bad();
  size_t action_at = 0, eviction_at = 0;
  for (size_t i = 0; i < programs.size(); i += 3) {
    const int64_t moves = programs[i + 1], levels = programs[i + 2];
    if (programs[i] < 0 || moves < 0 || levels < 0 ||
        static_cast<uint64_t>(moves) > actions.size() - action_at ||
        static_cast<uint64_t>(levels) > evictions.size() - eviction_at) {
      return bad();
    }
    BestGame& best = state.best_games[programs[i]];
    best.actions.assign(actions.begin() + action_at, actions.begin() + action_at + moves);
    best.later_evictions.assign(evictions.begin() + eviction_at,
                                evictions.begin() + eviction_at + levels);
    action_at += moves;
    eviction_at += levels;
  }
  if (action_at != actions.size() || eviction_at != evictions.size()) return bad();
  return absl::OkStatus();
}

torch::Tensor Bytes(const std::string& s) {
  return torch::from_blob(const_cast<char*>(s.data()), {static_cast<int64_t>(s.size())},
                          torch::kUInt8)
      .clone();
}

std::string String(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous();
  const char* p = static_cast<const char*>(c.data_ptr());
  return std::string(p, p + c.numel());
}

}  // namespace

absl::Status SaveCheckpoint(TrainingState& state, const std::string& path) {
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  try {
    torch::serialize::OutputArchive archive;
    WriteNet(state.net, archive);
    torch::serialize::OutputArchive optimizer;
    state.optimizer->save(optimizer);
    archive.write("optimizer", optimizer);
    archive.write("counters", Ints({state.iteration, state.episodes, state.train_steps,
                                    state.replay->moves()}));
    archive.write("elapsed", torch::tensor({state.elapsed_s}, torch::kFloat64));
    archive.write("metrics", c10::IValue(state.metrics));
    WriteRankState(state, archive);
    archive.write("world_size", Ints({state.world_size}));
    for (size_t r = 0; r < state.other_ranks.size(); ++r) {
      archive.write(absl::StrCat("rank", r + 1), Bytes(state.other_ranks[r]));
    }
    archive.save_to(tmp);
  } catch (const std::exception& e) {
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": cannot write checkpoint: ", e.what()));
  }
  return CommitFile(tmp, path);
}

namespace {

// Reads what WriteRankState wrote into `state` (whose network sets the sizes).
absl::Status ReadRankState(TrainingState& state, torch::serialize::InputArchive& archive,
                           const std::string& path) {
  const NetConfig& c = state.net->config();
  c10::IValue rng;
  archive.read("rng", rng);
  std::istringstream(rng.toStringRef()) >> state.rng;
  // InputArchive::read into a defined tensor copies in place (same dtype only): use a fresh
  // tensor per key.
  auto read = [&archive](const char* key) {
    torch::Tensor t;
    archive.read(key, t);
    return t;
  };
  std::vector<float> obs = Vector<float>(read("replay_observations"));
  std::vector<float> policies = Vector<float>(read("replay_policies"));
  std::vector<float> rewards = Vector<float>(read("replay_rewards"));
  std::vector<float> returns = Vector<float>(read("replay_returns"));
  std::vector<int64_t> actions = Vector<int64_t>(read("replay_actions"));
  std::vector<int64_t> lengths = Vector<int64_t>(read("replay_lengths"));
  const int O = c.observation_size, A = c.num_actions;
  // A negative length could cancel another in the sum and read before the arrays' start.
  int64_t total = 0;
  bool negative = false;
  for (int64_t l : lengths) total += l, negative |= l < 0;
  if (negative || total != static_cast<int64_t>(actions.size()) || obs.size() != size_t(total) * O ||
      policies.size() != size_t(total) * A || rewards.size() != size_t(total) ||
      returns.size() != size_t(total)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": inconsistent replay buffer"));
  }
  state.replay->Clear();
  int64_t at = 0;
  for (int64_t l : lengths) {
    Episode e;
    e.observations.assign(obs.begin() + at * O, obs.begin() + (at + l) * O);
    e.policies.assign(policies.begin() + at * A, policies.begin() + (at + l) * A);
    e.rewards.assign(rewards.begin() + at, rewards.begin() + at + l);
    e.values.assign(returns.begin() + at, returns.begin() + at + l);
    e.actions.assign(actions.begin() + at, actions.begin() + at + l);
    at += l;
    state.replay->Add(std::move(e));
  }
  return ReadBestGames(state, archive, path);
}

absl::Status ReadCheckpoint(TrainingState& state, torch::serialize::InputArchive& archive,
                            const std::string& path, const GameOptions& game,
                            double learning_rate) {
  ASSIGN_OR_RETURN(state.net, ReadNet(archive, path));
  const NetConfig& c = state.net->config();
  if (c.observation_size != MallocGame::ObservationSize(game) ||
      c.num_actions != MallocGame::NumActions(game)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the checkpoint was trained with other game options"));
  }
  state.optimizer = std::make_unique<torch::optim::Adam>(state.net->parameters(),
                                                         torch::optim::AdamOptions(learning_rate));
  torch::serialize::InputArchive optimizer;
  archive.read("optimizer", optimizer);
  state.optimizer->load(optimizer);
  torch::Tensor counters, elapsed;
  archive.read("counters", counters);
  archive.read("elapsed", elapsed);
  std::vector<int64_t> n = Vector<int64_t>(counters);
  if (n.size() != 4) return absl::InvalidArgumentError(absl::StrCat(path, ": bad counters"));
  state.iteration = static_cast<int>(n[0]);
  state.episodes = n[1];
  state.train_steps = n[2];
  state.elapsed_s = elapsed.item<double>();
  c10::IValue metrics;
  archive.read("metrics", metrics);
  state.metrics = metrics.toStringRef();
  RETURN_IF_ERROR(ReadRankState(state, archive, path));
  // Checkpoints from before scale-out have neither the world size nor other ranks' parts.
  state.world_size = 1;
  state.other_ranks.clear();
  torch::Tensor world;
  if (archive.try_read("world_size", world)) {
    state.world_size = static_cast<int>(world.item<int64_t>());
    for (int r = 1; r < state.world_size; ++r) {
      torch::Tensor part;
      archive.read(absl::StrCat("rank", r), part);
      state.other_ranks.push_back(String(part));
    }
  }
  return absl::OkStatus();
}

absl::Status Unreadable(const std::string& path, const std::exception& e) {
  std::string what = e.what();
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": unreadable checkpoint: ", what.substr(0, what.find('\n'))));
}

}  // namespace

absl::Status LoadCheckpoint(TrainingState& state, const std::string& path, const GameOptions& game,
                            double learning_rate) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    return ReadCheckpoint(state, archive, path, game, learning_rate);
  } catch (const std::exception& e) {
    return Unreadable(path, e);
  }
}

absl::Status LoadCheckpointBytes(TrainingState& state, const std::string& bytes,
                                 const std::string& path, const GameOptions& game,
                                 double learning_rate) {
  try {
    torch::serialize::InputArchive archive;
    std::istringstream stream(bytes);
    archive.load_from(stream);
    return ReadCheckpoint(state, archive, path, game, learning_rate);
  } catch (const std::exception& e) {
    return Unreadable(path, e);
  }
}

absl::StatusOr<std::string> RankPart(TrainingState& state) {
  try {
    torch::serialize::OutputArchive archive;
    WriteRankState(state, archive);
    std::ostringstream bytes;
    archive.save_to(bytes);
    return bytes.str();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot serialize this rank's replay: ", e.what()));
  }
}

absl::Status LoadRankPart(TrainingState& state, const std::string& part, const std::string& path) {
  try {
    torch::serialize::InputArchive archive;
    std::istringstream stream(part);
    archive.load_from(stream);
    return ReadRankState(state, archive, path);
  } catch (const std::exception& e) {
    return Unreadable(path, e);
  }
}

}  // namespace mmap_opt
