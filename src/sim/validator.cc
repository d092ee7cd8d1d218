// The assignment validator: per-placement rules, then two sweeps over time (rectangle overlap
// and outstanding-copy counts), each O(n log n).
#include "mmap_opt/sim/validator.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "mmap_opt/model/quote.h"
#include "mmap_opt/sim/placement_semantics.h"

namespace mmap_opt {
namespace {

using proto::Placement;

// What the sweeps need of a placement that passed the per-placement rules.
struct Checked {
  int index = 0;
  BufferIndex buffer = 0;
  std::optional<CopyWindow> prefetch;
  std::optional<CopyWindow> eviction;
};

class Validator {
 public:
  Validator(const Program& program, const proto::Hardware& hardware,
            const proto::Assignment& assignment)
      : program_(program), hardware_(hardware), assignment_(assignment) {}

  std::vector<Violation> Run() {
    if (!assignment_.program_name().empty() && assignment_.program_name() != program_.name()) {
      violations_.push_back(
          {ViolationKind::kWrongProgram, -1, 0, "",
           absl::StrCat("the assignment is for program ", Quote(assignment_.program_name()), ", not ",
                        Quote(program_.name()))});
      return violations_;
    }
    FindProducedEnds();
    std::vector<Checked> checked;
    for (int i = 0; i < assignment_.placements_size(); ++i) {
      if (std::optional<Checked> c = CheckPlacement(i)) checked.push_back(*c);
    }
    SweepOverlaps(checked);
    // An overlapping placement is reported once, for the overlap.
    checked.erase(std::remove_if(checked.begin(), checked.end(),
                                 [&](const Checked& c) { return overlapping_.count(c.index); }),
                  checked.end());
    SweepCopyLimits(checked, /*prefetches=*/true);
    SweepCopyLimits(checked, /*prefetches=*/false);
    return std::move(violations_);
  }

 private:
  void Add(ViolationKind kind, int index, std::string reason) {
    const Placement& p = assignment_.placements(index);
    std::optional<BufferIndex> b = program_.IndexOf(p.buffer_id());
    violations_.push_back(
        {kind, index, p.buffer_id(), b ? program_.buffer(*b).name() : "", std::move(reason)});
  }

  // The end of each buffer's first well-formed PRODUCED placement: its prefetches' source.
  // A PRODUCED placement outside the program's times is not well-formed (its own check reports
  // it) and is no source: its end + 1 could overflow (found by the schedule fuzz target).
  void FindProducedEnds() {
    const Time n = program_.num_instructions();
    for (int i = 0; i < assignment_.placements_size(); ++i) {
      const Placement& p = assignment_.placements(i);
      std::optional<BufferIndex> b = program_.IndexOf(p.buffer_id());
      if (!b || p.source() != Placement::PRODUCED || produced_end_.count(*b)) continue;
      if (p.start() < 0 || p.start() > p.end() || p.end() >= n) continue;
      produced_end_[*b] = {i, p.end()};
    }
  }

  // Boundary from which buffer b can be copied from slow memory.
  Time SourceReady(BufferIndex b) const {
    auto produced = produced_end_.find(b);
    if (produced != produced_end_.end()) return produced->second.second + 1;
    std::optional<Time> def = program_.definition(b);
    return def ? *def + 1 : 0;
  }

  // Structural rules first: a placement that fails one is not checked further.
  bool CheckStructure(int i, std::optional<BufferIndex>& b) {
    const Placement& p = assignment_.placements(i);
    const Time n = program_.num_instructions();
    b = program_.IndexOf(p.buffer_id());
    if (!b) {
      Add(ViolationKind::kUnknownBuffer, i,
          absl::StrCat("buffer ", p.buffer_id(), " does not exist in program ", Quote(program_.name()),
                       "'"));
    } else if (p.source() != Placement::PRODUCED && p.source() != Placement::PREFETCHED) {
      Add(ViolationKind::kNoSource, i, "source must be PRODUCED or PREFETCHED");
    } else if (p.start() > p.end()) {
      Add(ViolationKind::kStartAfterEnd, i,
          absl::StrCat("start ", p.start(), " is after end ", p.end()));
    } else if (p.start() < 0 || p.end() >= n ||
               (p.source() == Placement::PREFETCHED && p.copy_start() < 0)) {
      Add(ViolationKind::kOutsideProgram, i,
          absl::StrCat("[", p.start(), ", ", p.end(), "] (copy_start ", p.copy_start(),
                       ") lies outside the program's times [0, ", n - 1, "]"));
    } else {
      return true;
    }
    return false;
  }

