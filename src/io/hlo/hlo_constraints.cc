// What HLO lets an assignment say, written into an imported program so that every agent plans
// within it (docs/reference.md, "Round trip with XLA"). Our program flattens loop bodies,
// branches and calls into one timeline and gives each value its own buffer; HLO keeps an async
// copy inside one computation, prints a computation flattened twice once, and colocates a
// loop's state and a conditional's branch results. So:
// - each instruction carries its computation (0 the entry): the validator, the prefetch picker
//   and the agents keep a prefetch's copy within the computation of the use it serves, and a
//   produced buffer's eviction within the computation of its definition;
// - a buffer XLA colocates with another one (an updated loop-carried value and the init it
//   replaces, a conditional's branch results), that a computation flattened more than once
//   holds (one text for several program copies), or that is passed to a `call` as an argument
//   (the callee reads the caller's value itself: a copy in the caller cannot reach it, since a
//   call is not program work whose operand could be rewired), is slow_only.
#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "hlo_assignment.h"

namespace mmap_opt::hlo {

std::set<int64_t> ColocatedBuffers(const Module& module, const ImportTrace& trace) {
  std::set<int64_t> out;
  auto leaves = [&](int c, int i) -> const std::vector<TraceLeaf>& { return trace.leaves[c][i]; };
  for (const Computation& computation : module.computations) {
    for (const Instruction& inst : computation.instructions) {
      if (inst.opcode == "conditional") {
        for (int branch : inst.called) {
          for (const TraceLeaf& leaf : leaves(branch, module.computations[branch].root)) {
            out.insert(leaf.buffer);
          }
        }
      }
      if (inst.opcode != "while") continue;
      for (int called : inst.called) {  // The body's state: elements it replaces.
        const Computation& body = module.computations[called];
        if (body.parameters.empty()) continue;
        std::map<std::vector<int>, int64_t> entering;
        for (const TraceLeaf& leaf : leaves(called, body.parameters[0])) {
          entering[leaf.path] = leaf.buffer;
        }
        for (const TraceLeaf& leaf : leaves(called, body.root)) {
          auto in = entering.find(leaf.path);
          if (in == entering.end() || in->second == leaf.buffer) continue;
          out.insert(in->second);
          out.insert(leaf.buffer);
        }
      }
    }
  }
  return out;
}

void AddExpressibilityConstraints(const Module& module, const ImportTrace& trace,
                                  proto::Program* program) {
  // Computation ids: the entry 0, the others numbered as they first appear in the schedule.
  std::map<int, int> id{{module.entry, 0}};
  for (int t = 0; t < program->instructions_size(); ++t) {
    const int c = trace.origin[t].first;
    auto [it, added] = id.emplace(c, static_cast<int>(id.size()));
    program->mutable_instructions(t)->set_computation(it->second);
  }
  std::set<int64_t> held_twice;
  for (size_t c = 0; c < trace.leaves.size(); ++c) {
    if (trace.flattenings[c] <= 1) continue;
    for (const std::vector<TraceLeaf>& leaves : trace.leaves[c]) {
      for (const TraceLeaf& leaf : leaves) held_twice.insert(leaf.buffer);
    }
  }
  std::set<int64_t> call_arguments;
  for (size_t c = 0; c < trace.leaves.size(); ++c) {
    if (trace.flattenings[c] == 0) continue;  // Not flattened: no leaves recorded.
    for (const Instruction& inst : module.computations[c].instructions) {
      if (inst.opcode != "call") continue;
      for (int operand : inst.operands) {
        for (const TraceLeaf& leaf : trace.leaves[c][operand]) call_arguments.insert(leaf.buffer);
      }
    }
  }
  const std::set<int64_t> colocated = ColocatedBuffers(module, trace);
  int colocated_kept = 0, held_twice_kept = 0, call_arguments_kept = 0;
  for (int64_t b = 0; b < program->buffers_size(); ++b) {
    proto::Buffer* buffer = program->mutable_buffers(b);
    if (buffer->slow_only()) continue;
    if (colocated.count(b)) {
      ++colocated_kept;
    } else if (held_twice.count(b)) {
      ++held_twice_kept;
    } else if (call_arguments.count(b)) {
      ++call_arguments_kept;
    } else {
      continue;
    }
    buffer->set_slow_only(true);
  }
  if (id.size() > 1 || colocated_kept + held_twice_kept + call_arguments_kept > 0) {
    program->add_notes(absl::StrCat(
        "as HLO can express it: ", id.size(), " computations, a copy stays within one (",
        "instruction.computation); slow_only: ", colocated_kept,
        " buffers XLA colocates with another (loop states, branch results), ", held_twice_kept,
        " held by a computation flattened more than once, ", call_arguments_kept,
        " passed to a call"));
  }
}

}  // namespace mmap_opt::hlo
