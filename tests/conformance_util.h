// The set-up every conformance scenario against XLA's memory-space-assignment tests shares:
// XLA's test machine as a hardware file, XLA's test options as HeuristicOptions, and an HLO
// module run through import, the heuristic and the validator, with look-ups by HLO name.
#ifndef MMAP_OPT_TESTS_CONFORMANCE_UTIL_H_
#define MMAP_OPT_TESTS_CONFORMANCE_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt::testing {

// tests/testdata/conformance/NAME.txtpb as hardware (fails the test when it does not load).
proto::Hardware ConformanceHardware(const std::string& name);

// XLA's MemorySpaceAssignmentTestBase machine: 128 B of alternate memory, 8 B aligned.
proto::Hardware XlaMsaTestHardware();

// XLA's AssignMemorySpace(module) defaults: the instruction-count prefetch picker with
// min/max overlap counts (2, 10 unless the test passes others) and no buffer comparator, so
// the heap simulator's spatial order.
HeuristicOptions XlaInstructionCountOptions(int64_t min_overlap = 2, int64_t max_overlap = 10);

// HLO lines "%negate0 = SHAPE negate(%input)", "%negate1 = SHAPE negate(%negate0)", ... up to
// `prefix`(count - 1), each ending in a newline: the chains of negates XLA's MSA tests put
// between a definition and a use to give a copy room.
std::string NegateChain(const std::string& input, int count,
                        const std::string& shape = "f32[2,3]{1,0}",
                        const std::string& prefix = "negate");

// One module imported, assigned and validated (each step failing the test on error).
class MsaRun {
 public:
  MsaRun(const std::string& hlo, const HeuristicOptions& options, const proto::Hardware& hardware);

  const proto::Program& program() const { return program_; }
  const proto::Assignment& assignment() const { return assignment_; }

  // Every placement, one a line, by buffer name (for failure messages).
  std::string Describe() const;
  // Schedule time of the instruction named `name` (-1 when there is none).
  int64_t TimeOf(const std::string& instruction) const;
  // The placements of the buffer named `name`, in assignment order.
  std::vector<proto::Placement> Of(const std::string& buffer) const;
  // Exactly one placement, PRODUCED: the value is made in fast memory and stays there.
  bool Produced(const std::string& buffer) const;
  // No placement at all: the value lives in slow memory throughout.
  bool Slow(const std::string& buffer) const { return Of(buffer).empty(); }
  // Some placement of `buffer` covers time t: a read there is served by fast memory.
  bool FastAt(const std::string& buffer, int64_t t) const;
  // The PREFETCHED placements of `buffer`.
  std::vector<proto::Placement> Prefetches(const std::string& buffer) const;
  // Whether the assignment evicts `buffer` (a PRODUCED placement it is needed after in slow
  // memory: a later uncovered use, or an output).
  bool Evicted(const std::string& buffer) const;
  // The simulated latency of the assignment, or of it without the placements of
  // `drop_buffer` when one is named (-1 and a test failure when it does not simulate).
  double Latency(const std::string& drop_buffer = "") const;
  // The most prefetches (or evictions) in flight at one boundary.
  int MaxOutstanding(bool prefetches) const;

 private:
  proto::Program program_;
  proto::Hardware hardware_;
  proto::Assignment assignment_;
};

// MsaRun on XLA's MSA test machine, by default with XLA's AssignMemorySpace defaults.
MsaRun RunXlaMsa(const std::string& hlo,
                 const HeuristicOptions& options = XlaInstructionCountOptions());

}  // namespace mmap_opt::testing

#endif  // MMAP_OPT_TESTS_CONFORMANCE_UTIL_H_
