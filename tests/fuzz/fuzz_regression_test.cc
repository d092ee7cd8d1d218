// Replays, without libFuzzer, every input checked in under fuzz/regressions/<target>/ (the
// crashes, hangs and sanitizer reports the fuzzers found, each fixed since) and the small seed
// set of fuzz/seeds/<target>/ through the same target bodies the fuzzers run (fuzz/targets.h).
// A body aborts on a broken property, so a regression fails this test; under the sanitizer
// build (tools/test.sh) the replay also catches the memory errors and UB that were fixed.
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "mmap_opt/io/proto_io.h"
#include "targets.h"

namespace mmap_opt::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> InputsOf(const std::string& kind, const std::string& target) {
  std::vector<fs::path> files;
  const fs::path dir = fs::path(MMAP_OPT_SOURCE_DIR) / "fuzz" / kind / target;
  if (!fs::is_directory(dir)) return files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class FuzzReplayTest : public ::testing::TestWithParam<FuzzTarget> {};

TEST_P(FuzzReplayTest, RegressionsAndSeedsPass) {
  const FuzzTarget& target = GetParam();
  int replayed = 0;
  for (const std::string kind : {"regressions", "seeds"}) {
    for (const fs::path& file : InputsOf(kind, target.name)) {
      SCOPED_TRACE(file.string());
      absl::StatusOr<std::string> bytes = ReadFile(file.string());
      ASSERT_TRUE(bytes.ok()) << bytes.status();
      target.body(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size());
      ++replayed;
    }
  }
  // Every target has at least a seed, so a missing folder is noticed rather than skipped.
  EXPECT_GT(replayed, 0) << "no inputs under fuzz/{regressions,seeds}/" << target.name;
}

TEST_P(FuzzReplayTest, EmptyAndTinyInputsPass) {
  const FuzzTarget& target = GetParam();
  target.body(nullptr, 0);
  for (int byte = 0; byte < 256; ++byte) {
    const uint8_t one = static_cast<uint8_t>(byte);
    target.body(&one, 1);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTargets, FuzzReplayTest, ::testing::ValuesIn(FuzzTargets()),
                         [](const ::testing::TestParamInfo<FuzzTarget>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace mmap_opt::fuzz
