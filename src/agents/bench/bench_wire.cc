#include "mmap_opt/agents/bench_wire.h"

#include <cstdint>
#include <cstring>
#include <optional>

namespace mmap_opt {
namespace {

class Writer {
 public:
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  void Double(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    U64(bits);
  }
  void String(absl::string_view s) {
    U64(s.size());
    out_.append(s.data(), s.size());
  }
  void Optional(const std::optional<double>& v) {
    U64(v.has_value());
    Double(v.value_or(0));
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads what Writer wrote; after a read past the end, ok() is false and values are zero.
class Reader {
 public:
  explicit Reader(absl::string_view in) : in_(in) {}
  uint64_t U64() {
    if (in_.size() < 8) return Fail();
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
    in_.remove_prefix(8);
    return v;
  }
  double Double() {
    const uint64_t bits = U64();
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
  }
  std::string String() {
    const uint64_t n = U64();
    if (n > in_.size()) return Fail(), std::string();
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  std::optional<double> Optional() {
    const bool present = U64() != 0;
    const double v = Double();
    return present ? std::optional<double>(v) : std::nullopt;
  }
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }

 private:
  uint64_t Fail() {
    ok_ = false;
    in_ = absl::string_view();
    return 0;
  }
  absl::string_view in_;
  bool ok_ = true;
};

}  // namespace

std::string EncodeProgramOutcomes(absl::Span<const ProgramOutcome> programs) {
  Writer w;
  w.U64(programs.size());
  for (const ProgramOutcome& p : programs) {
    w.String(p.path);
    w.String(p.file);
    w.String(p.name);
    w.String(p.hardware);
    w.U64(p.instructions);
    w.Double(p.bounds.all_slow_s);
    w.Double(p.bounds.lower_bound_s);
    w.Double(p.bounds.headroom_s);
    w.Double(p.bounds.capacity_bound_s);
    w.U64(p.agents.size());
    for (const AgentOutcome& a : p.agents) {
      w.String(a.agent);
      w.String(a.agent_name);
      w.Double(a.time_limit_s);
      w.String(a.error);
      w.Double(a.latency_s);
      w.Double(a.headroom_closed);
      w.Optional(a.speedup_percent);
      w.Optional(a.game_reward);
      w.U64(a.drop_backups);
      w.Optional(a.proven_bound_s);
      w.U64(a.placements);
      w.Double(a.solve_s);
      w.String(a.assignment.SerializeAsString());
    }
  }
  return w.Take();
}

absl::StatusOr<std::vector<ProgramOutcome>> DecodeProgramOutcomes(absl::string_view bytes) {
  Reader r(bytes);
  std::vector<ProgramOutcome> programs;
  const uint64_t count = r.U64();
  for (uint64_t i = 0; i < count && r.ok(); ++i) {
    ProgramOutcome& p = programs.emplace_back();
    p.path = r.String();
    p.file = r.String();
    p.name = r.String();
    p.hardware = r.String();
    p.instructions = static_cast<int>(r.U64());
    p.bounds.all_slow_s = r.Double();
    p.bounds.lower_bound_s = r.Double();
    p.bounds.headroom_s = r.Double();
    p.bounds.capacity_bound_s = r.Double();
    const uint64_t agents = r.U64();
    for (uint64_t k = 0; k < agents && r.ok(); ++k) {
      AgentOutcome& a = p.agents.emplace_back();
      a.agent = r.String();
      a.agent_name = r.String();
      a.time_limit_s = r.Double();
      a.error = r.String();
      a.latency_s = r.Double();
      a.headroom_closed = r.Double();
      a.speedup_percent = r.Optional();
      a.game_reward = r.Optional();
      a.drop_backups = static_cast<int>(r.U64());
      a.proven_bound_s = r.Optional();
      a.placements = static_cast<int>(r.U64());
      a.solve_s = r.Double();
      if (!a.assignment.ParseFromString(r.String())) {
        return absl::InvalidArgumentError("bench rows: an assignment that does not parse");
      }
    }
  }
  if (!r.ok() || !r.done()) {
    return absl::InvalidArgumentError("bench rows: truncated or trailing bytes");
  }
  return programs;
}

std::vector<std::string> BenchShard(absl::Span<const std::string> paths, int rank, int world) {
  std::vector<std::string> shard;
  for (size_t i = rank; i < paths.size(); i += world) shard.push_back(paths[i]);
  return shard;
}

std::vector<ProgramOutcome> MergeBenchShards(std::vector<std::vector<ProgramOutcome>> shards) {
  std::vector<ProgramOutcome> merged;
  const size_t world = shards.size();
  for (size_t i = 0;; ++i) {
    std::vector<ProgramOutcome>& shard = shards[i % world];
    if (i / world >= shard.size()) break;
    merged.push_back(std::move(shard[i / world]));
  }
  return merged;
}

}  // namespace mmap_opt
