#include "search/gumbel_search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "mmap_opt/agents/policy.h"

namespace mmap_opt {
namespace {

constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

// One state of one game's tree. Edge statistics live on the parent, indexed by action.
struct Node {
  std::vector<float> logits;  // -inf for illegal actions.
  float value = 0;            // The network's value; 0 for a finished game.
  double rollout = 0;         // Summed reward of the rollout from here (rollout_steps > 0).
  int latent = -1;            // kLearned: the state's row in the tree's latent pool.
  bool terminal = false;
  std::vector<int> child;  // -1 until the edge is first taken.
  std::vector<int> visits;
  std::vector<double> value_sum;  // Sum of (edge reward + value below) over the visits.
  std::vector<double> reward;     // The environment's reward for the edge (deterministic).
  std::vector<uint8_t> dropped;   // The edge's action was executed as Drop (drop-backup).

  void Init(int num_actions) {
    logits.assign(num_actions, kMinusInf);
    child.assign(num_actions, -1);
    visits.assign(num_actions, 0);
    value_sum.assign(num_actions, 0);
    reward.assign(num_actions, 0);
    dropped.assign(num_actions, 0);
  }
  bool legal(int a) const { return logits[a] != kMinusInf; }
};

std::vector<double> Softmax(const std::vector<float>& logits, const std::vector<double>& extra) {
  double max = -std::numeric_limits<double>::infinity();
  for (size_t a = 0; a < logits.size(); ++a) {
    if (logits[a] != kMinusInf) max = std::max(max, logits[a] + extra[a]);
  }
  std::vector<double> p(logits.size(), 0.0);
  double sum = 0;
  for (size_t a = 0; a < logits.size(); ++a) {
    if (logits[a] == kMinusInf) continue;
    p[a] = std::exp(logits[a] + extra[a] - max);
    sum += p[a];
  }
  for (double& v : p) v /= sum;
  return p;
}

// σ(q̂) per action: completed Q (mctx's qtransform_completed_by_mix_value), min-max rescaled
// over the node's legal actions, times (maxvisit_init + max visits) * value_scale.
std::vector<double> SigmaCompletedQ(const Node& node, const SearchOptions& options) {
  const int n = static_cast<int>(node.logits.size());
  const std::vector<double> zeros(n, 0.0);
  const std::vector<double> prior = Softmax(node.logits, zeros);
  int sum_visits = 0, max_visits = 0;
  double weighted_q = 0, visited_prior = 0;
  for (int a = 0; a < n; ++a) {
    sum_visits += node.visits[a];
    max_visits = std::max(max_visits, node.visits[a]);
    if (node.visits[a] > 0) {
      weighted_q += prior[a] * node.value_sum[a] / node.visits[a];
      visited_prior += prior[a];
    }
  }
  // The mixed value: the network's value blended with the prior-weighted Q of visited actions.
  double mixed = node.value;
  if (sum_visits > 0 && visited_prior > 0) {
    mixed = (node.value + sum_visits * weighted_q / visited_prior) / (1 + sum_visits);
  }
  std::vector<double> q(n, 0.0);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (int a = 0; a < n; ++a) {
    if (!node.legal(a)) continue;
    q[a] = node.visits[a] > 0 ? node.value_sum[a] / node.visits[a] : mixed;
    lo = std::min(lo, q[a]);
    hi = std::max(hi, q[a]);
  }
  const double scale = (options.maxvisit_init + max_visits) * options.value_scale;
  for (int a = 0; a < n; ++a) {
    q[a] = node.legal(a) ? scale * (q[a] - lo) / std::max(hi - lo, 1e-8) : 0;
  }
  return q;
}

// Below the root: the action whose visit share lags its improved policy the most.
int SelectInterior(const Node& node, const SearchOptions& options) {
  const std::vector<double> improved = Softmax(node.logits, SigmaCompletedQ(node, options));
  int sum_visits = 0;
  for (int v : node.visits) sum_visits += v;
  int best = 0;
  double best_score = -std::numeric_limits<double>::infinity();
  for (size_t a = 0; a < node.logits.size(); ++a) {
    if (!node.legal(a)) continue;
    const double score = improved[a] - static_cast<double>(node.visits[a]) / (1 + sum_visits);
    if (score > best_score) best_score = score, best = static_cast<int>(a);
  }
  return best;
}

struct Tree {
  std::vector<Node> nodes;
  std::vector<double> gumbel;   // Root noise, one per action.
  std::vector<int> considered;  // The top-m root actions by gumbel + logits.
  std::vector<int> visit_sequence;
  MallocGame::Snapshot root;
};

// Among the considered root actions (restricted to those with `visits`, when >= 0), the one
// with the highest gumbel + logits + σ(q̂).
int SelectRoot(const Tree& tree, const SearchOptions& options, int visits) {
  const Node& root = tree.nodes[0];
  const std::vector<double> sigma = SigmaCompletedQ(root, options);
  int best = -1;
  double best_score = -std::numeric_limits<double>::infinity();
  for (int pass = 0; pass < 2 && best < 0; ++pass) {
    for (int a : tree.considered) {
      if (pass == 0 && visits >= 0 && root.visits[a] != visits) continue;
      const double score = tree.gumbel[a] + root.logits[a] + sigma[a];
      if (best < 0 || score > best_score) best_score = score, best = a;
    }
  }
  return best;
}

void SetLogits(Node& node, const MallocGame& game, const float* logits) {
  const std::vector<bool>& legal = game.legal();
  for (size_t a = 0; a < legal.size(); ++a) node.logits[a] = legal[a] ? logits[a] : kMinusInf;
}

// The root's Gumbel noise (drawn for every action, so the stream stays aligned), the top-m
// considered actions and the visit sequence of sequential halving.
// Removes `action` from a root's choices unless it is its only legal action.
void Exclude(Node& root, int action) {
  if (action < 0 || !root.legal(action)) return;
  int legal = 0;
  for (size_t a = 0; a < root.logits.size(); ++a) legal += root.legal(a);
  if (legal > 1) root.logits[action] = kMinusInf;
}

void InitRoot(Tree& tree, const SearchOptions& options, std::mt19937_64& rng) {
  const Node& root = tree.nodes[0];
  const int num_actions = static_cast<int>(root.logits.size());
  std::extreme_value_distribution<double> gumbel(0.0, 1.0);
  tree.gumbel.assign(num_actions, 0.0);
  for (int a = 0; a < num_actions; ++a) {
    tree.gumbel[a] = options.gumbel_scale * gumbel(rng);
    if (root.legal(a)) tree.considered.push_back(a);
  }
  std::sort(tree.considered.begin(), tree.considered.end(), [&](int a, int b) {
    return tree.gumbel[a] + root.logits[a] > tree.gumbel[b] + root.logits[b];
  });
  const int m = std::min<int>(options.max_considered, tree.considered.size());
  tree.considered.resize(std::max(m, 1));
  tree.visit_sequence = ConsideredVisitSequence(m, options.simulations);
}

struct Edge {
  int node, action;
};

// Adds `value` (the leaf's) plus the rewards on the way to every edge of `path`.
void Backup(Tree& tree, const std::vector<Edge>& path, double value) {
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    Node& parent = tree.nodes[it->node];
    value += parent.reward[it->action];
    parent.visits[it->action] += 1;
    parent.value_sum[it->action] += value;
  }
}

std::vector<SearchResult> Results(const std::vector<Tree>& trees, const SearchOptions& options) {
  std::vector<SearchResult> results(trees.size());
  for (size_t g = 0; g < trees.size(); ++g) {
    const Tree& tree = trees[g];
    const Node& root = tree.nodes[0];
    int max_visits = 0;
    for (int a : tree.considered) max_visits = std::max(max_visits, root.visits[a]);
    SearchResult& result = results[g];
    result.action = SelectRoot(tree, options, options.simulations > 0 ? max_visits : -1);
    const std::vector<double> improved = Softmax(root.logits, SigmaCompletedQ(root, options));
    result.policy_target.assign(improved.begin(), improved.end());
    result.root_value = root.value;
    result.simulations = options.simulations;
  }
  return results;
}

}  // namespace

