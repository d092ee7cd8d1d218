// Program validation and the derived facts computed once per program.
#include "mmap_opt/model/program.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "mmap_opt/model/limits.h"
#include "mmap_opt/model/quote.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

std::string Describe(const proto::Instruction& instruction, Time t) {
  return absl::StrCat("instruction ", instruction.id(), " ", Quote(instruction.name()), " (t=", t,
                      ")");
}

std::string Describe(const proto::Buffer& buffer) {
  return absl::StrCat("buffer ", buffer.id(), " ", Quote(buffer.name()));
}

absl::Status CheckCost(double value, absl::string_view what, const proto::Instruction& inst,
                       Time t) {
  if (std::isnan(value) || std::isinf(value) || value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(Describe(inst, t), " has ", what, " = ", value,
                     "; costs must be finite and non-negative"));
  }
  return absl::OkStatus();
}

absl::Status CheckAccessBytes(const google::protobuf::RepeatedField<int64_t>& bytes,
                              int expected, absl::string_view list,
                              const proto::Instruction& inst, Time t) {
  if (bytes.empty()) return absl::OkStatus();
  if (bytes.size() != expected) {
    return absl::InvalidArgumentError(absl::StrCat(Describe(inst, t), " lists ", bytes.size(),
                                                   " ", list, "_bytes for ", expected, " ",
                                                   list, "s"));
  }
  for (int64_t b : bytes) {
    if (b < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(Describe(inst, t), " has negative ", list, "_bytes ", b));
    }
  }
  return absl::OkStatus();
}

// The bytes one instruction reads and writes (a buffer may be read many times) must fit in
// int64 together: the cost model adds them up. Runs after CheckAccessBytes; unknown buffers
// are reported by the caller afterwards.
absl::Status CheckBytesMoved(const proto::Instruction& inst, Time t,
                             const absl::flat_hash_map<BufferId, const proto::Buffer*>& buffers) {
  int64_t total = 0;
  auto add = [&](const google::protobuf::RepeatedField<int64_t>& ids,
                 const google::protobuf::RepeatedField<int64_t>& bytes) {
    for (int i = 0; i < ids.size(); ++i) {
      auto buffer = buffers.find(ids[i]);
      int64_t moved = !bytes.empty() ? bytes[i] : buffer != buffers.end() ? buffer->second->size() : 0;
      if (__builtin_add_overflow(total, moved, &total)) return false;
    }
    return true;
  };
  if (!add(inst.operands(), inst.operand_bytes()) || !add(inst.outputs(), inst.output_bytes())) {
    return absl::InvalidArgumentError(absl::StrCat(
        Describe(inst, t), " reads and writes more bytes than a 64-bit byte count holds"));
  }
  return absl::OkStatus();
}

// Buffers: unique ids, positive sizes whose total fits in int64.
absl::Status ValidateBuffers(const proto::Program& program) {
  absl::flat_hash_set<BufferId> ids;
  int64_t total = 0;
  for (const proto::Buffer& buffer : program.buffers()) {
    if (!ids.insert(buffer.id()).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate buffer id ", buffer.id(), " (",
                                                     Quote(buffer.name()), ")"));
    }
    if (buffer.size() <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(Describe(buffer), " has size ", buffer.size(), "; sizes must be > 0"));
    }
    if (__builtin_add_overflow(total, buffer.size(), &total)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "buffer sizes overflow a 64-bit byte count at ", Describe(buffer), " (size ",
          buffer.size(), ")"));
    }
  }
  return absl::OkStatus();
}

