// Single-Defer probe (issue 14's ablation study, README.md beside this file): for every buffer,
// the heuristic's game with only that buffer deferred once (GamePlan with one Defer, replayed
// by PlanPolicy), and whether its simulated latency beat the heuristic's, tied or lost.
// Prints "buffer kind effect" per buffer (kind: what the heuristic's game executed at the
// buffer's first segment, 0 Drop / 1 NoCopy / 2 Copy, -1 none; effect: 1 better, 0 same,
// -1 worse) with a second argument, and a summary line on stderr. Build from the repository
// root after building build/:
//   g++ -O2 -std=gnu++17 -Iinclude -Isrc -Ibuild/gen data/results/learning/oracle/defer_probe.cc \
//     -o /tmp/defer_probe -Lbuild -lmmap_opt_core -Wl,-rpath,$PWD/build -lprotobuf \
//     $(ls /lib/x86_64-linux-gnu/libabsl_*.so | sed 's|.*/lib\(absl_[a-z0-9_]*\)\.so|-l\1|')
#include <cstdio>
#include <chrono>
#include "mmap_opt/agents/policy.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/sim/score.h"
using namespace mmap_opt;
int main(int argc, char** argv) {
  auto proto = ReadProgram(argv[1]).value();
  auto hw = HardwareFor(proto, "").value();
  auto program = Program::Create(std::move(proto)).value();
  auto cost = CostModel::Create(program, std::move(hw)).value();
  GameOptions opt;
  HeuristicPolicy h;
  std::vector<int> first_kind(program.num_buffers(), -1);
  auto base = PlayGame(cost, h, "x", opt, [&](const MallocGame& g, const StepTrace& t) {
    if (first_kind[t.segment.buffer] < 0) first_kind[t.segment.buffer] = static_cast<int>(t.result.executed.kind);
  }).value();
  double base_lat = ScoreAssignment(cost, base.assignment).value().simulation.latency_s;
  auto t0 = std::chrono::steady_clock::now();
  int better = 0, worse = 0, same = 0;
  double best = base_lat;
  for (BufferIndex b = 0; b < program.num_buffers(); ++b) {
    GamePlan plan;
    Segment s; s.buffer = b; s.use_index = 0;
    Action defer; defer.kind = ActionKind::kDefer;
    plan.Record(s, defer, 2 * opt.num_candidates + 1);
    PlanPolicy p(plan);
    auto r = PlayGame(cost, p, "x", opt).value();
    double lat = ScoreAssignment(cost, r.assignment).value().simulation.latency_s;
    double d = (lat - base_lat) / base_lat;
    if (d < -1e-9) ++better; else if (d > 1e-9) ++worse; else ++same;
    if (lat < best) best = lat;
    if (argc > 2) printf("%d %d %d\n", b, first_kind[b], d < -1e-9 ? 1 : d > 1e-9 ? -1 : 0);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fprintf(stderr, "%s: buffers %d better %d worse %d same %d best %+.3f%% in %.1f s\n", argv[1],
          program.num_buffers(), better, worse, same, 100 * (base_lat / best - 1), secs);
}
