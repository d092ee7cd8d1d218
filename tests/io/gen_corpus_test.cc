// The corpus in data/corpus/: every program validates, names a preset, and puts real pressure
// on its fast memory (peak live bytes above the capacity, all-slow latency at least 10% above
// the infinite-fast-memory bound, by the simulator's own cost model). The table in
// data/corpus/README.md is generated here from the files; the test fails when it is stale.
// tools/make_corpus.sh regenerates the programs and then the table with
// MMAP_OPT_UPDATE_CORPUS_README=1.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "mmap_opt/io/gen.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/model/hardware.h"
#include "mmap_opt/model/program.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/sim/score.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::SourcePath;

constexpr char kTableBegin[] = "<!-- corpus-table:begin (tools/make_corpus.sh) -->\n";
constexpr char kTableEnd[] = "<!-- corpus-table:end -->\n";

struct Entry {
  std::string split, file;
  std::string family, size, mode;
  int64_t instructions = 0, buffers = 0, peak = 0, capacity = 0;
  std::string hardware;
  double all_slow_s = 0, lower_bound_s = 0;
  double headroom() const { return (all_slow_s - lower_bound_s) / all_slow_s; }
};

// Family, size and mode from a generated program's name, "family-size.mode.b8.s128.bf16"
// (sizes may hold a dot: "mobilenetv2-1.0.training...").
void ParseName(const std::string& name, Entry& e) {
  for (const GenFamily& f : GenFamilies()) {
    if (name.rfind(f.name + "-", 0) != 0) continue;
    for (const char* mode : {"inference", "training", "decode"}) {
      const size_t at = name.find(absl::StrCat(".", mode, "."), f.name.size());
      if (at == std::string::npos) continue;
      e.family = f.name;
      e.size = name.substr(f.name.size() + 1, at - f.name.size() - 1);
      e.mode = mode;
    }
  }
}

