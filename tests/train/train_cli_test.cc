// `train` end to end through the binary: tiny budgets on data/corpus/smoke.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"
#include "train/tiny_train.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::CommandResult;
using ::mmap_opt::testing::ExpectCleanFailure;
using ::mmap_opt::testing::MakeTempDir;
using ::mmap_opt::testing::MetricRows;
using ::mmap_opt::testing::ReadTestFile;
using ::mmap_opt::testing::RunCli;
using ::mmap_opt::testing::SourcePath;
using ::mmap_opt::testing::TinyTrain;
using ::testing::HasSubstr;

const std::string kSmoke = SourcePath("data/corpus/smoke");
const std::string kProgram =
    SourcePath("data/corpus/smoke/bert-tiny.inference.b8.128.bf16.edge-npu.pb");

TEST(TrainCliTest, TrainsThenSolvesWithTheModel) {
  const std::string dir = MakeTempDir();
  CommandResult train = RunCli(TinyTrain(dir + "/m.pt", 1));
  ASSERT_EQ(train.exit_code, 0) << train.err;
  // Header, iteration 0 (imitation of 6 programs), iteration 1 (2 self-play games).
  std::vector<std::string> rows = MetricRows(dir + "/m.pt.run");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_THAT(rows[1], HasSubstr("0,imitation,6,10,"));
  EXPECT_THAT(rows[2], HasSubstr("1,self-play,8,50,"));  // 10 + 40 steps.
  for (const char* agent : {"muzero", "hybrid"}) {
    CommandResult solve = RunCli({"solve", kProgram, "--agent", agent, "--model", dir + "/m.pt",
                                  "--simulations", "4", "-o", dir + "/a.pb"});
    EXPECT_EQ(solve.exit_code, 0) << solve.err;
    EXPECT_THAT(solve.out, HasSubstr("headroom closed"));
  }
  // Every search variant the ablations use writes a valid assignment.
  const std::vector<std::vector<std::string>> variants = {
      {"--agent", "muzero", "--simulations", "2", "--learned-dynamics"},
      {"--agent", "muzero", "--simulations", "2", "--no-drop-backup"},
      {"--agent", "muzero", "--simulations", "0"},
      {"--agent", "muzero", "--simulations", "2", "--rollout-steps", "8", "--rollout-weight",
       "0.5"},
      {"--agent", "mcts", "--simulations", "2", "--rollout-steps", "8"},
      {"--agent", "muzero", "--simulations", "2", "--max-games", "17", "--adapt-order-scale"},
  };
  for (const std::vector<std::string>& variant : variants) {
    std::vector<std::string> args = {"solve",       kProgram, "--model",
                                     dir + "/m.pt", "-o",     dir + "/v.pb"};
    args.insert(args.end(), variant.begin(), variant.end());
    CommandResult solve = RunCli(args);
    ASSERT_EQ(solve.exit_code, 0) << variant[1] << " " << variant.back() << ": " << solve.err;
    CommandResult scored = RunCli({"score", kProgram, dir + "/v.pb", "--json"});
    EXPECT_THAT(scored.out, HasSubstr("\"valid\":true")) << variant.back();
  }
}

TEST(TrainCliTest, ResumeRedoesNothingAndLosesNothing) {
  // Straight to iteration 3, versus iteration 1 then --resume to 3: the same metrics.
  const std::string a = MakeTempDir(), b = MakeTempDir();
  ASSERT_EQ(RunCli(TinyTrain(a + "/m.pt", 3)).exit_code, 0);
  ASSERT_EQ(RunCli(TinyTrain(b + "/m.pt", 1)).exit_code, 0);
  std::vector<std::string> resume = TinyTrain(b + "/m.pt", 3);
  resume.push_back("--resume");
  ASSERT_EQ(RunCli(resume).exit_code, 0);
  EXPECT_EQ(MetricRows(a + "/m.pt.run"), MetricRows(b + "/m.pt.run"));
  // Bit-exact: the same model file, byte for byte (both are named m.pt inside their archives).
  EXPECT_TRUE(ReadTestFile(a + "/m.pt") == ReadTestFile(b + "/m.pt"));
}

