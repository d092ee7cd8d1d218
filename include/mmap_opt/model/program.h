// A validated program with the derived data every layer needs (live ranges, uses, bytes).
#ifndef MMAP_OPT_MODEL_PROGRAM_H_
#define MMAP_OPT_MODEL_PROGRAM_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt {

using Time = int64_t;         // Logical time: an instruction's index in the schedule.
using BufferId = int64_t;     // A buffer's id as written in the program file.
using BufferIndex = int32_t;  // A buffer's position in Program::buffers(), dense from 0.

// Inclusive interval of logical time over which a buffer holds live data.
struct LiveRange {
  Time start = 0;
  Time end = 0;
  bool Contains(Time t) const { return start <= t && t <= end; }
  friend bool operator==(const LiveRange& a, const LiveRange& b) {
    return a.start == b.start && a.end == b.end;
  }
};

// One operand or output of an instruction: which buffer and how many of its bytes.
struct Access {
  BufferIndex buffer = 0;
  int64_t bytes = 0;
};

// Checks the structural rules of DESIGN.md §3 and returns the first violation, naming the
// offending id and name: empty program, duplicate ids, dangling buffer or instruction ids, a
// use before the definition, a buffer defined twice, non-positive sizes, sizes whose sum
// overflows int64, NaN or negative costs, per-operand byte lists of the wrong length.
absl::Status ValidateProgram(const proto::Program& program);

// Immutable view of a valid program plus the data derived from it, computed once.
class Program {
 public:
  // Validates `program` and derives live ranges, uses, bytes and peak live bytes.
  static absl::StatusOr<Program> Create(proto::Program program);

  const proto::Program& proto() const { return proto_; }
  const std::string& name() const { return proto_.name(); }

  Time num_instructions() const { return proto_.instructions_size(); }
  BufferIndex num_buffers() const { return proto_.buffers_size(); }
  const proto::Instruction& instruction(Time t) const { return proto_.instructions(t); }
  const proto::Buffer& buffer(BufferIndex b) const { return proto_.buffers(b); }

  // The computation of the imported module instruction t comes from (proto
  // Instruction.computation; 0 for all in a program of one computation).
  int32_t computation(Time t) const { return computation_[t]; }
  absl::Span<const int32_t> computations() const { return computation_; }

  // The dense index of the buffer with file id `id`, if there is one.
  std::optional<BufferIndex> IndexOf(BufferId id) const;

  // Time of the defining instruction; nullopt for program inputs.
  std::optional<Time> definition(BufferIndex b) const { return buffers_[b].definition; }
  LiveRange live_range(BufferIndex b) const { return buffers_[b].live_range; }
  // Distinct times at which `b` is read, ascending.
  absl::Span<const Time> uses(BufferIndex b) const { return buffers_[b].uses; }

  absl::Span<const Access> reads(Time t) const { return instructions_[t].reads; }
  absl::Span<const Access> writes(Time t) const { return instructions_[t].writes; }
  int64_t bytes_read(Time t) const { return instructions_[t].bytes_read; }
  int64_t bytes_written(Time t) const { return instructions_[t].bytes_written; }

  // Sum of the sizes of the buffers live at t.
  int64_t live_bytes(Time t) const { return live_bytes_[t]; }
  int64_t peak_live_bytes() const { return peak_live_bytes_; }
  Time peak_live_time() const { return peak_live_time_; }  // First time the peak is reached.
  int64_t total_buffer_bytes() const { return total_buffer_bytes_; }
  double total_flops() const { return total_flops_; }
  double total_transcendentals() const { return total_transcendentals_; }

 private:
  struct BufferFacts {
    std::optional<Time> definition;
    LiveRange live_range;
    std::vector<Time> uses;
  };
  struct InstructionFacts {
    std::vector<Access> reads;
    std::vector<Access> writes;
    int64_t bytes_read = 0;
    int64_t bytes_written = 0;
  };

  Program() = default;

  proto::Program proto_;
  absl::flat_hash_map<BufferId, BufferIndex> index_of_;
  std::vector<BufferFacts> buffers_;
  std::vector<InstructionFacts> instructions_;
  std::vector<int32_t> computation_;
  std::vector<int64_t> live_bytes_;
  int64_t peak_live_bytes_ = 0;
  Time peak_live_time_ = 0;
  int64_t total_buffer_bytes_ = 0;
  double total_flops_ = 0;
  double total_transcendentals_ = 0;
};

}  // namespace mmap_opt

#endif  // MMAP_OPT_MODEL_PROGRAM_H_
