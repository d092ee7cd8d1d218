// Lowering of a parsed HLO module to a Program.
//
// Dataflow, following XLA's HloDataflowAnalysis in a single-definition form:
// - Every instruction that is not a view is one program instruction. It defines one buffer per
//   array of its shape with a non-zero byte size, plus the pointer table (8 bytes a element) of
//   a tuple shape. A `tuple` instruction writes only its table: its elements alias its operands.
//   Tables are slow_only: XLA's memory spaces are properties of arrays' layouts.
// - Views define nothing and emit nothing: get-tuple-element forwards an element, bitcast /
//   add-dependency / opt-barrier / domain forward their operand, copy-done forwards {0} of its
//   copy-start, the -done half of all-gather / collective-permute / async forwards {1} of its
//   -start, all-reduce-done its operand. A use of a view is a use of the buffers behind it.
//   The -start halves that carry their operand in element {0} alias it there.
// - copy-start/copy-done pairs between memory spaces (XLA's MSA prefetches and evictions,
//   `S(0)` <-> `S(1)`) are not program work: both are views, the copy-done's users reading the
//   buffer the copy-start copies. What they and the layouts' `S(1)` say is recorded apart
//   (hlo::MemorySpaces) and becomes an assignment with ImportHloWithAssignment.
// - Entry parameters and constants are program inputs (no defining instruction: they start in
//   slow memory). Every buffer reachable from the entry ROOT is an output.
// - Zero-byte values (tokens, `f32[0]`) get no buffer: Program sizes must be > 0, and nothing
//   is stored. Their uses are dropped; a note counts them.
// - while: the condition then the body are flattened in place, both reading the loop's init
//   value through their parameter (the first iteration's view). The loop's result aliases the
//   body ROOT's values. XLA colocates init, body parameter, body ROOT and result in one
//   HloBuffer; a Program buffer has one definition, so each updated carried value is a new
//   buffer defined in the body, while values the body passes through stay the init buffers.
//   The trip count is XLA's known_trip_count from backend_config when printed, else
//   HloImportOptions::unknown_trip_count; body FLOPs and bytes are scaled by it.
// - conditional: every branch is flattened in order (its parameter aliases its operand) and
//   costed in full, an upper bound since one branch runs; the result aliases the last
//   branch's ROOT values (XLA colocates all branch ROOTs with the result).
// - call: the callee is flattened in place, its parameters aliasing the arguments.
// - fusion and async-start: one instruction costed as its called computations.
#include <algorithm>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "hlo_assignment.h"
#include "hlo_cost.h"
#include "hlo_module.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/model/limits.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

using hlo::Computation;
using hlo::Cost;
using hlo::ErrorAt;
using hlo::Instruction;
using hlo::Module;
using hlo::Shape;

// The buffers behind one HLO value: an array's buffer, or a tuple's table and elements.
struct ValueTree {
  bool is_tuple = false;
  int64_t buffer = -1;  // -1: no storage (a zero-byte value, or a tuple nobody tabled).
  int copy = -1;        // The memory-space copy this value came through (hlo::MemorySpaces).
  std::vector<std::shared_ptr<const ValueTree>> elements;
};
using Tree = std::shared_ptr<const ValueTree>;

// Nested while/conditional/call bodies deeper than this are refused rather than recursed.
constexpr int kMaxCallDepth = kMaxNestingDepth;

// `"known_trip_count":{"n":"32"}` (also with escaped quotes) -> 32.
std::optional<int64_t> KnownTripCount(const Instruction& inst) {
  std::optional<absl::string_view> config = inst.Attribute("backend_config");
  if (!config) return std::nullopt;
  size_t at = config->find("known_trip_count");
  if (at == absl::string_view::npos) return std::nullopt;
  absl::string_view rest = config->substr(at);
  size_t digits = rest.find_first_of("0123456789");
  if (digits == absl::string_view::npos) return std::nullopt;
  size_t end = rest.find_first_not_of("0123456789", digits);
  int64_t n = 0;
  if (!absl::SimpleAtoi(rest.substr(digits, end - digits), &n) || n < 0) return std::nullopt;
  return n;
}