// Instructions: unique ids, sane costs, existing buffers, each buffer defined once and only
// read after its definition.
absl::Status ValidateInstructions(const proto::Program& program) {
  absl::flat_hash_map<BufferId, const proto::Buffer*> buffers;
  for (const proto::Buffer& buffer : program.buffers()) buffers[buffer.id()] = &buffer;
  absl::flat_hash_map<int64_t, Time> time_of_id;
  absl::flat_hash_map<BufferId, Time> defined_at;
  for (Time t = 0; t < program.instructions_size(); ++t) {
    const proto::Instruction& inst = program.instructions(t);
    if (!time_of_id.emplace(inst.id(), t).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate instruction id ", inst.id(),
                                                     " (", Quote(inst.name()), " at t=", t, ")"));
    }
    if (inst.computation() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(Describe(inst, t), " has computation ",
                                                     inst.computation(), ", which is negative"));
    }
    RETURN_IF_ERROR(CheckCost(inst.flops(), "flops", inst, t));
    RETURN_IF_ERROR(CheckCost(inst.transcendentals(), "transcendentals", inst, t));
    RETURN_IF_ERROR(
        CheckAccessBytes(inst.operand_bytes(), inst.operands_size(), "operand", inst, t));
    RETURN_IF_ERROR(CheckAccessBytes(inst.output_bytes(), inst.outputs_size(), "output", inst, t));
    RETURN_IF_ERROR(CheckBytesMoved(inst, t, buffers));
    for (BufferId id : inst.outputs()) {
      if (!buffers.contains(id)) {
        return absl::InvalidArgumentError(
            absl::StrCat(Describe(inst, t), " writes buffer ", id, ", which does not exist"));
      }
      auto [it, inserted] = defined_at.emplace(id, t);
      if (!inserted) {
        return absl::InvalidArgumentError(
            absl::StrCat(Describe(*buffers[id]), " is defined twice: at t=", it->second,
                         " and by ", Describe(inst, t)));
      }
    }
  }
  for (const proto::Buffer& buffer : program.buffers()) {
    if (!buffer.has_defined_by()) continue;
    auto inst = time_of_id.find(buffer.defined_by());
    if (inst == time_of_id.end()) {
      return absl::InvalidArgumentError(absl::StrCat(Describe(buffer), " says it is defined by instruction ",
                                                     buffer.defined_by(),
                                                     ", which does not exist"));
    }
    auto writer = defined_at.find(buffer.id());
    if (writer == defined_at.end() || writer->second != inst->second) {
      return absl::InvalidArgumentError(absl::StrCat(
          Describe(buffer), " says it is defined by instruction ", buffer.defined_by(),
          ", but that instruction does not list it among its outputs"));
    }
  }
  for (Time t = 0; t < program.instructions_size(); ++t) {
    const proto::Instruction& inst = program.instructions(t);
    for (BufferId id : inst.operands()) {
      if (!buffers.contains(id)) {
        return absl::InvalidArgumentError(
            absl::StrCat(Describe(inst, t), " reads buffer ", id, ", which does not exist"));
      }
      auto def = defined_at.find(id);
      if (def != defined_at.end() && def->second >= t) {
        return absl::InvalidArgumentError(
            absl::StrCat(Describe(inst, t), " reads ", Describe(*buffers[id]),
                         " before it is defined (at t=", def->second, ")"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateProgram(const proto::Program& program) {
  if (program.instructions().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("program ", Quote(program.name()), " has no instructions"));
  }
  if (program.instructions_size() > kMaxInstructions) {
    return absl::InvalidArgumentError(absl::StrCat("program ", Quote(program.name()), " has ",
                                                   program.instructions_size(),
                                                   " instructions, over the limit of ",
                                                   kMaxInstructions));
  }
  if (program.buffers_size() > kMaxBuffers) {
    return absl::InvalidArgumentError(absl::StrCat("program ", Quote(program.name()), " has ",
                                                   program.buffers_size(),
                                                   " buffers, over the limit of ", kMaxBuffers));
  }
  RETURN_IF_ERROR(ValidateBuffers(program));
  return ValidateInstructions(program);
}

absl::StatusOr<Program> Program::Create(proto::Program program_proto) {
  RETURN_IF_ERROR(ValidateProgram(program_proto));
  Program program;
  program.proto_ = std::move(program_proto);
  const proto::Program& p = program.proto_;
  const Time num_instructions = p.instructions_size();
  program.buffers_.resize(p.buffers_size());
  program.instructions_.resize(num_instructions);
  program.computation_.resize(num_instructions);
  for (BufferIndex b = 0; b < p.buffers_size(); ++b) {
    program.index_of_[p.buffers(b).id()] = b;
    program.total_buffer_bytes_ += p.buffers(b).size();
  }
  for (Time t = 0; t < num_instructions; ++t) {
    const proto::Instruction& inst = p.instructions(t);
    InstructionFacts& facts = program.instructions_[t];
    program.computation_[t] = inst.computation();
    program.total_flops_ += inst.flops();
    program.total_transcendentals_ += inst.transcendentals();
    for (int i = 0; i < inst.outputs_size(); ++i) {
      BufferIndex b = program.index_of_.at(inst.outputs(i));
      int64_t bytes = inst.output_bytes().empty() ? p.buffers(b).size() : inst.output_bytes(i);
      facts.writes.push_back({b, bytes});
      facts.bytes_written += bytes;
      program.buffers_[b].definition = t;
    }
    for (int i = 0; i < inst.operands_size(); ++i) {
      BufferIndex b = program.index_of_.at(inst.operands(i));
      int64_t bytes = inst.operand_bytes().empty() ? p.buffers(b).size() : inst.operand_bytes(i);
      facts.reads.push_back({b, bytes});
      facts.bytes_read += bytes;
      std::vector<Time>& uses = program.buffers_[b].uses;
      if (uses.empty() || uses.back() != t) uses.push_back(t);
    }
  }
  // Difference array over time: +size at the start of each live range, -size after its end.
  std::vector<int64_t> delta(num_instructions + 1, 0);
  for (BufferIndex b = 0; b < p.buffers_size(); ++b) {
    BufferFacts& facts = program.buffers_[b];
    Time start = facts.definition.value_or(0);
    Time end = facts.uses.empty() ? start : std::max(start, facts.uses.back());
    if (p.buffers(b).is_output()) end = num_instructions - 1;
    facts.live_range = {start, end};
    delta[start] += p.buffers(b).size();
    delta[end + 1] -= p.buffers(b).size();
  }
  program.live_bytes_.resize(num_instructions);
  int64_t live = 0;
  for (Time t = 0; t < num_instructions; ++t) {
    live += delta[t];
    program.live_bytes_[t] = live;
    if (live > program.peak_live_bytes_) {
      program.peak_live_bytes_ = live;
      program.peak_live_time_ = t;
    }
  }
  return program;
}

std::optional<BufferIndex> Program::IndexOf(BufferId id) const {
  auto it = index_of_.find(id);
  if (it == index_of_.end()) return std::nullopt;
  return it->second;
}

}  // namespace mmap_opt