  std::optional<Checked> CheckPlacement(int i) {
    const Placement& p = assignment_.placements(i);
    std::optional<BufferIndex> b;
    if (!CheckStructure(i, b)) return std::nullopt;
    const proto::Buffer& buffer = program_.buffer(*b);
    const size_t before = violations_.size();
    if (buffer.slow_only()) {
      Add(ViolationKind::kSlowOnly, i, "the buffer is slow_only and may not be in fast memory");
    }
    if (p.offset() % hardware_.fast_alignment() != 0) {
      Add(ViolationKind::kMisaligned, i,
          absl::StrCat("offset ", p.offset(), " is not a multiple of the alignment ",
                       hardware_.fast_alignment()));
    }
    if (p.offset() < 0 || p.offset() > hardware_.fast_capacity() - buffer.size()) {
      int64_t top = 0;  // An absurd offset must not overflow, even in the message.
      Add(ViolationKind::kOutOfCapacity, i,
          absl::StrCat("bytes [", p.offset(), ", ",
                       __builtin_add_overflow(p.offset(), buffer.size(), &top)
                           ? std::string("overflow")
                           : absl::StrCat(top),
                       ") do not fit in the fast memory of ", hardware_.fast_capacity(), " bytes"));
    }
    Checked checked{i, *b, std::nullopt, std::nullopt};
    if (p.source() == Placement::PRODUCED) {
      CheckProduced(i, *b, checked);
    } else {
      CheckPrefetched(i, *b, checked);
    }
    if (violations_.size() != before) return std::nullopt;
    return checked;
  }

  void CheckProduced(int i, BufferIndex b, Checked& checked) {
    const Placement& p = assignment_.placements(i);
    std::optional<Time> def = program_.definition(b);
    if (!def) {
      Add(ViolationKind::kProducedNotAtDefinition, i,
          "PRODUCED placement of a program input, which starts in slow memory");
      return;
    }
    if (p.start() != *def) {
      Add(ViolationKind::kProducedNotAtDefinition, i,
          absl::StrCat("PRODUCED placement starts at t=", p.start(),
                       " but the buffer is defined at t=", *def));
      return;
    }
    if (produced_end_.at(b).first != i) {
      Add(ViolationKind::kProducedTwice, i,
          absl::StrCat("placement ", produced_end_.at(b).first,
                       " already has this buffer PRODUCED into fast memory"));
      return;
    }
    if (!EvictableAt(program_, b, *def, p.end())) {
      Add(ViolationKind::kEvictionAcrossComputations, i,
          absl::StrCat("PRODUCED placement defined in computation ", program_.computation(*def),
                       " needs an eviction after t=", p.end(), ", in computation ",
                       program_.computation(p.end()), ": HLO cannot express it"));
      return;
    }
    if (NeedsEviction(program_, b, p.end())) checked.eviction = EvictionWindow(*def, p.end());
  }