class Importer {
 public:
  Importer(const Module& module, const HloImportOptions& options)
      : module_(module),
        options_(options),
        flatten_count_(module.computations.size(), 0),
        in_progress_(module.computations.size(), false),
        cost_state_(module.computations.size(), 0),
        cost_(module.computations.size()) {}

  absl::StatusOr<proto::Program> Run() {
    const Computation& entry = module_.computations[module_.entry];
    if (trace_ == nullptr) set_trace(&own_trace_);
    ASSIGN_OR_RETURN(Tree root, Flatten(module_.entry, {}, 1, 0));
    MarkOutputs(root);
    for (const hlo::SpaceCopy& c : spaces_.copies) {
      if (c.done < 0) {
        return ErrorAt(module_.path, c.line,
                       absl::StrCat("'", c.name, "': copy-start has no copy-done"));
      }
    }
    if (program_.instructions().empty()) {
      return ErrorAt(module_.path, entry.line,
                     absl::StrCat("entry computation '", entry.name,
                                  "' computes nothing (only parameters, constants and views)"));
    }
    program_.set_name(options_.name.empty() ? std::string(module_.name) : options_.name);
    AddNotes();
    // A module before memory-space assignment is what `export hlo` writes into: plan within
    // what it can say. One after it keeps XLA's own choices, which these rules do not bind.
    if (options_.export_constraints && spaces_.copies.empty() && spaces_.definitions.empty()) {
      hlo::AddExpressibilityConstraints(module_, *trace_, &program_);
    }
    return std::move(program_);
  }

  // What the layouts and memory-space copies said; complete once Run has returned.
  const hlo::MemorySpaces& spaces() const { return spaces_; }

  // Records into `trace` (sized here) during Run.
  void set_trace(hlo::ImportTrace* trace) {
    trace_ = trace;
    const size_t n = module_.computations.size();
    trace->flattenings.assign(n, 0);
    trace->order.assign(n, {});
    trace->leaves.assign(n, {});
    for (size_t c = 0; c < n; ++c)
      trace->leaves[c].resize(module_.computations[c].instructions.size());
  }

 private:
  absl::Status Error(const Instruction& inst, absl::string_view message) const {
    return ErrorAt(module_.path, inst.line, absl::StrCat("'", inst.name, "': ", message));
  }

  // The schedule of one computation: the printed order, which must be topological. An
  // unscheduled module that prints a user first is sorted (stably); a cycle is an error.
  absl::StatusOr<std::vector<int>> Order(const Computation& c) const {
    const int n = static_cast<int>(c.instructions.size());
    std::vector<int> order(n);
    for (int i = 0; i < n; ++i) order[i] = i;
    auto preds = [&](int i) {
      std::vector<int> all = c.instructions[i].operands;
      all.insert(all.end(), c.instructions[i].control_predecessors.begin(),
                 c.instructions[i].control_predecessors.end());
      return all;
    };
    bool sorted = true;
    for (int i = 0; i < n && sorted; ++i) {
      for (int p : preds(i)) sorted &= p < i;
    }
    if (sorted) return order;
    std::vector<int> pending(n, 0);
    std::vector<std::vector<int>> users(n);
    for (int i = 0; i < n; ++i) {
      for (int p : preds(i)) {
        if (p >= i && module_.is_scheduled && p != i) {
          return Error(
              c.instructions[i],
              absl::StrCat("uses '", c.instructions[p].name, "' (line ", c.instructions[p].line,
                           ") before it is defined, but the module is scheduled "
                           "(is_scheduled=true): its printed order is the schedule"));
        }
        ++pending[i];
        users[p].push_back(i);
      }
    }
    std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
    for (int i = 0; i < n; ++i) {
      if (pending[i] == 0) ready.push(i);
    }
    order.clear();
    while (!ready.empty()) {
      const int i = ready.top();
      ready.pop();
      order.push_back(i);
      for (int u : users[i]) {
        if (--pending[u] == 0) ready.push(u);
      }
    }
    for (int i = 0; i < n; ++i) {
      if (pending[i] > 0) {
        return Error(c.instructions[i],
                     "is on a cycle: it depends on its own result through "
                     "its operands");
      }
    }
    return order;
  }

