// CBC behind SolveWithCbc: the model as a row-ordered matrix, then branch and cut on one
// thread, which is deterministic for a given model and node limit.
#include "exact/cbc_solver.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "mmap_opt/exact/exact_solver.h"

#ifdef MMAP_OPT_WITH_CBC
#include "CbcEventHandler.hpp"
#include "CbcHeuristic.hpp"
#include "CbcHeuristicDiveCoefficient.hpp"
#include "CbcHeuristicFPump.hpp"
#include "CbcHeuristicRINS.hpp"
#include "CbcModel.hpp"
#include "CglClique.hpp"
#include "CglFlowCover.hpp"
#include "CglGomory.hpp"
#include "CglKnapsackCover.hpp"
#include "CglMixedIntegerRounding2.hpp"
#include "CglProbing.hpp"
#include "CglTwomir.hpp"
#include "ClpSolve.hpp"
#include "CoinPackedMatrix.hpp"
#include "OsiClpSolverInterface.hpp"
#endif

namespace mmap_opt {

bool ExactSolverAvailable() {
#ifdef MMAP_OPT_WITH_CBC
  return true;
#else
  return false;
#endif
}

}  // namespace mmap_opt

namespace mmap_opt::exact {
#ifndef MMAP_OPT_WITH_CBC

absl::StatusOr<CbcOutcome> SolveWithCbc(const MappingMip&, const std::vector<double>*,
                                        const CbcLimits&) {
  return absl::UnimplementedError(
      "the exact agent needs CBC, which this build of mmap-opt was configured without "
      "(install coinor-libcbc-dev, e.g. with tools/setup.sh, and rebuild)");
}

#else
namespace {

void LoadModel(const MappingMip& mip, OsiClpSolverInterface& solver) {
  std::vector<int> row_index, column_index;
  std::vector<double> elements;
  const std::vector<MipRow>& rows = mip.rows();
  for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
    // A column may appear in several terms of a row (an eviction's run columns): CoinPackedMatrix
    // wants each once.
    std::vector<Term> terms = rows[r].terms;
    std::sort(terms.begin(), terms.end());
    for (size_t i = 0; i < terms.size();) {
      const int column = terms[i].first;
      double coefficient = 0;
      for (; i < terms.size() && terms[i].first == column; ++i) coefficient += terms[i].second;
      if (coefficient == 0) continue;
      row_index.push_back(r);
      column_index.push_back(column);
      elements.push_back(coefficient);
    }
  }
  const int num_columns = static_cast<int>(mip.columns().size());
  CoinPackedMatrix matrix(/*colordered=*/false, row_index.data(), column_index.data(),
                          elements.data(), static_cast<CoinBigIndex>(elements.size()));
  matrix.setDimensions(static_cast<int>(rows.size()), num_columns);
  const double infinity = solver.getInfinity();
  auto finite = [&](double v) { return std::isinf(v) ? (v > 0 ? infinity : -infinity) : v; };
  std::vector<double> column_lower, column_upper, objective, row_lower, row_upper;
  for (const MipColumn& c : mip.columns()) {
    column_lower.push_back(finite(c.lower));
    column_upper.push_back(finite(c.upper));
    objective.push_back(c.cost);
  }
  for (const MipRow& r : rows) {
    row_lower.push_back(finite(r.lower));
    row_upper.push_back(finite(r.upper));
  }
  solver.loadProblem(matrix, column_lower.data(), column_upper.data(), objective.data(),
                     row_lower.data(), row_upper.data());
  for (int c = 0; c < num_columns; ++c) {
    if (mip.columns()[c].integer) solver.setInteger(c);
  }
}

using Clock = std::chrono::steady_clock;

// Stops branch and cut at the deadline wherever CBC asks (nodes, cut passes, heuristics):
// CbcModel's own limit is checked between nodes only, and the root's cut loop ran twice over it.
// Also notes when the root ends (the first node event; CBC works on its copy of the handler,
// so the time is kept where both see it).
class DeadlineHandler : public CbcEventHandler {
 public:
  DeadlineHandler(CbcModel* model, Clock::time_point deadline,
                  std::shared_ptr<std::optional<Clock::time_point> > root_end)
      : CbcEventHandler(model), deadline_(deadline), root_end_(std::move(root_end)) {}
  CbcAction event(CbcEvent event) override {
    const Clock::time_point now = Clock::now();
    if (event == node && !root_end_->has_value()) *root_end_ = now;
    return now >= deadline_ ? stop : noAction;
  }
  CbcEventHandler* clone() const override { return new DeadlineHandler(*this); }

 private:
  Clock::time_point deadline_;
  std::shared_ptr<std::optional<Clock::time_point> > root_end_;
};

}  // namespace