  void CheckPrefetched(int i, BufferIndex b, Checked& checked) {
    const Placement& p = assignment_.placements(i);
    if (p.copy_start() > p.start()) {
      Add(ViolationKind::kCopyAfterStart, i,
          absl::StrCat("copy_start ", p.copy_start(), " is after start ", p.start()));
    }
    const Time ready = SourceReady(b);
    if (p.copy_start() < ready) {
      auto produced = produced_end_.find(b);
      Add(ViolationKind::kPrefetchBeforeSource, i,
          produced != produced_end_.end()
              ? absl::StrCat("prefetch starts at t=", p.copy_start(),
                             " but the buffer is in fast memory (placement ",
                             produced->second.first,
                             ") until its eviction at the end of t=", produced->second.second)
              : absl::StrCat("prefetch starts at t=", p.copy_start(),
                             " but the buffer is only written at t=", ready - 1));
    }
    std::optional<Time> first_use = FirstUseIn(program_, b, p.start(), p.end());
    if (!first_use) {
      Add(ViolationKind::kPrefetchCoversNoUse, i,
          absl::StrCat("prefetch into [", p.start(), ", ", p.end(),
                       "] covers no use of the buffer"));
      return;
    }
    // The copy-done sits before `start` and serves the first use: all in the copy's
    // computation.
    for (const Time t : {p.start(), *first_use}) {
      if (p.copy_start() > p.start() || PrefetchWithinComputation(program_, p.copy_start(), t)) {
        continue;
      }
      Add(ViolationKind::kCopyAcrossComputations, i,
          absl::StrCat("prefetch issued at t=", p.copy_start(), " in computation ",
                       program_.computation(p.copy_start()), " for t=", t, " in computation ",
                       program_.computation(t), ": HLO cannot express it"));
      return;
    }
    checked.prefetch = PrefetchWindow(p.copy_start(), *first_use);
  }

  // Rectangles [OccupiedStart, end] x [offset, offset + size): add at the start, remove after
  // the end; the live set stays disjoint, so a new one can only hit its two neighbours.
  void SweepOverlaps(const std::vector<Checked>& checked) {
    struct Event {
      Time time;
      bool add;  // Removals sort first: a rectangle ending at t-1 frees its bytes for t.
      int k;     // Index into `checked`.
    };
    std::vector<Event> events;
    events.reserve(2 * checked.size());
    for (int k = 0; k < static_cast<int>(checked.size()); ++k) {
      const Placement& p = assignment_.placements(checked[k].index);
      events.push_back({OccupiedStart(p), true, k});
      events.push_back({p.end() + 1, false, k});
    }
    std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
      return std::tie(a.time, a.add, a.k) < std::tie(b.time, b.add, b.k);
    });
    std::map<int64_t, int> live;  // offset -> k.
    std::vector<bool> inserted(checked.size(), false);
    for (const Event& e : events) {
      const Placement& p = assignment_.placements(checked[e.k].index);
      if (!e.add) {
        if (inserted[e.k]) live.erase(p.offset());
        continue;
      }
      const int64_t top = p.offset() + program_.buffer(checked[e.k].buffer).size();
      auto next = live.lower_bound(p.offset());
      std::optional<int> hit;
      if (next != live.end() && next->first < top) hit = next->second;
      if (!hit && next != live.begin()) {
        auto prev = std::prev(next);
        const int64_t prev_top = prev->first + program_.buffer(checked[prev->second].buffer).size();
        if (prev_top > p.offset()) hit = prev->second;
      }
      if (hit) {
        const Placement& other = assignment_.placements(checked[*hit].index);
        Add(ViolationKind::kOverlap, checked[e.k].index,
            absl::StrCat("bytes [", p.offset(), ", ", top, ") over [", OccupiedStart(p), ", ",
                         p.end(), "] overlap placement ", checked[*hit].index, " (buffer ",
                         other.buffer_id(), " '", program_.buffer(checked[*hit].buffer).name(),
                         "') at offset ", other.offset(), " over [", OccupiedStart(other), ", ",
                         other.end(), "]"));
        overlapping_.insert(checked[e.k].index);
        continue;
      }
      live.emplace(p.offset(), e.k);
      inserted[e.k] = true;
    }
  }