  absl::StatusOr<Tree> Flatten(int index, const std::vector<Tree>& params, int64_t multiplier,
                               int depth) {
    const Computation& c = module_.computations[index];
    if (depth > kMaxCallDepth) {
      return ErrorAt(module_.path, c.line,
                     absl::StrCat("computations nest deeper than ", kMaxCallDepth));
    }
    if (in_progress_[index]) {
      return ErrorAt(module_.path, c.line,
                     absl::StrCat("computation '", c.name, "' calls itself (a cycle of calls)"));
    }
    if (index != module_.entry && params.size() != c.parameters.size()) {
      return ErrorAt(module_.path, c.line,
                     absl::StrCat("computation '", c.name, "' takes ", c.parameters.size(),
                                  " parameters but is passed ", params.size()));
    }
    in_progress_[index] = true;
    const int copy = ++flatten_count_[index];
    const std::string suffix = copy > 1 ? absl::StrCat("@", copy) : "";
    ASSIGN_OR_RETURN(std::vector<int> order, Order(c));
    std::vector<Tree> values(c.instructions.size());
    for (int i : order) {
      const Instruction& inst = c.instructions[i];
      std::vector<Tree> operands;
      operands.reserve(inst.operands.size());
      for (int o : inst.operands) operands.push_back(values[o]);
      ASSIGN_OR_RETURN(values[i], Lower(index, inst, operands, params, multiplier, depth, suffix));
    }
    in_progress_[index] = false;
    if (trace_ != nullptr) {
      trace_->flattenings[index] = copy;
      trace_->order[index] = order;
      for (int i : order) {
        std::vector<hlo::TraceLeaf>& leaves = trace_->leaves[index][i];
        std::vector<int> path;
        Leaves(values[i], &path, &leaves);
      }
    }
    return values[c.root];
  }

  absl::StatusOr<Tree> Lower(int computation, const Instruction& inst, const std::vector<Tree>& ops,
                             const std::vector<Tree>& params, int64_t multiplier, int depth,
                             const std::string& suffix) {
    const absl::string_view op = inst.opcode;
    const std::string name = absl::StrCat(inst.name, suffix);
    line_ = inst.line;
    if (op == "copy-start" && IsSpaceCopy(computation, inst)) {
      const Shape& from = module_.computations[computation].instructions[inst.operands[0]].shape;
      return LowerSpaceCopy(inst, ops[0], from.memory_space, name);
    }
    if (op == "copy-done" && ops.size() == 1 && ops[0]->copy >= 0) {
      ++views_;
      spaces_.copies[ops[0]->copy].done = program_.instructions_size();
      return ops[0]->elements[0];
    }
    if (op == "parameter") {
      if (computation == module_.entry) return NewTree(inst.shape, name, -1, nullptr);
      return params[inst.parameter_number];
    }
    if (op == "constant") return NewTree(inst.shape, name, -1, nullptr);
    if (op == "after-all") {  // A token: ordering only, no storage.
      ++views_;
      return NewTree(inst.shape, name, -1, nullptr);
    }
    if (op == "get-tuple-element" || op == "bitcast" || op == "add-dependency" ||
        op == "opt-barrier" || op == "optimization-barrier" || op == "domain" ||
        absl::EndsWith(op, "-done")) {
      return View(inst, ops);
    }
    if (op == "while") return LowerWhile(inst, ops, multiplier, depth);
    if (op == "conditional") return LowerConditional(inst, ops, multiplier, depth);
    if (op == "call") {
      ASSIGN_OR_RETURN(int callee, Called(inst, "to_apply"));
      return Flatten(callee, ops, multiplier, depth + 1);
    }
    return Emit(computation, inst, ops, multiplier, name);
  }

  // A copy-start whose result (tuple element {0}) is in another memory space than its operand.
  bool IsSpaceCopy(int computation, const Instruction& inst) const {
    const Computation& c = module_.computations[computation];
    if (inst.operands.size() != 1 || !inst.shape.is_tuple || inst.shape.tuple_shapes.empty()) {
      return false;
    }
    const Shape& from = c.instructions[inst.operands[0]].shape;
    const Shape& to = inst.shape.tuple_shapes[0];
    return !from.is_tuple && !to.is_tuple && from.memory_space != to.memory_space;
  }

