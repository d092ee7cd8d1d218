// What the `train` end-to-end tests (train_cli_test, distributed_cli_test) share: a tiny
// training run on data/corpus/smoke and the metrics it writes.
#ifndef MMAP_OPT_TESTS_TRAIN_TINY_TRAIN_H_
#define MMAP_OPT_TESTS_TRAIN_TINY_TRAIN_H_

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "test_util.h"

namespace mmap_opt::testing {

// `train` arguments for `iterations` iterations on the smoke corpus with budgets small enough
// for a test (seeded, so two runs with the same arguments train alike); `extra` is appended.
inline std::vector<std::string> TinyTrain(const std::string& model, int iterations,
                                          const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"train",
                                   "--corpus",
                                   SourcePath("data/corpus/smoke"),
                                   "-o",
                                   model,
                                   "--iterations",
                                   std::to_string(iterations),
                                   "--time-limit",
                                   "120",
                                   "--imitation-steps",
                                   "10",
                                   "--games",
                                   "2",
                                   "--simulations",
                                   "2",
                                   "--seed",
                                   "5",
                                   "-q"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Rows of <run_dir>/metrics.csv without the elapsed column (the only one that depends on
// timing), header first.
inline std::vector<std::string> MetricRows(const std::string& run_dir) {
  std::vector<std::string> rows;
  for (absl::string_view line :
       absl::StrSplit(ReadTestFile(run_dir + "/metrics.csv"), '\n', absl::SkipEmpty())) {
    rows.emplace_back(line.substr(0, line.rfind(',')));
  }
  return rows;
}

}  // namespace mmap_opt::testing

#endif  // MMAP_OPT_TESTS_TRAIN_TINY_TRAIN_H_