std::vector<double> LegalPolicy(const MallocGame& game, const float* logits) {
  // The logits as a node holds them (illegal: -inf); no whole node for a one-off prior.
  std::vector<float> masked(game.num_actions());
  for (int a = 0; a < game.num_actions(); ++a) {
    masked[a] = game.legal()[a] ? logits[a] : kMinusInf;
  }
  return Softmax(masked, std::vector<double>(game.num_actions(), 0.0));
}

std::vector<int> ConsideredVisitSequence(int max_considered, int simulations) {
  std::vector<int> sequence;
  if (max_considered <= 1) {
    for (int i = 0; i < simulations; ++i) sequence.push_back(i);
    return sequence;
  }
  const int log2max = static_cast<int>(std::ceil(std::log2(max_considered)));
  std::vector<int> visits(max_considered, 0);
  int considered = max_considered;
  while (static_cast<int>(sequence.size()) < simulations) {
    const int extra = std::max(1, simulations / (log2max * considered));
    for (int r = 0; r < extra; ++r) {
      for (int i = 0; i < considered; ++i) sequence.push_back(visits[i]++);
    }
    considered = std::max(2, considered / 2);
  }
  sequence.resize(simulations);
  return sequence;
}

BatchedGumbelSearch::BatchedGumbelSearch(Evaluator& evaluator, SearchOptions options, uint64_t seed)
    : evaluator_(evaluator), options_(options), rng_(seed) {}

