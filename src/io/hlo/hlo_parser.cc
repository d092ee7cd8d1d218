// Recursive-descent parser of HLO text into hlo::Module, in the order XLA prints it:
// `HloModule name, attrs` then computations `[ENTRY] %name (params) -> shape { ... }`.
// Whitespace-insensitive except that an attribute value ends at the end of its line.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "hlo_lexer.h"
#include "hlo_module.h"
#include "mmap_opt/model/limits.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::hlo {
namespace {

// Attributes whose value names computations the instruction calls.
bool IsCallAttribute(absl::string_view key) {
  return key == "calls" || key == "to_apply" || key == "body" || key == "condition" ||
         key == "branch_computations" || key == "true_computation" || key == "false_computation" ||
         key == "select" || key == "scatter";
}

// An array has at most this many elements (2^56): its byte size, even for c128, fits int64
// with room for the importer's per-loop multipliers to be checked rather than wrap.
constexpr int64_t kMaxElements = int64_t{1} << 56;

// Deeper tuple nesting is refused rather than recursed into (no real shape comes close).
constexpr int kMaxTupleDepth = kMaxNestingDepth;

struct PendingOperand {
  int instruction;
  absl::string_view name;
  bool control = false;  // A control predecessor rather than a data operand.
};

struct PendingCall {
  int computation;
  int instruction;
  absl::string_view names;  // Raw attribute value: `%c` or `{%a, %b}`.
};

class Parser {
 public:
  Parser(absl::string_view path, absl::string_view text) : lex_(path, text) {
    module_.path = std::string(path);
  }

  absl::StatusOr<Module> Parse() {
    if (lex_.AtEnd()) return lex_.Error("empty file: expected 'HloModule NAME'");
    if (lex_.Word() != "HloModule") {
      return lex_.ErrorAt(1, "not HLO text: expected 'HloModule NAME' at the start");
    }
    ASSIGN_OR_RETURN(module_.name, lex_.Name("the module's name"));
    while (lex_.TryConsume(',')) {
      ASSIGN_OR_RETURN(auto attribute, ParseAttribute());
      if (attribute.first == "is_scheduled") module_.is_scheduled = attribute.second == "true";
    }
    while (!lex_.AtEnd()) RETURN_IF_ERROR(ParseComputation());
    RETURN_IF_ERROR(ResolveCalls());
    if (module_.computations.empty()) {
      return lex_.Error("unexpected end of file: the module has no computations");
    }
    if (module_.entry < 0) module_.entry = static_cast<int>(module_.computations.size()) - 1;
    return std::move(module_);
  }

 private:
  absl::StatusOr<std::pair<absl::string_view, absl::string_view>> ParseAttribute() {
    const absl::string_view key = lex_.Word();
    if (key.empty())
      return lex_.Error(absl::StrCat("expected an attribute, got ", lex_.Describe()));
    RETURN_IF_ERROR(lex_.Expect('=', absl::StrCat("after attribute '", key, "'")));
    lex_.Peek();  // Skips blanks before the value.
    ASSIGN_OR_RETURN(absl::string_view value,
                     lex_.Balanced(/*stop_at_comma=*/true, /*stop_at_newline=*/true));
    value = absl::StripAsciiWhitespace(value);
    if (value.empty()) return lex_.Error(absl::StrCat("attribute '", key, "' has no value"));
    return std::make_pair(key, value);
  }