absl::StatusOr<CbcOutcome> SolveWithCbc(const MappingMip& mip, const std::vector<double>* start,
                                        const CbcLimits& limits) {
  const Clock::time_point started = Clock::now();
  const Clock::time_point deadline =
      started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                    limits.time_limit_s > 0 ? limits.time_limit_s : 1e9));
  OsiClpSolverInterface solver;
  LoadModel(mip, solver);
  solver.messageHandler()->setLogLevel(0);
  // The first LP by the primal simplex: the dual one took 31 s on dlrm-small's 3,900 columns
  // (0.5 s by the primal one), past any time limit, since CBC does not stop inside it.
  ClpSolve first_lp;
  first_lp.setSolveType(ClpSolve::usePrimal);
  solver.setSolveOptions(first_lp);
  CbcModel model(solver);
  model.messageHandler()->setLogLevel(0);
  model.solver()->messageHandler()->setLogLevel(0);
  // CBC's stand-alone driver (CbcMain1) crashed inside Clp's presolve on some of these models
  // (CBC 2.10.8): branch and cut is set up here instead, with the cut generators and
  // heuristics that driver uses by default.
  CglProbing probing;
  probing.setUsingObjective(1);
  probing.setMaxPass(3);
  probing.setMaxProbe(100);
  probing.setMaxLook(50);
  probing.setRowCuts(3);
  CglGomory gomory;
  gomory.setLimit(300);
  CglKnapsackCover knapsack;
  CglClique clique;
  clique.setStarCliqueReport(false);
  clique.setRowCliqueReport(false);
  CglMixedIntegerRounding2 mixed_integer_rounding;
  CglFlowCover flow_cover;
  CglTwomir two_mir;
  model.addCutGenerator(&probing, -1, "Probing");
  model.addCutGenerator(&gomory, -1, "Gomory");
  model.addCutGenerator(&knapsack, -1, "Knapsack");
  model.addCutGenerator(&clique, -1, "Clique");
  model.addCutGenerator(&mixed_integer_rounding, -1, "MixedIntegerRounding2");
  model.addCutGenerator(&flow_cover, -1, "FlowCover");
  model.addCutGenerator(&two_mir, -1, "TwoMirCuts");
  CbcRounding rounding(model);
  model.addHeuristic(&rounding);
  CbcHeuristicFPump pump(model);
  pump.setMaximumPasses(20);
  if (limits.feasibility_pump) model.addHeuristic(&pump);
  CbcHeuristicRINS rins(model);
  model.addHeuristic(&rins);
  CbcHeuristicDiveCoefficient dive(model);
  model.addHeuristic(&dive);
  model.setNumberThreads(0);
  model.setUseElapsedTime(true);  // Budgets are wall-clock (the machine may be shared).
  model.setAllowableGap(0);
  model.setAllowableFractionGap(0);
  model.setAllowableFractionGap(0);
  auto root_end = std::make_shared<std::optional<Clock::time_point> >();
  if (limits.time_limit_s > 0) model.setMaximumSeconds(limits.time_limit_s);
  DeadlineHandler handler(&model, limits.time_limit_s > 0 ? deadline : Clock::time_point::max(),
                          root_end);
  model.passInEventHandler(&handler);  // CBC keeps a copy.
  model.setMaximumSavedSolutions(std::max(1, limits.saved_solutions));
  if (limits.max_nodes >= 0) model.setMaximumNodes(static_cast<int>(limits.max_nodes));
  if (start != nullptr) {
    model.setBestSolution(start->data(), static_cast<int>(start->size()),
                          mip.ObjectiveUnits(*start), /*check=*/true);
  }
  try {
    model.initialSolve();
    model.branchAndBound();
  } catch (const CoinError& e) {
    return absl::InternalError(
        absl::StrCat("CBC failed: ", e.message(), " (", e.methodName(), ")"));
  }

  CbcOutcome outcome;
  outcome.root_s =
      std::chrono::duration<double>(root_end->value_or(Clock::now()) - started).count();
  outcome.nodes = model.getNodeCount();
  outcome.bound = model.getBestPossibleObjValue();
  outcome.optimal = model.isProvenOptimal();
  if (model.bestSolution() != nullptr) {
    outcome.has_solution = true;
    outcome.x.assign(model.bestSolution(), model.bestSolution() + mip.columns().size());
    outcome.objective = model.getObjValue();
    const int columns = static_cast<int>(mip.columns().size());
    outcome.solutions.push_back(outcome.x);
    for (int i = 0; i < model.numberSavedSolutions(); ++i) {
      const double* saved = model.savedSolution(i);
      if (saved == nullptr) continue;
      std::vector<double> x(saved, saved + columns);
      if (x != outcome.x) outcome.solutions.push_back(std::move(x));
    }
    if (outcome.optimal) outcome.bound = std::min(outcome.bound, outcome.objective);
  }
  if (!std::isfinite(outcome.bound) || outcome.bound > 1e40) {
    return absl::InternalError("CBC returned no bound");
  }
  return outcome;
}

#endif  // MMAP_OPT_WITH_CBC
}  // namespace mmap_opt::exact
