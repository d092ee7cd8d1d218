#include "test_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
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
  // mkdtemp, not pid + counter: every test runs in its own process, pids are reused, and a
  // folder left by an earlier run must never be handed out again with its old files in it.
  const char* base = std::getenv("TEST_TMPDIR");
  std::string root = base != nullptr ? base : ::testing::TempDir();
  if (!root.empty() && root.back() == '/') root.pop_back();
  std::string pattern = root + "/mmap_opt_XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "cannot create a temporary folder under " << root;
  }
  return pattern;
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

CommandResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                         const std::string& stdin_path) {
  const std::string dir = MakeTempDir();
  const std::string out_path = dir + "/out", err_path = dir + "/err";
  pid_t pid = fork();
  if (pid == 0) {
    int in = open(stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> argv{const_cast<char*>(program.c_str())};
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult result;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.out = ReadTestFile(out_path);
  result.err = ReadTestFile(err_path);
  return result;
}

CommandResult RunCli(const std::vector<std::string>& args, const std::string& stdin_path) {
  return RunProgram(MMAP_OPT_BINARY, args, stdin_path);
}

void ExpectCleanFailure(const CommandResult& result, const std::string& path) {
  EXPECT_EQ(result.signal, 0) << "killed by signal " << result.signal << ": " << result.err;
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_THAT(result.err, ::testing::HasSubstr(path));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

proto::Hardware DecimalHardware() {
  proto::Hardware hw;
  hw.set_name("decimal");
  hw.set_peak_flops(1000);
  hw.set_transcendentals_per_second(1000);
  hw.set_slow_bandwidth(100);
  hw.set_fast_capacity(1000);
  hw.set_fast_read_bandwidth(1000);
  hw.set_fast_write_bandwidth(1000);
  hw.set_fast_alignment(1);
  hw.set_async_copy_fraction(1);
  hw.set_max_outstanding_prefetches(-1);
  hw.set_max_outstanding_evictions(-1);
  return hw;
}

proto::Program RandomProgram(std::mt19937& rng, int instructions) {
  proto::Program program;
  program.set_name("random");
  std::vector<int64_t> available;  // Buffers that exist so far.
  int64_t next_id = 0;
  for (int i = 0; i < 4; ++i) {
    proto::Buffer* b = program.add_buffers();
    b->set_id(next_id);
    b->set_name("in" + std::to_string(i));
    b->set_size(1 + rng() % 400);
    available.push_back(next_id++);
  }
  for (int t = 0; t < instructions; ++t) {
    proto::Instruction* inst = program.add_instructions();
    inst->set_id(t);
    inst->set_name("op" + std::to_string(t));
    inst->set_flops(rng() % 3 == 0 ? (rng() % 3000) : 0);
    const int reads = 1 + rng() % 3;
    for (int r = 0; r < reads; ++r) {
      const size_t recent = std::min<size_t>(3, available.size());
      const size_t pick =
          rng() % 4 == 0 ? rng() % available.size() : available.size() - 1 - rng() % recent;
      inst->add_operands(available[pick]);
    }
    proto::Buffer* b = program.add_buffers();
    b->set_id(next_id);
    b->set_name("v" + std::to_string(t));
    b->set_size(1 + rng() % 400);
    b->set_is_output(rng() % 10 == 0);
    b->set_slow_only(rng() % 20 == 0);
    inst->add_outputs(next_id);
    available.push_back(next_id++);
  }
  return program;
}

absl::StatusOr<std::map<std::string, int>> XmlElementCounts(const std::string& xml) {
  std::map<std::string, int> counts;
  std::vector<std::string> open;
  int roots = 0;
  auto error = [&](size_t at, const std::string& what) {
    return absl::InvalidArgumentError("XML at byte " + std::to_string(at) + ": " + what);
  };
  auto is_name = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
           c == '.';
  };
  // Text (and attribute values) may hold entities but no bare '<' or '&'.
  auto check_text = [&](size_t from, size_t to) -> absl::Status {
    for (size_t i = from; i < to; ++i) {
      if (xml[i] == '<') return error(i, "'<' in text");
      if (xml[i] != '&') continue;
      const size_t semi = xml.find(';', i);
      const std::string entity = semi == std::string::npos ? "" : xml.substr(i, semi - i + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" &&
          entity != "&apos;") {
        return error(i, "unknown entity");
      }
    }
    return absl::OkStatus();
  };
  size_t i = 0;
  while (i < xml.size()) {
    const size_t lt = xml.find('<', i);
    const size_t text_end = lt == std::string::npos ? xml.size() : lt;
    const bool blank = xml.find_first_not_of(" \t\r\n", i) >= text_end;
    if (!blank && open.empty()) return error(i, "text outside the root element");
    if (absl::Status s = check_text(i, text_end); !s.ok()) return s;
    if (lt == std::string::npos) break;
    size_t j = lt + 1;
    const bool closing = j < xml.size() && xml[j] == '/';
    if (closing) ++j;
    const size_t name_start = j;
    while (j < xml.size() && is_name(xml[j])) ++j;
    const std::string name = xml.substr(name_start, j - name_start);
    if (name.empty()) return error(lt, "a tag without a name");
    if (closing) {
      while (j < xml.size() && std::isspace(static_cast<unsigned char>(xml[j]))) ++j;
      if (j >= xml.size() || xml[j] != '>') return error(j, "unterminated closing tag");
      if (open.empty() || open.back() != name) return error(lt, "</" + name + "> closes nothing");
      open.pop_back();
      i = j + 1;
      continue;
    }
    // Attributes: name="value" (or 'value'), then '>' or '/>'.
    for (;;) {
      while (j < xml.size() && std::isspace(static_cast<unsigned char>(xml[j]))) ++j;
      if (j >= xml.size()) return error(lt, "unterminated tag <" + name);
      if (xml[j] == '>' || xml.compare(j, 2, "/>") == 0) break;
      const size_t attribute = j;
      while (j < xml.size() && is_name(xml[j])) ++j;
      if (j == attribute || j + 1 >= xml.size() || xml[j] != '=' ||
          (xml[j + 1] != '"' && xml[j + 1] != '\'')) {
        return error(attribute, "an attribute not name=\"value\" in <" + name);
      }
      const size_t end = xml.find(xml[j + 1], j + 2);
      if (end == std::string::npos) return error(j, "unterminated attribute value");
      if (absl::Status s = check_text(j + 2, end); !s.ok()) return s;
      j = end + 1;
    }
    ++counts[name];
    if (open.empty() && ++roots > 1) return error(lt, "a second root element");
    if (xml[j] == '>') {
      open.push_back(name);
      i = j + 1;
    } else {
      i = j + 2;
    }
  }
  if (!open.empty()) return absl::InvalidArgumentError("XML: <" + open.back() + "> not closed");
  if (roots != 1) return absl::InvalidArgumentError("XML: no root element");
  return counts;
}

}  // namespace mmap_opt::testing
