// The copies of an assignment written into the HLO text its program came from, as XLA's MSA
// writes them (the first pass of `export hlo`; src/io/hlo/hlo_export.cc runs the passes).
//
// The module was imported again with a trace of which HLO instruction made each program
// instruction and which values hold each buffer; its text is edited:
// - a PRODUCED buffer: `S(1)` in the layout of its definition and of every value that aliases
//   it (the layouts pass settles the aliases); when it is needed in slow memory later (a later
//   read or an output, as the simulator decides), an eviction copy-start/copy-done right after
//   its placement's last instruction, and the later reads (and tuples) of this computation
//   take the copy-done;
// - a PREFETCHED placement: a copy-start just before its copy_start instruction, a copy-done
//   just before its start, and the reads (and tuples) inside [start, end] take the copy-done;
// - every computation flattened into the program is printed in the program's order, and the
//   module says is_scheduled=true.
// What this pass cannot write (a copy that starts in one computation and ends in another, a
// read through a reshaping view, a computation flattened twice with placements inside, a
// tuple's pointer table, an output still in fast memory at the end) is a one-line error.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "hlo_assignment.h"
#include "hlo_export.h"
#include "hlo_module.h"
#include "hlo_text_edit.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

using hlo::ImportTrace;
using hlo::Module;
using hlo::TraceRef;

using Site = std::pair<int, int>;  // (computation, instruction).

// The edits of one instruction line.
struct LineEdit {
  std::set<std::vector<int>> fast;          // Array paths of its result now in S(1).
  std::set<std::vector<int>> slow;          // Paths kept in S(0) although aliases are fast.
  std::map<int, std::string> operands;      // Operand index -> the name it now reads.
  std::map<int, std::string> operand_type;  // Operand index -> its new inline shape.
  std::vector<std::string> before, after;   // New lines around it.
};

// A value of some buffer that a new copy can name: an instruction's array or one element.
struct Handle {
  std::string name;   // What a copy-start reads (an existing or a new get-tuple-element).
  std::string array;  // Its array text, in S(0).
  std::vector<std::string> lines;  // A get-tuple-element to add first, if any.
};

class Exporter {
 public:
  Exporter(const Module& module, absl::string_view text, const proto::Program& program,
           const proto::Assignment& assignment, const ImportTrace& trace)
      : module_(module),
        program_(program),
        assignment_(assignment),
        trace_(trace),
        lines_(absl::StrSplit(text, '\n')) {
    for (const hlo::Computation& c : module.computations) {
      for (const hlo::Instruction& i : c.instructions) names_.insert(std::string(i.name));
    }
    position_.resize(module.computations.size());
    for (size_t c = 0; c < module.computations.size(); ++c) {
      for (size_t k = 0; k < trace.order[c].size(); ++k) position_[c][trace.order[c][k]] = k;
    }
  }

  absl::StatusOr<std::string> Run() {
    std::vector<const proto::Placement*> produced(program_.buffers_size(), nullptr);
    std::vector<std::vector<const proto::Placement*>> prefetches(program_.buffers_size());
    for (const proto::Placement& p : assignment_.placements()) {
      if (p.source() == proto::Placement::PRODUCED) {
        produced[p.buffer_id()] = &p;
      } else {
        prefetches[p.buffer_id()].push_back(&p);
      }
    }
    absl::flat_hash_set<int64_t> arrays;  // Buffers some array value holds (not tables).
    for (const auto& computation : trace_.leaves) {
      for (const auto& leaves : computation) {
        for (const hlo::TraceLeaf& leaf : leaves) arrays.insert(leaf.buffer);
      }
    }
    for (const proto::Placement& p : assignment_.placements()) {
      if (!arrays.count(p.buffer_id())) {
        return absl::InvalidArgumentError(absl::StrCat(
            module_.path, ": buffer '", BufferName(p.buffer_id()),
            "' is in fast memory but is no array of the module (a tuple's pointer table): not "
            "expressible in HLO"));
      }
    }
    for (int64_t b = 0; b < program_.buffers_size(); ++b) {
      std::sort(prefetches[b].begin(), prefetches[b].end(),
                [](const auto* x, const auto* y) { return x->start() < y->start(); });
      if (produced[b] != nullptr) RETURN_IF_ERROR(Produced(b, *produced[b], prefetches[b]));
      for (const proto::Placement* p : prefetches[b]) RETURN_IF_ERROR(Prefetched(b, *p));
    }
    return Print();
  }

 private:
  absl::Status Error(int line, absl::string_view message) const {
    return hlo::ErrorAt(module_.path, line, message);
  }