  absl::StatusOr<Shape> ParseShape(int depth = 0) {
    Shape shape;
    if (depth > kMaxTupleDepth) return lex_.Error("tuple shapes nest too deep");
    if (lex_.TryConsume('(')) {
      shape.is_tuple = true;
      if (lex_.TryConsume(')')) return shape;
      do {
        ASSIGN_OR_RETURN(Shape element, ParseShape(depth + 1));
        shape.tuple_shapes.push_back(std::move(element));
      } while (lex_.TryConsume(','));
      RETURN_IF_ERROR(lex_.Expect(')', "to close a tuple shape"));
      return shape;
    }
    const int line = lex_.line();
    absl::string_view type = lex_.Word();
    if (type.empty()) return lex_.Error(absl::StrCat("expected a shape, got ", lex_.Describe()));
    std::optional<int> bits = ElementBits(type);
    if (!bits)
      return lex_.ErrorAt(line, absl::StrCat("unknown element type '", type, "' in a shape"));
    shape.element_type = std::string(type);
    shape.element_bits = *bits;
    if (lex_.PeekRaw() != '[') {
      return lex_.Error(
          absl::StrCat("expected '[' after element type '", type, "', got ", lex_.Describe()));
    }
    lex_.TryConsume('[');
    int64_t elements = 1;
    if (!lex_.TryConsume(']')) {
      do {
        lex_.TryConsume("<=");  // A dynamic dimension: its bound is what memory holds.
        if (lex_.Peek() == '?') return lex_.Error("unbounded dynamic dimension '?' has no size");
        ASSIGN_OR_RETURN(int64_t dim, lex_.Integer("a dimension"));
        if (dim < 0) return lex_.Error(absl::StrCat("negative dimension ", dim));
        if (dim > 0 && elements > kMaxElements / dim) {
          return lex_.Error("shape has more than 2^56 elements");
        }
        elements *= dim;
        shape.dimensions.push_back(dim);
      } while (lex_.TryConsume(','));
      RETURN_IF_ERROR(lex_.Expect(']', "to close the dimensions"));
    }
    // A layout follows the dimensions directly; a '{' after a blank opens a computation body.
    if (lex_.PeekRaw() == '{') RETURN_IF_ERROR(ParseLayout(shape));
    return shape;
  }

  // `{1,0}`, `{1,0:T(8,128)(2,1)S(1)}`, `{0:E(4)}`: minor-to-major, then tiling and friends.
  // Only the memory space S(n) and element size E(n) change what we compute.
  absl::Status ParseLayout(Shape& shape) {
    lex_.TryConsume('{');
    while (lex_.Peek() != ':' && lex_.Peek() != '}') {
      ASSIGN_OR_RETURN(int64_t dim, lex_.Integer("a layout dimension"));
      (void)dim;
      if (!lex_.TryConsume(',')) break;
    }
    if (lex_.TryConsume(':')) {
      while (lex_.Peek() != '}' && !lex_.AtEnd()) {
        absl::string_view tag = lex_.Word();
        if (tag.empty() && lex_.Peek() != '(' && lex_.Peek() != '#' && lex_.Peek() != '*') {
          return lex_.Error(absl::StrCat("malformed layout, got ", lex_.Describe()));
        }
        if (tag.empty()) lex_.TryConsume(lex_.Peek());
        while (lex_.TryConsume('(')) {
          ASSIGN_OR_RETURN(absl::string_view args, lex_.Balanced(false, false));
          RETURN_IF_ERROR(lex_.Expect(')', "in a layout"));
          int64_t n = 0;
          if ((tag == "S" || tag == "E") && absl::SimpleAtoi(args, &n)) {
            if (tag == "S") shape.memory_space = static_cast<int>(n);
            if (tag == "E" && n > 0 && n <= 128) shape.element_bits = static_cast<int>(n);
          }
        }
      }
    }
    return lex_.Expect('}', "to close the layout");
  }

