// Writing an assignment back into HLO text: the exported modules worked out by hand (they are
// the hand-written post-MSA modules of tests/testdata/hlo/post_msa/), read back to the same
// placements, and the export's refusals.
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/io/hlo.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::ReadTestFile;
using ::mmap_opt::testing::SourcePath;
using ::testing::HasSubstr;
using ::testing::Not;

std::string PostMsa(const std::string& name) {
  return ReadTestFile(SourcePath(absl::StrCat("tests/testdata/hlo/post_msa/", name)));
}

// XLA's assignment in `post_msa`, exported into `stripped` (the module before MSA).
std::string ExportOnto(const std::string& post_msa, const std::string& stripped) {
  absl::StatusOr<HloImportWithAssignment> xla =
      ImportHloWithAssignment(post_msa, PostMsa(post_msa));
  EXPECT_TRUE(xla.ok()) << xla.status();
  absl::StatusOr<proto::Program> program = ImportHlo(stripped, PostMsa(stripped));
  EXPECT_TRUE(program.ok()) << program.status();
  if (!xla.ok() || !program.ok()) return "";
  absl::StatusOr<std::string> out =
      ExportHlo(stripped, PostMsa(stripped), *program, xla->assignment);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return "";
  // Read back: the same placements.
  absl::StatusOr<HloImportWithAssignment> back = ImportHloWithAssignment("out.hlo", *out);
  EXPECT_TRUE(back.ok()) << back.status();
  if (back.ok()) {
    EXPECT_EQ(back->assignment.placements_size(), xla->assignment.placements_size());
    for (int i = 0; i < back->assignment.placements_size(); ++i) {
      EXPECT_EQ(back->assignment.placements(i).DebugString(),
                xla->assignment.placements(i).DebugString());
    }
  }
  return *out;
}

TEST(HloExportTest, PrefetchIsWrittenAsXlaWritesIt) {
  // p1 PREFETCHED from t=0 over [2, 3]: copy-start before neg (t0), copy-done before add (t2),
  // add and mul read the copy-done; neg [0, 1] and exp [1, 2] PRODUCED: S(1) in their
  // layouts and in the inline shapes of their readers. That is prefetch.hlo, copies renamed.
  const std::string out = ExportOnto("prefetch.hlo", "prefetch_stripped.hlo");
  EXPECT_EQ(out, absl::StrReplaceAll(PostMsa("prefetch.hlo"), {{"%copy-start", "%copy-start.p1"},
                                                               {"%copy-done", "%copy-done.p1"}}));
}

TEST(HloExportTest, EvictionAndPrefetchBackAreWrittenAsXlaWritesThem) {
  // a PRODUCED [0, 2] and needed again: evicted right after c (t2); PREFETCHED back from t4
  // over [5, 5]: copy-start of the eviction's copy-done before e, copy-done before f, which
  // reads it. b PRODUCED [1, 2]. The unscheduled input comes out is_scheduled=true.
  const std::string out = ExportOnto("evict_prefetch.hlo", "evict_prefetch_stripped.hlo");
  EXPECT_EQ(
      out,
      R"(HloModule evict_prefetch, is_scheduled=true, entry_computation_layout={(f32[256]{0})->f32[256]{0}}

ENTRY %main (p0: f32[256]) -> f32[256] {
  %p0 = f32[256]{0} parameter(0)
  %a = f32[256]{0:S(1)} negate(f32[256]{0} %p0)
  %b = f32[256]{0:S(1)} exponential(f32[256]{0:S(1)} %a)
  %c = f32[256]{0} sine(f32[256]{0:S(1)} %b)
  %copy-start.a = (f32[256]{0}, f32[256]{0:S(1)}, u32[]) copy-start(f32[256]{0:S(1)} %a)
  %copy-done.a = f32[256]{0} copy-done((f32[256]{0}, f32[256]{0:S(1)}, u32[]) %copy-start.a)
  %d = f32[256]{0} cosine(f32[256]{0} %c)
  %copy-start.a.1 = (f32[256]{0:S(1)}, f32[256]{0}, u32[]) copy-start(f32[256]{0} %copy-done.a)
  %e = f32[256]{0} tanh(f32[256]{0} %d)
  %copy-done.a.1 = f32[256]{0:S(1)} copy-done((f32[256]{0:S(1)}, f32[256]{0}, u32[]) %copy-start.a.1)
  ROOT %f = f32[256]{0} add(f32[256]{0} %e, f32[256]{0:S(1)} %copy-done.a.1)
}
)");
}

