// Scale-out end to end (train/process_group.h): 2 and 3 processes of the binary on 127.0.0.1,
// a free port each time. bench equals one process byte for byte; train gives the same metrics
// for the same seed and world size and identical parameters on every rank; a rank killed
// mid-train stops the others with an error naming it, and --resume finishes the run exactly
// as an uninterrupted one; solve gathers the best assignment on rank 0.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"
#include "train/tiny_train.h"

namespace mmap_opt {
namespace {

namespace fs = std::filesystem;
using ::mmap_opt::testing::CommandResult;
using ::mmap_opt::testing::MakeTempDir;
using ::mmap_opt::testing::MetricRows;
using ::mmap_opt::testing::ReadTestFile;
using ::mmap_opt::testing::RunCli;
using ::mmap_opt::testing::SourcePath;
using ::mmap_opt::testing::TinyTrain;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

const std::string kSmoke = SourcePath("data/corpus/smoke");

// A port no one listens on now (the kernel's pick for a socket bound to port 0).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// One process of the binary, started now, its output in files.
class Process {
 public:
  explicit Process(const std::vector<std::string>& args) : dir_(MakeTempDir()) {
    pid_ = fork();
    if (pid_ == 0) {
      dup2(open("/dev/null", O_RDONLY), 0);
      dup2(open((dir_ + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
      dup2(open((dir_ + "/err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
      std::vector<char*> argv{const_cast<char*>(MMAP_OPT_BINARY)};
      for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      execv(MMAP_OPT_BINARY, argv.data());
      _exit(127);
    }
  }
  void Kill() { kill(pid_, SIGKILL); }
  CommandResult Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    CommandResult result;
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    result.out = ReadTestFile(dir_ + "/out");
    result.err = ReadTestFile(dir_ + "/err");
    return result;
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

std::vector<std::string> RankArgs(std::vector<std::string> args, int world, int rank, int port,
                                  const std::string& timeout = "20") {
  args.insert(args.end(),
              {"--world-size", std::to_string(world), "--rank", std::to_string(rank), "--master",
               absl::StrCat("127.0.0.1:", port), "--dist-timeout", timeout});
  return args;
}

// Every rank of one run, started together; `args_of(rank)` gives each its arguments.
std::vector<CommandResult> RunRanks(int world, const std::vector<std::string>& args) {
  const int port = FreePort();
  std::vector<std::unique_ptr<Process>> ranks;
  for (int r = 0; r < world; ++r) {
    ranks.push_back(std::make_unique<Process>(RankArgs(args, world, r, port)));
  }
  std::vector<CommandResult> results;
  for (auto& rank : ranks) results.push_back(rank->Wait());
  return results;
}

std::string Folder(const std::string& dir) {
  std::string all;
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    absl::StrAppend(&all, "== ", fs::relative(file, dir).string(), "\n",
                    ReadTestFile(file.string()));
  }
  return all;
}

TEST(DistributedCliTest, BenchOverTwoAndThreeRanksWritesWhatOneProcessWrites) {
  const std::string dir = MakeTempDir();
  auto bench = [&](const std::string& out) -> std::vector<std::string> {
    return {"bench",        "--corpus",      kSmoke, "--agents", "heuristic,greedy,random",
            "--no-timings", "--assignments", "-q",   "--out",    out};
  };
  CommandResult one = RunCli(bench(dir + "/one"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  for (int world : {2, 3}) {
    const std::string out = absl::StrCat(dir, "/world", world);
    std::vector<CommandResult> ranks = RunRanks(world, bench(out));
    for (int r = 0; r < world; ++r) ASSERT_EQ(ranks[r].exit_code, 0) << r << ": " << ranks[r].err;
    // Every report and assignment file, byte for byte; rank 0's summary on stdout too.
    EXPECT_EQ(Folder(out), Folder(dir + "/one"));
    EXPECT_EQ(ranks[0].out, absl::StrReplaceAll(one.out, {{dir + "/one", out}}));
    EXPECT_EQ(ranks[1].out, "");
    EXPECT_THAT(ranks[1].err, HasSubstr("rank 0 writes the reports"));
  }
}

// The tiny run with the distributed flags; its metrics as one text.
std::vector<std::string> TinyDistributedTrain(const std::string& model, int iterations) {
  return TinyTrain(model, iterations, {"--heldout-every", "0", "--dist-check-every", "7"});
}

std::string MetricText(const std::string& run_dir) {
  return absl::StrCat(absl::StrJoin(MetricRows(run_dir), "\n"), "\n");
}

// "train: rank R of N finished, parameter checksum X": X of every rank, which must agree.
std::string Checksum(const CommandResult& rank) {
  const size_t at = rank.err.find("parameter checksum ");
  return at == std::string::npos ? "none" : rank.err.substr(at + 19, 16);
}

TEST(DistributedCliTest, TrainOverRanksIsReproducibleAndKeepsTheRanksIdentical) {
  const std::string dir = MakeTempDir();
  for (int world : {3}) {  // 2 ranks: AKilledRankStopsTheOthersAndResumeLosesNothing.
    std::vector<std::string> metrics;
    for (int run = 0; run < 2; ++run) {
      const std::string model = absl::StrCat(dir, "/w", world, "r", run, ".pt");
      std::vector<CommandResult> ranks = RunRanks(world, TinyDistributedTrain(model, 2));
      for (int r = 0; r < world; ++r) {
        ASSERT_EQ(ranks[r].exit_code, 0) << r << ": " << ranks[r].err;
        EXPECT_EQ(Checksum(ranks[r]), Checksum(ranks[0])) << ranks[r].err;
      }
      EXPECT_NE(Checksum(ranks[0]), "none");
      EXPECT_TRUE(fs::exists(model));
      metrics.push_back(MetricText(model + ".run"));
    }
    EXPECT_EQ(metrics[0], metrics[1]);
    // Iteration 0 imitates every program once over all ranks (6), each self-play iteration
    // plays 2 games per rank; the step counts are global (10 + 2 x 40).
    EXPECT_THAT(metrics[0], HasSubstr(absl::StrCat("\n0,imitation,6,10,")));
    EXPECT_THAT(metrics[0], HasSubstr(absl::StrCat("\n2,self-play,", 6 + 4 * world, ",90,")));
  }
}

TEST(DistributedCliTest, AKilledRankStopsTheOthersAndResumeLosesNothing) {
  const std::string dir = MakeTempDir();
  const std::string killed = dir + "/killed.pt", straight = dir + "/straight.pt";
  std::vector<CommandResult> reference = RunRanks(2, TinyDistributedTrain(straight, 4));
  ASSERT_EQ(reference[0].exit_code, 0) << reference[0].err;

  const int port = FreePort();
  Process rank0(RankArgs(TinyDistributedTrain(killed, 4), 2, 0, port, "8"));
  Process rank1(RankArgs(TinyDistributedTrain(killed, 4), 2, 1, port, "8"));
  // Kill rank 1 once iteration 1 is on disk (header + iterations 0 and 1).
  const std::string metrics = killed + ".run/metrics.csv";
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  auto rows = [&metrics] {
    if (!fs::exists(metrics)) return 0l;
    const std::string text = ReadTestFile(metrics);
    return static_cast<long>(std::count(text.begin(), text.end(), '\n'));
  };
  while (std::chrono::steady_clock::now() < give_up && rows() < 3) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  rank1.Kill();
  CommandResult survivor = rank0.Wait();
  CommandResult victim = rank1.Wait();
  EXPECT_EQ(victim.signal, SIGKILL);
  EXPECT_EQ(survivor.exit_code, 1) << survivor.err;
  EXPECT_THAT(survivor.err, MatchesRegex("mmap-opt: lost rank 1 of 2 .*\n"));
  const std::string finished = MetricText(killed + ".run");

  std::vector<std::string> resume = TinyDistributedTrain(killed, 4);
  resume.push_back("--resume");
  std::vector<CommandResult> resumed = RunRanks(2, resume);
  for (const CommandResult& rank : resumed) ASSERT_EQ(rank.exit_code, 0) << rank.err;
  // What was finished before the kill is kept, and the rest is what the uninterrupted run did
  // (the same seed and world size give the same metrics, whether killed or not).
  EXPECT_EQ(MetricText(killed + ".run").substr(0, finished.size()), finished);
  EXPECT_EQ(MetricText(killed + ".run"), MetricText(straight + ".run"));
  EXPECT_EQ(Checksum(resumed[0]), Checksum(reference[0]));
  EXPECT_EQ(Checksum(resumed[1]), Checksum(reference[0]));
  // Its checkpoint holds two ranks' replays: one process alone may not continue it.
  std::vector<std::string> alone = TinyDistributedTrain(killed, 5);
  alone.push_back("--resume");
  CommandResult one = RunCli(alone);
  EXPECT_EQ(one.exit_code, 1);
  EXPECT_THAT(one.err, HasSubstr("the run was started with a world size of 2; resume it with "
                                 "that many ranks"));
}

TEST(DistributedCliTest, AMissingRankIsNamedWithinTheTimeout) {
  const std::string dir = MakeTempDir();
  CommandResult alone =
      RunCli(RankArgs({"bench", "--corpus", kSmoke, "--agents", "heuristic", "-q", "--out", dir}, 3,
                      0, FreePort(), "1"));
  EXPECT_EQ(alone.exit_code, 1);
  EXPECT_EQ(alone.err, absl::StrCat("mmap-opt: ranks 1, 2 of 3 did not join within 1 s (the "
                                    "store is at 127.0.0.1:",
                                    alone.err.substr(alone.err.rfind(':') + 1)));
  CommandResult lost =
      RunCli(RankArgs(TinyDistributedTrain(dir + "/m.pt", 1), 2, 1, FreePort(), "1"));
  EXPECT_EQ(lost.exit_code, 1);
  EXPECT_THAT(lost.err, MatchesRegex("mmap-opt: rank 1 cannot reach the master \\(rank 0\\) at "
                                     "127.0.0.1:[0-9]+ within 1 s: [^\n]*\n"));
}

TEST(DistributedCliTest, SolveLearnsOnOneProgramOverTwoRanksAndRankZeroWritesTheBest) {
  const std::string dir = MakeTempDir();
  const std::string program =
      SourcePath("data/corpus/smoke/bert-tiny.inference.b8.128.bf16.edge-npu.pb");
  const int port = FreePort();
  std::vector<std::unique_ptr<Process>> ranks;
  for (int r = 0; r < 2; ++r) {
    ranks.push_back(std::make_unique<Process>(
        RankArgs({"solve", program, "--agent", "muzero", "--max-games", "9", "--simulations", "2",
                  "--seed", "3", "-o", absl::StrCat(dir, "/rank", r, ".pb")},
                 2, r, port)));
  }
  CommandResult rank0 = ranks[0]->Wait(), rank1 = ranks[1]->Wait();
  ASSERT_EQ(rank0.exit_code, 0) << rank0.err;
  ASSERT_EQ(rank1.exit_code, 0) << rank1.err;
  EXPECT_THAT(rank0.out, HasSubstr("learned on the program"));
  EXPECT_THAT(rank0.out, MatchesRegex("(.|\n)*best of 2 ranks: rank [01]'s\n(.|\n)*"));
  EXPECT_FALSE(fs::exists(dir + "/rank1.pb"));  // Rank 0 alone writes.
  // The gathered assignment is valid, and no slower than the heuristic (where every rank
  // starts: the game replays the heuristic's trajectory first).
  CommandResult score = RunCli({"score", program, dir + "/rank0.pb"});
  EXPECT_EQ(score.exit_code, 0) << score.err;
  CommandResult heuristic = RunCli({"solve", program, "--agent", "heuristic", "--json"});
  CommandResult mine = RunCli({"score", program, dir + "/rank0.pb", "--json"});
  auto latency = [](const std::string& json) {
    const size_t at = json.find("\"latency_s\":");
    return std::stod(json.substr(at + 12));
  };
  ASSERT_EQ(mine.exit_code, 0) << mine.err;
  EXPECT_LE(latency(mine.out), latency(heuristic.out));
}

}  // namespace
}  // namespace mmap_opt