TEST(TrainCliTest, ResumeWithNothingLeftRestoresStaleMetrics) {
  // A kill after the last checkpoint and before metrics.csv is renamed into place leaves the
  // previous iteration's metrics; resuming, with no iteration left to run, rewrites them.
  const std::string dir = MakeTempDir();
  ASSERT_EQ(RunCli(TinyTrain(dir + "/m.pt", 1)).exit_code, 0);
  const std::vector<std::string> finished = MetricRows(dir + "/m.pt.run");
  ASSERT_EQ(finished.size(), 3u);
  const std::string full = ReadTestFile(dir + "/m.pt.run/metrics.csv");
  ::mmap_opt::testing::WriteTestFile(dir + "/m.pt.run/metrics.csv",
                                     full.substr(0, full.rfind('\n', full.size() - 2) + 1));
  ASSERT_EQ(MetricRows(dir + "/m.pt.run").size(), 2u);
  std::vector<std::string> resume = TinyTrain(dir + "/m.pt", 1);
  resume.push_back("--resume");
  CommandResult resumed = RunCli(resume);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(MetricRows(dir + "/m.pt.run"), finished);
}

TEST(TrainCliTest, BothSelfPlayModesTrain) {
  // Anchored self-play (the default) and searched self-play count the same games and steps;
  // what they learn from differs (the decided moves around the fastest game, every move).
  const std::string dir = MakeTempDir();
  ASSERT_EQ(RunCli(TinyTrain(dir + "/a.pt", 2)).exit_code, 0);
  ASSERT_EQ(RunCli(TinyTrain(dir + "/s.pt", 2, {"--self-play", "searched"})).exit_code, 0);
  const std::vector<std::string> anchored = MetricRows(dir + "/a.pt.run");
  const std::vector<std::string> searched = MetricRows(dir + "/s.pt.run");
  ASSERT_EQ(anchored.size(), 4u);
  ASSERT_EQ(searched.size(), 4u);
  EXPECT_EQ(anchored[1], searched[1]);  // The same imitation warm start.
  for (int row : {2, 3}) {
    EXPECT_EQ(anchored[row].substr(0, 12), searched[row].substr(0, 12));  // "i,self-play,".
    EXPECT_THAT(anchored[row],
                HasSubstr(absl::StrCat(",", 6 + 2 * (row - 1), ",", 10 + 40 * (row - 1), ",")));
    EXPECT_NE(anchored[row], searched[row]);  // Other moves learned, another loss.
  }
  CommandResult bad = RunCli(TinyTrain(dir + "/b.pt", 1, {"--self-play", "sideways"}));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--self-play"));
}

TEST(TrainCliTest, KeptBestGamesResumeExactly) {
  // Self-imitation keeps each program's fastest game in the checkpoint and goes on from it the
  // next time the program comes up: straight to iteration 6, versus iteration 3 (a faster
  // game than the heuristic's is kept at iteration 2) then --resume to 6, the same model.
  const std::string a = MakeTempDir(), b = MakeTempDir();
  // Self-imitation is the default.
  ASSERT_EQ(RunCli(TinyTrain(a + "/m.pt", 6)).exit_code, 0);
  ASSERT_EQ(RunCli(TinyTrain(b + "/m.pt", 3)).exit_code, 0);
  const std::vector<std::string> first = MetricRows(b + "/m.pt.run");
  ASSERT_EQ(first.size(), 5u);
  // Iteration 2's games beat the heuristic on average: its fastest is kept.
  const std::vector<std::string> row2 = absl::StrSplit(first[3], ',');
  ASSERT_EQ(row2.size(), 7u) << first[3];
  EXPECT_EQ(row2[0], "2");
  EXPECT_GT(std::stod(row2[5]), 0) << first[3];  // mean_gain_pct.
  std::vector<std::string> resume = TinyTrain(b + "/m.pt", 6);
  resume.push_back("--resume");
  ASSERT_EQ(RunCli(resume).exit_code, 0);
  EXPECT_EQ(MetricRows(a + "/m.pt.run"), MetricRows(b + "/m.pt.run"));
  EXPECT_TRUE(ReadTestFile(a + "/m.pt") == ReadTestFile(b + "/m.pt"));
  // A run without it learns from other games.
  const std::string c = MakeTempDir();
  ASSERT_EQ(RunCli(TinyTrain(c + "/m.pt", 6, {"--no-imitate-incumbent"})).exit_code, 0);
  EXPECT_NE(MetricRows(a + "/m.pt.run"), MetricRows(c + "/m.pt.run"));
}

