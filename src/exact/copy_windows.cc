// The copy-window rows of the mapping model (plain and carried windows; see mapping_mip.h), their
// lazy separation, and the check of a point against every row and window.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>

#include "exact/mapping_mip.h"

namespace mmap_opt::exact {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

}  // namespace

// A plain window [a, b]: the copies issued at a or later and due by b move their bytes in the
// idle HBM time of instructions a..b-1 and the stalls at a..b.
//
// A carried window [a, b] (0 < a or b < n) also holds
// - every prefetch due in (a, b], issued before a or not: one issued before a occupies its
//   fast memory from its copy start through its use, so at instruction a, and the bytes it moved
//   before a are at most its size;
// - every eviction issued in [a, b], due by b or not: one still running after b belongs to a
//   PRODUCED placement that is evicted when it ends (due at its end + 1 > b), so it occupies its
//   fast memory at instruction b, and the bytes it moves after b are at most its size.
// The placements at a (at b) that are not among those occupy fast memory too, and all of them
// fit the capacity (aligned sizes, as in the capacity rows); so the bytes moved outside the
// window are at most the capacity, less those others, at a and again at b (nothing moves
// before boundary 0 or after the end). "Others" at a: the occupancy terms at a except the
// prefetch options of uses in (a, b] (a kept placement or a PRODUCED one is not a prefetch due
// after a; a placement's terms at one time are one placement each); at b: except every term of
// a buffer whose eviction may be issued in [a, b]. The model's eviction deadlines are relaxed
// (the next use, not the end + 1): an eviction really due by b moved all its bytes inside the
// window, which the row allows too.
MipRow MappingMip::WindowRow(Time a, Time b, bool carried) const {
  MipRow row{{{prefix_[b], -1}, {prefix_[a], 1}, {stall_[b], -1}}, -kInfinity, 0};
  const Time n = cost_->program().num_instructions();
  for (const CopyOption& copy : copies_) {
    const bool inside = !carried ? copy.issue >= a && copy.deadline <= b
                        : copy.eviction
                            ? copy.issue >= a && copy.issue <= b && (copy.deadline <= b || b < n)
                            : copy.deadline > a && copy.deadline <= b;
    if (!inside) continue;
    for (const auto& [column, coefficient] : copy.terms) {
      row.terms.push_back({column, coefficient * copy.copy_time});
    }
  }
  if (!carried) return row;
  const proto::Hardware& hw = cost_->hardware();
  const double capacity = AlignedBytes(hw.fast_capacity(), hw.fast_alignment());
  const double per_byte = 1 / cost_->CopyBandwidth() / seconds_per_unit_;  // Copy time.
  const Program& program = cost_->program();
  if (a > 0) {
    row.upper += capacity * per_byte;
    for (const auto& [column, bytes] : occupancy_[a]) {
      const Time use = prefetch_use_[column];
      if (use > a && use <= b) continue;
      row.terms.push_back({column, bytes * per_byte});
    }
  }
  if (b < n) {
    row.upper += capacity * per_byte;
    for (const auto& [column, bytes] : occupancy_[b]) {
      const BufferIndex buffer = column_buffer_[column];
      if (buffer >= 0) {
        const std::optional<Time> def = program.definition(buffer);
        if (def && *def + 1 >= a && *def + 1 <= b) continue;
      }
      row.terms.push_back({column, bytes * per_byte});
    }
  }
  return row;
}

double MappingMip::WindowExcess(const std::vector<double>& x, Time a, Time b, bool carried) const {
  const MipRow row = WindowRow(a, b, carried);
  return TermsValue(x, row.terms) - row.upper;
}

