// The mixed-integer model of the mapping problem (issue 19), written as plain rows and columns
// so that it can be checked without a solver; cbc_solver.cc hands it to CBC.
//
// It is a RELAXATION of the simulator: every valid assignment maps onto a feasible point whose
// objective is at most the assignment's simulated latency (MapAssignment builds that point,
// and the tests check it), so the optimum, and any bound a solver proves on it, is a lower bound
// on the latency of every valid assignment. Per use segment of a buffer (as in the MallocGame)
// the model decides: slow, keep (the data stays in fast memory from the previous access), a
// prefetch whose issue boundary lies in one of a few buckets of the segment, or a prefetch
// issued before the previous use ("early"). What it relaxes:
// - copy start times: a bucket (lo, hi] counts fast memory from hi (the latest start) but lets
//   the copy move bytes from lo + 1 (the earliest): exact where buckets are single boundaries;
//   an early prefetch counts fast memory from the previous use and moves bytes from the time
//   the buffer first exists in slow memory;
// - the copy engine: copies are preemptive and in any order (earliest-deadline-first in
//   effect) instead of first-in first-out; for every window of boundaries [a, b], the copies
//   issued and due inside it move their bytes in the instructions' idle HBM time and the stalls
//   inside it, and so do the copies that overlap it, less the bytes that the fast memory held
//   at its ends allows outside it (rows added lazily, see AddViolatedWindows);
// - a PRODUCED placement ends at its last kept use (extending it further only costs memory)
//   and its eviction may run until the next use or the end of the program;
// - fast memory: the aligned sizes live at each time fit the capacity (no fragmentation);
// - outstanding-copy limits count each copy over the instructions it is surely in flight at
//   (from the latest start of its bucket).
#ifndef MMAP_OPT_EXACT_MAPPING_MIP_H_
#define MMAP_OPT_EXACT_MAPPING_MIP_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "mmap_opt/proto/mmap_opt.pb.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/sim/simulator.h"

namespace mmap_opt::exact {

using Term = std::pair<int, double>;  // (column, coefficient).

// The value of a sum of terms at the point x.
double TermsValue(const std::vector<double>& x, const std::vector<Term>& terms);
// Bytes rounded up to the alignment (what a buffer takes of fast memory).
int64_t AlignedBytes(int64_t bytes, int64_t alignment);

struct MipColumn {
  double lower = 0;
  double upper = 1;
  double cost = 0;  // Objective coefficient (minimised).
  bool integer = false;
};

struct MipRow {
  std::vector<Term> terms;
  double lower = 0;
  double upper = 0;
};

// One way the data of a use can reach fast memory by an async copy (or the eviction that ends
// a PRODUCED run): its decision columns and the window of boundaries its bytes must move in.
struct CopyOption {
  std::vector<Term> terms;  // The option's 0/1 value, as a sum of columns with coefficients.
  Time issue = 0;           // The earliest boundary its bytes may move at.
  Time deadline = 0;        // The boundary by which they have moved.
  double copy_time = 0;     // Its bytes over the copy bandwidth, in model time units.
  // The instructions [busy_from, busy_to) it is surely in flight at (the validator's
  // outstanding-copy limits), and which limit counts it.
  Time busy_from = 0;
  Time busy_to = 0;
  bool eviction = false;
};

// How the data of one use gets to be read from fast memory.
struct UseVars {
  Time time = 0;
  Time previous = -1;  // The previous access (the definition or the previous use); -1: none.
  int keep = -1;       // Column; -1 where keeping is impossible (an input's first use).
  int early = -1;      // Column; -1 for the first use.
  struct Bucket {
    int column = -1;
    Time lowest = 0;  // Issue boundaries lowest..latest.
    Time latest = 0;
  };
  std::vector<Bucket> buckets;  // Latest first.
};

struct BufferVars {
  BufferIndex buffer = 0;
  int produced = -1;          // Column; -1 for inputs.
  std::vector<UseVars> uses;  // In time order.
  std::vector<int> run;       // run[j]: the PRODUCED placement still covers use j (continuous).
};

struct ModelOptions {
  // Copy-start buckets per segment (at most): single boundaries near the use, then doubling.
  int max_buckets = 10;
  // Buckets of a single boundary nearest the use; up to 4 the fixed table 0, 1, 2, 3, 4, 6, 8,
  // 12, ... of bucket ends, above it that many singles then buckets growing by half.
  int single_boundaries = 4;
};

class MappingMip {
 public:
  // Builds the model; InvalidArgument when the program exceeds the stated size limit.
  static absl::StatusOr<MappingMip> Build(const CostModel& cost, const ModelOptions& options);