  // A view: the tuple's element {0} is the operand's buffer, tagged with the copy.
  absl::StatusOr<Tree> LowerSpaceCopy(const Instruction& inst, const Tree& operand, int from_space,
                                      const std::string& name) {
    ++views_;
    auto tuple = std::make_shared<ValueTree>();
    tuple->is_tuple = true;
    auto copied = std::make_shared<ValueTree>(*operand);
    if (operand->buffer >= 0) {
      hlo::SpaceCopy copy;
      copy.name = name;
      copy.line = inst.line;
      copy.buffer = operand->buffer;
      copy.from_space = from_space;
      copy.to_space = inst.shape.tuple_shapes[0].memory_space;
      copy.source = operand->copy;
      copy.start = program_.instructions_size();
      tuple->copy = copied->copy = static_cast<int>(spaces_.copies.size());
      spaces_.copies.push_back(std::move(copy));
    }
    tuple->elements.push_back(copied);
    tuple->elements.push_back(operand);
    return tuple;
  }

  // Each array buffer `tree` reads, with the memory space `shape` (the operand's) names.
  void RecordReads(const Tree& tree, const Shape& shape, int64_t time, const Instruction& inst,
                   const std::string& name) {
    if (!tree->is_tuple && !shape.is_tuple) {
      if (tree->buffer >= 0) {
        spaces_.uses.push_back(
            {tree->buffer, time, shape.memory_space, tree->copy, inst.line, name});
      }
      return;
    }
    if (tree->is_tuple && shape.is_tuple && tree->elements.size() == shape.tuple_shapes.size()) {
      for (size_t i = 0; i < tree->elements.size(); ++i) {
        RecordReads(tree->elements[i], shape.tuple_shapes[i], time, inst, name);
      }
    }
  }

  static void Leaves(const Tree& tree, std::vector<int>* path, std::vector<hlo::TraceLeaf>* out) {
    if (tree == nullptr) return;
    if (!tree->is_tuple) {
      if (tree->buffer >= 0) out->push_back({*path, tree->buffer, tree->copy});
      return;
    }
    for (size_t e = 0; e < tree->elements.size(); ++e) {
      path->push_back(static_cast<int>(e));
      Leaves(tree->elements[e], path, out);
      path->pop_back();
    }
  }

  void TraceEmit(int computation, const Instruction& inst, const std::vector<Tree>& ops,
                 int64_t time) {
    const int index = static_cast<int>(&inst - &module_.computations[computation].instructions[0]);
    trace_->origin.push_back({computation, index});
    for (size_t o = 0; o < ops.size(); ++o) {
      std::vector<hlo::TraceLeaf> leaves;
      std::vector<int> path;
      Leaves(ops[o], &path, &leaves);
      for (hlo::TraceLeaf& leaf : leaves) {
        trace_->refs.push_back({time, computation, index, static_cast<int>(o), std::move(leaf.path),
                                leaf.buffer, leaf.copy, inst.opcode != "tuple"});
      }
    }
  }

  absl::StatusOr<Tree> View(const Instruction& inst, const std::vector<Tree>& ops) {
    if (ops.empty()) return Error(inst, absl::StrCat(inst.opcode, " needs an operand"));
    ++views_;
    const Tree& from = ops[0];
    const absl::string_view op = inst.opcode;
    if (op == "get-tuple-element") {
      std::optional<absl::string_view> raw = inst.Attribute("index");
      int64_t index = -1;
      if (!raw || !absl::SimpleAtoi(*raw, &index)) return Error(inst, "needs index=N");
      if (!from->is_tuple || index < 0 || index >= static_cast<int64_t>(from->elements.size())) {
        return Error(inst, absl::StrCat("index ", index, " is out of range for its operand"));
      }
      return from->elements[index];
    }
    if (op == "copy-done" || op == "recv-done") {
      return from->is_tuple && !from->elements.empty() ? from->elements[0] : from;
    }
    if (absl::EndsWith(op, "-done") && op != "all-reduce-done") {
      return from->is_tuple && from->elements.size() >= 2 ? from->elements[1] : from;
    }
    return from;  // bitcast, add-dependency, opt-barrier, domain, all-reduce-done.
  }

