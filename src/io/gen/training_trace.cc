// GenerateTrainingTrace: a training step's buffers (gen_trace.h says what they are), placed
// by an online first-fit allocator, then cut at the busiest time so the placement is tight.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "mmap_opt/io/gen_trace.h"

namespace mmap_opt {
namespace {

constexpr int64_t kMaxBuffers = 1'000'000;
// About this many buffers per layer: a few hundred layers at most, whatever the trace size.
constexpr int64_t kBuffersPerLayer = 150;
constexpr int64_t kMaxLayers = 128;
constexpr int64_t kSmallMax = 4096;  // Scalars and statistics: 1 B up to this.
// Extra cuts are drawn from the times with at least this share of the busiest time's load.
constexpr double kBusyShare = 0.8;
// Drafts of the trace at most, stopping at one within 1/kCloseEnough of the asked count.
constexpr int kDrafts = 6;
constexpr int64_t kCloseEnough = 20;

struct Raw {
  int64_t lower = 0;
  int64_t upper = 0;  // -1 until known.
  int64_t size = 0;
  int64_t offset = 0;
};

class TraceBuilder {
 public:
  TraceBuilder(uint64_t seed, int64_t max_size) : rng_(seed), max_size_(max_size) {}

  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  // Spread evenly in log scale over [lo, hi].
  int64_t LogUniform(int64_t lo, int64_t hi) {
    const double x = std::uniform_real_distribution<double>(std::log(static_cast<double>(lo)),
                                                            std::log(static_cast<double>(hi)))(rng_);
    return std::clamp<int64_t>(static_cast<int64_t>(std::exp(x)), lo, hi);
  }
  // A temporary's life in steps: mostly 1-3, a few longer, some across a residual block.
  int64_t ShortLife() {
    if (Chance(0.04)) return Uniform(10, 60);
    return 1 + std::geometric_distribution<int64_t>(0.45)(rng_);
  }
  // A tensor of a layer whose typical size is `scale`: a quarter to twice it, in whole
  // 64-byte lines (bf16/f32 tensors of a few thousand elements and up).
  int64_t TensorSize(int64_t scale) {
    const int64_t size = scale * 2 / (int64_t{1} << Uniform(0, 3));
    return std::clamp<int64_t>((size + 63) / 64 * 64, 64, max_size_);
  }
  int64_t SmallSize() { return LogUniform(1, kSmallMax); }