  absl::Status ParseComputation() {
    Computation computation;
    computation.line = lex_.line();
    const int index = static_cast<int>(module_.computations.size());
    if (lex_.Peek() == '}') return lex_.Error("unbalanced '}' outside any computation");
    ASSIGN_OR_RETURN(absl::string_view word, lex_.Name("a computation"));
    bool is_entry = word == "ENTRY";
    if (is_entry) {
      ASSIGN_OR_RETURN(word, lex_.Name("the entry computation's name"));
    }
    computation.name = word;
    if (lex_.TryConsume('(')) {  // The signature is implied by the parameters; skip it.
      ASSIGN_OR_RETURN(absl::string_view params, lex_.Balanced(false, false));
      (void)params;
      RETURN_IF_ERROR(lex_.Expect(')', "to close the computation's parameters"));
      if (lex_.TryConsume("->")) {
        ASSIGN_OR_RETURN(Shape result, ParseShape());
        (void)result;
      }
    }
    RETURN_IF_ERROR(lex_.Expect('{', absl::StrCat("to open computation '", word, "'")));
    absl::flat_hash_map<absl::string_view, int> names;
    std::vector<PendingOperand> operands;
    while (!lex_.TryConsume('}')) {
      if (lex_.AtEnd()) {
        return lex_.Error(absl::StrCat("unexpected end of file: computation '", word, "' (line ",
                                       computation.line, ") has no closing '}'"));
      }
      RETURN_IF_ERROR(ParseInstruction(index, computation, names, operands));
    }
    while (lex_.TryConsume(',')) {  // e.g. `, execution_thread="host"`
      RETURN_IF_ERROR(ParseAttribute().status());
    }
    if (computation.instructions.empty()) {
      return lex_.ErrorAt(computation.line,
                          absl::StrCat("computation '", word, "' has no instructions"));
    }
    for (const PendingOperand& operand : operands) {
      auto it = names.find(operand.name);
      const Instruction& user = computation.instructions[operand.instruction];
      if (it == names.end()) {
        return lex_.ErrorAt(user.line,
                            absl::StrCat("'", user.name, "' uses operand '", operand.name,
                                         "', which does not exist in '", word, "'"));
      }
      Instruction& target = computation.instructions[operand.instruction];
      (operand.control ? target.control_predecessors : target.operands).push_back(it->second);
    }
    if (computation.root < 0)
      computation.root = static_cast<int>(computation.instructions.size()) - 1;
    RETURN_IF_ERROR(CheckParameters(computation));
    if (!module_.computation_index.emplace(computation.name, index).second) {
      return lex_.ErrorAt(computation.line,
                          absl::StrCat("computation '", word, "' is defined twice"));
    }
    if (is_entry) {
      if (module_.entry >= 0) {
        return lex_.ErrorAt(computation.line, "a second ENTRY computation");
      }
      module_.entry = index;
    }
    module_.computations.push_back(std::move(computation));
    return absl::OkStatus();
  }