std::vector<SearchResult> BatchedGumbelSearch::Search(const std::vector<MallocGame*>& games,
                                                      const std::vector<int>& root_excluded) {
  if (options_.dynamics == SearchDynamics::kLearned) return SearchLearned(games, root_excluded);
  const int batch = static_cast<int>(games.size());
  const int num_actions = evaluator_.num_actions();
  const int obs_size = evaluator_.observation_size();
  std::vector<float> observations(static_cast<size_t>(batch) * obs_size);
  std::vector<float> logits(static_cast<size_t>(batch) * num_actions);
  std::vector<float> values(batch);

  // Roots: one evaluation for all games.
  std::vector<Tree> trees(batch);
  for (int g = 0; g < batch; ++g) games[g]->Observe(&observations[g * obs_size]);
  evaluator_.Evaluate(observations.data(), batch, logits.data(), values.data());
  for (int g = 0; g < batch; ++g) {
    Tree& tree = trees[g];
    tree.root = games[g]->Save();
    tree.nodes.emplace_back();
    Node& root = tree.nodes[0];
    root.Init(num_actions);
    SetLogits(root, *games[g], &logits[g * num_actions]);
    if (!root_excluded.empty()) Exclude(root, root_excluded[g]);
    root.value = values[g];
    InitRoot(tree, options_, rng_);
  }

  std::vector<std::vector<Edge>> paths(batch);
  std::vector<int> leaf_games, leaf_nodes;
  for (int s = 0; s < options_.simulations; ++s) {
    leaf_games.clear();
    leaf_nodes.clear();
    for (int g = 0; g < batch; ++g) {
      Tree& tree = trees[g];
      MallocGame& game = *games[g];
      std::vector<Edge>& path = paths[g];
      path.clear();
      int node = 0;
      int action = SelectRoot(tree, options_, tree.visit_sequence[s]);
      while (true) {
        const StepResult step = game.Step(action);
        path.push_back({node, action});
        tree.nodes[node].reward[action] = step.reward;
        tree.nodes[node].dropped[action] = step.drop_backup;
        const int child = tree.nodes[node].child[action];
        if (child < 0) {
          // A new state; when the action was executed as Drop it is the Drop state.
          const int index = static_cast<int>(tree.nodes.size());
          tree.nodes.emplace_back();
          tree.nodes.back().Init(num_actions);
          tree.nodes[node].child[action] = index;
          if (game.done() || (step.drop_backup && !options_.drop_backup)) {
            tree.nodes.back().terminal = true;
          } else {
            game.Observe(&observations[leaf_games.size() * obs_size]);
            // Legality now, logits once evaluated: -inf marks illegal actions until then.
            for (int a = 0; a < num_actions; ++a) {
              tree.nodes.back().logits[a] = game.legal()[a] ? 0.0f : kMinusInf;
            }
            leaf_games.push_back(g);
            leaf_nodes.push_back(index);
            if (options_.rollout_steps > 0) {
              double rollout = 0;
              HeuristicPolicy heuristic;
              std::optional<PlanPolicy> plan;
              if (options_.rollout_plan != nullptr) plan.emplace(*options_.rollout_plan);
              Policy& policy = plan ? static_cast<Policy&>(*plan) : heuristic;
              for (int k = 0; k < options_.rollout_steps && !game.done(); ++k) {
                rollout += game.Step(policy.Choose(game)).reward;
              }
              tree.nodes[index].rollout = rollout;
            }
          }
          break;
        }
        node = child;
        if (tree.nodes[node].terminal) break;
        action = SelectInterior(tree.nodes[node], options_);
      }
      game.Restore(tree.root);
    }
    const int leaves = static_cast<int>(leaf_games.size());
    if (leaves > 0) {
      evaluator_.Evaluate(observations.data(), leaves, logits.data(), values.data());
    }
    for (int i = 0; i < leaves; ++i) {
      Node& leaf = trees[leaf_games[i]].nodes[leaf_nodes[i]];
      for (int a = 0; a < num_actions; ++a) {
        if (leaf.legal(a)) leaf.logits[a] = logits[i * num_actions + a];
      }
      leaf.value = options_.rollout_steps > 0
                       ? static_cast<float>((1 - options_.rollout_weight) * values[i] +
                                            options_.rollout_weight * leaf.rollout)
                       : values[i];
    }
    for (int g = 0; g < batch; ++g) {
      Tree& tree = trees[g];
      const Edge& last = paths[g].back();
      Backup(tree, paths[g], tree.nodes[tree.nodes[last.node].child[last.action]].value);
    }
    total_simulations_ += batch;
  }
  return Results(trees, options_);
}

