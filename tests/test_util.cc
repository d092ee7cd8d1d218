#include "test_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "google/protobuf/text_format.h"

namespace mmap_opt::testing {

std::string SourcePath(const std::string& relative) {
  return std::string(MMAP_OPT_SOURCE_DIR) + "/" + relative;
}

std::optional<std::string> SharedDataPath(const std::string& relative) {
  std::string path = std::string(MMAP_OPT_SHARED_DATA_DIR) + "/" + relative;
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return path;
}

std::string MakeTempDir() {
  static std::atomic<int> counter{0};
  const char* base = std::getenv("TEST_TMPDIR");
  std::string root = base != nullptr ? base : ::testing::TempDir();
  std::string dir = root + "/mmap_opt_" + std::to_string(::getpid()) + "_" +
                    std::to_string(counter++);
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

void WriteTestFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

std::string ReadTestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

proto::Program ProgramFromText(const std::string& text) {
  proto::Program program;
  if (!google::protobuf::TextFormat::ParseFromString(text, &program)) {
    ADD_FAILURE() << "bad program literal:\n" << text;
  }
  return program;
}

proto::Assignment AssignmentFromText(const std::string& text) {
  proto::Assignment assignment;
  if (!google::protobuf::TextFormat::ParseFromString(text, &assignment)) {
    ADD_FAILURE() << "bad assignment literal:\n" << text;
  }
  return assignment;
}

}  // namespace mmap_opt::testing