TEST(TrainCliTest, SigkillMidRunThenResume) {
  const std::string dir = MakeTempDir();
  const std::string model = dir + "/m.pt";
  std::vector<std::string> args = TinyTrain(model, 100000);
  args[8] = "600";  // --time-limit: only the kill ends this run.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::vector<char*> argv;
    std::string binary = MMAP_OPT_BINARY;
    argv.push_back(binary.data());
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  // Wait for a few finished iterations, then kill without warning.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  size_t rows = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream csv(dir + "/m.pt.run/metrics.csv");
    std::stringstream buffer;
    buffer << csv.rdbuf();
    const std::string text = buffer.str();
    rows = std::count(text.begin(), text.end(), '\n');
    if (rows >= 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_GE(rows, 4u) << "training did not get going within 60 s";
  const std::vector<std::string> before = MetricRows(dir + "/m.pt.run");
  const int last = static_cast<int>(before.size()) - 2;  // Iterations 0..last are recorded.

  std::vector<std::string> resume = TinyTrain(model, last + 2);
  resume.push_back("--resume");
  CommandResult resumed = RunCli(resume);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const std::vector<std::string> after = MetricRows(dir + "/m.pt.run");
  // Every iteration exactly once, in order: the killed one (if any) was redone, none repeated.
  ASSERT_EQ(after.size(), static_cast<size_t>(last + 2 + 2));
  for (int i = 0; i <= last + 2; ++i) {
    EXPECT_EQ(after[i + 1].substr(0, after[i + 1].find(',')), std::to_string(i));
  }
  CommandResult solve =
      RunCli({"solve", kProgram, "--agent", "muzero", "--model", model, "--simulations", "2"});
  EXPECT_EQ(solve.exit_code, 0) << solve.err;
}

TEST(TrainCliTest, HeldOutGainInMetricsAndCurve) {
  // The smoke corpus is its own held-out set here; measured after iterations 0 and 2.
  const std::string dir = MakeTempDir();
  std::vector<std::string> args = TinyTrain(dir + "/m.pt", 3);
  args.pop_back();  // -q: the progress lines name the held-out gain where it was measured.
  args.insert(args.end(),
              {"--heldout", kSmoke, "--heldout-every", "2", "--heldout-simulations", "1"});
  CommandResult train = RunCli(args);
  ASSERT_EQ(train.exit_code, 0) << train.err;
  std::vector<std::string> progress = absl::StrSplit(train.err, '\n', absl::SkipEmpty());
  ASSERT_EQ(progress.size(), 4u) << train.err;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(progress[i].find("held-out ") != std::string::npos, i % 2 == 0) << progress[i];
  }
  std::vector<std::string> rows = MetricRows(dir + "/m.pt.run");
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_THAT(rows[0], HasSubstr(",heldout_gain_pct"));
  auto heldout = [](const std::string& row) { return row.substr(row.rfind(',') + 1); };
  EXPECT_FALSE(heldout(rows[1]).empty());  // Iteration 0: the warm start.
  EXPECT_TRUE(heldout(rows[2]).empty());
  EXPECT_FALSE(heldout(rows[3]).empty());
  EXPECT_TRUE(heldout(rows[4]).empty());
  const std::string svg = ReadTestFile(dir + "/m.pt.run/learning_curve.svg");
  EXPECT_THAT(svg, HasSubstr("iteration 0: "));
  EXPECT_THAT(svg, HasSubstr("iteration 2: "));
  // The measurement reads the model only: training itself is the same as without it.
  const std::string plain = MakeTempDir();
  ASSERT_EQ(RunCli(TinyTrain(plain + "/m.pt", 3)).exit_code, 0);
  std::vector<std::string> plain_rows = MetricRows(plain + "/m.pt.run");
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].substr(0, rows[i].rfind(',')),
              plain_rows[i].substr(0, plain_rows[i].rfind(',')));
  }
  CommandResult missing =
      RunCli({"train", "--corpus", kSmoke, "-o", dir + "/x.pt", "--heldout", dir + "/nope"});
  ExpectCleanFailure(missing, dir + "/nope");
  EXPECT_EQ(
      RunCli({"train", "--corpus", kSmoke, "-o", dir + "/x.pt", "--heldout-every", "-1"}).exit_code,
      2);
}