std::vector<SearchResult> BatchedGumbelSearch::SearchLearned(
    const std::vector<MallocGame*>& games, const std::vector<int>& root_excluded) {
  const int batch = static_cast<int>(games.size());
  const int num_actions = evaluator_.num_actions();
  const int obs_size = evaluator_.observation_size();
  const int latent_size = evaluator_.latent_size();
  std::vector<float> observations(static_cast<size_t>(batch) * obs_size);
  std::vector<float> latents(static_cast<size_t>(batch) * latent_size);
  std::vector<float> next_latents(static_cast<size_t>(batch) * latent_size);
  std::vector<float> logits(static_cast<size_t>(batch) * num_actions);
  std::vector<float> values(batch), rewards(batch);
  std::vector<int> actions(batch);

  // The pool of latent states, one row per node, per tree.
  std::vector<std::vector<float>> pools(batch);
  std::vector<Tree> trees(batch);
  for (int g = 0; g < batch; ++g) games[g]->Observe(&observations[g * obs_size]);
  evaluator_.InitialInference(observations.data(), batch, latents.data(), logits.data(),
                              values.data());
  for (int g = 0; g < batch; ++g) {
    Tree& tree = trees[g];
    tree.nodes.emplace_back();
    Node& root = tree.nodes[0];
    root.Init(num_actions);
    SetLogits(root, *games[g], &logits[g * num_actions]);  // The real legality at the root.
    if (!root_excluded.empty()) Exclude(root, root_excluded[g]);
    root.value = values[g];
    root.latent = 0;
    pools[g].assign(latents.begin() + g * latent_size, latents.begin() + (g + 1) * latent_size);
    InitRoot(tree, options_, rng_);
  }

  std::vector<std::vector<Edge>> paths(batch);
  for (int s = 0; s < options_.simulations; ++s) {
    // Every game's path ends at an edge not taken before: expand them all in one call.
    for (int g = 0; g < batch; ++g) {
      Tree& tree = trees[g];
      std::vector<Edge>& path = paths[g];
      path.clear();
      int node = 0;
      int action = SelectRoot(tree, options_, tree.visit_sequence[s]);
      while (true) {
        path.push_back({node, action});
        const int child = tree.nodes[node].child[action];
        if (child < 0) break;
        node = child;
        action = SelectInterior(tree.nodes[node], options_);
      }
      const Node& parent = tree.nodes[node];
      std::copy(pools[g].begin() + parent.latent * latent_size,
                pools[g].begin() + (parent.latent + 1) * latent_size,
                latents.begin() + g * latent_size);
      actions[g] = action;
    }
    evaluator_.RecurrentInference(latents.data(), actions.data(), batch, next_latents.data(),
                                  rewards.data(), logits.data(), values.data());
    for (int g = 0; g < batch; ++g) {
      Tree& tree = trees[g];
      const Edge last = paths[g].back();
      const int index = static_cast<int>(tree.nodes.size());
      tree.nodes.emplace_back();
      Node& leaf = tree.nodes.back();
      leaf.Init(num_actions);
      std::copy(&logits[g * num_actions], &logits[(g + 1) * num_actions], leaf.logits.begin());
      leaf.value = values[g];
      leaf.latent = static_cast<int>(pools[g].size() / latent_size);
      pools[g].insert(pools[g].end(), next_latents.begin() + g * latent_size,
                      next_latents.begin() + (g + 1) * latent_size);
      tree.nodes[last.node].child[last.action] = index;
      tree.nodes[last.node].reward[last.action] = rewards[g];
      Backup(tree, paths[g], leaf.value);
    }
    total_simulations_ += batch;
  }
  return Results(trees, options_);
}

}  // namespace mmap_opt
