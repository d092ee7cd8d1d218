#include "decision_reuse.h"


namespace mmap_opt {

void AddSpan(Spans& spans, Time from, Time to) {
  if (from > to) return;
  if (!spans.empty() && from <= spans.back().second + 1 && spans.back().first <= to + 1) {
    spans.back().first = std::min(spans.back().first, from);
    spans.back().second = std::max(spans.back().second, to);
    return;
  }
  spans.push_back({from, to});
}

void Normalize(Spans& spans) {
  std::sort(spans.begin(), spans.end());
  size_t kept = 0;
  for (const std::pair<Time, Time>& span : spans) {
    if (kept > 0 && span.first <= spans[kept - 1].second + 1) {
      spans[kept - 1].second = std::max(spans[kept - 1].second, span.second);
    } else {
      spans[kept++] = span;
    }
  }
  spans.resize(kept);
}

void Decision::Summarize() {
  Normalize(reads.spans);
  print.spans.clear();
  print.engine_points.clear();
  for (const heap::Chunk& chunk : effects.chunks) AddSpan(print.spans, chunk.start, chunk.end);
  for (const MemoryState::Effects::Copy& copy : effects.copies) {
    // Counted in flight over [issue, max(deadline, issue + 1)); in the engine from slot issue - 1.
    AddSpan(print.spans, copy.window.issue,
            std::max(copy.window.deadline, copy.window.issue + 1) - 1);
    print.engine_points.push_back(copy.window.issue - 1);
  }
  for (const MemoryState::Effects::Served& served : effects.served) {
    AddSpan(print.spans, served.t, served.t);
    print.engine_points.push_back(served.t);
  }
  Normalize(print.spans);
}

void TimeCover::Reset(Time horizon) {
  const size_t size = static_cast<size_t>(std::max<Time>(horizon, 0)) + 2;
  if (size_ != size || total_ != 0) {
    size_ = size;
    count_.assign(size_ + 2, 0);
    weighted_.assign(size_ + 2, 0);
  }
  total_ = 0;
}

void TimeCover::AddAt(size_t i, int64_t delta_count, int64_t delta_weighted) {
  for (; i <= size_ + 1; i += i & (~i + 1)) {
    count_[i] += delta_count;
    weighted_[i] += delta_weighted;
  }
}

int64_t TimeCover::PrefixSum(size_t i) const {
  int64_t count = 0, weighted = 0;
  for (size_t j = i; j > 0; j -= j & (~j + 1)) {
    count += count_[j];
    weighted += weighted_[j];
  }
  return count * static_cast<int64_t>(i) - weighted;
}

void TimeCover::Add(Time lo, Time hi, int64_t delta) {
  if (lo > hi) return;
  total_ += delta;
  const size_t l = Index(lo), r = Index(hi);
  // Adds delta to every index in [l, r]: the usual difference form over two trees.
  AddAt(l, delta, delta * static_cast<int64_t>(l - 1));
  AddAt(r + 1, -delta, -delta * static_cast<int64_t>(r));
}

bool TimeCover::Any(Time lo, Time hi) const {
  if (total_ == 0 || lo > hi) return false;
  return PrefixSum(Index(hi)) - PrefixSum(Index(lo) - 1) > 0;
}

}  // namespace mmap_opt