TEST(HloExportTest, ValueKeptAcrossAWhileLoopIsInS1InEveryAlias) {
  // x PRODUCED [0, 7] is read in the body (t5) and after the loop (t7): S(1) on its
  // definition, the init tuple's element, the loop's, condition's and body's parameters, the
  // body's get-tuple-element and ROOT tuple and the loop's result; no copy is needed.
  const std::string out = ExportOnto("while_kept.hlo", "while_kept_stripped.hlo");
  EXPECT_THAT(out, HasSubstr("%x = f32[256]{0:S(1)} exponential"));
  EXPECT_THAT(out, HasSubstr("%bp = (s32[], f32[256]{0:S(1)}, f32[256]{0:S(1)}) parameter(0)"));
  EXPECT_THAT(out, HasSubstr("%kept = f32[256]{0:S(1)} get-tuple-element"));
  EXPECT_THAT(out, Not(HasSubstr("copy-start")));
}

TEST(HloExportTest, TupleElementAndPrefetchOfAParameter) {
  // pair{0} PRODUCED [0, 2]: S(1) on the fusion's element {0} only; p0 PREFETCHED from t0
  // over [1, 1]: m reads the copy-done, n (t2) still reads pair{0} through g0 in S(1).
  const std::string out = ExportOnto("tuple.hlo", "tuple_stripped.hlo");
  EXPECT_THAT(out, HasSubstr("%pair = (f32[256]{0:S(1)}, f32[256]{0}) fusion"));
  EXPECT_THAT(out, HasSubstr("multiply(f32[256]{0:S(1)} %g0, f32[256]{0:S(1)} %copy-done.p0)"));
}

TEST(HloExportTest, RefusesALoopStateWhoseMemorySpaceChangesInTheBody) {
  // XLA's assignment of while_kept.hlo without acc's placement: the loop enters the body with
  // acc (element {1}) in S(0) and leaves it with y in S(1). XLA keeps one memory space for a
  // loop state, so no HLO says this.
  absl::StatusOr<HloImportWithAssignment> xla =
      ImportHloWithAssignment("while_kept.hlo", PostMsa("while_kept.hlo"));
  ASSERT_TRUE(xla.ok()) << xla.status();
  proto::Assignment without_acc = xla->assignment;
  without_acc.clear_placements();
  for (const proto::Placement& p : xla->assignment.placements()) {
    if (xla->program.buffers(p.buffer_id()).name() != "acc") *without_acc.add_placements() = p;
  }
  ASSERT_EQ(without_acc.placements_size(), 2);
  const std::string text = PostMsa("while_kept_stripped.hlo");
  absl::StatusOr<proto::Program> program = ImportHlo("in.hlo", text);
  ASSERT_TRUE(program.ok()) << program.status();
  absl::StatusOr<std::string> out = ExportHlo("in.hlo", text, *program, without_acc);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "in.hlo: 'w': loop state element {1} enters the body in S(0) but the body ends "
            "it in S(1) (XLA keeps one memory space for a loop state): not expressible in HLO");
}

TEST(HloExportTest, RefusesBranchesWhoseResultsDisagreeOnTheirMemorySpace) {
  // Program: t0 n0 (branch b0), t1 n1 (b1), t2 r. The conditional's result is one value in
  // XLA, every branch's ROOT colocated with it; our program has the last branch's, n1. With
  // n0 alone in fast memory, b0 would return S(1) and b1 S(0).
  const std::string text = R"(HloModule cond, is_scheduled=true

%b0 (x0: f32[256]) -> f32[256] {
  %x0 = f32[256]{0} parameter(0)
  ROOT %n0 = f32[256]{0} negate(f32[256]{0} %x0)
}

%b1 (x1: f32[256]) -> f32[256] {
  %x1 = f32[256]{0} parameter(0)
  ROOT %n1 = f32[256]{0} exponential(f32[256]{0} %x1)
}

ENTRY %main (i: s32[], a: f32[256]) -> f32[256] {
  %i = s32[] parameter(0)
  %a = f32[256]{0} parameter(1)
  %c = f32[256]{0} conditional(s32[] %i, f32[256]{0} %a, f32[256]{0} %a), branch_computations={%b0, %b1}
  ROOT %r = f32[256]{0} add(f32[256]{0} %c, f32[256]{0} %c)
}
)";
  absl::StatusOr<proto::Program> program = ImportHlo("in.hlo", text);
  ASSERT_TRUE(program.ok()) << program.status();
  ASSERT_EQ(program->instructions(0).name(), "n0");
  ASSERT_EQ(program->buffers(program->instructions(0).outputs(0)).name(), "n0");
  proto::Assignment assignment;
  assignment.set_program_name("cond");
  proto::Placement* p = assignment.add_placements();
  p->set_buffer_id(program->instructions(0).outputs(0));
  p->set_source(proto::Placement::PRODUCED);
  p->set_start(0);
  p->set_end(0);
  absl::StatusOr<std::string> out = ExportHlo("in.hlo", text, *program, assignment);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "in.hlo: 'c': branch 'b0' returns element {} in S(1) but the conditional's result is "
            "in S(0) (XLA keeps one memory space for a conditional's result): not expressible in "
            "HLO");
  // Leaving out what HLO cannot say: n0 is a branch result, colocated by XLA with n1.
  absl::StatusOr<HloExport> expressible =
      ExportHloExpressible("in.hlo", text, *program, assignment);
  ASSERT_TRUE(expressible.ok()) << expressible.status();
  EXPECT_EQ(expressible->written.placements_size(), 0);
  EXPECT_THAT(expressible->notes,
              ::testing::ElementsAre(HasSubstr("left out 1 of 1 placements HLO cannot express: 1 "
                                               "of buffers XLA colocates with another")));
  EXPECT_THAT(expressible->text, Not(HasSubstr("S(1)")));
}