  // A buffer starting now; returns its index.
  int Add(int64_t upper, int64_t size) {
    raw_.push_back(Raw{now_, upper, size, 0});
    return static_cast<int>(raw_.size()) - 1;
  }
  void Step() { ++now_; }
  int64_t now() const { return now_; }
  std::vector<Raw>& raw() { return raw_; }
  int64_t max_size() const { return max_size_; }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  int64_t max_size_;
  int64_t now_ = 0;
  std::vector<Raw> raw_;
};

// Emits the step's buffers with their lives; returns the end of time.
int64_t EmitTrainingStep(int64_t target, TraceBuilder& b) {
  const int64_t whole = std::clamp<int64_t>(target / 10, 1, b.Uniform(2, 6));
  std::vector<int> whole_program;
  for (int64_t i = 0; i < whole; ++i) {
    whole_program.push_back(b.Add(-1, b.LogUniform(b.max_size() / 8, b.max_size())));
  }
  const int64_t layers = std::clamp<int64_t>(target / kBuffersPerLayer, 1, kMaxLayers);
  // Per layer: forward ops f, backward ops 1.5 f, about 1.15 buffers an op, plus ~2 weight
  // gradients: 2.9 f + 2 buffers.
  const double per_layer = static_cast<double>(target - whole) / static_cast<double>(layers);
  const int64_t forward_ops = std::max<int64_t>(1, std::llround((per_layer - 2) / 2.9));
  std::vector<int64_t> scale(layers), ops(layers);
  std::vector<std::vector<int>> saved(layers);
  for (int64_t l = 0; l < layers; ++l) {
    scale[l] = b.LogUniform(std::min<int64_t>(256 << 10, b.max_size() / 4), b.max_size() / 4);
    ops[l] = std::max<int64_t>(1, b.Uniform(forward_ops / 2, forward_ops * 3 / 2));
  }
  auto small_maybe = [&] {
    if (b.Chance(0.15)) b.Add(b.now() + b.ShortLife(), b.SmallSize());
  };
  for (int64_t l = 0; l < layers; ++l) {
    for (int64_t op = 0; op < ops[l]; ++op) {
      if (b.Chance(0.25)) {
        saved[l].push_back(b.Add(-1, b.TensorSize(scale[l])));
      } else {
        b.Add(b.now() + b.ShortLife(), b.TensorSize(scale[l]));
      }
      small_maybe();
      b.Step();
    }
  }
  struct Gradient {
    int index;
    int64_t layer;
  };
  std::vector<Gradient> gradients;
  for (int64_t l = layers - 1; l >= 0; --l) {
    const int64_t backward_ops = std::max<int64_t>(1, ops[l] * 3 / 2);
    const int64_t weights = b.Uniform(1, 3);
    // Each saved activation is read by one backward op of its layer, and freed after it.
    std::vector<int64_t> last_use(saved[l].size());
    for (int64_t& at : last_use) at = b.Uniform(0, backward_ops - 1);
    for (int64_t op = 0; op < backward_ops; ++op) {
      b.Add(b.now() + b.ShortLife(), b.TensorSize(scale[l]));
      if (op < weights) {
        gradients.push_back({b.Add(-1, b.LogUniform(4096, std::max<int64_t>(4096, scale[l]))), l});
      }
      small_maybe();
      for (size_t k = 0; k < saved[l].size(); ++k) {
        if (last_use[k] == op) b.raw()[saved[l][k]].upper = b.now() + 1;
      }
      b.Step();
    }
  }
  // The optimizer: one update per weight gradient, in parameter order, each with a
  // temporary; the gradient is freed after its update.
  std::stable_sort(gradients.begin(), gradients.end(),
                   [](const Gradient& x, const Gradient& y) { return x.layer < y.layer; });
  for (const Gradient& g : gradients) {
    b.Add(b.now() + b.Uniform(1, 2), b.raw()[g.index].size);
    b.raw()[g.index].upper = b.now() + 1;
    b.Step();
  }
  const int64_t end = b.now() + 1;
  for (int i : whole_program) b.raw()[i].upper = end;
  for (Raw& r : b.raw()) r.upper = std::min(r.upper, end);
  return end;
}

// Places every buffer at the lowest address free when it starts, in start order; returns
// the peak.
int64_t FirstFit(std::vector<Raw>& raw) {
  std::vector<int> order(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](int x, int y) { return raw[x].lower < raw[y].lower; });
  std::vector<int> live;  // By offset.
  int64_t peak = 0;
  for (int i : order) {
    Raw& r = raw[i];
    live.erase(std::remove_if(live.begin(), live.end(),
                              [&](int j) { return raw[j].upper <= r.lower; }),
               live.end());
    int64_t cursor = 0;
    size_t at = 0;
    for (; at < live.size(); ++at) {
      const Raw& l = raw[live[at]];
      if (l.offset - cursor >= r.size) break;
      cursor = std::max(cursor, l.offset + l.size);
    }
    r.offset = cursor;
    live.insert(live.begin() + static_cast<std::ptrdiff_t>(at), i);
    peak = std::max(peak, r.offset + r.size);
  }
  return peak;
}

// The times to cut at: the earliest with the most live bytes first, then `more` others drawn
// from the times with at least kBusyShare of that load (the plateau around the turn from
// forward to backward), each with its own set of buffers.
std::vector<int64_t> CutTimes(const std::vector<Raw>& raw, int64_t end, int64_t more,
                              TraceBuilder& b) {
  std::vector<int64_t> delta(end + 1, 0);
  for (const Raw& r : raw) {
    delta[r.lower] += r.size;
    delta[r.upper] -= r.size;
  }
  std::vector<int64_t> load(end);
  int64_t best = 0, live = 0;
  for (int64_t t = 0; t < end; ++t) {
    load[t] = live += delta[t];
    if (load[t] > load[best]) best = t;
  }
  std::vector<int64_t> busy;
  for (int64_t t = 0; t < end; ++t) {
    if (t != best && static_cast<double>(load[t]) >= kBusyShare * static_cast<double>(load[best])) {
      busy.push_back(t);
    }
  }
  std::shuffle(busy.begin(), busy.end(), b.rng());
  busy.resize(std::min<size_t>(busy.size(), static_cast<size_t>(more)));
  busy.insert(busy.begin(), best);
  return busy;
}

// Fills every hole below `peak` at time `cut` with buffers live at `cut` and a few steps
// around it (as far as their bytes stay free); returns how many it added.
int64_t FillHolesAt(int64_t cut, int64_t peak, int64_t end, TraceBuilder& b) {
  std::vector<Raw>& raw = b.raw();
  std::vector<std::pair<int64_t, int64_t>> taken;  // [offset, top) of the buffers live at cut.
  for (const Raw& r : raw) {
    if (r.lower <= cut && cut < r.upper) taken.emplace_back(r.offset, r.offset + r.size);
  }
  std::sort(taken.begin(), taken.end());
  std::vector<std::pair<int64_t, int64_t>> holes;
  int64_t cursor = 0;
  for (const auto& [lo, hi] : taken) {
    if (lo > cursor) holes.emplace_back(cursor, lo);
    cursor = std::max(cursor, hi);
  }
  if (cursor < peak) holes.emplace_back(cursor, peak);
  const size_t before = raw.size();
  std::vector<Raw> fillers;
  for (auto [lo, hi] : holes) {
    while (lo < hi) {
      // A hole is cut into a few buffers of random sizes, none above max_size.
      int64_t size = std::min(hi - lo, b.max_size());
      if (size > 1 && b.Chance(0.6)) size = b.LogUniform(1, size);
      // The band's free time around cut: after the last buffer in it that ends by cut, before
      // the first that starts after cut.
      int64_t free_from = 0, free_to = end;
      for (size_t i = 0; i < before; ++i) {  // The fillers of this cut are in other bands.
        const Raw& r = raw[i];
        if (r.offset >= lo + size || r.offset + r.size <= lo) continue;
        if (r.upper <= cut) free_from = std::max(free_from, r.upper);
        if (r.lower > cut) free_to = std::min(free_to, r.lower);
      }
      const bool whole_band = b.Chance(0.2);
      Raw f;
      f.lower = whole_band ? free_from : std::max(free_from, cut - b.ShortLife() + 1);
      f.upper = whole_band ? free_to : std::min(free_to, cut + b.ShortLife());
      f.size = size;
      f.offset = lo;
      fillers.push_back(f);
      lo += size;
    }
  }
  raw.insert(raw.end(), fillers.begin(), fillers.end());
  return static_cast<int64_t>(fillers.size());
}

}  // namespace

