// The roofline cost of one instruction (DESIGN.md §4, xla-msa.md §2): the single place where
// mmap-opt turns FLOPs and bytes into seconds. The simulator, the game's reward and the
// heuristic all call it, so they can never disagree about what an instruction costs.
#ifndef MMAP_OPT_SIM_COST_MODEL_H_
#define MMAP_OPT_SIM_COST_MODEL_H_

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "mmap_opt/model/program.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt {

// Which list of an instruction an access belongs to: program.reads(t) or program.writes(t).
enum class AccessKind { kRead, kWrite };

// `in_fast(kind, i)`: whether access i of that list of instruction t is served by fast memory.
using InFastMemory = absl::FunctionRef<bool(AccessKind kind, int index)>;

// The time one instruction takes.
struct InstructionCost {
  double compute_s = 0;    // Tc = max(flops / peak_flops, transcendentals / their rate).
  double memory_s = 0;     // Tm = fast reads / read bw + fast writes / write bw + slow / HBM bw.
  double elapsed_s = 0;    // T = max(Tc, Tm).
  int64_t slow_bytes = 0;  // Bytes moved to or from slow memory (HBM) by the instruction itself.
  // HBM time the instruction leaves idle, T - slow_bytes / slow_bandwidth: async copies run
  // in it.
  double slow_idle_s = 0;
};

// The buffers one instruction touches, each once with the bytes of all its accesses there
// summed (a buffer read twice counts once with both reads, as CostModel::BufferBenefit does);
// zero-byte accesses leave a buffer out. Reuses its storage from one instruction to the next.
class InstructionBufferBytes {
 public:
  struct Entry {
    BufferIndex buffer;
    int64_t read = 0;
    int64_t written = 0;
  };
  explicit InstructionBufferBytes(const Program& program);
  // Instruction t's buffers, writes first; valid until the next call.
  const std::vector<Entry>& Gather(Time t);

 private:
  const Program* program_;
  std::vector<int> slot_;  // Per buffer: its index in entries_ for the current t, or -1.
  std::vector<Entry> entries_;
};

// Costs of a program's instructions on one hardware. Holds a reference to `program`, which
// must outlive it; per-instruction compute and all-slow times are computed once.
class CostModel {
 public:
  // InvalidArgument when the hardware fails ValidateHardware.
  static absl::StatusOr<CostModel> Create(const Program& program, proto::Hardware hardware);

  const Program& program() const { return *program_; }
  const proto::Hardware& hardware() const { return hardware_; }

  // THE cost function: instruction t with `fast_read_bytes` of its reads and
  // `fast_write_bytes` of its writes in fast memory, the rest in slow memory.
  InstructionCost Cost(Time t, int64_t fast_read_bytes, int64_t fast_write_bytes) const;
  // The same, with the fast accesses named one by one.
  InstructionCost Cost(Time t, InFastMemory in_fast) const;

  // Bytes of buffer b that instruction t reads and writes (0 when it does not touch b).
  struct BufferBytes {
    int64_t read = 0;
    int64_t written = 0;
  };
  BufferBytes BytesOf(Time t, BufferIndex b) const;

  double ComputeSeconds(Time t) const { return compute_s_[t]; }
  // T(t) with every access in slow memory, and with every access in its faster memory.
  double AllSlowElapsed(Time t) const { return all_slow_s_[t]; }
  double LowerBoundElapsed(Time t) const { return lower_bound_s_[t]; }
  // Sums over the program: the all-slow latency and the infinite-fast-memory lower bound.
  double AllSlowLatency() const { return all_slow_total_; }
  double LowerBoundLatency() const { return lower_bound_total_; }
  // A lower bound on the latency of every valid assignment that, unlike LowerBoundLatency,
  // counts what a finite fast memory cannot do (DESIGN.md §4 keeps the infinite-memory bound
  // as THE bound; this one says how much of its headroom is reachable at all). Over a split
  // of the schedule into windows (the best over up to 1,024 boundaries), each window takes at
  // least the larger of
  // - the sum over its instructions of the fastest each can run when the buffers it serves
  //   from fast memory must fit in fast memory together (a fractional knapsack: value, the
  //   memory time a buffer's accesses save; weight, its size), and
  // - the HBM bytes no placement avoids inside it over HBM's rate (max(1, async_copy_fraction)
  //   x slow_bandwidth: instructions, stalls and copies share HBM): every access of a buffer
  //   that never fits (slow-only, or larger than fast memory); the reads of data that existed
  //   before the window, and the writes (with the reads that follow a slow write) of data
  //   needed after it, less what fast memory can hold at the window's first and last
  //   instructions. Computed once, with the model.
  double CapacityBoundLatency() const { return capacity_bound_total_; }

  // Bytes per second an async copy moves, and the seconds it needs for `bytes`:
  // bytes / (async_copy_fraction * slow_bandwidth).
  double CopyBandwidth() const;
  double CopySeconds(int64_t bytes) const { return bytes / CopyBandwidth(); }

  // XLA's alternate-memory benefit (xla-msa.md §2) of moving `read_bytes` / `written_bytes`
  // of instruction t's accesses into fast memory, everything else slow: when t is memory
  // bound, the memory time saved (positive); when compute bound, Tm - Tc (negative: how far
  // the instruction is from being memory bound).
  double Benefit(Time t, int64_t read_bytes, int64_t written_bytes) const;
  // The benefit of serving every access of buffer b at time t from fast memory.
  double BufferBenefit(Time t, BufferIndex b) const;

  // XLA's sort key for every buffer (xla-msa.md §2): the benefit at the definition combined
  // with the benefit at each use (summed while both are positive, else the maximum), divided
  // by sqrt(size). Indexed by BufferIndex; one pass over all accesses.
  std::vector<double> MemoryBoundedness() const;

 private:
  CostModel(const Program& program, proto::Hardware hardware);

  const Program* program_;
  proto::Hardware hardware_;
  std::vector<double> compute_s_;
  std::vector<double> all_slow_s_;
  std::vector<double> lower_bound_s_;
  double all_slow_total_ = 0;
  double lower_bound_total_ = 0;
  double capacity_bound_total_ = 0;
};

}  // namespace mmap_opt

#endif  // MMAP_OPT_SIM_COST_MODEL_H_