  const hlo::Instruction& Inst(Site s) const {
    return module_.computations[s.first].instructions[s.second];
  }
  const std::string& BufferName(int64_t b) const { return program_.buffers(b).name(); }
  Site Origin(int64_t t) const { return trace_.origin[t]; }

  // A name no instruction has yet.
  std::string NewName(absl::string_view base) {
    std::string clean(base);  // Buffer names carry tuple indices ("x{1}") and "@2" suffixes.
    for (char& ch : clean) {
      if (!absl::ascii_isalnum(ch) && ch != '.' && ch != '-' && ch != '_') ch = '.';
    }
    std::string name = clean;
    for (int k = 1; names_.count(name); ++k) name = absl::StrCat(clean, ".", k);
    names_.insert(name);
    return name;
  }

  absl::Status RequireSingle(int computation, int line, int64_t b) const {
    if (trace_.flattenings[computation] <= 1) return absl::OkStatus();
    return Error(line, absl::StrCat("computation '", module_.computations[computation].name,
                                    "' is flattened ", trace_.flattenings[computation],
                                    " times into the program, so its text cannot hold buffer '",
                                    BufferName(b), "''s placements: not expressible in HLO"));
  }

  // The array text of `path` in the result of instruction `site`, from its line.
  std::optional<std::string> ArrayText(Site site, const std::vector<int>& path) const {
    const std::string& line = lines_[Inst(site).line - 1];
    std::optional<hlo::LineParts> parts = hlo::SplitInstructionLine(line);
    if (!parts) return std::nullopt;
    for (const hlo::ArraySpan& a : parts->arrays) {
      if (a.path == path) return line.substr(a.span.begin, a.span.end - a.span.begin);
    }
    return std::nullopt;
  }

  // A value holding buffer b (as defined) in `computation`, printed before position `limit`
  // of its order: the array itself, or an element of a tuple (through a new
  // get-tuple-element).
  std::optional<Handle> FindHandle(int64_t b, int computation, size_t limit, bool fast) {
    const std::vector<int>& order = trace_.order[computation];
    std::optional<std::pair<Site, std::vector<int>>> best;
    bool hoist = false;
    for (size_t k = 0; k < order.size(); ++k) {
      // Parameters and constants read nothing, so one printed later can move up.
      const absl::string_view op = module_.computations[computation].instructions[order[k]].opcode;
      const bool late = k >= limit;
      if (late && op != "parameter" && op != "constant") continue;
      for (const hlo::TraceLeaf& leaf : trace_.leaves[computation][order[k]]) {
        if (leaf.buffer != b || leaf.copy != -1 || leaf.path.size() > 1) continue;
        if (!best || (hoist && !late) ||
            (hoist == late && leaf.path.size() < best->second.size())) {
          best = std::make_pair(Site{computation, order[k]}, leaf.path);
          hoist = late;
        }
      }
    }
    if (!best) return std::nullopt;
    if (hoist) hoisted_.insert(best->first);
    std::optional<std::string> array = ArrayText(best->first, best->second);
    if (!array) return std::nullopt;
    Handle handle;
    handle.array = *array;
    const std::string name(Inst(best->first).name);
    if (best->second.empty()) {
      handle.name = name;
      return handle;
    }
    const std::string& line = lines_[Inst(best->first).line - 1];
    std::optional<hlo::LineParts> parts = hlo::SplitInstructionLine(line);
    handle.name = NewName(absl::StrCat(name, ".element.", best->second[0]));
    handle.lines.push_back(absl::StrCat(
        "  %", handle.name, " = ", fast ? hlo::WithFastMemorySpace(handle.array) : handle.array,
        " get-tuple-element(",
        line.substr(parts->shape.begin, parts->shape.end - parts->shape.begin), " %", name,
        "), index=", best->second[0]));
    return handle;
  }

  // The lines of a copy-start/copy-done pair of `source` into (or out of) S(1).
  struct CopyLines {
    std::string start, done, done_name;
  };
  CopyLines Copy(const Handle& source, bool to_fast, absl::string_view base) {
    const std::string fast = hlo::WithFastMemorySpace(source.array);
    const std::string& from = to_fast ? source.array : fast;
    const std::string& to = to_fast ? fast : source.array;
    const std::string tuple = absl::StrCat("(", to, ", ", from, ", u32[])");
    CopyLines lines;
    const std::string start = NewName(absl::StrCat("copy-start.", base));
    lines.done_name = NewName(absl::StrCat("copy-done.", base));
    lines.start =
        absl::StrCat("  %", start, " = ", tuple, " copy-start(", from, " %", source.name, ")");
    lines.done =
        absl::StrCat("  %", lines.done_name, " = ", to, " copy-done(", tuple, " %", start, ")");
    return lines;
  }