  absl::StatusOr<int> Called(const Instruction& inst, absl::string_view key) const {
    std::optional<absl::string_view> raw = inst.Attribute(key);
    if (!raw) return Error(inst, absl::StrCat(inst.opcode, " needs ", key, "="));
    absl::string_view name = absl::StripAsciiWhitespace(*raw);
    absl::ConsumePrefix(&name, "%");
    auto it = module_.computation_index.find(name);
    if (it == module_.computation_index.end()) {
      return Error(inst, absl::StrCat("computation '", name, "' does not exist"));
    }
    return it->second;
  }

  absl::StatusOr<Tree> LowerWhile(const Instruction& inst, const std::vector<Tree>& ops,
                                  int64_t multiplier, int depth) {
    if (ops.size() != 1) return Error(inst, "while takes exactly one operand");
    ASSIGN_OR_RETURN(int condition, Called(inst, "condition"));
    ASSIGN_OR_RETURN(int body, Called(inst, "body"));
    std::optional<int64_t> known = KnownTripCount(inst);
    const int64_t trips = known.value_or(options_.unknown_trip_count);
    loop_notes_.push_back(
        known ? absl::StrCat("while '", inst.name, "': known_trip_count ", trips, ", body costed x",
                             trips)
              : absl::StrCat("while '", inst.name, "': no known_trip_count printed; body ",
                             "flattened once and costed x", trips, " (--unknown-trip-count)"));
    int64_t inner = 0;
    if (__builtin_mul_overflow(multiplier, trips, &inner)) {
      return Error(inst, "nested trip counts overflow a 64-bit count");
    }
    RETURN_IF_ERROR(Flatten(condition, ops, inner, depth + 1).status());
    return Flatten(body, ops, inner, depth + 1);
  }

  absl::StatusOr<Tree> LowerConditional(const Instruction& inst, const std::vector<Tree>& ops,
                                        int64_t multiplier, int depth) {
    std::vector<int> branches;
    if (inst.Attribute("branch_computations")) {
      branches = inst.called;
    } else {
      ASSIGN_OR_RETURN(int on_true, Called(inst, "true_computation"));
      ASSIGN_OR_RETURN(int on_false, Called(inst, "false_computation"));
      branches = {on_true, on_false};
    }
    if (branches.empty() || ops.size() != branches.size() + 1) {
      return Error(inst, absl::StrCat("conditional has ", branches.size(), " branches and ",
                                      ops.size(), " operands (expected one more)"));
    }
    ++conditionals_;
    Tree result;
    for (size_t b = 0; b < branches.size(); ++b) {
      ASSIGN_OR_RETURN(result, Flatten(branches[b], {ops[b + 1]}, multiplier, depth + 1));
    }
    return result;
  }