int MappingMip::AddViolatedWindows(const std::vector<double>& x, int limit) {
  // For each issue boundary a, sweep the deadlines in order with the load of the copies inside.
  std::vector<Time> issues;
  for (const CopyOption& copy : copies_) issues.push_back(copy.issue);
  std::sort(issues.begin(), issues.end());
  issues.erase(std::unique(issues.begin(), issues.end()), issues.end());
  std::vector<std::tuple<double, WindowKey>> violated;
  auto tolerance = [](double load) { return 1e-6 * (1 + std::abs(load)); };
  for (Time a : issues) {
    std::map<Time, double> load_by_deadline;
    for (const CopyOption& copy : copies_) {
      if (copy.issue < a) continue;
      const double load = copy.copy_time * TermsValue(x, copy.terms);
      if (load > 1e-9) load_by_deadline[copy.deadline] += load;
    }
    double load = 0;
    for (const auto& [b, l] : load_by_deadline) {
      load += l;
      const double excess = load - (x[prefix_[b]] - x[prefix_[a]] + x[stall_[b]]);
      if (excess > tolerance(load)) violated.push_back({excess, WindowKey{a, b, false}});
    }
  }
  // Carried windows: every pair of boundaries but the whole program (a plain window). The
  // same sums as WindowRow(a, b, true) at x, swept over b for each a.
  const Program& program = cost_->program();
  const Time n = program.num_instructions();
  const proto::Hardware& hw = cost_->hardware();
  const double room = AlignedBytes(hw.fast_capacity(), hw.fast_alignment()) /
                      cost_->CopyBandwidth() / seconds_per_unit_;
  const double per_byte = 1 / cost_->CopyBandwidth() / seconds_per_unit_;
  // Per boundary: the prefetch loads due there, the eviction loads issued there (all, and
  // those due by the end); per time: the occupancy terms' values with their prefetch use and
  // their buffer's first eviction boundary (definition + 1; -1: none).
  std::vector<double> prefetch_due(n + 1, 0), eviction_issued(n + 1, 0);
  for (const CopyOption& copy : copies_) {
    const double load = copy.copy_time * TermsValue(x, copy.terms);
    if (copy.eviction) {
      eviction_issued[copy.issue] += load;
    } else {
      prefetch_due[copy.deadline] += load;
    }
  }
  struct Occupant {
    double value;
    Time use;
    Time evicted_from;
  };
  std::vector<std::vector<Occupant>> occupants(n);
  std::vector<double> occupied(n, 0);
  for (Time t = 0; t < n; ++t) {
    for (const auto& [column, bytes] : occupancy_[t]) {
      const double value = bytes * per_byte * x[column];
      if (value == 0) continue;
      Time evicted_from = -1;
      if (column_buffer_[column] >= 0) {
        const std::optional<Time> def = program.definition(column_buffer_[column]);
        if (def) evicted_from = *def + 1;
      }
      occupants[t].push_back({value, prefetch_use_[column], evicted_from});
      occupied[t] += value;
    }
  }
  for (Time a = 0; a < n; ++a) {
    double load = 0, evictions = eviction_issued[a], others_in = a > 0 ? occupied[a] : 0;
    std::vector<double> carried_in(n + 1, 0);  // Occupancy at a of prefetches due at each b.
    if (a > 0) {
      for (const Occupant& o : occupants[a]) {
        if (o.use > a) carried_in[o.use] += o.value;
      }
    }
    for (Time b = a + 1; b <= n; ++b) {
      load += prefetch_due[b];
      evictions += eviction_issued[b];  // Issued in [a, b].
      others_in -= carried_in[b];
      double total = load + evictions + others_in;
      double capacity_room = a > 0 ? room : 0;
      if (b < n) {
        capacity_room += room;
        for (const Occupant& o : occupants[b]) {
          if (!(o.evicted_from >= a && o.evicted_from <= b)) total += o.value;
        }
      }
      if (a == 0 && b == n) continue;
      const double excess = total - capacity_room - (x[prefix_[b]] - x[prefix_[a]] + x[stall_[b]]);
      if (excess > tolerance(total)) violated.push_back({excess, WindowKey{a, b, true}});
    }
  }
  std::sort(violated.begin(), violated.end(),
            [](const auto& l, const auto& r) { return std::get<0>(l) > std::get<0>(r); });
  int added = 0;
  for (const auto& [excess, key] : violated) {
    if (added >= limit) break;
    if (std::find(windows_added_.begin(), windows_added_.end(), key) != windows_added_.end()) {
      continue;
    }
    rows_.push_back(WindowRow(key.a, key.b, key.carried));
    windows_added_.push_back(key);
    ++added;
  }
  return added;
}

double MappingMip::MaxViolation(const std::vector<double>& x) const {
  double worst = 0;
  for (size_t c = 0; c < columns_.size(); ++c) {
    worst = std::max({worst, columns_[c].lower - x[c], x[c] - columns_[c].upper});
  }
  for (const MipRow& row : rows_) {
    const double v = TermsValue(x, row.terms);
    worst = std::max({worst, row.lower - v, v - row.upper});
  }
  std::vector<Time> issues, deadlines;
  for (const CopyOption& copy : copies_) {
    issues.push_back(copy.issue);
    deadlines.push_back(copy.deadline);
  }
  std::sort(issues.begin(), issues.end());
  issues.erase(std::unique(issues.begin(), issues.end()), issues.end());
  std::sort(deadlines.begin(), deadlines.end());
  deadlines.erase(std::unique(deadlines.begin(), deadlines.end()), deadlines.end());
  for (Time a : issues) {
    for (Time b : deadlines) {
      if (a <= b) worst = std::max(worst, WindowExcess(x, a, b, false));
    }
  }
  const Time n = cost_->program().num_instructions();
  for (Time a = 0; a < n; ++a) {
    for (Time b = a + 1; b <= n; ++b) worst = std::max(worst, WindowExcess(x, a, b, true));
  }
  return worst;
}

}  // namespace mmap_opt::exact
