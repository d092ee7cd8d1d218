// Placements from the memory spaces and async copies of a post-MSA HLO module.
//
// XLA's assignment lives in the layouts: a value whose layout says S(1) is in alternate (fast)
// memory, and copy-start/copy-done pairs move values between S(0) and S(1). Our program has
// one buffer per defined value and no copies, so each stretch of a buffer in S(1) is one
// placement: the definition's (PRODUCED) or a prefetch's (PREFETCHED), keyed by the copy the
// value came through (-1 for the definition itself).
#include "hlo_assignment.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "hlo_module.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::hlo {
namespace {

// One stretch of a buffer in S(1).
struct Segment {
  int64_t first_read = -1;  // First and last reads from S(1); -1: none.
  int64_t last_read = -1;
  int64_t eviction_end = -1;  // The last instruction before an eviction's copy-done; -1: none.
};

using SegmentKey = std::pair<int64_t, int>;  // (buffer, copy or -1).

class Builder {
 public:
  Builder(absl::string_view path, const proto::Program& program, const MemorySpaces& spaces,
          std::vector<std::string>* notes)
      : path_(path), program_(program), spaces_(spaces), notes_(notes) {}

  absl::StatusOr<proto::Assignment> Run() {
    RETURN_IF_ERROR(CheckSpaces());
    RETURN_IF_ERROR(AddDefinitions());
    RETURN_IF_ERROR(AddReads());
    RETURN_IF_ERROR(AddEvictions());
    proto::Assignment assignment;
    assignment.set_program_name(program_.name());
    assignment.set_agent("xla-msa");
    const int64_t n = program_.instructions_size();
    int dropped = 0;
    for (const auto& [key, segment] : segments_) {
      const auto [buffer, copy] = key;
      proto::Placement p;
      p.set_buffer_id(buffer);
      if (copy < 0) {
        const int64_t def = program_.buffers(buffer).defined_by();
        p.set_source(proto::Placement::PRODUCED);
        p.set_start(def);
        p.set_end(std::max({def, segment.last_read, segment.eviction_end}));
      } else {
        const SpaceCopy& c = spaces_.copies[copy];
        if (segment.first_read < 0 || c.done >= n) {
          ++dropped;
          continue;
        }
        p.set_source(proto::Placement::PREFETCHED);
        p.set_copy_start(c.start);
        p.set_start(std::min(c.done, segment.first_read));
        p.set_end(std::max(segment.last_read, segment.eviction_end));
      }
      *assignment.add_placements() = p;
    }
    if (dropped > 0) {
      notes_->push_back(absl::StrCat(dropped,
                                     " prefetches that no instruction reads from S(1) dropped "
                                     "(a placement must cover a use)"));
    }
    return assignment;
  }

 private:
  absl::Status Error(int line, absl::string_view name, absl::string_view message) const {
    return ErrorAt(path_, line, absl::StrCat("'", name, "': ", message));
  }

  static std::string Unsupported(int space) {
    return absl::StrCat("memory space S(", space,
                        "): only S(0) (default memory) and S(1) (alternate, fast memory) map "
                        "onto an assignment");
  }

  const std::string& BufferName(int64_t b) const { return program_.buffers(b).name(); }

  absl::Status CheckSpaces() const {
    for (const SpaceCopy& c : spaces_.copies) {
      if (c.from_space > 1 || c.to_space > 1) {
        return Error(c.line, c.name, Unsupported(std::max(c.from_space, c.to_space)));
      }
      if (c.done < 0) return Error(c.line, c.name, "copy-start has no copy-done");
    }
    for (const SpaceUse& u : spaces_.uses) {
      if (u.space > 1) return Error(u.line, u.instruction, Unsupported(u.space));
    }
    return absl::OkStatus();
  }

  // The buffers defined in S(1): PRODUCED; program inputs start in slow memory.
  absl::Status AddDefinitions() {
    std::vector<std::pair<int64_t, SpaceDefinition>> sorted(spaces_.definitions.begin(),
                                                            spaces_.definitions.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [b, def] : sorted) {
      if (def.space > 1) return Error(def.line, BufferName(b), Unsupported(def.space));
      if (!program_.buffers(b).has_defined_by()) {
        return Error(def.line, BufferName(b),
                     "a program input (parameter or constant) in S(1): inputs start in slow "
                     "memory, so the assignment cannot say how it got there");
      }
      segments_[{b, -1}];
    }
    return absl::OkStatus();
  }

  bool DefinedFast(int64_t b) const {
    auto it = spaces_.definitions.find(b);
    return it != spaces_.definitions.end() && it->second.space == 1;
  }

  absl::Status AddReads() {
    for (const SpaceUse& u : spaces_.uses) {
      const bool fast_value =
          u.copy >= 0 ? spaces_.copies[u.copy].to_space == 1 : DefinedFast(u.buffer);
      if (u.space == 1 && !fast_value) {
        return Error(u.line, u.instruction,
                     absl::StrCat("reads '", BufferName(u.buffer),
                                  "' from S(1), but neither its definition nor a copy-start "
                                  "puts it there"));
      }
      if (u.space == 0 && fast_value) {
        return Error(u.line, u.instruction,
                     absl::StrCat("reads '", BufferName(u.buffer),
                                  "' from S(0), but it is in S(1) there (no eviction copies "
                                  "it out)"));
      }
      if (u.space != 1) continue;
      Segment& s = segments_[{u.buffer, u.copy}];
      if (s.first_read < 0 || u.time < s.first_read) s.first_read = u.time;
      s.last_read = std::max(s.last_read, u.time);
    }
    return absl::OkStatus();
  }

  // An eviction (S(1) -> S(0)) holds its operand's fast memory until its copy-done.
  absl::Status AddEvictions() {
    for (const SpaceCopy& c : spaces_.copies) {
      if (c.from_space != 1 || c.to_space != 0) continue;
      const bool fast_source =
          c.source >= 0 ? spaces_.copies[c.source].to_space == 1 : DefinedFast(c.buffer);
      if (!fast_source) {
        return Error(c.line, c.name,
                     absl::StrCat("copies '", BufferName(c.buffer),
                                  "' out of S(1), but it is not in S(1) there"));
      }
      Segment& s = segments_[{c.buffer, c.source}];
      s.eviction_end = std::max(s.eviction_end, c.done - 1);
    }
    return absl::OkStatus();
  }

  absl::string_view path_;
  const proto::Program& program_;
  const MemorySpaces& spaces_;
  std::vector<std::string>* notes_;
  std::map<SegmentKey, Segment> segments_;  // Ordered: placements by buffer, then copy.
};

}  // namespace

absl::StatusOr<proto::Assignment> AssignmentFromMemorySpaces(absl::string_view path,
                                                             const proto::Program& program,
                                                             const MemorySpaces& spaces,
                                                             std::vector<std::string>* notes) {
  return Builder(path, program, spaces, notes).Run();
}

}  // namespace mmap_opt::hlo