  // One program instruction for `inst`: reads every buffer behind its operands, defines the
  // buffers of its shape (except the elements a -start forwards from its operands).
  absl::StatusOr<Tree> Emit(int computation, const Instruction& inst, const std::vector<Tree>& ops,
                            int64_t multiplier, const std::string& name) {
    const Computation& c = module_.computations[computation];
    ASSIGN_OR_RETURN(Cost cost, hlo::InstructionCost(module_, c, inst, [this](int called) {
                       return ComputationCost(called);
                     }));
    Tally(inst);
    const int64_t id = program_.instructions_size();
    // Flattening copies a body once per call site, so a small file can ask for exponentially
    // many instructions: stop at the limit rather than allocate them.
    if (id >= kMaxInstructions || program_.buffers_size() >= kMaxBuffers) {
      return Error(inst, absl::StrCat("the flattened program reaches the limit of ",
                                      kMaxInstructions, " instructions or ", kMaxBuffers,
                                      " buffers"));
    }
    if (trace_ != nullptr) TraceEmit(computation, inst, ops, id);
    proto::Instruction* out = program_.add_instructions();
    out->set_id(id);
    out->set_name(name);
    out->set_opcode(std::string(inst.opcode));
    out->set_flops(cost.flops * static_cast<double>(multiplier));
    out->set_transcendentals(cost.transcendentals * static_cast<double>(multiplier));
    const absl::string_view op = inst.opcode;
    Tree result;
    if (op == "tuple") {
      // Only the pointer table is written; the elements are the operands themselves.
      auto tuple = std::make_shared<ValueTree>();
      tuple->is_tuple = true;
      tuple->buffer = Table(NewBuffer(name, hlo::ByteSize(inst.shape), id, out));
      tuple->elements = ops;
      result = tuple;
    } else {
      std::vector<int64_t> reads;
      for (const Tree& operand : ops) CollectBuffers(operand, &reads);
      for (size_t i = 0; i < ops.size(); ++i) {
        RecordReads(ops[i], c.instructions[inst.operands[i]].shape, id, inst, name);
      }
      absl::flat_hash_set<int64_t> seen;
      for (int64_t b : reads) {
        if (seen.insert(b).second) out->add_operands(b);
      }
      result = ForwardsOperands(inst, ops) ? NewStartTree(inst, ops, name, id, out)
                                           : NewTree(inst.shape, name, id, out);
    }
    if (multiplier != 1) RETURN_IF_ERROR(ScaleBytes(inst, multiplier, out));
    return result;
  }

  // copy-start, all-gather-start, collective-permute-start carry their operand in {0};
  // async-start carries all its operands there. That element aliases them; the table and the
  // other elements are new.
  static bool ForwardsOperands(const Instruction& inst, const std::vector<Tree>& ops) {
    return absl::EndsWith(inst.opcode, "-start") && inst.opcode != "all-reduce-start" &&
           inst.shape.is_tuple && !inst.shape.tuple_shapes.empty() && !ops.empty();
  }

  Tree NewStartTree(const Instruction& inst, const std::vector<Tree>& ops, const std::string& name,
                    int64_t definer, proto::Instruction* out) {
    auto tree = std::make_shared<ValueTree>();
    tree->is_tuple = true;
    tree->buffer = Table(NewBuffer(name, hlo::ByteSize(inst.shape), definer, out));
    if (inst.opcode == "async-start" || ops.size() > 1) {
      auto operands = std::make_shared<ValueTree>();
      operands->is_tuple = true;
      operands->elements = ops;
      tree->elements.push_back(operands);
    } else {
      tree->elements.push_back(ops[0]);
    }
    for (size_t i = 1; i < inst.shape.tuple_shapes.size(); ++i) {
      tree->elements.push_back(
          NewTree(inst.shape.tuple_shapes[i], absl::StrCat(name, "{", i, "}"), definer, out));
    }
    return tree;
  }

  absl::Status ScaleBytes(const Instruction& inst, int64_t multiplier, proto::Instruction* out) {
    for (int64_t b : out->operands()) {
      int64_t bytes = 0;
      if (__builtin_mul_overflow(program_.buffers(b).size(), multiplier, &bytes)) {
        return Error(inst, "bytes x trip count overflow a 64-bit count");
      }
      out->add_operand_bytes(bytes);
    }
    for (int64_t b : out->outputs()) {
      int64_t bytes = 0;
      if (__builtin_mul_overflow(program_.buffers(b).size(), multiplier, &bytes)) {
        return Error(inst, "bytes x trip count overflow a 64-bit count");
      }
      out->add_output_bytes(bytes);
    }
    return absl::OkStatus();
  }

  // Buffers for every storage-holding part of `shape`; defined by instruction `definer` (and
  // listed among `out`'s outputs) or, with definer -1, program inputs.
  Tree NewTree(const Shape& shape, const std::string& name, int64_t definer,
               proto::Instruction* out) {
    auto tree = std::make_shared<ValueTree>();
    tree->is_tuple = shape.is_tuple;
    tree->buffer = NewBuffer(name, hlo::ByteSize(shape), definer, out);
    if (shape.is_tuple) Table(tree->buffer);
    if (tree->buffer >= 0 && !shape.is_tuple && shape.memory_space != 0) {
      spaces_.definitions[tree->buffer] = {shape.memory_space, line_};
    }
    for (size_t i = 0; i < shape.tuple_shapes.size(); ++i) {
      tree->elements.push_back(
          NewTree(shape.tuple_shapes[i], absl::StrCat(name, "{", i, "}"), definer, out));
    }
    return tree;
  }