  // Makes operand `ref` of its instruction read `name` (an array `array`).
  absl::Status Rewire(const TraceRef& ref, const std::string& name, const std::string& array,
                      absl::string_view why) {
    const Site site{ref.computation, ref.instruction};
    const hlo::Instruction& reader = Inst(site);
    RETURN_IF_ERROR(RequireSingle(ref.computation, reader.line, ref.buffer));
    if (!ref.path.empty()) {
      return Error(reader.line,
                   absl::StrCat("'", reader.name, "' reaches buffer '", BufferName(ref.buffer),
                                "' inside a tuple operand, ", why, ": not expressible in HLO"));
    }
    LineEdit& edit = edits_[site];
    edit.operands[ref.operand] = name;
    edit.operand_type[ref.operand] = array;
    if (reader.opcode == "tuple") edit.slow.insert({ref.operand});
    return absl::OkStatus();
  }

  bool SameArray(const TraceRef& ref, const std::string& array) const {
    const hlo::Instruction& reader = Inst({ref.computation, ref.instruction});
    const Site operand{ref.computation, reader.operands[ref.operand]};
    std::optional<std::string> text = ArrayText(operand, {});
    if (!text) return false;
    auto strip = [](absl::string_view a) { return a.substr(0, a.find('{')); };
    return strip(*text) == strip(array);
  }

  absl::Status Produced(int64_t b, const proto::Placement& p,
                        const std::vector<const proto::Placement*>& prefetches) {
    const int64_t e = p.end();
    // Every value holding the buffer is in S(1).
    for (size_t c = 0; c < trace_.leaves.size(); ++c) {
      for (size_t i = 0; i < trace_.leaves[c].size(); ++i) {
        for (const hlo::TraceLeaf& leaf : trace_.leaves[c][i]) {
          if (leaf.buffer != b) continue;
          RETURN_IF_ERROR(RequireSingle(c, module_.computations[c].instructions[i].line, b));
          edits_[{static_cast<int>(c), static_cast<int>(i)}].fast.insert(leaf.path);
        }
      }
    }
    bool needed = !prefetches.empty() || program_.buffers(b).is_output();
    // As the simulator decides (NeedsEviction): a later read, or an output.
    for (const TraceRef& ref : trace_.refs) needed |= ref.buffer == b && ref.reads && ref.time > e;
    if (!needed) return absl::OkStatus();
    const Site last = Origin(e);
    RETURN_IF_ERROR(RequireSingle(last.first, Inst(last).line, b));
    if (e + 1 >= program_.instructions_size()) {
      return Error(Inst(last).line, absl::StrCat("buffer '", BufferName(b),
                                                 "' is in fast memory at the program's end, ",
                                                 "but it is an output: not expressible in HLO"));
    }
    std::optional<Handle> source =
        FindHandle(b, last.first, position_[last.first][last.second] + 1, /*fast=*/true);
    if (!source) {
      return Error(Inst(last).line,
                   absl::StrCat("no value of buffer '", BufferName(b), "' in computation '",
                                module_.computations[last.first].name,
                                "' to evict it from: not expressible in HLO"));
    }
    CopyLines copy = Copy(*source, /*to_fast=*/false, BufferName(b));
    LineEdit& edit = edits_[last];
    edit.after.insert(edit.after.end(), source->lines.begin(), source->lines.end());
    edit.after.push_back(copy.start);
    edit.after.push_back(copy.done);
    evicted_[b] = {copy.done_name, source->array, last};
    for (const TraceRef& ref : trace_.refs) {
      if (ref.buffer != b || ref.time <= e || InPrefetch(ref, prefetches)) continue;
      // A read in another computation reaches the buffer through a loop state, a call's
      // argument or a tuple, which this computation's tuple that takes the copy carries to it;
      // the layouts pass and the read-back check settle whether it does.
      if (ref.computation != last.first) continue;
      const hlo::Instruction& reader = Inst({ref.computation, ref.instruction});
      if (!SameArray(ref, source->array)) {
        return Error(reader.line,
                     absl::StrCat("'", reader.name, "' reads buffer '", BufferName(b),
                                  "' after its eviction at t=", e,
                                  " through a reshaping view: not expressible in HLO"));
      }
      RETURN_IF_ERROR(Rewire(ref, copy.done_name, source->array, "after its eviction"));
    }
    return absl::OkStatus();
  }