// t0 n, t1 m, t2 e (in f, called with n), t3 s.
std::string CalleeModule() {
  return R"(HloModule callee, is_scheduled=true

%f (x: f32[256]) -> f32[256] {
  %x = f32[256]{0} parameter(0)
  ROOT %e = f32[256]{0} exponential(f32[256]{0} %x)
}

ENTRY %main (p0: f32[256]) -> f32[256] {
  %p0 = f32[256]{0} parameter(0)
  %n = f32[256]{0} negate(f32[256]{0} %p0)
  %m = f32[256]{0} multiply(f32[256]{0} %n, f32[256]{0} %n)
  %c = f32[256]{0} call(f32[256]{0} %n), to_apply=%f
  ROOT %s = f32[256]{0} add(f32[256]{0} %c, f32[256]{0} %m)
}
)";
}

TEST(HloExportTest, RefusesWhatWouldNotReadBackAsTheAssignment) {
  // Program: t0 n, t1 m, t2 e (in f, called with n), t3 s. n PRODUCED [0, 1] is read slow by
  // e at t2, so it is evicted after m; but the call passes f the value n itself, not a copy
  // (a call is not program work, so nothing rewires it), and f would read n from S(1): the
  // written module would read back as n PRODUCED [0, 2]. The check says so instead.
  const std::string text = CalleeModule();
  absl::StatusOr<proto::Program> program = ImportHlo("in.hlo", text);
  ASSERT_TRUE(program.ok()) << program.status();
  ASSERT_EQ(program->buffers(1).name(), "n");
  ASSERT_EQ(program->instructions(2).name(), "e");
  proto::Assignment assignment;
  assignment.set_program_name("callee");
  proto::Placement* p = assignment.add_placements();
  p->set_buffer_id(1);
  p->set_source(proto::Placement::PRODUCED);
  p->set_start(0);
  p->set_end(1);
  absl::StatusOr<std::string> out = ExportHlo("in.hlo", text, *program, assignment);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "in.hlo: placement n PRODUCED from 0 at 0 to 1 would read back from the written HLO "
            "as n PRODUCED from 0 at 0 to 2: not expressible in HLO");
}

TEST(HloExportTest, RefusesABufferOfAComputationFlattenedTwice) {
  // f is called twice, so the program has n (t0) and n@2 (t2): one line of text cannot put
  // only the first in S(1).
  const std::string text = R"(HloModule twice, is_scheduled=true

%f (x: f32[256]) -> f32[256] {
  %x = f32[256]{0} parameter(0)
  %n = f32[256]{0} negate(f32[256]{0} %x)
  ROOT %e = f32[256]{0} exponential(f32[256]{0} %n)
}

ENTRY %main (p0: f32[256]) -> f32[256] {
  %p0 = f32[256]{0} parameter(0)
  %c1 = f32[256]{0} call(f32[256]{0} %p0), to_apply=%f
  ROOT %c2 = f32[256]{0} call(f32[256]{0} %c1), to_apply=%f
}
)";
  absl::StatusOr<proto::Program> program = ImportHlo("twice.hlo", text);
  ASSERT_TRUE(program.ok()) << program.status();
  ASSERT_EQ(program->buffers(1).name(), "n");
  proto::Assignment assignment;
  assignment.set_program_name("twice");
  proto::Placement* p = assignment.add_placements();
  p->set_buffer_id(1);
  p->set_source(proto::Placement::PRODUCED);
  p->set_start(0);
  p->set_end(1);
  absl::StatusOr<std::string> out = ExportHlo("twice.hlo", text, *program, assignment);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "twice.hlo:5: computation 'f' is flattened 2 times into the program, so its text "
            "cannot hold buffer 'n''s placements: not expressible in HLO");
}