  // A tuple's pointer table is slow_only: XLA has no memory space for it (layouts put arrays
  // in S(1), never tables), so no assignment XLA can write places one in fast memory.
  int64_t Table(int64_t buffer) {
    if (buffer >= 0) {
      program_.mutable_buffers(buffer)->set_slow_only(true);
      ++tables_;
    }
    return buffer;
  }

  int64_t NewBuffer(const std::string& name, int64_t bytes, int64_t definer,
                    proto::Instruction* out) {
    if (bytes <= 0) {
      ++zero_byte_values_;
      return -1;
    }
    const int64_t id = program_.buffers_size();
    proto::Buffer* buffer = program_.add_buffers();
    buffer->set_id(id);
    buffer->set_name(name);
    buffer->set_size(bytes);
    if (definer >= 0) {
      buffer->set_defined_by(definer);
      out->add_outputs(id);
    }
    return id;
  }

  void CollectBuffers(const Tree& tree, std::vector<int64_t>* ids) {
    if (tree->buffer >= 0) {
      ids->push_back(tree->buffer);
    } else if (!tree->is_tuple) {
      ++dropped_uses_;
    }
    for (const Tree& e : tree->elements) CollectBuffers(e, ids);
  }

  void MarkOutputs(const Tree& tree) {
    if (tree->buffer >= 0) program_.mutable_buffers(tree->buffer)->set_is_output(true);
    for (const Tree& e : tree->elements) MarkOutputs(e);
  }

  // Whole cost of a computation run once (fusion bodies, async wrappers); memoised.
  absl::StatusOr<Cost> ComputationCost(int index) {
    if (cost_state_[index] == 2) return cost_[index];
    const Computation& c = module_.computations[index];
    if (cost_state_[index] == 1) {
      return ErrorAt(module_.path, c.line,
                     absl::StrCat("computation '", c.name, "' calls itself (a cycle of calls)"));
    }
    cost_state_[index] = 1;
    Cost total;
    for (const Instruction& inst : c.instructions) {
      ASSIGN_OR_RETURN(Cost cost, hlo::InstructionCost(module_, c, inst, [this](int called) {
                         return ComputationCost(called);
                       }));
      total += cost;
    }
    cost_state_[index] = 2;
    cost_[index] = total;
    return total;
  }

  void Tally(const Instruction& inst) {
    const hlo::CostKind kind = hlo::CostKindOf(inst.opcode);
    if (kind == hlo::CostKind::kCollective) ++collectives_[std::string(inst.opcode)];
    if (inst.opcode == "custom-call") {
      absl::string_view target = inst.Attribute("custom_call_target").value_or("?");
      absl::ConsumePrefix(&target, "\"");
      absl::ConsumeSuffix(&target, "\"");
      ++custom_calls_[std::string(target)];
    } else if (kind == hlo::CostKind::kNoModel) {
      ++unknown_opcodes_[std::string(inst.opcode)];
    }
  }

  static std::string Counts(const absl::btree_map<std::string, int>& counts) {
    return absl::StrJoin(counts, ", ", [](std::string* out, const auto& entry) {
      absl::StrAppend(out, entry.second, " ", entry.first);
    });
  }

  static std::string RootDescription(const Computation& c) {
    const Shape& shape = c.instructions[c.root].shape;
    if (!shape.is_tuple) return hlo::ShapeToString(shape);
    return absl::StrCat("a ", shape.tuple_shapes.size(), "-element tuple");
  }

