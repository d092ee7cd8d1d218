// The latency simulator: one pass over the schedule with a FIFO of async copies.
#include "mmap_opt/sim/simulator.h"

#include <algorithm>
#include <iterator>
#include <tuple>
#include <vector>

#include "mmap_opt/sim/placement_semantics.h"
#include "mmap_opt/sim/validator.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

using proto::Placement;

struct Copy {
  CopyWindow window;
  bool eviction = false;
  int placement = 0;
  double bytes = 0;
};

// Per buffer, the disjoint sorted time intervals during which its uses read fast memory: all
// in one array, each buffer's a slice of it (heuristic-tuned simulates hundreds of plans, and
// a vector per buffer was an allocation per buffer per plan).
class Coverage {
 public:
  // `buffer_of[i]`: the buffer of the assignment's placement i.
  Coverage(const Program& program, const proto::Assignment& assignment,
           const std::vector<BufferIndex>& buffer_of)
      : begin_(program.num_buffers() + 1, 0), end_(program.num_buffers(), 0) {
    for (BufferIndex b : buffer_of) ++begin_[b + 1];
    for (size_t b = 0; b < end_.size(); ++b) begin_[b + 1] += begin_[b];
    ranges_.resize(buffer_of.size());
    std::vector<int> next(begin_.begin(), begin_.end() - 1);
    for (int i = 0; i < assignment.placements_size(); ++i) {
      const Placement& p = assignment.placements(i);
      ranges_[next[buffer_of[i]]++] = {p.start(), p.end()};
    }
    for (size_t b = 0; b < end_.size(); ++b) {
      auto first = ranges_.begin() + begin_[b], last = ranges_.begin() + begin_[b + 1];
      std::sort(first, last,
                [](const LiveRange& x, const LiveRange& y) { return x.start < y.start; });
      auto merged = first;  // One past the last merged interval.
      for (auto r = first; r != last; ++r) {
        if (merged != first && r->start <= std::prev(merged)->end + 1) {
          std::prev(merged)->end = std::max(std::prev(merged)->end, r->end);
        } else {
          *merged++ = *r;
        }
      }
      end_[b] = static_cast<int>(merged - ranges_.begin());
    }
  }

  bool Covers(BufferIndex b, Time t) const {
    auto first = ranges_.begin() + begin_[b], last = ranges_.begin() + end_[b];
    auto it = std::upper_bound(first, last, t,
                               [](Time t, const LiveRange& r) { return t < r.start; });
    return it != first && std::prev(it)->Contains(t);
  }

 private:
  std::vector<int> begin_;  // Buffer b's intervals: ranges_[begin_[b], end_[b]).
  std::vector<int> end_;
  std::vector<LiveRange> ranges_;
};

// The async copies of a valid assignment in FIFO order.
std::vector<Copy> CopiesInQueueOrder(const Program& program, const proto::Assignment& assignment,
                                     const std::vector<BufferIndex>& buffer_of) {
  std::vector<Copy> copies;
  for (int i = 0; i < assignment.placements_size(); ++i) {
    const Placement& p = assignment.placements(i);
    const BufferIndex b = buffer_of[i];
    const double bytes = program.buffer(b).size();
    if (p.source() == Placement::PREFETCHED) {
      copies.push_back({PrefetchWindow(p.copy_start(), *FirstUseIn(program, b, p.start(), p.end())),
                        false, i, bytes});
    } else if (NeedsEviction(program, b, p.end())) {
      copies.push_back({EvictionWindow(p.start(), p.end()), true, i, bytes});
    }
  }
  // Evictions before prefetches at one boundary (`!eviction` sorts them first), then by index.
  std::sort(copies.begin(), copies.end(), [](const Copy& a, const Copy& b) {
    return std::make_tuple(a.window.issue, !a.eviction, a.placement) <
           std::make_tuple(b.window.issue, !b.eviction, b.placement);
  });
  return copies;
}

