// The roofline of DESIGN.md §4. Every other file gets its seconds from CostModel::Cost.
#include "mmap_opt/sim/cost_model.h"

#include <algorithm>
#include <cmath>

#include "mmap_opt/model/hardware.h"
#include "mmap_opt/status_macros.h"
#include "sim/capacity_bound.h"

namespace mmap_opt {

absl::StatusOr<CostModel> CostModel::Create(const Program& program, proto::Hardware hardware) {
  RETURN_IF_ERROR(ValidateHardware(hardware));
  return CostModel(program, std::move(hardware));
}

CostModel::CostModel(const Program& program, proto::Hardware hardware)
    : program_(&program), hardware_(std::move(hardware)) {
  const Time n = program.num_instructions();
  compute_s_.resize(n);
  all_slow_s_.resize(n);
  lower_bound_s_.resize(n);
  // The lower bound serves each access from whichever memory is faster for it; with any real
  // hardware (fast bandwidths above HBM's) that is "everything in fast memory".
  const bool reads_faster = hardware_.fast_read_bandwidth() >= hardware_.slow_bandwidth();
  const bool writes_faster = hardware_.fast_write_bandwidth() >= hardware_.slow_bandwidth();
  for (Time t = 0; t < n; ++t) {
    const proto::Instruction& inst = program.instruction(t);
    compute_s_[t] = std::max(inst.flops() / hardware_.peak_flops(),
                             inst.transcendentals() / hardware_.transcendentals_per_second());
    all_slow_s_[t] = Cost(t, 0, 0).elapsed_s;
    lower_bound_s_[t] = Cost(t, reads_faster ? program.bytes_read(t) : 0,
                             writes_faster ? program.bytes_written(t) : 0)
                            .elapsed_s;
    all_slow_total_ += all_slow_s_[t];
    lower_bound_total_ += lower_bound_s_[t];
  }
  capacity_bound_total_ = internal::ComputeCapacityBound(*this);
}

InstructionCost CostModel::Cost(Time t, int64_t fast_read_bytes, int64_t fast_write_bytes) const {
  InstructionCost cost;
  cost.slow_bytes =
      program_->bytes_read(t) - fast_read_bytes + program_->bytes_written(t) - fast_write_bytes;
  const double slow_s = cost.slow_bytes / hardware_.slow_bandwidth();
  cost.compute_s = compute_s_[t];
  cost.memory_s = fast_read_bytes / hardware_.fast_read_bandwidth() +
                  fast_write_bytes / hardware_.fast_write_bandwidth() + slow_s;
  cost.elapsed_s = std::max(cost.compute_s, cost.memory_s);
  cost.slow_idle_s = std::max(0.0, cost.elapsed_s - slow_s);
  return cost;
}

InstructionCost CostModel::Cost(Time t, InFastMemory in_fast) const {
  int64_t fast_read = 0, fast_write = 0;
  absl::Span<const Access> reads = program_->reads(t);
  for (int i = 0; i < static_cast<int>(reads.size()); ++i) {
    if (in_fast(AccessKind::kRead, i)) fast_read += reads[i].bytes;
  }
  absl::Span<const Access> writes = program_->writes(t);
  for (int i = 0; i < static_cast<int>(writes.size()); ++i) {
    if (in_fast(AccessKind::kWrite, i)) fast_write += writes[i].bytes;
  }
  return Cost(t, fast_read, fast_write);
}

InstructionBufferBytes::InstructionBufferBytes(const Program& program)
    : program_(&program), slot_(program.num_buffers(), -1) {}

const std::vector<InstructionBufferBytes::Entry>& InstructionBufferBytes::Gather(Time t) {
  for (const Entry& e : entries_) slot_[e.buffer] = -1;
  entries_.clear();
  auto add = [&](const Access& a, bool write) {
    if (a.bytes == 0) return;
    if (slot_[a.buffer] < 0) {
      slot_[a.buffer] = static_cast<int>(entries_.size());
      entries_.push_back({a.buffer});
    }
    (write ? entries_[slot_[a.buffer]].written : entries_[slot_[a.buffer]].read) += a.bytes;
  };
  for (const Access& a : program_->writes(t)) add(a, /*write=*/true);
  for (const Access& a : program_->reads(t)) add(a, /*write=*/false);
  return entries_;
}

CostModel::BufferBytes CostModel::BytesOf(Time t, BufferIndex b) const {
  BufferBytes bytes;
  for (const Access& a : program_->reads(t)) {
    if (a.buffer == b) bytes.read += a.bytes;
  }
  for (const Access& a : program_->writes(t)) {
    if (a.buffer == b) bytes.written += a.bytes;
  }
  return bytes;
}

double CostModel::CopyBandwidth() const {
  return hardware_.async_copy_fraction() * hardware_.slow_bandwidth();
}

double CostModel::Benefit(Time t, int64_t read_bytes, int64_t written_bytes) const {
  const InstructionCost slow = Cost(t, 0, 0);
  if (slow.memory_s > slow.compute_s) {
    return slow.memory_s - Cost(t, read_bytes, written_bytes).memory_s;
  }
  return slow.memory_s - slow.compute_s;
}

double CostModel::BufferBenefit(Time t, BufferIndex b) const {
  const BufferBytes bytes = BytesOf(t, b);
  return Benefit(t, bytes.read, bytes.written);
}

std::vector<double> CostModel::MemoryBoundedness() const {
  const Program& program = *program_;
  const BufferIndex num_buffers = program.num_buffers();
  std::vector<double> boundedness(num_buffers, 0);
  std::vector<bool> seen(num_buffers, false);
  InstructionBufferBytes touched(program);
  auto combine = [&](BufferIndex b, double benefit) {
    if (!seen[b]) {
      boundedness[b] = benefit;
      seen[b] = true;
    } else if (boundedness[b] > 0 && benefit > 0) {
      boundedness[b] += benefit;
    } else {
      boundedness[b] = std::max(boundedness[b], benefit);
    }
  };
  for (Time t = 0; t < program.num_instructions(); ++t) {
    // Zero-byte accesses are left out; they cannot benefit anyway.
    for (const InstructionBufferBytes::Entry& e : touched.Gather(t)) {
      combine(e.buffer, Benefit(t, e.read, e.written));
    }
  }
  for (BufferIndex b = 0; b < num_buffers; ++b) {
    boundedness[b] /= std::sqrt(static_cast<double>(program.buffer(b).size()));
  }
  return boundedness;
}

}  // namespace mmap_opt