  const std::vector<MipColumn>& columns() const { return columns_; }
  const std::vector<MipRow>& rows() const { return rows_; }
  const std::vector<BufferVars>& buffers() const { return buffers_; }
  const std::vector<CopyOption>& copies() const { return copies_; }

  // Seconds per model time unit (objective values times this are seconds).
  double seconds_per_unit() const { return seconds_per_unit_; }

  // Adds the copy-window rows the point `x` violates most (at most `limit`); returns how many.
  int AddViolatedWindows(const std::vector<double>& x, int limit);

  // The assignment a solution describes (offsets all 0: the packer chooses them).
  proto::Assignment Extract(const std::vector<double>& x) const;

  // The feasible point a valid assignment maps to (the proof that the model relaxes the
  // simulator, tested): its objective is at most the simulated latency.
  // `simulation` is the assignment's own (Simulate).
  std::vector<double> MapAssignment(const proto::Assignment& assignment,
                                    const SimulationResult& simulation) const;

  // Objective of a point, in seconds; and the largest violation of any row or bound by it
  // (also of copy windows not yet added as rows), in model units.
  double ObjectiveSeconds(const std::vector<double>& x) const {
    return ObjectiveUnits(x) * seconds_per_unit_;
  }
  double ObjectiveUnits(const std::vector<double>& x) const;
  double MaxViolation(const std::vector<double>& x) const;

 private:
  explicit MappingMip(const CostModel& cost) : cost_(&cost) {}

  int AddColumn(double lower, double upper, double cost, bool integer);
  void BuildBuffer(BufferIndex b, const ModelOptions& options);
  void BuildInstructionRows();
  void BuildCapacityRows();
  void BuildOutstandingRows();
  // The window rows for [a, b] over all copies; and the load minus capacity of it at x.
  // A plain window holds the copies issued and due inside it; a carried one (see
  // WindowRow in mapping_mip.cc) also the prefetches due inside it that were issued
  // before a and the evictions issued inside it still running at b, with the bytes those may
  // move outside it bounded by the fast memory they hold at a and b.
  MipRow WindowRow(Time a, Time b, bool carried) const;
  double WindowExcess(const std::vector<double>& x, Time a, Time b, bool carried) const;

  const CostModel* cost_;
  double seconds_per_unit_ = 1;
  std::vector<MipColumn> columns_;
  std::vector<MipRow> rows_;
  std::vector<BufferVars> buffers_;
  std::vector<CopyOption> copies_;
  std::vector<int> elapsed_;  // Per instruction t: its elapsed time T_t.
  std::vector<int> stall_;    // Per boundary 0..n: the stall there.
  std::vector<int> prefix_;   // Per boundary 0..n: copy time available before it.
  // Per instruction: terms of the fast reads and writes, (column, bytes).
  std::vector<std::vector<Term>> fast_read_;
  std::vector<std::vector<Term>> fast_write_;
  // Per time: (column, aligned bytes) occupying fast memory.
  std::vector<std::vector<Term>> occupancy_;
  // Per occupancy term's column: the use a prefetch option serves (its deadline), -1 for any
  // other column; and the buffer whose column it is (-1: per-instruction columns).
  std::vector<Time> prefetch_use_;
  std::vector<BufferIndex> column_buffer_;
  struct WindowKey {
    Time a, b;
    bool carried;
    bool operator==(const WindowKey& o) const {
      return a == o.a && b == o.b && carried == o.carried;
    }
  };
  std::vector<WindowKey> windows_added_;
};

}  // namespace mmap_opt::exact

#endif  // MMAP_OPT_EXACT_MAPPING_MIP_H_