absl::StatusOr<GeneratedTrace> GenerateTrainingTrace(const TraceOptions& options) {
  if (options.buffers < 1 || options.buffers > kMaxBuffers) {
    return absl::InvalidArgumentError(
        absl::StrCat("buffers ", options.buffers, " is out of range [1, ", kMaxBuffers, "]"));
  }
  if (options.max_size < 1024 || options.max_size > (int64_t{1} << 40)) {
    return absl::InvalidArgumentError(
        absl::StrCat("max size ", options.max_size, " is out of range [1024, 2^40]"));
  }
  // The count is known only once cut (the fillers, and the layers' random op counts): each
  // draft scales the target of the next by how far off the last one was (same seed), and
  // the closest draft is the trace.
  double target = static_cast<double>(options.buffers);
  GeneratedTrace best;
  int64_t best_miss = -1;
  for (int draft = 0; draft < kDrafts && (best_miss < 0 || best_miss * kCloseEnough > options.buffers);
       ++draft) {
    TraceBuilder builder(options.seed, options.max_size);
    const int64_t end = EmitTrainingStep(std::max<int64_t>(1, std::llround(target)), builder);
    GeneratedTrace trace;
    trace.peak = FirstFit(builder.raw());
    const std::vector<int64_t> cuts = CutTimes(builder.raw(), end, options.extra_cuts, builder);
    trace.cut_time = cuts.front();
    for (int64_t cut : cuts) trace.fillers += FillHolesAt(cut, trace.peak, end, builder);
    const int64_t count = static_cast<int64_t>(builder.raw().size());
    target *= std::clamp(static_cast<double>(options.buffers) / static_cast<double>(count), 0.5, 2.0);
    if (best_miss >= 0 && std::abs(options.buffers - count) >= best_miss) continue;
    best_miss = std::abs(options.buffers - count);
    std::vector<Raw>& raw = builder.raw();
    std::vector<int> order(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) order[i] = static_cast<int>(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](int x, int y) { return raw[x].lower < raw[y].lower; });
    for (int i : order) {
      CsvBuffer row;
      row.id = absl::StrCat("b", trace.rows.size());
      row.lower = raw[i].lower;
      row.upper = raw[i].upper;
      row.size = raw[i].size;
      row.offset = raw[i].offset;
      trace.rows.push_back(std::move(row));
    }
    best = std::move(trace);
  }
  return best;
}

}  // namespace mmap_opt
