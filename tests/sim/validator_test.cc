// Every validator rule, one small assignment each, on RoundHardware (1000 B of fast memory,
// 10 B alignment).
#include "mmap_opt/sim/validator.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/round_hardware.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::AssignmentFromText;
using ::mmap_opt::testing::ProgramFromText;
using ::mmap_opt::testing::RoundHardware;
using ::testing::HasSubstr;

// t0 a: x -> y.   t1 b: p, y, s -> o.   t2 c: q -> r.   t3 d: q, o.
// x, p, q, s are inputs; s is slow_only; o and r are outputs; o is used again at t3.
Program ValidatorProgram() {
  return *Program::Create(ProgramFromText(R"pb(
    name: "v"
    buffers { id: 1 name: "x" size: 10 }
    buffers { id: 2 name: "y" size: 10 }
    buffers { id: 3 name: "p" size: 30 }
    buffers { id: 4 name: "q" size: 30 }
    buffers { id: 5 name: "s" size: 10 slow_only: true }
    buffers { id: 6 name: "o" size: 100 is_output: true }
    buffers { id: 7 name: "r" size: 10 is_output: true }
    instructions { id: 0 name: "a" operands: 1 outputs: 2 }
    instructions {
      id: 1
      name: "b"
      operands: [ 3, 2, 5 ]
      outputs: 6
    }
    instructions { id: 2 name: "c" operands: 4 outputs: 7 }
    instructions {
      id: 3
      name: "d"
      operands: [ 4, 6 ]
    }
  )pb"));
}

struct Case {
  std::string name;
  std::string placements;  // Text of the Assignment's placements.
  ViolationKind kind;
  int placement;       // Which placement the violation names.
  std::string reason;  // A piece of the reason.
};

class ValidatorRuleTest : public ::testing::TestWithParam<Case> {};

TEST_P(ValidatorRuleTest, ReportsThePlacementAndReason) {
  const Case& c = GetParam();
  Program program = ValidatorProgram();
  proto::Hardware hardware = RoundHardware();
  hardware.set_max_outstanding_prefetches(1);
  hardware.set_max_outstanding_evictions(1);
  std::vector<Violation> violations =
      FindViolations(program, hardware, AssignmentFromText(c.placements));
  ASSERT_EQ(violations.size(), 1u) << violations[violations.size() > 1].ToString();
  EXPECT_EQ(violations[0].kind, c.kind) << violations[0].ToString();
  EXPECT_EQ(violations[0].placement, c.placement);
  EXPECT_THAT(violations[0].ToString(), HasSubstr(c.reason));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ValidatorRuleTest,
    ::testing::Values(
        Case{"WrongProgram", R"pb(program_name: "w")pb", ViolationKind::kWrongProgram, -1,
             "for program 'w', not 'v'"},
        Case{"UnknownBuffer", "placements { buffer_id: 99 source: PRODUCED }",
             ViolationKind::kUnknownBuffer, 0, "placement 0: buffer 99 does not exist"},
        Case{"NoSource", "placements { buffer_id: 2 }", ViolationKind::kNoSource, 0,
             "placement 0 (buffer 2 'y'): source must be"},
        Case{"StartAfterEnd", "placements { buffer_id: 2 start: 1 end: 0 source: PRODUCED }",
             ViolationKind::kStartAfterEnd, 0, "start 1 is after end 0"},
        Case{"EndOutsideProgram", "placements { buffer_id: 2 start: 0 end: 4 source: PRODUCED }",
             ViolationKind::kOutsideProgram, 0, "outside the program's times [0, 3]"},
        Case{"NegativeCopyStart",
             "placements { buffer_id: 3 start: 1 end: 1 source: PREFETCHED copy_start: -1 }",
             ViolationKind::kOutsideProgram, 0, "copy_start -1"},
        Case{"SlowOnly",
             "placements { buffer_id: 5 start: 1 end: 1 source: PREFETCHED copy_start: 0 }",
             ViolationKind::kSlowOnly, 0, "buffer 5 's'): the buffer is slow_only"},
        Case{"Misaligned", "placements { buffer_id: 2 offset: 15 end: 1 source: PRODUCED }",
             ViolationKind::kMisaligned, 0, "offset 15 is not a multiple of the alignment 10"},
        // p is 30 B: [980, 1010) sticks out of 1000 B.
        Case{"OverCapacity",
             "placements { buffer_id: 3 offset: 980 start: 1 end: 1 source: PREFETCHED }",
             ViolationKind::kOutOfCapacity, 0, "bytes [980, 1010) do not fit"},
        Case{"NegativeOffset",
             "placements { buffer_id: 3 offset: -10 start: 1 end: 1 source: PREFETCHED }",
             ViolationKind::kOutOfCapacity, 0, "bytes [-10, 20)"},
        Case{"ProducedLate", "placements { buffer_id: 2 start: 1 end: 1 source: PRODUCED }",
             ViolationKind::kProducedNotAtDefinition, 0,
             "starts at t=1 but the buffer is defined at t=0"},
        Case{"ProducedInput", "placements { buffer_id: 1 source: PRODUCED }",
             ViolationKind::kProducedNotAtDefinition, 0, "program input"},
        Case{"ProducedTwice",
             "placements { buffer_id: 2 end: 1 source: PRODUCED }"
             "placements { buffer_id: 2 offset: 100 source: PRODUCED }",
             ViolationKind::kProducedTwice, 1, "placement 0 already has this buffer PRODUCED"},
        Case{"CopyAfterStart",
             "placements { buffer_id: 3 start: 0 end: 1 source: PREFETCHED copy_start: 1 }",
             ViolationKind::kCopyAfterStart, 0, "copy_start 1 is after start 0"},
        // y is written at t0, so the earliest copy starts at boundary 1.
        Case{"PrefetchBeforeWrite",
             "placements { buffer_id: 2 start: 1 end: 1 source: PREFETCHED copy_start: 0 }",
             ViolationKind::kPrefetchBeforeSource, 0, "only written at t=0"},
        // o produced fast over [1, 2] is evicted by boundary 3; a prefetch at 2 is too early.
        Case{"PrefetchBeforeEviction",
             "placements { buffer_id: 6 start: 1 end: 2 source: PRODUCED }"
             "placements { buffer_id: 6 offset: 200 start: 3 end: 3 source: PREFETCHED "
             "copy_start: 2 }",
             ViolationKind::kPrefetchBeforeSource, 1,
             "in fast memory (placement 0) until its eviction at the end of t=2"},
        Case{"PrefetchCoversNoUse",
             "placements { buffer_id: 3 start: 2 end: 3 source: PREFETCHED copy_start: 0 }",
             ViolationKind::kPrefetchCoversNoUse, 0, "covers no use"},
        // p [0, 30) over [0, 1]; q [20, 50) over [0, 2].
        Case{"Overlap",
             "placements { buffer_id: 3 start: 0 end: 1 source: PREFETCHED copy_start: 0 }"
             "placements { buffer_id: 4 offset: 20 start: 2 end: 2 source: PREFETCHED "
             "copy_start: 0 }",
             ViolationKind::kOverlap, 1, "overlap placement 0 (buffer 3 'p') at offset 0"},
        // q's prefetch window [0, 2) holds offset 0 before its rectangle starts at t2.
        Case{"OverlapInPrefetchWindow",
             "placements { buffer_id: 4 start: 2 end: 2 source: PREFETCHED copy_start: 0 }"
             "placements { buffer_id: 3 start: 1 end: 1 source: PREFETCHED copy_start: 1 }",
             ViolationKind::kOverlap, 1, "overlap placement 0 (buffer 4 'q')"},
        // Limit 1: p's prefetch is in flight over [0, 1), q's over [0, 2).
        Case{"TooManyPrefetches",
             "placements { buffer_id: 3 start: 1 end: 1 source: PREFETCHED copy_start: 0 }"
             "placements { buffer_id: 4 offset: 100 start: 2 end: 2 source: PREFETCHED "
             "copy_start: 0 }",
             ViolationKind::kTooManyPrefetches, 1, "one of 2 in flight; the hardware allows 1"},
        // Limit 1: o's eviction is in flight over [2, 4), r's over [3, 4).
        Case{"TooManyEvictions",
             "placements { buffer_id: 6 start: 1 end: 3 source: PRODUCED }"
             "placements { buffer_id: 7 offset: 100 start: 2 end: 3 source: PRODUCED }",
             ViolationKind::kTooManyEvictions, 1, "max_outstanding_evictions"}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(ValidatorTest, AcceptsTouchingRectanglesAndBackToBackCopies) {
  Program program = ValidatorProgram();
  proto::Hardware hardware = RoundHardware();
  hardware.set_max_outstanding_prefetches(1);
  hardware.set_max_outstanding_evictions(1);
  // p at offset 0 over [0, 1], then q at offset 0 over [2, 3] (touching in time); p's copy
  // is in flight over [0, 1), q's over [2, 3). o is produced fast over [1, 2] (its eviction
  // in flight over [2, 3)) and prefetched back to the same offset from boundary 3, when the
  // evicted copy exists: the two rectangles touch. y sits in the last 10 B of the memory.
  proto::Assignment assignment = AssignmentFromText(R"pb(
    program_name: "v"
    placements { buffer_id: 3 offset: 0 start: 1 end: 1 source: PREFETCHED copy_start: 0 }
    placements { buffer_id: 4 offset: 0 start: 2 end: 3 source: PREFETCHED copy_start: 2 }
    placements { buffer_id: 2 offset: 990 start: 0 end: 1 source: PRODUCED }
    placements { buffer_id: 6 offset: 100 start: 1 end: 2 source: PRODUCED }
    placements { buffer_id: 6 offset: 100 start: 3 end: 3 source: PREFETCHED copy_start: 3 }
  )pb");
  std::vector<Violation> violations = FindViolations(program, hardware, assignment);
  EXPECT_TRUE(violations.empty()) << violations[0].ToString();
  EXPECT_TRUE(ValidateAssignment(program, hardware, assignment).ok());
}

TEST(ValidatorTest, StatusNamesFirstViolationAndCount) {
  Program program = ValidatorProgram();
  absl::Status status =
      ValidateAssignment(program, RoundHardware(), AssignmentFromText(R"pb(
                           placements { buffer_id: 2 offset: 5 end: 1 source: PRODUCED }
                           placements { buffer_id: 98 source: PRODUCED }
                           placements { buffer_id: 99 source: PRODUCED }
                         )pb"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("placement 0 (buffer 2 'y'): offset 5"));
  EXPECT_THAT(status.message(), HasSubstr("(and 2 more violations)"));
}

// t0 a (entry): x -> y.  t1 b, t2 c (a loop body flattened in, computation 1): y -> z;
// x, z, k -> w.  t3 d (entry): x, y, w -> o (an output). With every computation 0, the same placements are
// all valid.
proto::Program TwoComputations() {
  return ProgramFromText(R"pb(
    name: "c"
    buffers { id: 1 name: "x" size: 10 }
    buffers { id: 2 name: "y" size: 10 }
    buffers { id: 3 name: "z" size: 10 }
    buffers { id: 4 name: "w" size: 10 }
    buffers { id: 5 name: "o" size: 10 is_output: true }
    buffers { id: 6 name: "k" size: 10 }
    instructions { id: 0 name: "a" operands: 1 outputs: 2 }
    instructions { id: 1 name: "b" operands: 2 outputs: 3 computation: 1 }
    instructions {
      id: 2
      name: "c"
      operands: [ 1, 3, 6 ]
      outputs: 4
      computation: 1
    }
    instructions {
      id: 3
      name: "d"
      operands: [ 1, 2, 4 ]
      outputs: 5
    }
  )pb");
}

TEST(ValidatorTest, CopiesStayWithinOneComputation) {
  const proto::Program proto = TwoComputations();
  const Program program = *Program::Create(proto);
  proto::Program flat = proto;
  for (proto::Instruction& i : *flat.mutable_instructions()) i.clear_computation();
  const Program one = *Program::Create(flat);
  struct Check {
    std::string placements;
    std::vector<ViolationKind> kinds;  // With the computations; none without.
  };
  const std::vector<Check> checks = {
      // x for c (computation 1) issued at boundary 0 (a, the entry): across; at 1: within.
      {"placements { buffer_id: 1 start: 2 end: 2 source: PREFETCHED copy_start: 0 }",
       {ViolationKind::kCopyAcrossComputations}},
      {"placements { buffer_id: 1 start: 2 end: 2 source: PREFETCHED copy_start: 1 }", {}},
      // k started and done at boundary 0 (the entry) for its first use, c: across too.
      {"placements { buffer_id: 6 start: 0 end: 2 source: PREFETCHED copy_start: 0 }",
       {ViolationKind::kCopyAcrossComputations}},
      // y produced at t0 (entry) and read again at t3: ending at t1 it is evicted in the body.
      {"placements { buffer_id: 2 start: 0 end: 1 source: PRODUCED }",
       {ViolationKind::kEvictionAcrossComputations}},
      // ...ending at t3 (entry) it needs no eviction; z lives and dies in the body.
      {"placements { buffer_id: 2 start: 0 end: 3 source: PRODUCED }"
       "placements { buffer_id: 3 offset: 100 start: 1 end: 2 source: PRODUCED }",
       {}},
      // w is defined in the body and read last at t3: kept until then, no eviction is due.
      {"placements { buffer_id: 4 start: 2 end: 3 source: PRODUCED }", {}},
  };
  for (const Check& check : checks) {
    const proto::Assignment assignment = AssignmentFromText(check.placements);
    std::vector<ViolationKind> kinds;
    for (const Violation& v : FindViolations(program, RoundHardware(), assignment)) {
      kinds.push_back(v.kind);
      EXPECT_THAT(v.ToString(), HasSubstr("HLO cannot express it"));
    }
    EXPECT_EQ(kinds, check.kinds) << check.placements;
    EXPECT_TRUE(FindViolations(one, RoundHardware(), assignment).empty()) << check.placements;
  }
}

TEST(ValidatorTest, KindNamesAreDistinct) {
  std::set<std::string> names;
  for (int k = 0; k <= static_cast<int>(ViolationKind::kEvictionAcrossComputations); ++k) {
    names.insert(std::string(ViolationKindName(static_cast<ViolationKind>(k))));
  }
  EXPECT_EQ(names.size(), 18u);
  EXPECT_EQ(names.count("unknown"), 0u);
}

}  // namespace
}  // namespace mmap_opt
