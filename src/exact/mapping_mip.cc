// The mixed-integer model of the mapping problem: columns and rows (see mapping_mip.h); the
// copy-window rows and their separation are in copy_windows.cc.
#include "exact/mapping_mip.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "mmap_opt/sim/placement_semantics.h"

namespace mmap_opt::exact {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
// The capacity bound and a simulated latency are sums in different orders: room for rounding.
constexpr double kCapacityBoundSlack = 1e-7;

// Distances back from the use at which copy-start buckets end: single boundaries close to the
// use (where timing matters most), then doubling; a refined model (`singles` > 4) keeps
// `singles` single boundaries, then widens each bucket by half.
Time BucketOffset(int k, int singles) {
  static constexpr Time kOffsets[] = {0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128};
  constexpr int kCount = sizeof(kOffsets) / sizeof(kOffsets[0]);
  if (singles <= 4) return k < kCount ? kOffsets[k] : kOffsets[kCount - 1] << (k - kCount + 1);
  Time offset = std::min(k, singles);
  for (int i = singles; i < k; ++i) offset += std::max<Time>(1, offset / 2);
  return offset;
}

}  // namespace

int64_t AlignedBytes(int64_t bytes, int64_t alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

double TermsValue(const std::vector<double>& x, const std::vector<Term>& terms) {
  double sum = 0;
  for (const auto& [column, coefficient] : terms) sum += coefficient * x[column];
  return sum;
}

absl::StatusOr<MappingMip> MappingMip::Build(const CostModel& cost, const ModelOptions& options) {
  MappingMip mip(cost);
  const Program& program = cost.program();
  const Time n = program.num_instructions();
  const double all_slow = cost.AllSlowLatency();
  mip.seconds_per_unit_ = all_slow > 0 ? all_slow / 1000 : 1;
  mip.fast_read_.resize(n);
  mip.fast_write_.resize(n);
  mip.occupancy_.resize(n);
  const double unit = 1 / mip.seconds_per_unit_;
  for (Time t = 0; t < n; ++t) {
    const double lowest = std::max(cost.ComputeSeconds(t), cost.LowerBoundElapsed(t));
    mip.elapsed_.push_back(mip.AddColumn(lowest * unit, kInfinity, 1, false));
  }
  for (Time s = 0; s <= n; ++s) {
    mip.stall_.push_back(mip.AddColumn(0, kInfinity, 1, false));
    mip.prefix_.push_back(mip.AddColumn(0, s == 0 ? 0 : kInfinity, 0, false));
  }
  for (BufferIndex b = 0; b < program.num_buffers(); ++b) mip.BuildBuffer(b, options);
  mip.BuildInstructionRows();
  // The latency is at least the capacity bound (CostModel::CapacityBoundLatency, proved for
  // every valid assignment by another argument: HBM traffic per window): a valid row, which
  // lifts the LP's bound where the model's own relaxations (wide buckets, preemptive copies)
  // leave it below.
  MipRow at_least{{}, cost.CapacityBoundLatency() * unit * (1 - kCapacityBoundSlack), kInfinity};
  for (const int c : mip.elapsed_) at_least.terms.push_back({c, 1});
  for (const int c : mip.stall_) at_least.terms.push_back({c, 1});
  mip.rows_.push_back(std::move(at_least));
  mip.BuildCapacityRows();
  mip.BuildOutstandingRows();
  // Start with each copy's own window; the solver loop adds the others as they are violated.
  std::vector<std::pair<Time, Time>> own;
  for (const CopyOption& copy : mip.copies_) own.push_back({copy.issue, copy.deadline});
  std::sort(own.begin(), own.end());
  own.erase(std::unique(own.begin(), own.end()), own.end());
  for (const auto& [a, b] : own) {
    mip.rows_.push_back(mip.WindowRow(a, b, /*carried=*/false));
    mip.windows_added_.push_back({a, b, false});
  }
  return mip;
}

int MappingMip::AddColumn(double lower, double upper, double cost, bool integer) {
  columns_.push_back({lower, upper, cost, integer});
  prefetch_use_.push_back(-1);
  column_buffer_.push_back(-1);
  return static_cast<int>(columns_.size()) - 1;
}

void MappingMip::BuildBuffer(BufferIndex b, const ModelOptions& options) {
  const Program& program = cost_->program();
  const proto::Hardware& hw = cost_->hardware();
  const proto::Buffer& buffer = program.buffer(b);
  const int64_t aligned = AlignedBytes(buffer.size(), hw.fast_alignment());
  if (buffer.slow_only() || aligned > AlignedBytes(hw.fast_capacity(), hw.fast_alignment())) return;
  const std::optional<Time> def = program.definition(b);
  absl::Span<const Time> uses = program.uses(b);
  if (!def && uses.empty()) return;
  const double copy_time = cost_->CopySeconds(buffer.size()) / seconds_per_unit_;
  const Time n = program.num_instructions();
  const Time ready = def ? *def + 1 : 0;  // The first boundary it can exist in slow memory.

  BufferVars vars;
  vars.buffer = b;
  const size_t first_column = columns_.size();
  if (def) {
    vars.produced = AddColumn(0, 1, 0, true);
    const int64_t written = cost_->BytesOf(*def, b).written;
    if (written > 0) fast_write_[*def].push_back({vars.produced, static_cast<double>(written)});
    occupancy_[*def].push_back({vars.produced, static_cast<double>(aligned)});
  }
  for (size_t j = 0; j < uses.size(); ++j) {
    UseVars use;
    use.time = uses[j];
    use.previous = j > 0 ? uses[j - 1] : def ? *def : -1;
    if (use.previous >= 0) use.keep = AddColumn(0, 1, 0, true);
    if (j > 0) use.early = AddColumn(0, 1, 0, true);
    const Time lowest_issue = j > 0 ? use.previous + 1 : ready;
    Time latest = use.time;
    for (int k = 0; latest >= lowest_issue; ++k) {
      Time lowest =
          std::max(lowest_issue, use.time - BucketOffset(k + 1, options.single_boundaries) + 1);
      if (static_cast<int>(use.buckets.size()) + 1 >= options.max_buckets) lowest = lowest_issue;
      use.buckets.push_back({AddColumn(0, 1, 0, true), lowest, latest});
      latest = lowest - 1;
    }
    // Exactly one way in, or none (slow).
    MipRow one{{}, -kInfinity, 1};
    std::vector<Term> fast;
    if (use.keep >= 0) fast.push_back({use.keep, 1});
    if (use.early >= 0) fast.push_back({use.early, 1});
    for (const UseVars::Bucket& bucket : use.buckets) {
      fast.push_back({bucket.column, 1});
      copies_.push_back({{{bucket.column, 1}},
                         bucket.lowest,
                         use.time,
                         copy_time,
                         bucket.latest,
                         std::max(use.time, bucket.latest + 1)});
    }
    if (use.early >= 0) {
      copies_.push_back({{{use.early, 1}}, ready, use.time, copy_time, use.previous, use.time});
    }
    one.terms = fast;
    rows_.push_back(one);
    // Keeping needs the data in fast memory at the previous access.
    if (use.keep >= 0) {
      MipRow keep{{{use.keep, 1}}, -kInfinity, 0};
      if (j == 0) {
        keep.terms.push_back({vars.produced, -1});
      } else {
        const UseVars& before = vars.uses.back();
        for (int c : {before.keep, before.early}) {
          if (c >= 0) keep.terms.push_back({c, -1});
        }
        for (const UseVars::Bucket& bucket : before.buckets)
          keep.terms.push_back({bucket.column, -1});
      }
      rows_.push_back(keep);
    }
    const int64_t read = cost_->BytesOf(use.time, b).read;
    for (const Term& term : fast) {
      if (read > 0) fast_read_[use.time].push_back({term.first, static_cast<double>(read)});
      occupancy_[use.time].push_back({term.first, static_cast<double>(aligned)});
    }
    // Between the accesses: kept data, early copies, and bucket copies issued by then.
    for (Time t = use.previous + 1; t < use.time; ++t) {
      if (use.keep >= 0) occupancy_[t].push_back({use.keep, static_cast<double>(aligned)});
      if (use.early >= 0) occupancy_[t].push_back({use.early, static_cast<double>(aligned)});
      for (const UseVars::Bucket& bucket : use.buckets) {
        if (bucket.latest <= t)
          occupancy_[t].push_back({bucket.column, static_cast<double>(aligned)});
      }
    }
    // An early copy is issued by the previous use, where it needs room of its own.
    if (use.early >= 0)
      occupancy_[use.previous].push_back({use.early, static_cast<double>(aligned)});
    vars.uses.push_back(std::move(use));
  }
  // The PRODUCED run (run[j] = produced AND kept through use j) and the eviction ending it.
  if (def) {
    int previous = vars.produced;
    for (const UseVars& use : vars.uses) {
      const int run = AddColumn(0, 1, 0, false);
      rows_.push_back({{{run, 1}, {previous, -1}}, -kInfinity, 0});
      rows_.push_back({{{run, 1}, {use.keep, -1}}, -kInfinity, 0});
      rows_.push_back({{{run, 1}, {use.keep, -1}, {previous, -1}}, -1, kInfinity});
      vars.run.push_back(run);
      previous = run;
    }
    // A prefetch cannot start before the eviction of a PRODUCED placement has finished, so
    // none is issued by a use the run still covers.
    for (size_t j = 1; j < vars.uses.size(); ++j) {
      rows_.push_back({{{vars.uses[j].early, 1}, {vars.run[j - 1], 1}}, -kInfinity, 1});
    }
    for (size_t k = 0; k <= vars.uses.size(); ++k) {
      const int ends = k == 0 ? vars.produced : vars.run[k - 1];
      // The eviction is in flight from d + 1 through the run's last use at least.
      const Time busy_to = std::max(k == 0 ? *def + 1 : vars.uses[k - 1].time + 1, *def + 2);
      if (k < vars.uses.size()) {
        copies_.push_back({{{ends, 1}, {vars.run[k], -1}},
                           ready,
                           vars.uses[k].time,
                           copy_time,
                           ready,
                           busy_to,
                           /*eviction=*/true});
      } else if (buffer.is_output()) {
        copies_.push_back({{{ends, 1}}, ready, n, copy_time, ready, busy_to, /*eviction=*/true});
      }
    }
  }
  for (size_t c = first_column; c < columns_.size(); ++c) column_buffer_[c] = b;
  for (const UseVars& use : vars.uses) {
    if (use.early >= 0) prefetch_use_[use.early] = use.time;
    for (const UseVars::Bucket& bucket : use.buckets) prefetch_use_[bucket.column] = use.time;
  }
  buffers_.push_back(std::move(vars));
}

void MappingMip::BuildInstructionRows() {
  const Program& program = cost_->program();
  const proto::Hardware& hw = cost_->hardware();
  const double unit = 1 / seconds_per_unit_;
  const double hbm = hw.slow_bandwidth();
  for (Time t = 0; t < program.num_instructions(); ++t) {
    const double all_slow_memory = cost_->Cost(t, 0, 0).memory_s * unit;
    // Roofline: T_t >= memory time = all-slow memory time - what each fast access saves.
    MipRow roofline{{{elapsed_[t], 1}}, all_slow_memory, kInfinity};
    // Copy time before boundary t + 1 = before t + T_t - slow bytes / HBM + stall at t.
    MipRow prefix{{{prefix_[t + 1], 1}, {prefix_[t], -1}, {elapsed_[t], -1}, {stall_[t], -1}},
                  -(program.bytes_read(t) + program.bytes_written(t)) / hbm * unit,
                  0};
    prefix.upper = prefix.lower;
    for (const auto& [column, bytes] : fast_read_[t]) {
      roofline.terms.push_back({column, bytes * (1 / hbm - 1 / hw.fast_read_bandwidth()) * unit});
      prefix.terms.push_back({column, -bytes / hbm * unit});
    }
    for (const auto& [column, bytes] : fast_write_[t]) {
      roofline.terms.push_back({column, bytes * (1 / hbm - 1 / hw.fast_write_bandwidth()) * unit});
      prefix.terms.push_back({column, -bytes / hbm * unit});
    }
    rows_.push_back(std::move(roofline));
    rows_.push_back(std::move(prefix));
  }
  // The stall at the end of the program counts too (rows for [a, n] use stall_[n]).
}

void MappingMip::BuildCapacityRows() {
  const proto::Hardware& hw = cost_->hardware();
  const double capacity = AlignedBytes(hw.fast_capacity(), hw.fast_alignment());
  for (const std::vector<Term>& live : occupancy_) {
    if (live.empty()) continue;
    MipRow row{{}, -kInfinity, 1};
    for (const auto& [column, bytes] : live) row.terms.push_back({column, bytes / capacity});
    rows_.push_back(std::move(row));
  }
}

void MappingMip::BuildOutstandingRows() {
  const proto::Hardware& hw = cost_->hardware();
  const Time n = cost_->program().num_instructions();
  for (bool eviction : {false, true}) {
    const int limit = eviction ? hw.max_outstanding_evictions() : hw.max_outstanding_prefetches();
    if (limit < 0) continue;
    std::vector<MipRow> at(n, MipRow{{}, -kInfinity, static_cast<double>(limit)});
    for (const CopyOption& copy : copies_) {
      if (copy.eviction != eviction) continue;
      for (Time t = copy.busy_from; t < std::min(copy.busy_to, n); ++t) {
        at[t].terms.insert(at[t].terms.end(), copy.terms.begin(), copy.terms.end());
      }
    }
    for (MipRow& row : at) {
      if (row.terms.size() > static_cast<size_t>(limit)) rows_.push_back(std::move(row));
    }
  }
}

proto::Assignment MappingMip::Extract(const std::vector<double>& x) const {
  const Program& program = cost_->program();
  proto::Assignment assignment;
  assignment.set_program_name(program.name());
  auto on = [&](int column) { return column >= 0 && x[column] > 0.5; };
  for (const BufferVars& vars : buffers_) {
    const int64_t id = program.buffer(vars.buffer).id();
    const std::optional<Time> def = program.definition(vars.buffer);
    proto::Placement* current = nullptr;
    Time ready = def ? *def + 1 : 0;
    if (on(vars.produced)) {
      current = assignment.add_placements();
      current->set_buffer_id(id);
      current->set_source(proto::Placement::PRODUCED);
      current->set_start(*def);
      current->set_end(*def);
      size_t j = 0;
      while (j < vars.uses.size() && on(vars.uses[j].keep)) current->set_end(vars.uses[j++].time);
      ready = current->end() + 1;
    }
    for (size_t j = 0; j < vars.uses.size(); ++j) {
      const UseVars& use = vars.uses[j];
      if (on(use.keep) && current != nullptr) {
        current->set_end(use.time);
        continue;
      }
      Time start = -1, copy_start = -1;
      for (const UseVars::Bucket& bucket : use.buckets) {
        if (on(bucket.column)) start = copy_start = std::max(bucket.latest, ready);
      }
      if (on(use.early)) {
        start = use.previous + 1;
        copy_start = std::min(std::max(use.previous, ready), start);
      }
      if (start < 0 || start > use.time) {
        current = nullptr;
        continue;
      }
      current = assignment.add_placements();
      current->set_buffer_id(id);
      current->set_source(proto::Placement::PREFETCHED);
      current->set_start(start);
      current->set_copy_start(copy_start);
      current->set_end(use.time);
    }
  }
  return assignment;
}

double MappingMip::ObjectiveUnits(const std::vector<double>& x) const {
  double sum = 0;
  for (size_t c = 0; c < columns_.size(); ++c) sum += columns_[c].cost * x[c];
  return sum;
}

}  // namespace mmap_opt::exact
