// The structure-aware target: the bytes choose a program that always validates, a hardware
// and placements that are mostly plausible, so that the validator and the simulator see
// valid assignments often. Placements the validator faults are dropped and the rest checked
// again until what remains is valid (or empty); every round checks that Simulate agrees with
// the validator, and the valid one that it scores within the bounds (check.h).
#include <algorithm>
#include <cstring>
#include <vector>

#include "check.h"
#include "mmap_opt/model/hardware.h"
#include "targets.h"

namespace mmap_opt::fuzz {
namespace {

// Reads the fuzzer's bytes as a stream of choices; past the end every choice is its lowest.
class Choices {
 public:
  Choices(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  // Uniform-ish in [lo, hi] from as few bytes as the range needs.
  int64_t Int(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    const uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    uint64_t value = 0;
    for (uint64_t covered = 0; covered < range && pos_ < size_; covered = (covered << 8) | 0xff) {
      value = (value << 8) | data_[pos_++];
    }
    return static_cast<int64_t>(static_cast<uint64_t>(lo) +
                                (range == UINT64_MAX ? value : value % (range + 1)));
  }
  bool Bool() { return Int(0, 1) == 1; }
  // True about once in `n`.
  bool OneIn(int n) { return Int(0, n - 1) == 0; }
  template <typename T>
  T Pick(std::initializer_list<T> options) {
    return options.begin()[Int(0, static_cast<int64_t>(options.size()) - 1)];
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

struct Built {
  proto::Program program;
  std::vector<int64_t> definition;  // By buffer index; -1 for inputs.
  std::vector<std::vector<int64_t>> uses;
};

Built BuildProgram(Choices& in) {
  Built built;
  const int64_t num_instructions = in.Int(1, 40);
  const int64_t num_buffers = in.Int(1, 40);
  proto::Program& p = built.program;
  p.set_name("fuzz");
  for (int64_t t = 0; t < num_instructions; ++t) {
    proto::Instruction* inst = p.add_instructions();
    inst->set_id(t * 7 + 3);  // Ids are not times.
    inst->set_name("i");
    inst->set_opcode("op");
    inst->set_flops(in.Pick<double>({0, 1e3, 1e6, 1e9, 1e12, 1e15}) * static_cast<double>(in.Int(1, 9)));
    if (in.OneIn(4)) inst->set_transcendentals(in.Pick<double>({1e3, 1e6, 1e9}));
  }
  built.definition.resize(num_buffers);
  built.uses.resize(num_buffers);
  for (int64_t b = 0; b < num_buffers; ++b) {
    proto::Buffer* buffer = p.add_buffers();
    buffer->set_id(1000 - b * 5);
    buffer->set_name("b");
    const int shift = static_cast<int>(in.Int(0, 40));
    buffer->set_size(in.Int(1, int64_t{1} << shift));
    int64_t def = -1;
    if (!in.OneIn(4)) {
      def = in.Int(0, num_instructions - 1);
      buffer->set_defined_by(p.instructions(def).id());
      p.mutable_instructions(def)->add_outputs(buffer->id());
    }
    built.definition[b] = def;
    const int64_t first_use = def + 1;
    if (first_use < num_instructions) {
      for (int64_t n = in.Int(0, 3); n > 0; --n) {
        const int64_t t = in.Int(first_use, num_instructions - 1);
        p.mutable_instructions(t)->add_operands(buffer->id());
        built.uses[b].push_back(t);
      }
    }
    std::sort(built.uses[b].begin(), built.uses[b].end());
    buffer->set_is_output(in.OneIn(3));
    buffer->set_slow_only(in.OneIn(8));
  }
  // Some instructions read or write a part (or a multiple) of their buffers.
  for (proto::Instruction& inst : *p.mutable_instructions()) {
    if (!in.OneIn(4)) continue;
    for (int i = 0; i < inst.operands_size(); ++i) inst.add_operand_bytes(in.Int(0, 1 << 20));
    for (int i = 0; i < inst.outputs_size(); ++i) inst.add_output_bytes(in.Int(0, 1 << 20));
  }
  return built;
}

proto::Hardware BuildHardware(Choices& in) {
  const std::vector<std::string> presets = HardwarePresetNames();
  proto::Hardware hw = HardwarePreset(presets[in.Int(0, presets.size() - 1)]).value();
  hw.set_fast_capacity(in.Pick<int64_t>({0, 64, 4096, 1 << 20, int64_t{1} << 30,
                                         int64_t{1} << 40}) *
                       in.Int(1, 4));
  hw.set_fast_alignment(in.Pick<int64_t>({1, 2, 8, 64, 512}));
  if (in.OneIn(3)) hw.set_async_copy_fraction(in.Pick<double>({1e-3, 0.1, 0.5, 1.0}));
  hw.set_max_outstanding_prefetches(static_cast<int32_t>(in.Int(-1, 4)));
  hw.set_max_outstanding_evictions(static_cast<int32_t>(in.Int(-1, 4)));
  if (in.OneIn(4)) hw.set_slow_bandwidth(in.Pick<double>({1e6, 1e9, 1e12}));
  return hw;
}

proto::Assignment BuildAssignment(Choices& in, const Built& built, const proto::Hardware& hw) {
  proto::Assignment assignment;
  assignment.set_program_name(built.program.name());
  const int64_t num_instructions = built.program.instructions_size();
  const int64_t last = num_instructions - 1;
  const int64_t slots = std::max<int64_t>(1, hw.fast_capacity() / hw.fast_alignment());
  for (int64_t n = in.Int(0, 24); n > 0; --n) {
    const int64_t b = in.Int(0, built.program.buffers_size() - 1);
    proto::Placement* p = assignment.add_placements();
    p->set_buffer_id(built.program.buffers(b).id());
    p->set_offset(hw.fast_alignment() * in.Int(0, std::min<int64_t>(slots - 1, 1 << 16)));
    const int64_t def = built.definition[b];
    if (def >= 0 && in.Bool()) {
      p->set_source(proto::Placement::PRODUCED);
      p->set_start(def);
      p->set_end(in.Int(def, last));
    } else {
      p->set_source(proto::Placement::PREFETCHED);
      // Aim at a use most of the time, so that the prefetch covers one.
      const std::vector<int64_t>& uses = built.uses[b];
      const int64_t target = !uses.empty() && !in.OneIn(4)
                                 ? uses[in.Int(0, uses.size() - 1)]
                                 : in.Int(0, last);
      p->set_start(in.Int(std::max<int64_t>(0, def + 1), std::max<int64_t>(0, target)));
      p->set_end(in.Int(target, last));
      p->set_copy_start(in.Int(std::max<int64_t>(0, def + 1), p->start()));
    }
    // Now and then a field anywhere at all, for the validator's sake.
    if (in.OneIn(16)) {
      switch (in.Int(0, 5)) {
        case 0: p->set_offset(in.Int(INT64_MIN, INT64_MAX)); break;
        case 1: p->set_start(in.Int(-2, num_instructions + 1)); break;
        case 2: p->set_end(in.Int(INT64_MIN, INT64_MAX)); break;
        case 3: p->set_copy_start(in.Int(INT64_MIN, INT64_MAX)); break;
        case 4: p->set_buffer_id(in.Int(-1, 1001)); break;
        default: p->set_source(static_cast<proto::Placement::Source>(in.Int(0, 2))); break;
      }
    }
  }
  return assignment;
}

}  // namespace

void FuzzSchedule(const uint8_t* data, size_t size) {
  Choices in(data, size);
  Built built = BuildProgram(in);
  const proto::Hardware hardware = BuildHardware(in);
  proto::Assignment assignment = BuildAssignment(in, built, hardware);
  absl::StatusOr<Program> program = Program::Create(built.program);
  FuzzCheck(program.ok(), std::string("a program built to be valid is not: ") +
                              std::string(program.status().message()));
  // A raised slow_bandwidth can pass the fast memory's; ValidateHardware refuses that.
  absl::StatusOr<CostModel> model = CostModel::Create(*program, hardware);
  CheckOneLine(model.status());
  if (!model.ok()) return;
  CheckScoreWithinBounds(*model, EmptyAssignment(*program), {});
  for (int round = 0; round < 8; ++round) {
    const std::vector<Violation> violations = FindViolations(*program, hardware, assignment);
    CheckScoreWithinBounds(*model, assignment, violations);
    if (violations.empty()) return;
    std::vector<bool> faulty(assignment.placements_size(), false);
    for (const Violation& v : violations) {
      if (v.placement < 0) return;  // The whole assignment is wrong; nothing to drop.
      faulty[v.placement] = true;
    }
    proto::Assignment kept;
    kept.set_program_name(assignment.program_name());
    for (int i = 0; i < assignment.placements_size(); ++i) {
      if (!faulty[i]) *kept.add_placements() = assignment.placements(i);
    }
    assignment = std::move(kept);
  }
}

}  // namespace mmap_opt::fuzz