TEST(TrainCliTest, BadInputsAreOneLineErrors) {
  const std::string dir = MakeTempDir();
  CommandResult no_corpus = RunCli({"train", "--corpus", dir + "/nope", "-o", dir + "/m.pt"});
  ExpectCleanFailure(no_corpus, dir + "/nope");
  CommandResult bad_model =
      RunCli({"solve", kProgram, "--agent", "muzero", "--model", dir + "/missing.pt"});
  ExpectCleanFailure(bad_model, dir + "/missing.pt");
  testing::WriteTestFile(dir + "/junk.pt", "PK\x03\x04 not really a zip");
  CommandResult junk =
      RunCli({"solve", kProgram, "--agent", "hybrid", "--model", dir + "/junk.pt"});
  ExpectCleanFailure(junk, dir + "/junk.pt");
  // No network, so no learned dynamics to search in.
  CommandResult uniform =
      RunCli({"solve", kProgram, "--agent", "muzero", "--model", "uniform", "--learned-dynamics"});
  EXPECT_EQ(uniform.exit_code, 1);
  EXPECT_THAT(uniform.err, HasSubstr("learned dynamics"));
  EXPECT_EQ(RunCli({"solve", kProgram, "--agent", "mcts", "--rollout-weight", "2"}).exit_code, 2);
  EXPECT_EQ(RunCli({"solve", kProgram, "--agent", "mcts", "--rollout-steps", "-1"}).exit_code, 2);
  EXPECT_EQ(RunCli({"solve", kProgram, "--agent", "muzero", "--threads", "0"}).exit_code, 2);
  EXPECT_EQ(RunCli({"solve", kProgram, "--agent", "mcts", "--deviations", "-1"}).exit_code, 2);
  EXPECT_EQ(RunCli({"solve", kProgram, "--agent", "mcts", "--deviations", "x"}).exit_code, 2);
  // Order moves per game: negative, not a number, absurd, missing; each named on stderr.
  for (const char* value : {"-1", "x", "1e9"}) {
    CommandResult bad =
        RunCli({"solve", kProgram, "--agent", "muzero", "--order-deviations", value});
    EXPECT_EQ(bad.exit_code, 2) << value;
    EXPECT_THAT(bad.err, HasSubstr(std::string("--order-deviations: Value ") + value)) << value;
  }
  // A flag given a value it cannot take.
  CommandResult adapt =
      RunCli({"solve", kProgram, "--agent", "muzero", "--adapt-order-scale=maybe"});
  EXPECT_EQ(adapt.exit_code, 2);
  EXPECT_THAT(adapt.err, HasSubstr("--adapt-order-scale"));
  CommandResult missing = RunCli({"solve", kProgram, "--agent", "muzero", "--order-deviations"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("--order-deviations"));
  // The eviction moves of solve, and the three deviation flags of train's anchored self-play:
  // negative, not a number, absurd, missing; each a usage error naming the flag.
  const std::vector<std::vector<std::string>> deviation_flags = {
      {"solve", kProgram, "--agent", "muzero", "--eviction-deviations"},
      {"solve", kProgram, "--agent", "muzero", "--order-deviations-spread"},
      {"train", "--corpus", kSmoke, "-o", "/nonexistent/m.pt", "--deviations"},
      {"train", "--corpus", kSmoke, "-o", "/nonexistent/m.pt", "--order-deviations"},
      {"train", "--corpus", kSmoke, "-o", "/nonexistent/m.pt", "--eviction-deviations"},
      {"train", "--corpus", kSmoke, "-o", "/nonexistent/m.pt", "--replay-moves"}};
  for (const std::vector<std::string>& prefix : deviation_flags) {
    const std::string& flag = prefix.back();
    for (const char* value : {"-1", "x", "1e9", ""}) {
      std::vector<std::string> args = prefix;
      if (*value != '\0') args.push_back(value);
      CommandResult bad = RunCli(args);
      EXPECT_EQ(bad.exit_code, 2) << prefix[0] << " " << flag << " '" << value << "'";
      EXPECT_THAT(bad.err, HasSubstr(flag)) << prefix[0] << " " << flag << " '" << value << "'";
    }
  }
  EXPECT_EQ(
      RunCli({"bench", "--corpus", kSmoke, "--agents", "mcts", "--rollout-steps", "x"}).exit_code,
      2);
}

}  // namespace
}  // namespace mmap_opt