// The FIFO: copies [head, issued) are in flight; the head one has `head_left` bytes to go.
class CopyQueue {
 public:
  explicit CopyQueue(std::vector<Copy> copies) : copies_(std::move(copies)) {
    if (!copies_.empty()) head_left_ = copies_[0].bytes;
  }

  const std::vector<Copy>& copies() const { return copies_; }

  void IssueUpTo(Time boundary) {
    while (issued_ < copies_.size() && copies_[issued_].window.issue <= boundary) ++issued_;
  }

  // Moves up to `bytes` through the queue in order.
  void Drain(double bytes) {
    while (bytes > 0 && head_ < issued_) {
      const double moved = std::min(bytes, head_left_);
      bytes -= moved;
      head_left_ -= moved;
      if (head_left_ <= 0) Pop();
    }
  }

  // Completes every copy up to queue position `last`; returns the bytes that took.
  double CompleteThrough(size_t last) {
    double bytes = 0;
    while (head_ <= last && head_ < issued_) {
      bytes += head_left_;
      Pop();
    }
    return bytes;
  }

 private:
  void Pop() {
    ++head_;
    head_left_ = head_ < copies_.size() ? copies_[head_].bytes : 0;
  }

  std::vector<Copy> copies_;
  size_t head_ = 0;
  size_t issued_ = 0;
  double head_left_ = 0;
};

}  // namespace

absl::StatusOr<SimulationResult> Simulate(const CostModel& model,
                                          const proto::Assignment& assignment) {
  RETURN_IF_ERROR(ValidateAssignment(model.program(), model.hardware(), assignment));
  return SimulateValid(model, assignment);
}

SimulationResult SimulateValid(const CostModel& model, const proto::Assignment& assignment) {
  const Program& program = model.program();
  const Time n = program.num_instructions();
  std::vector<BufferIndex> buffer_of(assignment.placements_size());
  for (int i = 0; i < assignment.placements_size(); ++i) {
    buffer_of[i] = *program.IndexOf(assignment.placements(i).buffer_id());
  }
  const Coverage coverage(program, assignment, buffer_of);
  std::vector<bool> produced_fast(program.num_buffers(), false);
  for (int i = 0; i < assignment.placements_size(); ++i) {
    if (assignment.placements(i).source() == Placement::PRODUCED) {
      produced_fast[buffer_of[i]] = true;
    }
  }

  SimulationResult result;
  CopyQueue queue(CopiesInQueueOrder(program, assignment, buffer_of));
  // due[t]: the last queue position that must be complete at boundary t, or -1.
  std::vector<int64_t> due(n + 1, -1);
  for (size_t k = 0; k < queue.copies().size(); ++k) {
    const Copy& c = queue.copies()[k];
    due[c.window.deadline] = std::max<int64_t>(due[c.window.deadline], k);
    (c.eviction ? result.eviction_bytes : result.prefetch_bytes) += c.bytes;
    (c.eviction ? result.evictions : result.prefetches) += 1;
  }
  result.copy_bytes = result.prefetch_bytes + result.eviction_bytes;

  const double copy_bandwidth = model.CopyBandwidth();
  result.instructions.resize(n);
  for (Time t = 0; t <= n; ++t) {
    queue.IssueUpTo(t);
    const double stall =
        due[t] >= 0 ? queue.CompleteThrough(static_cast<size_t>(due[t])) / copy_bandwidth : 0;
    result.stall_s += stall;
    result.latency_s += stall;
    if (t == n) {
      result.final_stall_s = stall;
      break;
    }
    InstructionTiming& timing = result.instructions[t];
    timing.stall_s = stall;
    timing.cost = model.Cost(t, [&](AccessKind kind, int i) {
      return kind == AccessKind::kRead ? coverage.Covers(program.reads(t)[i].buffer, t)
                                       : produced_fast[program.writes(t)[i].buffer];
    });
    result.latency_s += timing.cost.elapsed_s;
    queue.Drain(timing.cost.slow_idle_s * copy_bandwidth);
  }
  return result;
}

}  // namespace mmap_opt
