// Properties over random programs and random assignments: the validator agrees with a
// brute-force O(n^2) reading of the rules, and every valid assignment's latency respects the
// bounds. Every random choice comes from a seeded std::mt19937.
#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/sim/score.h"
#include "mmap_opt/sim/validator.h"
#include "sim/round_hardware.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::RoundHardware;
using proto::Placement;

int Uniform(std::mt19937& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

// 3-12 instructions; 1-4 inputs; each instruction reads up to 3 earlier buffers and defines
// one new buffer (90%); 20% of buffers are outputs, 10% slow-only.
Program RandomProgram(std::mt19937& rng) {
  proto::Program p;
  p.set_name("random");
  int next_id = 0;
  auto add_buffer = [&]() {
    proto::Buffer* b = p.add_buffers();
    b->set_id(next_id++);
    b->set_name(absl::StrCat("b", b->id()));
    b->set_size(Uniform(rng, 1, 20) * 10 - Uniform(rng, 0, 1) * 5);
    b->set_is_output(Uniform(rng, 0, 4) == 0);
    b->set_slow_only(Uniform(rng, 0, 9) == 0);
    return b;
  };
  const int inputs = Uniform(rng, 1, 4);
  for (int i = 0; i < inputs; ++i) add_buffer();
  const int n = Uniform(rng, 3, 12);
  for (int t = 0; t < n; ++t) {
    proto::Instruction* inst = p.add_instructions();
    inst->set_id(t);
    inst->set_name(absl::StrCat("i", t));
    inst->set_flops(Uniform(rng, 0, 3) * 500);
    inst->set_transcendentals(Uniform(rng, 0, 2) * 10);
    const int reads = Uniform(rng, 0, 3);
    for (int r = 0; r < reads; ++r) inst->add_operands(Uniform(rng, 0, next_id - 1));
    if (Uniform(rng, 0, 9) != 0) inst->add_outputs(add_buffer()->id());
  }
  return *Program::Create(std::move(p));
}

// A placement that is often valid and sometimes breaks one rule or another.
Placement RandomPlacement(const Program& program, std::mt19937& rng) {
  Placement p;
  const BufferIndex b = Uniform(rng, 0, program.num_buffers() - 1);
  p.set_buffer_id(program.buffer(b).id());
  p.set_offset(Uniform(rng, 0, 40) * 10 + (Uniform(rng, 0, 19) == 0 ? 5 : 0));
  const Time n = program.num_instructions();
  if (program.definition(b) && Uniform(rng, 0, 1) == 0) {
    p.set_source(Placement::PRODUCED);
    p.set_start(*program.definition(b) + (Uniform(rng, 0, 9) == 0 ? 1 : 0));
    p.set_end(p.start() + Uniform(rng, 0, 3));
  } else {
    p.set_source(Placement::PREFETCHED);
    absl::Span<const Time> uses = program.uses(b);
    const Time use = uses.empty() ? Uniform(rng, 0, n - 1) : uses[Uniform(rng, 0, uses.size() - 1)];
    p.set_start(use - Uniform(rng, 0, 2));
    p.set_end(use + Uniform(rng, 0, 2));
    p.set_copy_start(p.start() - Uniform(rng, -1, 3));
  }
  return p;
}

// The rules of placement_semantics.h and DESIGN.md §4, read literally, pair by pair.
bool BruteForceValid(const Program& program, const proto::Hardware& hw,
                     const proto::Assignment& a) {
  const Time n = program.num_instructions();
  struct Window {
    Time from, to;
  };  // Copy in flight over [from, to).
  std::vector<Window> prefetches, evictions;
  for (const Placement& p : a.placements()) {
    std::optional<BufferIndex> b = program.IndexOf(p.buffer_id());
    if (!b) return false;
    const proto::Buffer& buffer = program.buffer(*b);
    if (buffer.slow_only() || p.offset() % hw.fast_alignment() != 0 || p.offset() < 0 ||
        p.offset() + buffer.size() > hw.fast_capacity() || p.start() > p.end() || p.start() < 0 ||
        p.end() >= n) {
      return false;
    }
    int produced = 0;
    Time produced_end = -1;
    for (const Placement& q : a.placements()) {
      if (q.buffer_id() == p.buffer_id() && q.source() == Placement::PRODUCED) {
        if (produced++ == 0) produced_end = q.end();
      }
    }
    if (produced > 1) return false;
    absl::Span<const Time> uses = program.uses(*b);
    if (p.source() == Placement::PRODUCED) {
      if (!program.definition(*b) || p.start() != *program.definition(*b)) return false;
      bool later_use = std::any_of(uses.begin(), uses.end(), [&](Time u) { return u > p.end(); });
      if (buffer.is_output() || later_use) evictions.push_back({p.start() + 1, p.end() + 1});
    } else if (p.source() == Placement::PREFETCHED) {
      const Time ready =
          produced ? produced_end + 1 : (program.definition(*b) ? *program.definition(*b) + 1 : 0);
      if (p.copy_start() > p.start() || p.copy_start() < ready) return false;
      Time first_use = -1;
      for (Time u : uses) {
        if (u >= p.start() && u <= p.end()) {
          first_use = u;
          break;
        }
      }
      if (first_use < 0) return false;
      prefetches.push_back({p.copy_start(), first_use});
    } else {
      return false;
    }
  }
  auto occupied = [](const Placement& p) {
    return p.source() == Placement::PREFETCHED ? p.copy_start() : p.start();
  };
  for (int i = 0; i < a.placements_size(); ++i) {
    for (int j = i + 1; j < a.placements_size(); ++j) {
      const Placement& p = a.placements(i);
      const Placement& q = a.placements(j);
      const int64_t p_size = program.buffer(*program.IndexOf(p.buffer_id())).size();
      const int64_t q_size = program.buffer(*program.IndexOf(q.buffer_id())).size();
      const bool time = occupied(p) <= q.end() && occupied(q) <= p.end();
      const bool space = p.offset() < q.offset() + q_size && q.offset() < p.offset() + p_size;
      if (time && space) return false;
    }
  }
  auto over_limit = [&](const std::vector<Window>& windows, int limit) {
    if (limit < 0) return false;
    for (Time t = 0; t <= n; ++t) {
      int count = 0;
      for (const Window& w : windows) count += w.from <= t && t < std::max(w.to, w.from + 1);
      if (count > limit) return true;
    }
    return false;
  };
  return !over_limit(prefetches, hw.max_outstanding_prefetches()) &&
         !over_limit(evictions, hw.max_outstanding_evictions());
}

proto::Hardware RandomHardware(std::mt19937& rng) {
  proto::Hardware hw = RoundHardware();
  hw.set_fast_capacity(Uniform(rng, 20, 50) * 10);
  hw.set_max_outstanding_prefetches(Uniform(rng, -1, 2));
  hw.set_max_outstanding_evictions(Uniform(rng, -1, 2));
  return hw;
}

TEST(SimPropertyTest, ValidatorAgreesWithBruteForce) {
  int valid = 0, invalid = 0;
  for (int seed = 0; seed < 400; ++seed) {
    std::mt19937 rng(seed);
    Program program = RandomProgram(rng);
    proto::Hardware hw = RandomHardware(rng);
    proto::Assignment a;
    const int count = Uniform(rng, 0, 5);
    for (int i = 0; i < count; ++i) *a.add_placements() = RandomPlacement(program, rng);
    const bool expected = BruteForceValid(program, hw, a);
    std::vector<Violation> violations = FindViolations(program, hw, a);
    ASSERT_EQ(violations.empty(), expected)
        << "seed " << seed << ": " << (violations.empty() ? "" : violations[0].ToString()) << "\n"
        << a.DebugString();
    (expected ? valid : invalid) += 1;
  }
  // Both verdicts must be exercised, or the comparison says little.
  EXPECT_GT(valid, 60);
  EXPECT_GT(invalid, 60);
}

// Grows a valid assignment placement by placement, keeping each candidate that leaves it valid.
proto::Assignment RandomValidAssignment(const Program& program, const proto::Hardware& hw,
                                        std::mt19937& rng) {
  proto::Assignment a;
  a.set_program_name(program.name());
  for (int tries = 0; tries < 40; ++tries) {
    *a.add_placements() = RandomPlacement(program, rng);
    if (!FindViolations(program, hw, a).empty()) a.mutable_placements()->RemoveLast();
  }
  return a;
}

TEST(SimPropertyTest, LatencyRespectsTheBounds) {
  int with_copies = 0, with_stalls = 0;
  for (int seed = 0; seed < 300; ++seed) {
    std::mt19937 rng(1000 + seed);
    Program program = RandomProgram(rng);
    proto::Hardware hw = RandomHardware(rng);
    proto::Assignment a = RandomValidAssignment(program, hw, rng);
    CostModel model = *CostModel::Create(program, hw);
    absl::StatusOr<Score> score = ScoreAssignment(model, a);
    ASSERT_TRUE(score.ok()) << score.status();
    const SimulationResult& sim = score->simulation;
    const double eps = 1e-9 * score->bounds.all_slow_s;
    // Never better than infinite fast memory.
    EXPECT_GE(sim.latency_s, score->bounds.lower_bound_s - eps) << "seed " << seed;
    // Nor better than what a fast memory of this capacity can do.
    EXPECT_GE(score->bounds.capacity_bound_s, score->bounds.lower_bound_s - eps) << "seed " << seed;
    EXPECT_GE(sim.latency_s, score->bounds.capacity_bound_s - eps) << "seed " << seed;
    // Also for the heuristic's answer, which packs far more into fast memory than a random one.
    absl::StatusOr<proto::Assignment> heuristic = RunMsaHeuristic(model);
    ASSERT_TRUE(heuristic.ok()) << heuristic.status();
    EXPECT_GE(Simulate(model, *heuristic)->latency_s, score->bounds.capacity_bound_s - eps)
        << "seed " << seed;
    // Fast memory only ever speeds an instruction up (fast bandwidths exceed HBM's): without
    // the stalls the latency is at most all-slow. Stalls can make it worse (a prefetch that
    // cannot be hidden), but never by more than the copies' own time.
    EXPECT_LE(sim.latency_s - sim.stall_s, score->bounds.all_slow_s + eps) << "seed " << seed;
    EXPECT_LE(sim.stall_s, model.CopySeconds(sim.copy_bytes) + eps) << "seed " << seed;
    double sum = sim.final_stall_s;
    for (Time t = 0; t < program.num_instructions(); ++t) {
      const InstructionTiming& timing = sim.instructions[t];
      sum += timing.cost.elapsed_s + timing.stall_s;
      // Each instruction lies between its own bounds.
      EXPECT_LE(timing.cost.elapsed_s, model.AllSlowElapsed(t) + eps) << "seed " << seed;
      EXPECT_GE(timing.cost.elapsed_s, model.LowerBoundElapsed(t) - eps) << "seed " << seed;
    }
    EXPECT_NEAR(sum, sim.latency_s, eps);
    with_copies += sim.copy_bytes > 0;
    with_stalls += sim.stall_s > 0;
  }
  EXPECT_GT(with_copies, 100);
  EXPECT_GT(with_stalls, 10);
}

}  // namespace
}  // namespace mmap_opt