  static bool InPrefetch(const TraceRef& ref,
                         const std::vector<const proto::Placement*>& prefetches) {
    for (const proto::Placement* p : prefetches) {
      if (ref.reads && ref.time >= p->start() && ref.time <= p->end()) return true;
    }
    return false;
  }

  absl::Status Prefetched(int64_t b, const proto::Placement& p) {
    const Site at = Origin(p.copy_start()), first = Origin(p.start());
    const int line = Inst(at).line;
    if (at.first != first.first) {
      return Error(
          line, absl::StrCat("the prefetch of buffer '", BufferName(b), "' starts in '",
                             module_.computations[at.first].name, "' but ends in '",
                             module_.computations[first.first].name, "': not expressible in HLO"));
    }
    RETURN_IF_ERROR(RequireSingle(at.first, line, b));
    Handle source;
    auto evicted = evicted_.find(b);
    // Evicted in another computation, the buffer reaches this one through a loop state or a
    // call's argument that holds the evicted copy: a value of it here is that copy.
    if (evicted != evicted_.end() && evicted->second.site.first == at.first) {
      source.name = evicted->second.name;
      source.array = evicted->second.array;
    } else {
      std::optional<Handle> found =
          FindHandle(b, at.first, position_[at.first][at.second], /*fast=*/false);
      if (!found) {
        return Error(
            line, absl::StrCat("no value of buffer '", BufferName(b),
                               "' printed before its prefetch in computation '",
                               module_.computations[at.first].name, "': not expressible in HLO"));
      }
      source = *found;
    }
    CopyLines copy = Copy(source, /*to_fast=*/true, BufferName(b));
    LineEdit& start = edits_[at];
    start.before.insert(start.before.end(), source.lines.begin(), source.lines.end());
    start.before.push_back(copy.start);
    edits_[first].before.push_back(copy.done);
    const std::string fast = hlo::WithFastMemorySpace(source.array);
    for (const TraceRef& ref : trace_.refs) {
      if (ref.buffer != b || ref.time < p.start() || ref.time > p.end()) continue;
      // Reads in a called computation (a loop body, a branch) reach the copy through the
      // tuple or argument this computation passes them, rewired here.
      if (ref.computation != at.first) continue;
      const hlo::Instruction& reader = Inst({ref.computation, ref.instruction});
      if (!SameArray(ref, source.array)) {
        return Error(reader.line,
                     absl::StrCat("'", reader.name, "' reads prefetched buffer '", BufferName(b),
                                  "' through a reshaping view: not expressible in HLO"));
      }
      RETURN_IF_ERROR(Rewire(ref, copy.done_name, fast, "while prefetched"));
    }
    return absl::OkStatus();
  }

  // `shape` (a result or an inline operand shape) with S(1) on the arrays at `fast` paths.
  static std::string Relayout(absl::string_view shape, const LineEdit& edit) {
    const std::string line = absl::StrCat("x = ", shape, " o()");
    std::optional<hlo::LineParts> parts = hlo::SplitInstructionLine(line);
    if (!parts) return std::string(shape);
    std::string out = line;
    for (auto a = parts->arrays.rbegin(); a != parts->arrays.rend(); ++a) {
      if (!edit.fast.count(a->path) || edit.slow.count(a->path)) continue;
      out.replace(a->span.begin, a->span.end - a->span.begin,
                  hlo::WithFastMemorySpace(
                      absl::string_view(line).substr(a->span.begin, a->span.end - a->span.begin)));
    }
    return out.substr(4, out.size() - 4 - 4);
  }

