#include "conformance_util.h"

#include <algorithm>
#include <map>

#include "gtest/gtest.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/model/program.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/sim/placement_semantics.h"
#include "mmap_opt/sim/simulator.h"
#include "mmap_opt/sim/validator.h"
#include "test_util.h"

namespace mmap_opt::testing {

proto::Hardware ConformanceHardware(const std::string& name) {
  absl::StatusOr<proto::Hardware> hw =
      ResolveHardware(SourcePath("tests/testdata/conformance/" + name + ".txtpb"));
  EXPECT_TRUE(hw.ok()) << hw.status();
  return hw.ok() ? *hw : proto::Hardware();
}

proto::Hardware XlaMsaTestHardware() { return ConformanceHardware("xla_msa_test"); }

HeuristicOptions XlaInstructionCountOptions(int64_t min_overlap, int64_t max_overlap) {
  HeuristicOptions options;
  options.prefetch.kind = PrefetchIntervalOptions::Kind::kInstructionCount;
  options.prefetch.min_overlap_count = min_overlap;
  options.prefetch.max_overlap_count = max_overlap;
  options.order = HeuristicOptions::Order::kSpatial;
  options.check_copy_bandwidth = false;
  return options;
}

std::string NegateChain(const std::string& input, int count, const std::string& shape,
                        const std::string& prefix) {
  std::string lines;
  for (int i = 0; i < count; ++i) {
    const std::string operand = i == 0 ? input : prefix + std::to_string(i - 1);
    lines += "  %" + prefix + std::to_string(i) + " = " + shape + " negate(%" + operand + ")\n";
  }
  return lines;
}

MsaRun::MsaRun(const std::string& hlo, const HeuristicOptions& options,
               const proto::Hardware& hardware) {
  // XLA's MSA places a loop state in alternate memory as one colocated allocation and issues
  // copies within each computation of the unflattened module; the export's constraints
  // (slow_only loop states, copies within one flattened computation) are a limit of our
  // flattened model, not of the decisions these scenarios pin down, so they are left out.
  HloImportOptions import;
  import.export_constraints = false;
  absl::StatusOr<proto::Program> proto = ImportHlo("conformance.hlo", hlo, import);
  EXPECT_TRUE(proto.ok()) << proto.status();
  if (!proto.ok()) return;
  absl::StatusOr<Program> program = Program::Create(*proto);
  EXPECT_TRUE(program.ok()) << program.status();
  if (!program.ok()) return;
  absl::StatusOr<CostModel> cost = CostModel::Create(*program, hardware);
  EXPECT_TRUE(cost.ok()) << cost.status();
  if (!cost.ok()) return;
  absl::StatusOr<proto::Assignment> assignment = RunMsaHeuristic(*cost, options);
  EXPECT_TRUE(assignment.ok()) << assignment.status();
  if (!assignment.ok()) return;
  absl::Status valid = ValidateAssignment(*program, hardware, *assignment);
  EXPECT_TRUE(valid.ok()) << valid;
  program_ = *proto;
  hardware_ = hardware;
  assignment_ = *assignment;
}

std::string MsaRun::Describe() const {
  std::string out;
  for (const proto::Placement& p : assignment_.placements()) {
    for (const proto::Buffer& b : program_.buffers()) {
      if (b.id() != p.buffer_id()) continue;
      out += b.name() +
             (p.source() == proto::Placement::PRODUCED ? " produced [" : " prefetched [") +
             std::to_string(p.start()) + ", " + std::to_string(p.end()) + "]";
      if (p.source() == proto::Placement::PREFETCHED)
        out += " from " + std::to_string(p.copy_start());
      out += " @" + std::to_string(p.offset()) + "\n";
    }
  }
  return out;
}

int64_t MsaRun::TimeOf(const std::string& instruction) const {
  for (int t = 0; t < program_.instructions_size(); ++t) {
    if (program_.instructions(t).name() == instruction) return t;
  }
  ADD_FAILURE() << "no instruction named " << instruction;
  return -1;
}

std::vector<proto::Placement> MsaRun::Of(const std::string& buffer) const {
  std::vector<proto::Placement> out;
  bool known = false;
  for (const proto::Buffer& b : program_.buffers()) known |= b.name() == buffer;
  EXPECT_TRUE(known) << "no buffer named " << buffer;
  for (const proto::Placement& p : assignment_.placements()) {
    for (const proto::Buffer& b : program_.buffers()) {
      if (b.id() == p.buffer_id() && b.name() == buffer) out.push_back(p);
    }
  }
  return out;
}

bool MsaRun::Produced(const std::string& buffer) const {
  std::vector<proto::Placement> p = Of(buffer);
  return p.size() == 1 && p[0].source() == proto::Placement::PRODUCED;
}

bool MsaRun::FastAt(const std::string& buffer, int64_t t) const {
  for (const proto::Placement& p : Of(buffer)) {
    if (p.start() <= t && t <= p.end()) return true;
  }
  return false;
}

std::vector<proto::Placement> MsaRun::Prefetches(const std::string& buffer) const {
  std::vector<proto::Placement> out;
  for (const proto::Placement& p : Of(buffer)) {
    if (p.source() == proto::Placement::PREFETCHED) out.push_back(p);
  }
  return out;
}

bool MsaRun::Evicted(const std::string& buffer) const {
  absl::StatusOr<Program> program = Program::Create(program_);
  if (!program.ok()) return false;
  for (const proto::Placement& p : Of(buffer)) {
    if (p.source() == proto::Placement::PRODUCED &&
        NeedsEviction(*program, *program->IndexOf(p.buffer_id()), p.end())) {
      return true;
    }
  }
  return false;
}

double MsaRun::Latency(const std::string& drop_buffer) const {
  absl::StatusOr<Program> program = Program::Create(program_);
  if (!program.ok()) return -1;
  absl::StatusOr<CostModel> cost = CostModel::Create(*program, hardware_);
  if (!cost.ok()) return -1;
  proto::Assignment kept = assignment_;
  kept.clear_placements();
  for (const proto::Placement& p : assignment_.placements()) {
    if (drop_buffer.empty() ||
        program_.buffers(*program->IndexOf(p.buffer_id())).name() != drop_buffer) {
      *kept.add_placements() = p;
    }
  }
  absl::StatusOr<SimulationResult> result = Simulate(*cost, kept);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? result->latency_s : -1;
}

int MsaRun::MaxOutstanding(bool prefetches) const {
  absl::StatusOr<Program> program = Program::Create(program_);
  if (!program.ok()) return -1;
  // +1 at a copy's issue boundary, -1 at its deadline: copies in flight over each boundary.
  std::map<int64_t, int> delta;
  for (const proto::Placement& p : assignment_.placements()) {
    const BufferIndex b = *program->IndexOf(p.buffer_id());
    if (p.source() == proto::Placement::PREFETCHED && prefetches) {
      const CopyWindow w =
          PrefetchWindow(p.copy_start(), *FirstUseIn(*program, b, p.start(), p.end()));
      ++delta[w.issue];
      --delta[w.deadline];
    } else if (p.source() == proto::Placement::PRODUCED && !prefetches &&
               NeedsEviction(*program, b, p.end())) {
      const CopyWindow w = EvictionWindow(p.start(), p.end());
      ++delta[w.issue];
      --delta[w.deadline];
    }
  }
  int now = 0, most = 0;
  for (const auto& [t, d] : delta) {
    now += d;
    most = std::max(most, now);
  }
  return most;
}

MsaRun RunXlaMsa(const std::string& hlo, const HeuristicOptions& options) {
  return MsaRun(hlo, options, XlaMsaTestHardware());
}

}  // namespace mmap_opt::testing
