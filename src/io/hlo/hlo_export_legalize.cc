// The placements of an assignment that HLO can say, for `export hlo --drop-inexpressible`.
//
// Our program flattens loop bodies and conditional branches into one timeline and gives each
// value its own buffer; HLO keeps an async copy inside one computation and colocates a loop's
// state and a conditional's branch results. Three kinds of placement are therefore left out
// (the export of the rest then reads back exactly; the caller reports what it costs):
// - a buffer colocated with another by XLA (an updated loop-carried value and the init it
//   replaces; a conditional's branch results): all of its placements, so that every position
//   of the colocated value is in S(0);
// - a prefetch whose copy-start and copy-done would sit in different computations;
// - a PRODUCED placement that needs an eviction (a later read, a prefetch back, an output) and
//   ends in another computation than its definition, where the caller cannot see the copy.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "hlo_export.h"

namespace mmap_opt::hlo {
proto::Assignment ExpressiblePlacements(const Module& module, const proto::Program& program,
                                        const proto::Assignment& assignment,
                                        const ImportTrace& trace, std::vector<std::string>* notes) {
  const std::set<int64_t> colocated = ColocatedBuffers(module, trace);
  auto computation = [&](int64_t t) { return trace.origin[t].first; };
  int dropped_colocated = 0, dropped_prefetches = 0, dropped_evictions = 0;
  std::vector<const proto::Placement*> produced(program.buffers_size(), nullptr);
  std::vector<std::vector<const proto::Placement*>> prefetches(program.buffers_size());
  for (const proto::Placement& p : assignment.placements()) {
    if (colocated.count(p.buffer_id())) {
      ++dropped_colocated;
    } else if (p.source() == proto::Placement::PRODUCED) {
      produced[p.buffer_id()] = &p;
    } else if (computation(p.copy_start()) != computation(p.start())) {
      ++dropped_prefetches;
    } else {
      prefetches[p.buffer_id()].push_back(&p);
    }
  }
  std::vector<int64_t> last_read(program.buffers_size(), -1);
  for (const TraceRef& ref : trace.refs) {
    if (ref.reads) last_read[ref.buffer] = std::max(last_read[ref.buffer], ref.time);
  }
  // Kept in the given order: the simulator issues copies that start together in that order.
  std::set<const proto::Placement*> evicted_elsewhere;
  for (int64_t b = 0; b < program.buffers_size(); ++b) {
    const proto::Placement* p = produced[b];
    if (p == nullptr) continue;
    const bool evicted =
        !prefetches[b].empty() || program.buffers(b).is_output() || last_read[b] > p->end();
    if (evicted && computation(p->end()) != computation(p->start())) {
      evicted_elsewhere.insert(p);
      ++dropped_evictions;
    }
  }
  proto::Assignment out = assignment;
  out.clear_placements();
  for (const proto::Placement& p : assignment.placements()) {
    const bool kept = p.source() == proto::Placement::PRODUCED
                          ? produced[p.buffer_id()] == &p && !evicted_elsewhere.count(&p)
                          : std::count(prefetches[p.buffer_id()].begin(),
                                       prefetches[p.buffer_id()].end(), &p) > 0;
    if (kept) *out.add_placements() = p;
  }
  const int dropped = dropped_colocated + dropped_prefetches + dropped_evictions;
  if (dropped > 0) {
    notes->push_back(
        absl::StrCat("left out ", dropped, " of ", assignment.placements_size(),
                     " placements HLO cannot express: ", dropped_colocated,
                     " of buffers XLA colocates with another (loop states, branch results), ",
                     dropped_prefetches,
                     " prefetches whose copy would start and end in different "
                     "computations, ",
                     dropped_evictions,
                     " produced placements evicted in another computation than their definition"));
  }
  return out;
}

}  // namespace mmap_opt::hlo