  std::string EditedLine(Site site) const {
    const std::string& line = lines_[Inst(site).line - 1];
    static const LineEdit kNoEdit;
    auto it = edits_.find(site);
    const LineEdit& edit = it == edits_.end() ? kNoEdit : it->second;
    std::optional<hlo::LineParts> parts = hlo::SplitInstructionLine(line);
    if (!parts) return line;
    const hlo::Instruction& inst = Inst(site);
    // Replacements from the end of the line backwards keep earlier spans valid.
    std::vector<std::pair<hlo::TextSpan, std::string>> replace;
    for (size_t o = 0; o < parts->operands.size(); ++o) {
      const hlo::TextSpan span = parts->operands[o];
      const absl::string_view old(line.data() + span.begin, span.end - span.begin);
      const size_t space = old.rfind(' ');
      auto rewired = edit.operands.find(static_cast<int>(o));
      if (rewired != edit.operands.end()) {
        replace.push_back(
            {span, space != absl::string_view::npos
                       ? absl::StrCat(edit.operand_type.at(rewired->first), " %", rewired->second)
                       : absl::StrCat("%", rewired->second)});
        continue;
      }
      // An inline operand shape follows its operand's new layout.
      if (space == absl::string_view::npos || parts->operands.size() != inst.operands.size()) {
        continue;
      }
      auto from = edits_.find({site.first, inst.operands[o]});
      if (from == edits_.end() || from->second.fast.empty()) continue;
      replace.push_back(
          {{span.begin, span.begin + space}, Relayout(old.substr(0, space), from->second)});
    }
    if (it != edits_.end()) {
      replace.push_back(
          {parts->shape, Relayout(absl::string_view(line).substr(
                                      parts->shape.begin, parts->shape.end - parts->shape.begin),
                                  edit)});
    }
    std::sort(replace.begin(), replace.end(),
              [](const auto& x, const auto& y) { return x.first.begin > y.first.begin; });
    std::string out = line;
    for (const auto& [span, text] : replace) {
      out.replace(span.begin, span.end - span.begin, text);
    }
    return out;
  }

  std::string Print() const {
    absl::flat_hash_map<int, Site> by_line;
    for (size_t c = 0; c < module_.computations.size(); ++c) {
      const auto& insts = module_.computations[c].instructions;
      for (size_t i = 0; i < insts.size(); ++i) {
        by_line[insts[i].line] = {static_cast<int>(c), static_cast<int>(i)};
      }
    }
    std::vector<bool> printed(module_.computations.size(), false);
    std::string out;
    for (size_t n = 0; n < lines_.size(); ++n) {
      const int line = static_cast<int>(n) + 1;
      auto site = by_line.find(line);
      if (site == by_line.end()) {
        absl::StrAppend(&out, n == 0 ? Header(lines_[n]) : lines_[n]);
        if (n + 1 < lines_.size()) out += '\n';
        continue;
      }
      const int c = site->second.first;
      std::vector<int> order = PrintOrder(c);
      if (order.empty())
        order = {site->second.second};  // Not flattened: printed as it is.
      else if (printed[c])
        continue;
      printed[c] = true;
      for (int i : order) {
        auto edit = edits_.find({c, i});
        if (edit != edits_.end()) {
          for (const std::string& l : edit->second.before) absl::StrAppend(&out, l, "\n");
        }
        absl::StrAppend(&out, EditedLine({c, i}), "\n");
        if (edit != edits_.end()) {
          for (const std::string& l : edit->second.after) absl::StrAppend(&out, l, "\n");
        }
      }
    }
    return out;
  }

  // The program's order, with the parameters and constants a copy needs earlier hoisted first.
  std::vector<int> PrintOrder(int c) const {
    std::vector<int> first, rest;
    for (int i : trace_.order[c]) (hoisted_.count({c, i}) ? first : rest).push_back(i);
    first.insert(first.end(), rest.begin(), rest.end());
    return first;
  }

  // `HloModule name, ...` with is_scheduled=true.
  static std::string Header(const std::string& line) {
    if (!absl::StartsWith(line, "HloModule")) return line;
    std::string out = line;
    size_t at = out.find("is_scheduled=false");
    if (at != std::string::npos) return out.replace(at, 18, "is_scheduled=true");
    if (absl::StrContains(out, "is_scheduled=true")) return out;
    size_t comma = out.find(',');
    if (comma == std::string::npos) return absl::StrCat(out, ", is_scheduled=true");
    return out.insert(comma, ", is_scheduled=true");
  }

  struct Evicted {
    std::string name, array;
    Site site;
  };

  const Module& module_;
  const proto::Program& program_;
  const proto::Assignment& assignment_;
  const ImportTrace& trace_;
  std::vector<std::string> lines_;
  absl::flat_hash_set<std::string> names_;
  std::vector<absl::flat_hash_map<int, size_t>> position_;  // [computation][instruction].
  std::map<Site, LineEdit> edits_;
  std::map<int64_t, Evicted> evicted_;
  std::set<Site> hoisted_;
};

}  // namespace

namespace hlo {

absl::StatusOr<std::string> WriteCopies(const Module& module, absl::string_view text,
                                        const proto::Program& program,
                                        const proto::Assignment& assignment,
                                        const ImportTrace& trace) {
  return Exporter(module, text, program, assignment, trace).Run();
}

}  // namespace hlo
}  // namespace mmap_opt