TEST(HloExportTest, RefusesAnotherProgramsAssignmentAndAModuleAfterMsa) {
  absl::StatusOr<proto::Program> program =
      ImportHlo("prefetch_stripped.hlo", PostMsa("prefetch_stripped.hlo"));
  ASSERT_TRUE(program.ok());
  proto::Assignment other;
  other.set_program_name("other");
  absl::StatusOr<std::string> out =
      ExportHlo("in.hlo", PostMsa("prefetch_stripped.hlo"), *program, other);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "the assignment is for program 'other', not 'prefetch'");
  proto::Assignment empty;
  out = ExportHlo("in.hlo", PostMsa("prefetch.hlo"), *program, empty);
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("in.hlo:6: the module already has values in S(n)"));
  out = ExportHlo("in.hlo", PostMsa("evict_prefetch_stripped.hlo"), *program, empty);
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(),
              HasSubstr("in.hlo: program 'prefetch' is not the one this module imports to"));
}

// What HLO lets an assignment say, written into the program by the import of a module before
// MSA: the instructions of the entry, the loop's condition and its body each carry their own
// computation; the loop state's elements the body replaces, which XLA colocates with their
// inits, are slow_only: zero and next ({0}), acc and y ({1}); x ({2}, passed through
// unchanged) is not; a buffer passed to a call is slow_only too. The
// module after MSA and --no-export-constraints import without them; every agent's assignment
// of the constrained program exports whole.
TEST(HloExportTest, ImportWritesWhatHloCanExpressIntoTheProgram) {
  const std::string text = PostMsa("while_kept_stripped.hlo");
  absl::StatusOr<proto::Program> program = ImportHlo("in.hlo", text);
  ASSERT_TRUE(program.ok()) << program.status();
  std::map<std::string, int> computation;
  for (const proto::Instruction& i : program->instructions())
    computation[i.name()] = i.computation();
  EXPECT_EQ(computation.at("x"), 0);
  EXPECT_EQ(computation.at("acc"), 0);
  EXPECT_EQ(computation.at("s"), 0);
  EXPECT_NE(computation.at("y"), 0);
  EXPECT_EQ(computation.at("next"), computation.at("y"));
  EXPECT_NE(computation.at("lt"), 0);
  EXPECT_NE(computation.at("lt"), computation.at("y"));
  std::map<std::string, bool> slow_only;
  for (const proto::Buffer& b : program->buffers()) slow_only[b.name()] = b.slow_only();
  for (const char* colocated : {"zero", "next", "acc", "y"}) {
    EXPECT_TRUE(slow_only.at(colocated)) << colocated;
  }
  EXPECT_FALSE(slow_only.at("x"));
  EXPECT_THAT(absl::StrJoin(program->notes(), "\n"),
              HasSubstr("3 computations, a copy stays within one (instruction.computation); "
                        "slow_only: 4 buffers XLA colocates with another"));

  // n is passed to a call: the caller's copies could not reach the callee's read, so the
  // import (this module is CalleeModule, whose export the test above refuses) keeps n slow.
  absl::StatusOr<proto::Program> callee = ImportHlo("callee.hlo", CalleeModule());
  ASSERT_TRUE(callee.ok()) << callee.status();
  ASSERT_EQ(callee->buffers(1).name(), "n");
  EXPECT_TRUE(callee->buffers(1).slow_only());
  EXPECT_THAT(absl::StrJoin(callee->notes(), "\n"), HasSubstr(", 1 passed to a call"));

  HloImportOptions free;
  free.export_constraints = false;
  for (const absl::StatusOr<proto::Program>& unconstrained :
       {ImportHlo("in.hlo", text, free),
        absl::StatusOr<proto::Program>(
            ImportHloWithAssignment("post.hlo", PostMsa("while_kept.hlo"))->program)}) {
    ASSERT_TRUE(unconstrained.ok()) << unconstrained.status();
    for (const proto::Instruction& i : unconstrained->instructions()) {
      EXPECT_EQ(i.computation(), 0) << i.name();
    }
    for (const proto::Buffer& b : unconstrained->buffers()) {
      if (b.name() == "acc" || b.name() == "y" || b.name() == "x") EXPECT_FALSE(b.slow_only());
    }
  }
}

}  // namespace
}  // namespace mmap_opt
