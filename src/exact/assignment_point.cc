// MappingMip::MapAssignment: the model's point for a valid assignment. This is the argument
// that the model relaxes the simulator, written as code so that tests can run it on every
// agent's answers: each decision the assignment makes maps to a column whose costs (fast
// memory, copy bytes, copy window) are at most the assignment's own.
#include <algorithm>

#include "exact/mapping_mip.h"
#include "mmap_opt/sim/placement_semantics.h"

namespace mmap_opt::exact {

std::vector<double> MappingMip::MapAssignment(const proto::Assignment& assignment,
                                              const SimulationResult& simulation) const {
  const Program& program = cost_->program();
  const Time n = program.num_instructions();
  const double unit = 1 / seconds_per_unit_;
  std::vector<double> x(columns_.size(), 0);
  for (Time t = 0; t < n; ++t) {
    const InstructionTiming& timing = simulation.instructions[t];
    x[elapsed_[t]] = timing.cost.elapsed_s * unit;
    x[stall_[t]] = timing.stall_s * unit;
    x[prefix_[t + 1]] = x[prefix_[t]] + (timing.cost.slow_idle_s + timing.stall_s) * unit;
  }
  x[stall_[n]] = simulation.final_stall_s * unit;

  std::vector<std::vector<const proto::Placement*>> placements(program.num_buffers());
  for (const proto::Placement& p : assignment.placements()) {
    placements[*program.IndexOf(p.buffer_id())].push_back(&p);
  }
  for (const BufferVars& vars : buffers_) {
    const proto::Placement* produced = nullptr;
    for (const proto::Placement* p : placements[vars.buffer]) {
      if (p->source() == proto::Placement::PRODUCED) produced = p;
    }
    if (produced != nullptr) x[vars.produced] = 1;
    for (size_t j = 0; j < vars.uses.size(); ++j) {
      const UseVars& use = vars.uses[j];
      auto covers = [&](const proto::Placement* p) {
        return p->start() <= use.time && use.time <= p->end();
      };
      if (produced != nullptr && covers(produced)) {  // Then it covers every earlier access.
        x[use.keep] = 1;
        continue;
      }
      // A prefetch that covers the use: the one that starts first (it may cover the previous
      // use too, and then the data is kept from there).
      const proto::Placement* prefetch = nullptr;
      for (const proto::Placement* p : placements[vars.buffer]) {
        if (p->source() == proto::Placement::PREFETCHED && covers(p) &&
            (prefetch == nullptr || p->start() < prefetch->start())) {
          prefetch = p;
        }
      }
      if (prefetch == nullptr) continue;  // Read from slow memory.
      if (use.previous >= 0 && prefetch->start() <= use.previous) {
        x[use.keep] = 1;
        continue;
      }
      // Its copy is due at this use (its first) and issued at copy_start.
      const Time c = prefetch->copy_start();
      bool placed = false;
      for (const UseVars::Bucket& bucket : use.buckets) {
        if (bucket.lowest <= c && c <= bucket.latest) {
          x[bucket.column] = 1;
          placed = true;
        }
      }
      if (!placed && use.early >= 0) x[use.early] = 1;
    }
    // The PRODUCED run: produced and kept through use j.
    double run = x[vars.produced >= 0 ? vars.produced : 0];
    for (size_t j = 0; j < vars.run.size(); ++j) {
      run = run > 0.5 && x[vars.uses[j].keep] > 0.5 ? 1 : 0;
      x[vars.run[j]] = run;
    }
  }
  return x;
}

}  // namespace mmap_opt::exact
