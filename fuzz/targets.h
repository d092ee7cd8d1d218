// The fuzz targets' bodies, one function per target, shared by the libFuzzer binaries
// (fuzz/fuzzer_main.cc, built with -DMMAP_OPT_FUZZ=ON) and by the regression test that replays
// every checked-in crash input without libFuzzer (tests/fuzz/fuzz_regression_test.cc).
//
// Each body must never crash, hang or trip a sanitizer on any input; where it checks a
// property (an importer's output validates, an error is one line, a valid assignment scores
// between the bounds) a failure aborts with FuzzCheck's message, which libFuzzer reports as a
// crash.
#ifndef MMAP_OPT_FUZZ_TARGETS_H_
#define MMAP_OPT_FUZZ_TARGETS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace mmap_opt::fuzz {

using FuzzBody = void (*)(const uint8_t* data, size_t size);

// HLO text through ImportHlo and ImportHloWithAssignment; a program they return validates.
void FuzzHloImport(const uint8_t* data, size_t size);
// MiniMalloc CSV through ParseCsv, FormatCsv (which must parse back to the same rows) and
// CsvToProgram (whose program must validate).
void FuzzMiniMallocCsv(const uint8_t* data, size_t size);
// The bytes as a program, an assignment and a hardware file in one encoding, each through
// validation to Program::Create, the cost model, the validator and the simulator.
void FuzzProtoBinary(const uint8_t* data, size_t size);
void FuzzProtoText(const uint8_t* data, size_t size);
void FuzzProtoJson(const uint8_t* data, size_t size);
// Structure-aware: a random valid program, hardware and placements built from the bytes;
// the validator, simulator and bounds must agree (see schedule_target.cc).
void FuzzSchedule(const uint8_t* data, size_t size);

struct FuzzTarget {
  const char* name;  // Also the fuzzer binary's name without "_fuzzer" and its corpus folder.
  FuzzBody body;
};
// Every target, in the order tools/fuzz.sh runs them.
const std::vector<FuzzTarget>& FuzzTargets();

// Aborts with "fuzz check failed: WHAT" when `ok` is false.
void FuzzCheck(bool ok, absl::string_view what);
// Errors must be one line: aborts when `status` is an error whose message holds a newline.
void CheckOneLine(const absl::Status& status);

}  // namespace mmap_opt::fuzz

#endif  // MMAP_OPT_FUZZ_TARGETS_H_