std::vector<Entry> LoadSplit(const std::string& split) {
  std::vector<std::string> files;
  const std::string dir = SourcePath("data/corpus/" + split);
  if (std::filesystem::is_directory(dir)) {
    for (const auto& f : std::filesystem::directory_iterator(dir)) {
      if (f.path().extension() == ".pb") files.push_back(f.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<Entry> entries;
  for (const std::string& path : files) {
    Entry e;
    e.split = split;
    e.file = std::filesystem::path(path).filename().string();
    absl::StatusOr<proto::Program> proto = ReadProgram(path);
    EXPECT_TRUE(proto.ok()) << proto.status();
    if (!proto.ok()) continue;
    e.hardware = proto->hardware().name();
    EXPECT_TRUE(HardwarePreset(e.hardware).ok())
        << path << " names hardware '" << e.hardware << "'";
    absl::StatusOr<proto::Hardware> hardware = HardwareFor(*proto, "");
    ParseName(proto->name(), e);
    absl::StatusOr<Program> program = Program::Create(*std::move(proto));
    EXPECT_TRUE(program.ok() && hardware.ok()) << path;
    if (!program.ok() || !hardware.ok()) continue;
    absl::StatusOr<CostModel> model = CostModel::Create(*program, *hardware);
    EXPECT_TRUE(model.ok()) << model.status();
    if (!model.ok()) continue;
    const Bounds bounds = ComputeBounds(*model);
    e.instructions = program->num_instructions();
    e.buffers = program->num_buffers();
    e.peak = program->peak_live_bytes();
    e.capacity = hardware->fast_capacity();
    e.all_slow_s = bounds.all_slow_s;
    e.lower_bound_s = bounds.lower_bound_s;
    entries.push_back(e);
  }
  return entries;
}

std::vector<Entry> LoadAll() {
  std::vector<Entry> all;
  for (const char* split : {"train", "test", "smoke"}) {
    std::vector<Entry> part = LoadSplit(split);
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

std::string Table(const std::vector<Entry>& entries) {
  std::string out =
      "| split | file | family | mode | size | instructions | buffers | peak live (MiB) | "
      "hardware | fast (MiB) | peak / fast | all-slow (ms) | lower bound (ms) | headroom (%) |\n"
      "|---|---|---|---|---|--:|--:|--:|---|--:|--:|--:|--:|--:|\n";
  for (const Entry& e : entries) {
    absl::StrAppendFormat(
        &out,
        "| %s | %s | %s | %s | %s | %d | %d | %.1f | %s | %.0f | %.1fx | %.3f | %.3f | %.1f |\n",
        e.split, e.file, e.family, e.mode, e.size, e.instructions, e.buffers, e.peak / 1048576.0,
        e.hardware, e.capacity / 1048576.0, static_cast<double>(e.peak) / e.capacity,
        e.all_slow_s * 1e3, e.lower_bound_s * 1e3, 100 * e.headroom());
  }
  return out;
}

TEST(GenCorpusTest, EveryProgramHasRealMemoryPressure) {
  const std::vector<Entry> all = LoadAll();
  ASSERT_FALSE(all.empty()) << "no programs under data/corpus";
  for (const Entry& e : all) {
    EXPECT_GT(e.peak, e.capacity) << e.split << "/" << e.file << ": peak live fits in fast memory";
    EXPECT_GE(e.headroom(), 0.10) << e.split << "/" << e.file << ": all-slow " << e.all_slow_s
                                  << " s, lower bound " << e.lower_bound_s << " s";
    EXPECT_FALSE(e.family.empty()) << e.file << " is not named like a generated program";
  }
}

TEST(GenCorpusTest, SplitHoldsOutWholeFamilies) {
  const std::vector<Entry> train = LoadSplit("train"), test = LoadSplit("test");
  const std::vector<Entry> smoke = LoadSplit("smoke");
  EXPECT_EQ(train.size() + test.size(), 60u);
  EXPECT_GE(train.size(), 40u);
  EXPECT_GE(test.size(), 12u);
  EXPECT_GE(smoke.size(), 1u);
  EXPECT_LE(smoke.size(), 6u);
  for (const Entry& e : smoke) EXPECT_LT(e.instructions, 300) << "smoke/" << e.file;
  std::set<std::string> train_families, held_out;
  for (const Entry& e : train) train_families.insert(e.family);
  for (const Entry& e : test) {
    if (!train_families.count(e.family)) held_out.insert(e.family);
  }
  EXPECT_GE(held_out.size(), 2u) << "test/ must hold out whole families";
  // And sizes: some test program's (family, size) pair never appears in train/.
  std::set<std::string> train_sizes;
  for (const Entry& e : train) train_sizes.insert(e.family + "-" + e.size);
  int held_out_sizes = 0;
  for (const Entry& e : test) {
    held_out_sizes += train_families.count(e.family) && !train_sizes.count(e.family + "-" + e.size);
  }
  EXPECT_GE(held_out_sizes, 1);
}

TEST(GenCorpusTest, ReadmeTableIsGeneratedFromTheFiles) {
  const std::string path = SourcePath("data/corpus/README.md");
  absl::StatusOr<std::string> readme = ReadFile(path);
  ASSERT_TRUE(readme.ok()) << readme.status();
  const size_t begin = readme->find(kTableBegin), end = readme->find(kTableEnd);
  ASSERT_NE(begin, std::string::npos) << path << " lacks " << kTableBegin;
  ASSERT_NE(end, std::string::npos) << path << " lacks " << kTableEnd;
  const size_t body = begin + std::string(kTableBegin).size();
  const std::string table = Table(LoadAll());
  if (std::getenv("MMAP_OPT_UPDATE_CORPUS_README") != nullptr) {
    std::string updated = readme->substr(0, body) + table + readme->substr(end);
    ASSERT_TRUE(WriteFileAtomically(path, updated).ok());
    return;
  }
  EXPECT_EQ(readme->substr(body, end - body), table)
      << "data/corpus/README.md is stale: run tools/make_corpus.sh";
}

}  // namespace
}  // namespace mmap_opt
