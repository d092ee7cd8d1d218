// Shared helpers for the tests: where data lives, temp folders, text-proto literals.
#ifndef MMAP_OPT_TESTS_TEST_UTIL_H_
#define MMAP_OPT_TESTS_TEST_UTIL_H_

#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt::testing {

// A path inside the repository.
std::string SourcePath(const std::string& relative);

// A path inside ../shared/data, or nullopt when this checkout has no shared/ beside it (a
// user's clone): tests that need it skip with MMAP_OPT_SKIP_WITHOUT_SHARED_DATA.
std::optional<std::string> SharedDataPath(const std::string& relative);

#define MMAP_OPT_SKIP_WITHOUT_SHARED_DATA(var, relative)                                \
  std::optional<std::string> var##_opt = ::mmap_opt::testing::SharedDataPath(relative); \
  if (!var##_opt)                                                                       \
    GTEST_SKIP() << "../shared/data/" << relative                                       \
                 << " is absent (only CI and developers have ../shared)";               \
  const std::string var = *var##_opt

// A fresh empty folder under the test's temp dir, unique per call.
std::string MakeTempDir();

// Writes `contents` to `path` (test setup only; aborts the test on failure).
void WriteTestFile(const std::string& path, const std::string& contents);
std::string ReadTestFile(const std::string& path);

// Parses a text-format literal, failing the test on a syntax error.
proto::Program ProgramFromText(const std::string& text);
proto::Assignment AssignmentFromText(const std::string& text);

// Round numbers for agent tests: 1000 FLOP/s; HBM 100 B/s; fast memory 10x faster, 1000 B,
// byte-aligned; async copies at the full HBM rate (100 B/s); no outstanding-copy limits.
proto::Hardware DecimalHardware();

// What a whole-command run left behind.
struct CommandResult {
  int exit_code = -1;
  int signal = 0;  // Non-zero when the process was killed by a signal.
  std::string out;
  std::string err;
};

// Runs `program` with `args` (no shell), stdin from `stdin_path` or /dev/null.
CommandResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                         const std::string& stdin_path = "");
// Runs the mmap-opt binary under test.
CommandResult RunCli(const std::vector<std::string>& args, const std::string& stdin_path = "");

// Bad input: exit 1, no signal, exactly one line on stderr that names `path`.
void ExpectCleanFailure(const CommandResult& result, const std::string& path);

// A random valid program: 4 inputs, then `instructions` instructions each reading 1-3 earlier
// buffers (mostly recent ones, sometimes old ones: long live ranges) and defining one new
// buffer of 1-400 B; about 10% outputs, 5% slow-only, a third with FLOPs.
proto::Program RandomProgram(std::mt19937& rng, int instructions);

// The elements of an XML document (the SVG the tools write) by name, with how many of each;
// an error saying where when it is not well-formed: tags that do not nest, an attribute not
// name="value", text outside the one root element, an unknown entity.
absl::StatusOr<std::map<std::string, int>> XmlElementCounts(const std::string& xml);

}  // namespace mmap_opt::testing

#endif  // MMAP_OPT_TESTS_TEST_UTIL_H_
