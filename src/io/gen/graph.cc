// GraphBuilder: buffers, instructions, the backward tape and the Adam update.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "mmap_opt/io/gen_graph.h"
#include "mmap_opt/model/program.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::gen {

int64_t DTypeBytes(DType dtype) {
  switch (dtype) {
    case DType::kF32:
    case DType::kS32:
      return 4;
    case DType::kBF16:
    case DType::kF16:
      return 2;
    case DType::kF8:
    case DType::kS8:
      return 1;
  }
  return 4;
}

absl::string_view DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "f32";
    case DType::kBF16:
      return "bf16";
    case DType::kF16:
      return "f16";
    case DType::kF8:
      return "f8";
    case DType::kS8:
      return "s8";
    case DType::kS32:
      return "s32";
  }
  return "f32";
}

absl::StatusOr<DType> ParseDType(absl::string_view name) {
  for (DType d : {DType::kF32, DType::kBF16, DType::kF16, DType::kF8, DType::kS8}) {
    if (DTypeName(d) == name) return d;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown dtype '", name, "' (known: f32, bf16, f16, f8, s8)"));
}

int64_t Tensor::elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

GraphBuilder::GraphBuilder(std::string program_name, DType dtype, bool training, uint64_t seed)
    : dtype_(dtype), training_(training), seed_(seed), rng_(seed) {
  program_.set_name(std::move(program_name));
}

Tensor GraphBuilder::NewBuffer(const std::string& name, Shape shape, DType dtype, bool needs_grad) {
  Tensor t{program_.buffers_size(), std::move(shape), dtype};
  proto::Buffer* buffer = program_.add_buffers();
  buffer->set_id(t.id);
  buffer->set_name(name);
  buffer->set_size(t.bytes());
  needs_grad_.push_back(needs_grad);
  return t;
}

Tensor GraphBuilder::Input(const std::string& name, Shape shape, DType dtype) {
  return NewBuffer(name, std::move(shape), dtype, false);
}

Tensor GraphBuilder::Weight(const std::string& name, Shape shape) {
  Tensor w = NewBuffer(name, std::move(shape), dtype_, training_);
  weights_.push_back(w);
  return w;
}

std::vector<Tensor> GraphBuilder::Emit(const OpSpec& spec) {
  const int64_t id = program_.instructions_size();
  proto::Instruction* inst = program_.add_instructions();
  inst->set_id(id);
  inst->set_name(spec.name);
  inst->set_opcode(spec.opcode);
  inst->set_flops(spec.flops);
  inst->set_transcendentals(spec.transcendentals);
  bool needs_grad = false;
  bool partial = false;
  for (const Operand& op : spec.operands) {
    inst->add_operands(op.tensor.id);
    needs_grad = needs_grad || NeedsGrad(op.tensor);
    partial = partial || op.bytes >= 0;
  }
  std::vector<Tensor> outputs;
  for (const OutputSpec& out : spec.outputs) {
    Tensor t = NewBuffer(out.name, out.shape, out.dtype, training_ && needs_grad);
    program_.mutable_buffers(t.id)->set_defined_by(id);
    inst->add_outputs(t.id);
    partial = partial || out.bytes >= 0;
    outputs.push_back(std::move(t));
  }
  // The per-access byte lists are all-or-nothing (parallel to operands and outputs).
  if (partial) {
    for (const Operand& op : spec.operands) {
      inst->add_operand_bytes(op.bytes >= 0 ? op.bytes : op.tensor.bytes());
    }
    for (size_t i = 0; i < spec.outputs.size(); ++i) {
      inst->add_output_bytes(spec.outputs[i].bytes >= 0 ? spec.outputs[i].bytes
                                                        : outputs[i].bytes());
    }
  }
  return outputs;
}

void GraphBuilder::MarkOutput(const Tensor& t) {
  program_.mutable_buffers(t.id)->set_is_output(true);
}

bool GraphBuilder::NeedsGrad(const Tensor& t) const {
  return t.id >= 0 && t.id < static_cast<int64_t>(needs_grad_.size()) && needs_grad_[t.id];
}

void GraphBuilder::OnBackward(std::function<void()> fn) {
  if (training_) tape_.push_back(std::move(fn));
}

std::optional<Tensor> GraphBuilder::Grad(const Tensor& t) const {
  auto it = grads_.find(t.id);
  if (it == grads_.end()) return std::nullopt;
  return it->second;
}

void GraphBuilder::AddGrad(const Tensor& x, const Tensor& dx) {
  if (!NeedsGrad(x)) return;
  auto it = grads_.find(x.id);
  if (it == grads_.end()) {
    grads_.emplace(x.id, dx);
    return;
  }
  // A tensor read by two ops (a residual branch, tied embeddings) sums its gradients.
  const std::string& name = program_.buffers(x.id).name();
  it->second = Emit1({.name = absl::StrCat(name, ".grad.acc"),
                      .opcode = "add",
                      .flops = static_cast<double>(x.elements()),
                      .operands = {it->second, dx},
                      .outputs = {{absl::StrCat(name, ".grad"), x.shape, dx.dtype}}});
}

void GraphBuilder::SetSparseGrad(const Tensor& weight, int64_t touched_elements) {
  sparse_touched_[weight.id] = std::min(touched_elements, weight.elements());
}

bool GraphBuilder::TieBreak() { return seed_ != 0 && (rng_() & 1) != 0; }

// Adam (Kingma & Ba) per element: m' = b1 m + (1-b1) g (3 flops), v' = b2 v + (1-b2) g g
// (4 flops), w' = w - lr_t m' / (sqrt(v') + eps) (4 flops, the bias corrections folded into
// the scalar lr_t): 11 flops and one sqrt. Moments are f32 (mixed-precision practice).
void GraphBuilder::AdamUpdate(const Tensor& w) {
  std::optional<Tensor> grad = Grad(w);
  if (!grad) return;
  const std::string& name = program_.buffers(w.id).name();
  auto sparse = sparse_touched_.find(w.id);
  const int64_t touched = sparse == sparse_touched_.end() ? w.elements() : sparse->second;
  const int64_t w_bytes = touched * DTypeBytes(w.dtype);
  const int64_t m_bytes = touched * 4;
  Tensor m = Input(absl::StrCat(name, ".adam_m"), w.shape, DType::kF32);
  Tensor v = Input(absl::StrCat(name, ".adam_v"), w.shape, DType::kF32);
  std::vector<Tensor> out =
      Emit({.name = absl::StrCat(name, ".adam"),
            .opcode = "fusion",
            .flops = 11.0 * touched,
            .transcendentals = static_cast<double>(touched),
            .operands = {{w, w_bytes},
                         {*grad, touched * DTypeBytes(grad->dtype)},
                         {m, m_bytes},
                         {v, m_bytes}},
            .outputs = {{absl::StrCat(name, ".new"), w.shape, w.dtype, w_bytes},
                        {absl::StrCat(name, ".adam_m.new"), w.shape, DType::kF32, m_bytes},
                        {absl::StrCat(name, ".adam_v.new"), w.shape, DType::kF32, m_bytes}}});
  for (const Tensor& t : out) MarkOutput(t);
}

void GraphBuilder::BackwardAndUpdate(const Tensor& loss) {
  if (!training_) return;
  // d loss / d loss = 1: the loss op's backward does not read it, so no instruction is needed.
  grads_.emplace(loss.id, loss);
  for (auto it = tape_.rbegin(); it != tape_.rend(); ++it) (*it)();
  std::vector<Tensor> order = weights_;
  if (seed_ != 0) {
    // Fisher-Yates on the raw engine output, which the standard fixes bit for bit (the
    // <random> distributions are not portable across standard libraries).
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng_() % i]);
  }
  for (const Tensor& w : order) AdamUpdate(w);
}

absl::StatusOr<proto::Program> GraphBuilder::Finish(const std::string& hardware) {
  program_.mutable_hardware()->set_name(hardware);
  RETURN_IF_ERROR(ValidateProgram(program_));
  return program_;
}

}  // namespace mmap_opt::gen