  void AddNotes() {
    const Computation& entry = module_.computations[module_.entry];
    size_t hlo_instructions = 0;
    for (const Computation& c : module_.computations) hlo_instructions += c.instructions.size();
    program_.add_notes(absl::StrCat(
        "HLO module '", module_.name, "' (", module_.computations.size(), " computations, ",
        hlo_instructions, " instructions, ",
        module_.is_scheduled ? "scheduled" : "unscheduled: printed order", "); entry '", entry.name,
        "': ", entry.parameters.size(), " parameters, ROOT ", RootDescription(entry),
        "; while/conditional/call bodies flattened, fusions kept whole; ", views_,
        " views (get-tuple-element, bitcast, *-done) alias their operands"));
    if (tables_ > 0) {
      program_.add_notes(absl::StrCat(tables_,
                                      " tuple pointer tables are slow_only (XLA keeps them in "
                                      "default memory)"));
    }
    for (const std::string& note : loop_notes_) program_.add_notes(note);
    if (conditionals_ > 0) {
      program_.add_notes(absl::StrCat(conditionals_,
                                      " conditionals: every branch flattened and "
                                      "costed (XLA runs one); results alias the last branch"));
    }
    if (zero_byte_values_ > 0) {
      program_.add_notes(absl::StrCat(zero_byte_values_,
                                      " zero-byte values (tokens, empty arrays) have no buffer; ",
                                      dropped_uses_, " uses of them dropped"));
    }
    if (!collectives_.empty()) {
      program_.add_notes(absl::StrCat("collectives (", Counts(collectives_),
                                      ") costed as the bytes they read and write; reductions "
                                      "add 1 FLOP per element; link time not modelled"));
    }
    if (!custom_calls_.empty()) {
      program_.add_notes(absl::StrCat("custom-calls without a FLOP model, costed by bytes only: ",
                                      Counts(custom_calls_)));
    }
    if (!unknown_opcodes_.empty()) {
      program_.add_notes(absl::StrCat("opcodes without a FLOP model, costed by bytes only: ",
                                      Counts(unknown_opcodes_)));
    }
  }

  const Module& module_;
  const HloImportOptions& options_;
  proto::Program program_;
  hlo::MemorySpaces spaces_;
  hlo::ImportTrace* trace_ = nullptr;
  hlo::ImportTrace own_trace_;  // Where the caller asks for none.
  int line_ = 0;  // The line of the instruction being lowered.
  std::vector<int> flatten_count_;
  std::vector<bool> in_progress_;
  std::vector<int> cost_state_;  // 0 not started, 1 in progress, 2 done.
  std::vector<Cost> cost_;
  int views_ = 0;
  int tables_ = 0;
  int conditionals_ = 0;
  int zero_byte_values_ = 0;
  int dropped_uses_ = 0;
  std::vector<std::string> loop_notes_;
  absl::btree_map<std::string, int> collectives_, custom_calls_, unknown_opcodes_;
};

}  // namespace

absl::StatusOr<proto::Program> ImportHlo(absl::string_view path, absl::string_view text,
                                         const HloImportOptions& options) {
  if (options.unknown_trip_count < 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": unknown_trip_count must be >= 0"));
  }
  ASSIGN_OR_RETURN(hlo::Module module, hlo::ParseModule(path, text));
  return Importer(module, options).Run();
}

namespace hlo {

absl::StatusOr<proto::Program> ImportTraced(const Module& module, const HloImportOptions& options,
                                            MemorySpaces* spaces, ImportTrace* trace) {
  if (options.unknown_trip_count < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(module.path, ": unknown_trip_count must be >= 0"));
  }
  Importer importer(module, options);
  importer.set_trace(trace);
  ASSIGN_OR_RETURN(proto::Program program, importer.Run());
  *spaces = importer.spaces();
  return program;
}

}  // namespace hlo

absl::StatusOr<HloImportWithAssignment> ImportHloWithAssignment(absl::string_view path,
                                                                absl::string_view text,
                                                                const HloImportOptions& options) {
  if (options.unknown_trip_count < 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": unknown_trip_count must be >= 0"));
  }
  ASSIGN_OR_RETURN(hlo::Module module, hlo::ParseModule(path, text));
  Importer importer(module, options);
  HloImportWithAssignment result;
  ASSIGN_OR_RETURN(result.program, importer.Run());
  ASSIGN_OR_RETURN(result.assignment, hlo::AssignmentFromMemorySpaces(
                                          path, result.program, importer.spaces(), &result.notes));
  return result;
}

}  // namespace mmap_opt