  absl::Status CheckParameters(Computation& computation) {
    for (int i = 0; i < static_cast<int>(computation.instructions.size()); ++i) {
      const Instruction& inst = computation.instructions[i];
      if (inst.opcode != "parameter") continue;
      if (inst.parameter_number < 0 || inst.parameter_number > 1'000'000) {
        return lex_.ErrorAt(inst.line,
                            absl::StrCat("bad parameter number ", inst.parameter_number));
      }
      if (computation.parameters.size() <= static_cast<size_t>(inst.parameter_number)) {
        computation.parameters.resize(inst.parameter_number + 1, -1);
      }
      if (computation.parameters[inst.parameter_number] >= 0) {
        return lex_.ErrorAt(inst.line, absl::StrCat("parameter(", inst.parameter_number,
                                                    ") appears twice in '", computation.name, "'"));
      }
      computation.parameters[inst.parameter_number] = i;
    }
    for (size_t n = 0; n < computation.parameters.size(); ++n) {
      if (computation.parameters[n] < 0) {
        return lex_.ErrorAt(computation.line, absl::StrCat("computation '", computation.name,
                                                           "' has no parameter(", n, ")"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseInstruction(int computation_index, Computation& computation,
                                absl::flat_hash_map<absl::string_view, int>& names,
                                std::vector<PendingOperand>& operands) {
    Instruction inst;
    inst.line = lex_.line();
    const int index = static_cast<int>(computation.instructions.size());
    ASSIGN_OR_RETURN(absl::string_view name, lex_.Name("an instruction"));
    if (name == "ROOT" && lex_.Peek() != '=') {
      if (computation.root >= 0) return lex_.Error("a second ROOT in one computation");
      computation.root = index;
      ASSIGN_OR_RETURN(name, lex_.Name("the ROOT instruction's name"));
    }
    inst.name = name;
    RETURN_IF_ERROR(lex_.Expect('=', absl::StrCat("after instruction name '", name, "'")));
    ASSIGN_OR_RETURN(inst.shape, ParseShape());
    inst.opcode = lex_.Word();
    if (inst.opcode.empty()) {
      return lex_.Error(absl::StrCat("expected an opcode, got ", lex_.Describe()));
    }
    RETURN_IF_ERROR(lex_.Expect('(', absl::StrCat("after opcode '", inst.opcode, "'")));
    if (inst.opcode == "constant") {
      ASSIGN_OR_RETURN(inst.literal, lex_.Balanced(false, false));
    } else if (inst.opcode == "parameter") {
      ASSIGN_OR_RETURN(inst.parameter_number, lex_.Integer("a parameter number"));
    } else if (lex_.Peek() != ')') {
      do {
        // `f32[2]{0} %a` (older dumps) or just `%a` / `a`.
        if (lex_.Peek() == '(' || ElementBitsAhead()) RETURN_IF_ERROR(ParseShape().status());
        ASSIGN_OR_RETURN(absl::string_view operand, lex_.Name("an operand"));
        operands.push_back({index, operand});
      } while (lex_.TryConsume(','));
    }
    RETURN_IF_ERROR(lex_.Expect(')', absl::StrCat("to close the operands of '", name, "'")));
    while (lex_.TryConsume(',')) {
      ASSIGN_OR_RETURN(auto attribute, ParseAttribute());
      if (IsCallAttribute(attribute.first)) {
        calls_.push_back({computation_index, index, attribute.second});
      }
      if (attribute.first == "control-predecessors") {
        RETURN_IF_ERROR(AddControlPredecessors(index, attribute.second, operands));
      }
      inst.attributes.push_back(attribute);
    }
    if (!names.emplace(name, index).second) {
      return lex_.ErrorAt(inst.line, absl::StrCat("instruction '", name, "' is defined twice in '",
                                                  computation.name, "'"));
    }
    computation.instructions.push_back(std::move(inst));
    return absl::OkStatus();
  }

  // `{%a, %b}`: names resolved with the operands once the computation is complete.
  absl::Status AddControlPredecessors(int index, absl::string_view value,
                                      std::vector<PendingOperand>& operands) {
    absl::ConsumePrefix(&value, "{");
    absl::ConsumeSuffix(&value, "}");
    for (absl::string_view name : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      name = absl::StripAsciiWhitespace(name);
      absl::ConsumePrefix(&name, "%");
      if (name.empty()) return lex_.Error("empty name in control-predecessors");
      operands.push_back({index, name, /*control=*/true});
    }
    return absl::OkStatus();
  }

  // True when the next word is an element type directly followed by '[': an inline shape.
  bool ElementBitsAhead() {
    Lexer probe = lex_;
    absl::string_view word = probe.Word();
    return !word.empty() && probe.PeekRaw() == '[' && ElementBits(word).has_value();
  }

  absl::Status ResolveCalls() {
    for (const PendingCall& call : calls_) {
      Instruction& inst = module_.computations[call.computation].instructions[call.instruction];
      absl::string_view list = call.names;
      absl::ConsumePrefix(&list, "{");
      absl::ConsumeSuffix(&list, "}");
      for (absl::string_view name : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
        name = absl::StripAsciiWhitespace(name);
        absl::ConsumePrefix(&name, "%");
        auto it = module_.computation_index.find(name);
        if (it == module_.computation_index.end()) {
          return lex_.ErrorAt(inst.line, absl::StrCat("'", inst.name, "' calls computation '", name,
                                                      "', which does not exist"));
        }
        inst.called.push_back(it->second);
      }
    }
    return absl::OkStatus();
  }

  Lexer lex_;
  Module module_;
  std::vector<PendingCall> calls_;
};

}  // namespace

std::optional<absl::string_view> Instruction::Attribute(absl::string_view key) const {
  for (const auto& [k, v] : attributes) {
    if (k == key) return v;
  }
  return std::nullopt;
}

absl::Status ErrorAt(absl::string_view path, int line, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": ", message));
}

absl::StatusOr<Module> ParseModule(absl::string_view path, absl::string_view text) {
  RETURN_IF_ERROR(CheckInputSize(path, static_cast<int64_t>(text.size())));
  RETURN_IF_ERROR(CheckLineLengths(path, text));
  return Parser(path, text).Parse();
}

}  // namespace mmap_opt::hlo
