#include "search/gumbel_search.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mmap_opt {
namespace {

constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

// One state of one game's tree. Edge statistics live on the parent, indexed by action.
struct Node {
  std::vector<float> logits;   // -inf for illegal actions.
  float value = 0;             // The network's value; 0 for a finished game.
  bool terminal = false;
  std::vector<int> child;      // -1 until the edge is first taken.
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

}  // namespace

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

BatchedGumbelSearch::BatchedGumbelSearch(Evaluator& evaluator, SearchOptions options,
                                         uint64_t seed)
    : evaluator_(evaluator), options_(options), rng_(seed) {}

std::vector<SearchResult> BatchedGumbelSearch::Search(const std::vector<MallocGame*>& games) {
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
  std::extreme_value_distribution<double> gumbel(0.0, 1.0);
  for (int g = 0; g < batch; ++g) {
    Tree& tree = trees[g];
    tree.root = games[g]->Save();
    tree.nodes.emplace_back();
    Node& root = tree.nodes[0];
    root.Init(num_actions);
    SetLogits(root, *games[g], &logits[g * num_actions]);
    root.value = values[g];
    tree.gumbel.assign(num_actions, 0.0);
    for (int a = 0; a < num_actions; ++a) {
      const double noise = gumbel(rng_);  // Drawn for every action: the stream stays aligned.
      tree.gumbel[a] = options_.gumbel_scale * noise;
      if (root.legal(a)) tree.considered.push_back(a);
    }
    std::sort(tree.considered.begin(), tree.considered.end(), [&](int a, int b) {
      return tree.gumbel[a] + root.logits[a] > tree.gumbel[b] + root.logits[b];
    });
    const int m = std::min<int>(options_.max_considered, tree.considered.size());
    tree.considered.resize(std::max(m, 1));
    tree.visit_sequence = ConsideredVisitSequence(m, options_.simulations);
  }

  struct Edge {
    int node, action;
  };
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
          if (game.done()) {
            tree.nodes.back().terminal = true;
          } else {
            game.Observe(&observations[leaf_games.size() * obs_size]);
            // Legality now, logits once evaluated: -inf marks illegal actions until then.
            for (int a = 0; a < num_actions; ++a) {
              tree.nodes.back().logits[a] = game.legal()[a] ? 0.0f : kMinusInf;
            }
            leaf_games.push_back(g);
            leaf_nodes.push_back(index);
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
      leaf.value = values[i];
    }
    // Backup: the leaf's value plus the rewards on the way, through every chosen edge.
    for (int g = 0; g < batch; ++g) {
      Tree& tree = trees[g];
      const Edge& last = paths[g].back();
      double value = tree.nodes[tree.nodes[last.node].child[last.action]].value;
      for (auto it = paths[g].rbegin(); it != paths[g].rend(); ++it) {
        Node& parent = tree.nodes[it->node];
        value += parent.reward[it->action];
        parent.visits[it->action] += 1;
        parent.value_sum[it->action] += value;
      }
    }
    total_simulations_ += batch;
  }

  std::vector<SearchResult> results(batch);
  for (int g = 0; g < batch; ++g) {
    const Tree& tree = trees[g];
    const Node& root = tree.nodes[0];
    int max_visits = 0;
    for (int a : tree.considered) max_visits = std::max(max_visits, root.visits[a]);
    SearchResult& result = results[g];
    result.action = SelectRoot(tree, options_, options_.simulations > 0 ? max_visits : -1);
    const std::vector<double> improved = Softmax(root.logits, SigmaCompletedQ(root, options_));
    result.policy_target.assign(improved.begin(), improved.end());
    result.root_value = root.value;
    result.simulations = options_.simulations;
  }
  return results;
}

}  // namespace mmap_opt