  // A copy is in flight from its issue boundary to its deadline, counted over the instructions
  // [issue, max(deadline, issue + 1)): a copy due where it is issued still takes a slot.
  void SweepCopyLimits(const std::vector<Checked>& checked, bool prefetches) {
    const int limit =
        prefetches ? hardware_.max_outstanding_prefetches() : hardware_.max_outstanding_evictions();
    if (limit < 0) return;
    struct Event {
      Time time;
      bool add;
      int k;
    };
    std::vector<Event> events;
    for (int k = 0; k < static_cast<int>(checked.size()); ++k) {
      const std::optional<CopyWindow>& w = prefetches ? checked[k].prefetch : checked[k].eviction;
      if (!w) continue;
      events.push_back({w->issue, true, k});
      events.push_back({std::max(w->deadline, w->issue + 1), false, k});
    }
    std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
      return std::tie(a.time, a.add, a.k) < std::tie(b.time, b.add, b.k);
    });
    std::vector<bool> counted(checked.size(), false);
    int outstanding = 0;
    for (const Event& e : events) {
      if (!e.add) {
        if (counted[e.k]) --outstanding;
        continue;
      }
      if (outstanding >= limit) {
        Add(prefetches ? ViolationKind::kTooManyPrefetches : ViolationKind::kTooManyEvictions,
            checked[e.k].index,
            absl::StrCat(
                prefetches ? "prefetch" : "eviction", " issued at t=", e.time, " would be one of ",
                outstanding + 1, " in flight; the hardware allows ", limit,
                prefetches ? " (max_outstanding_prefetches)" : " (max_outstanding_evictions)"));
        continue;
      }
      ++outstanding;
      counted[e.k] = true;
    }
  }

  const Program& program_;
  const proto::Hardware& hardware_;
  const proto::Assignment& assignment_;
  // Buffer -> (placement index, end) of its first PRODUCED placement.
  absl::flat_hash_map<BufferIndex, std::pair<int, Time>> produced_end_;
  absl::flat_hash_set<int> overlapping_;  // Placement indices reported for an overlap.
  std::vector<Violation> violations_;
};

}  // namespace

absl::string_view ViolationKindName(ViolationKind kind) {
  switch (kind) {
    case ViolationKind::kWrongProgram:
      return "wrong_program";
    case ViolationKind::kUnknownBuffer:
      return "unknown_buffer";
    case ViolationKind::kNoSource:
      return "no_source";
    case ViolationKind::kStartAfterEnd:
      return "start_after_end";
    case ViolationKind::kOutsideProgram:
      return "outside_program";
    case ViolationKind::kSlowOnly:
      return "slow_only";
    case ViolationKind::kCopyAcrossComputations:
      return "copy_across_computations";
    case ViolationKind::kEvictionAcrossComputations:
      return "eviction_across_computations";
    case ViolationKind::kMisaligned:
      return "misaligned";
    case ViolationKind::kOutOfCapacity:
      return "out_of_capacity";
    case ViolationKind::kProducedNotAtDefinition:
      return "produced_not_at_definition";
    case ViolationKind::kProducedTwice:
      return "produced_twice";
    case ViolationKind::kCopyAfterStart:
      return "copy_after_start";
    case ViolationKind::kPrefetchBeforeSource:
      return "prefetch_before_source";
    case ViolationKind::kPrefetchCoversNoUse:
      return "prefetch_covers_no_use";
    case ViolationKind::kOverlap:
      return "overlap";
    case ViolationKind::kTooManyPrefetches:
      return "too_many_prefetches";
    case ViolationKind::kTooManyEvictions:
      return "too_many_evictions";
  }
  return "unknown";
}

std::string Violation::ToString() const {
  if (placement < 0) return reason;
  if (buffer_name.empty()) return absl::StrCat("placement ", placement, ": ", reason);
  return absl::StrCat("placement ", placement, " (buffer ", buffer_id, " ", Quote(buffer_name),
                      "): ", reason);
}

std::vector<Violation> FindViolations(const Program& program, const proto::Hardware& hardware,
                                      const proto::Assignment& assignment) {
  return Validator(program, hardware, assignment).Run();
}

absl::Status ValidateAssignment(const Program& program, const proto::Hardware& hardware,
                                const proto::Assignment& assignment) {
  std::vector<Violation> violations = FindViolations(program, hardware, assignment);
  if (violations.empty()) return absl::OkStatus();
  std::string message = violations.front().ToString();
  if (violations.size() > 1) {
    absl::StrAppend(&message, " (and ", violations.size() - 1, " more violations)");
  }
  return absl::InvalidArgumentError(message);
}

}  // namespace mmap_opt
