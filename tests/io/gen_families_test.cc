// Every family in every mode generates a valid, deterministic program shaped like a framework
// step: inputs without a definition, named buffers, outputs where the mode says.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "mmap_opt/io/gen.h"
#include "mmap_opt/model/program.h"

namespace mmap_opt {
namespace {

struct Case {
  std::string family;
  GenMode mode;
};

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (const GenFamily& f : GenFamilies()) {
    cases.push_back({f.name, GenMode::kInference});
    cases.push_back({f.name, GenMode::kTraining});
    if (f.has_decode) cases.push_back({f.name, GenMode::kDecode});
  }
  return cases;
}

// Small but complete instances, so the whole suite stays fast: the smallest size, batch 2 and
// the smallest legal sequence or image.
GenOptions SmallOptions(const Case& c) {
  GenOptions o;
  o.family = c.family;
  o.mode = c.mode;
  o.batch = 2;
  o.size = GenFamilies()[0].sizes[0];
  for (const GenFamily& f : GenFamilies()) {
    if (f.name != c.family) continue;
    o.size = f.sizes[0];
    if (!f.seq_meaning.empty()) o.seq = f.seq_meaning == "image side" ? 64 : 16;
  }
  if (c.family == "unet" || c.family == "vit") o.seq = 32;
  return o;
}

class GenFamilyTest : public ::testing::TestWithParam<Case> {};

TEST_P(GenFamilyTest, ValidDeterministicAndFrameworkShaped) {
  const GenOptions options = SmallOptions(GetParam());
  absl::StatusOr<proto::Program> first = GenerateProgram(options);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<proto::Program> second = GenerateProgram(options);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->SerializeAsString(), second->SerializeAsString());
  EXPECT_EQ(first->hardware().name(), "tpuv4i");
  absl::StatusOr<Program> program = Program::Create(*first);
  ASSERT_TRUE(program.ok()) << program.status();

  int outputs = 0, updated_weights = 0;
  for (BufferIndex b = 0; b < program->num_buffers(); ++b) {
    const proto::Buffer& buffer = program->buffer(b);
    EXPECT_FALSE(buffer.name().empty());
    outputs += buffer.is_output();
    updated_weights += buffer.is_output() && absl::EndsWith(buffer.name(), ".adam_m.new");
    // Program inputs (weights, data, moments) are read; nothing is defined and then dropped
    // except the second output of a multi-output fusion.
    if (!program->definition(b)) EXPECT_FALSE(program->uses(b).empty()) << buffer.name();
  }
  double flops = 0;
  for (Time t = 0; t < program->num_instructions(); ++t) {
    EXPECT_FALSE(program->instruction(t).opcode().empty());
    flops += program->instruction(t).flops();
  }
  EXPECT_GT(flops, 0);
  EXPECT_GT(outputs, 0);
  if (GetParam().mode == GenMode::kTraining) {
    // Every weight gets its Adam update, and there are at least a few weights.
    EXPECT_GE(updated_weights, 3);
  } else {
    EXPECT_EQ(updated_weights, 0);
  }
}

class GenSeedTest : public ::testing::TestWithParam<Case> {};

// A non-zero seed reorders ties only: the same instructions and costs, another order.
TEST_P(GenSeedTest, SeedChangesOrderNotCost) {
  GenOptions options = SmallOptions(GetParam());
  absl::StatusOr<proto::Program> canonical = GenerateProgram(options);
  options.seed = 7;
  absl::StatusOr<proto::Program> seeded = GenerateProgram(options);
  ASSERT_TRUE(canonical.ok() && seeded.ok());
  ASSERT_EQ(canonical->instructions_size(), seeded->instructions_size());
  std::vector<std::string> a, b;
  double flops_a = 0, flops_b = 0;
  for (const proto::Instruction& i : canonical->instructions())
    a.push_back(i.name()), flops_a += i.flops();
  for (const proto::Instruction& i : seeded->instructions())
    b.push_back(i.name()), flops_b += i.flops();
  EXPECT_NE(a, b);
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
  EXPECT_DOUBLE_EQ(flops_a, flops_b);
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.family + "_" + GenModeName(info.param.mode);
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

std::vector<Case> TrainingCases() {
  std::vector<Case> cases = AllCases();
  cases.erase(std::remove_if(cases.begin(), cases.end(),
                             [](const Case& c) { return c.mode != GenMode::kTraining; }),
              cases.end());
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, GenFamilyTest, ::testing::ValuesIn(AllCases()), CaseName);
// Inference has no ties to break (no backward, no updates).
INSTANTIATE_TEST_SUITE_P(Training, GenSeedTest, ::testing::ValuesIn(TrainingCases()), CaseName);

// Published totals, as a check that the layer tables are the papers': forward FLOPs per
// sample at 224x224 are 2 x the multiply-adds the papers report.
TEST(GenFamilyTotalsTest, ForwardFlopsMatchPublishedMacs) {
  struct Published {
    std::string family, size;
    double gmacs;  // Per image, from the paper or torchvision's model card.
  };
  for (const Published& p :
       {Published{"resnet", "50", 4.09}, Published{"vgg", "16", 15.47},
        Published{"mobilenetv2", "1.0", 0.30}, Published{"alexnet", "base", 0.71}}) {
    GenOptions o;
    o.family = p.family;
    o.size = p.size;
    o.batch = 1;
    absl::StatusOr<proto::Program> program = GenerateProgram(o);
    ASSERT_TRUE(program.ok()) << program.status();
    double flops = 0;
    for (const proto::Instruction& i : program->instructions()) flops += i.flops();
    // Within 5%: the papers count the MACs of convolutions and dense layers only, not the
    // few FLOPs of biases, normalisation, activations and pooling.
    EXPECT_NEAR(flops / 2e9, p.gmacs, 0.05 * p.gmacs) << p.family << "-" << p.size;
  }
}

TEST(GenOptionsTest, BadOptionsAreNamed) {
  GenOptions o;
  o.family = "nope";
  EXPECT_TRUE(absl::StrContains(GenerateProgram(o).status().message(), "unknown family 'nope'"));
  o.family = "bert";
  o.size = "huge";
  EXPECT_TRUE(absl::StrContains(GenerateProgram(o).status().message(), "no size 'huge'"));
  o.size = "";
  o.seq = 100000;
  EXPECT_TRUE(absl::StrContains(GenerateProgram(o).status().message(), "sequence length"));
  o.seq = 0;
  o.mode = GenMode::kDecode;
  EXPECT_TRUE(absl::StrContains(GenerateProgram(o).status().message(), "no decode mode"));
  o.family = "resnet";
  o.mode = GenMode::kInference;
  o.seq = 100;  // Not a multiple of 32.
  EXPECT_TRUE(absl::StrContains(GenerateProgram(o).status().message(), "multiple of 32"));
  o.seq = 0;
  o.batch = int64_t{1} << 40;
  EXPECT_TRUE(absl::StrContains(GenerateProgram(o).status().message(), "batch"));
  o.batch = 0;
  o.dtype = "s8";
  o.mode = GenMode::kTraining;
  EXPECT_TRUE(absl::StrContains(GenerateProgram(o).status().message(), "for inference"));
  o.dtype = "q3";
  EXPECT_TRUE(absl::StrContains(GenerateProgram(o).status().message(), "unknown dtype"));
  o.family = "dlrm";
  o.dtype = "bf16";
  o.seq = 8;
  EXPECT_TRUE(absl::StrContains(GenerateProgram(o).status().message(), "takes no --seq"));
}

}  // namespace
}  // namespace mmap_opt
