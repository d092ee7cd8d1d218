// The memory spaces of a written module's layouts, from its own dataflow, and the check that
// it reads back as the assignment it was written from.
//
// Why from the dataflow: a value reaches its readers through views, tuples, loop states and
// calls, and XLA wants one memory space at every position of a value. The importer already
// follows every value to its buffer and to the copy it came through, so it is asked rather than
// reasoned about again: what it says a position holds decides that position's S(n).
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "hlo_assignment.h"
#include "hlo_export.h"
#include "hlo_module.h"
#include "hlo_text_edit.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::hlo {
namespace {

using Site = std::pair<int, int>;                 // (computation, instruction).
using Spaces = std::map<std::vector<int>, bool>;  // Array path -> in S(1).

// `shape` (a result or an inline operand shape) with each array at a path in `spaces` set.
std::string Relayout(absl::string_view shape, const Spaces& spaces) {
  const std::string line = absl::StrCat("x = ", shape, " o()");
  std::optional<LineParts> parts = SplitInstructionLine(line);
  if (!parts) return std::string(shape);
  std::string out = line;
  for (auto a = parts->arrays.rbegin(); a != parts->arrays.rend(); ++a) {
    auto it = spaces.find(a->path);
    if (it == spaces.end()) continue;
    out.replace(
        a->span.begin, a->span.end - a->span.begin,
        WithMemorySpace(absl::string_view(line).substr(a->span.begin, a->span.end - a->span.begin),
                        it->second));
  }
  return out.substr(4, out.size() - 4 - 4);
}

std::string BufferName(const proto::Program& program, int64_t b) {
  return program.buffers(b).name();
}

// The first array path where `a` and `b` both name a memory space and disagree.
std::optional<std::pair<std::vector<int>, bool>> Disagree(const Spaces& a, const Spaces& b) {
  for (const auto& [leaf_path, fast] : a) {
    auto other = b.find(leaf_path);
    if (other != b.end() && other->second != fast) return std::make_pair(leaf_path, fast);
  }
  return std::nullopt;
}

// XLA gives every position of a colocated value one memory space: a loop's state (its init,
// the body's parameter and ROOT, the result) and a conditional's result (every branch's ROOT).
// The importer makes the init and the body's parameter, and the result and the last branch's
// ROOT, the same values; what is left to agree is checked here.
absl::Status CheckColocated(absl::string_view path, const Module& module,
                            std::map<Site, Spaces>& want) {
  for (size_t c = 0; c < module.computations.size(); ++c) {
    const auto& instructions = module.computations[c].instructions;
    for (size_t i = 0; i < instructions.size(); ++i) {
      const Instruction& inst = instructions[i];
      if (inst.opcode == "while") {
        std::optional<absl::string_view> raw = inst.Attribute("body");
        if (!raw) continue;
        absl::string_view name = *raw;
        absl::ConsumePrefix(&name, "%");
        auto body = module.computation_index.find(name);
        if (body == module.computation_index.end()) continue;
        const Computation& b = module.computations[body->second];
        if (b.parameters.empty()) continue;
        auto differ = Disagree(want[{body->second, b.parameters[0]}], want[{body->second, b.root}]);
        if (!differ) continue;
        const bool fast = differ->second;
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": '", inst.name, "': loop state element {", absl::StrJoin(differ->first, ","),
            "} enters the body in S(", fast ? 1 : 0, ") but the body ends it in S(", fast ? 0 : 1,
            ") (XLA keeps one memory space for a loop state): not expressible in HLO"));
      }
      if (inst.opcode == "conditional") {
        const Spaces& result = want[{static_cast<int>(c), static_cast<int>(i)}];
        for (int branch : inst.called) {
          const Computation& b = module.computations[branch];
          auto differ = Disagree(want[{branch, b.root}], result);
          if (!differ) continue;
          const bool fast = differ->second;
          return absl::InvalidArgumentError(absl::StrCat(
              path, ": '", inst.name, "': branch '", b.name, "' returns element {",
              absl::StrJoin(differ->first, ","), "} in S(", fast ? 1 : 0,
              ") but the conditional's result is in S(", fast ? 0 : 1,
              ") (XLA keeps one memory space for a conditional's result): not expressible in "
              "HLO"));
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> LayoutsFromDataflow(absl::string_view path, absl::string_view text,
                                                const absl::flat_hash_set<std::string>& produced,
                                                const HloImportOptions& options) {
  ASSIGN_OR_RETURN(Module module, ParseModule(path, text));
  MemorySpaces spaces;
  ImportTrace trace;
  ASSIGN_OR_RETURN(proto::Program program, ImportTraced(module, options, &spaces, &trace));
  std::map<Site, Spaces> want;
  for (size_t c = 0; c < trace.leaves.size(); ++c) {
    for (size_t i = 0; i < trace.leaves[c].size(); ++i) {
      for (const TraceLeaf& leaf : trace.leaves[c][i]) {
        const bool fast = leaf.copy >= 0 ? spaces.copies[leaf.copy].to_space == 1
                                         : produced.contains(BufferName(program, leaf.buffer));
        auto [it, inserted] = want[{c, i}].emplace(leaf.path, fast);
        if (!inserted && it->second != fast) {
          const Instruction& inst = module.computations[c].instructions[i];
          return absl::InvalidArgumentError(absl::StrCat(
              path, ": '", inst.name, "' is in computation '", module.computations[c].name,
              "', flattened more than once, and holds buffer '", BufferName(program, leaf.buffer),
              "' in S(1) in one flattening and S(0) in another: not "
              "expressible in HLO"));
        }
      }
    }
  }
  RETURN_IF_ERROR(CheckColocated(path, module, want));
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  for (const auto& [site, spaces_of] : want) {
    const Instruction& inst = module.computations[site.first].instructions[site.second];
    std::string& line = lines[inst.line - 1];
    std::optional<LineParts> parts = SplitInstructionLine(line);
    if (!parts) continue;
    std::vector<std::pair<TextSpan, std::string>> replace;
    replace.push_back(
        {parts->shape, Relayout(absl::string_view(line).substr(
                                    parts->shape.begin, parts->shape.end - parts->shape.begin),
                                spaces_of)});
    if (parts->operands.size() == inst.operands.size()) {
      for (size_t o = 0; o < parts->operands.size(); ++o) {
        const TextSpan span = parts->operands[o];
        const absl::string_view operand(line.data() + span.begin, span.end - span.begin);
        const size_t space = operand.rfind(' ');
        auto from = want.find({site.first, inst.operands[o]});
        if (space == absl::string_view::npos || from == want.end()) continue;
        replace.push_back(
            {{span.begin, span.begin + space}, Relayout(operand.substr(0, space), from->second)});
      }
    }
    std::sort(replace.begin(), replace.end(),
              [](const auto& x, const auto& y) { return x.first.begin > y.first.begin; });
    for (const auto& [span, with] : replace) line.replace(span.begin, span.end - span.begin, with);
  }
  // Operands of instructions the flattening never visited (fusion bodies) are left as printed.
  return absl::StrJoin(lines, "\n");
}

absl::Status CheckReadsBack(absl::string_view path, absl::string_view text,
                            const proto::Program& program, const proto::Assignment& assignment,
                            const HloImportOptions& options) {
  ASSIGN_OR_RETURN(HloImportWithAssignment back, ImportHloWithAssignment(path, text, options));
  auto key = [](const proto::Program& p, const proto::Placement& placement) {
    return absl::StrCat(p.buffers(placement.buffer_id()).name(), " ",
                        proto::Placement::Source_Name(placement.source()), " from ",
                        placement.copy_start(), " at ", placement.start());
  };
  std::map<std::string, int64_t> wanted, got;  // Placement -> its end.
  for (const proto::Placement& p : assignment.placements()) wanted[key(program, p)] = p.end();
  for (const proto::Placement& p : back.assignment.placements())
    got[key(back.program, p)] = p.end();
  auto describe = [](const std::map<std::string, int64_t>& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? std::string("nothing") : absl::StrCat(k, " to ", it->second);
  };
  for (const auto& [k, end] : wanted) {
    auto it = got.find(k);
    if (it != got.end() && it->second <= end) continue;
    return absl::InvalidArgumentError(absl::StrCat(path, ": placement ", k, " to ", end,
                                                   " would read back from the written HLO as ",
                                                   describe(got, k), ": not expressible in HLO"));
  }
  for (const auto& [k, end] : got) {
    if (wanted.count(k)) continue;
    return absl::InvalidArgumentError(absl::StrCat(path, ": the written HLO would read back ",
                                                   "with placement ", k, " to ", end,
                                                   ", which the assignment does not have: not "
                                                   "expressible in HLO"));
  }
  return absl::OkStatus();
}

}  // namespace mmap_opt::hlo
