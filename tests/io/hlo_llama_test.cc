// The real XLA dump in ../shared/data: a MaxText Llama-3-8B training step, imported whole.
#include <string>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/model/program.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::ReadTestFile;
using ::testing::HasSubstr;

TEST(HloLlamaTest, ImportsTheWholeTrainingStep) {
  MMAP_OPT_SKIP_WITHOUT_SHARED_DATA(path, "hlo/hlo_llama3_8b_cp_bf16_1x4.hlo");
  absl::StatusOr<proto::Program> proto = ImportHlo(path, ReadTestFile(path));
  ASSERT_TRUE(proto.ok()) << proto.status();
  absl::StatusOr<Program> program = Program::Create(*proto);
  ASSERT_TRUE(program.ok()) << program.status();
  const std::string notes = absl::StrJoin(proto->notes(), "\n");
  // The counts ../shared/data/README.md states for this file.
  EXPECT_EQ(program->name(), "jit_train_step");
  EXPECT_THAT(notes, HasSubstr("137 computations, 2325 instructions, unscheduled"));
  EXPECT_THAT(notes, HasSubstr("43 parameters, ROOT a 46-element tuple"));
  EXPECT_THAT(notes, HasSubstr("while 'while.36'"));
  EXPECT_THAT(notes, HasSubstr("while 'while.37'"));
  EXPECT_THAT(notes, HasSubstr("9 conditionals"));
  EXPECT_THAT(notes, HasSubstr("18 all-gather, 50 all-reduce, 11 collective-permute"));
  EXPECT_THAT(notes, HasSubstr("4 te_fused_attn_backward_ffi, 8 te_fused_attn_forward_ffi"));
  int dots = 0, inputs = 0, outputs = 0;
  for (const proto::Instruction& inst : proto->instructions()) dots += inst.opcode() == "dot";
  for (const proto::Buffer& buffer : proto->buffers()) {
    inputs += !buffer.has_defined_by();
    outputs += buffer.is_output();
  }
  // Each computation is flattened once, so each of the 35 dots appears once.
  EXPECT_EQ(dots, 35);
  // 43 parameters plus the constants are inputs.
  EXPECT_GT(inputs, 43);
  // The ROOT tuple's table and its 46 elements, of which two are the same constant.
  EXPECT_EQ(outputs, 1 + 45);
  // The f32 logits [2,2048,128256] are the largest arrays: 2 x 2048 x 128256 x 4 bytes.
  int64_t largest = 0;
  for (const proto::Buffer& buffer : proto->buffers()) largest = std::max(largest, buffer.size());
  EXPECT_EQ(largest, int64_t{2} * 2048 * 128256 * 4);
}

}  // namespace
}  // namespace mmap_opt
