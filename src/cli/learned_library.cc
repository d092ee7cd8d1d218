#include "cli/learned_library.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mmap_opt/agents/registry.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::cli {
namespace {

constexpr char kLibraryFile[] = "libmmap_opt_learned.so";
constexpr char kLibraryEnv[] = "MMAP_OPT_LEARNED_LIBRARY";

std::string BinaryFolder() {
  std::string path(4096, '\0');
  const ssize_t n = readlink("/proc/self/exe", path.data(), path.size() - 1);
  if (n <= 0) return ".";
  path.resize(n);
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// Where the library may be, in the order tried.
std::vector<std::string> CandidatePaths() {
  if (const char* named = std::getenv(kLibraryEnv); named != nullptr && *named != '\0') {
    return {named};
  }
  const std::string binary_folder = BinaryFolder();
  return {absl::StrCat(binary_folder, "/", kLibraryFile),
          absl::StrCat(binary_folder, "/../", MMAP_OPT_INSTALL_LIBDIR, "/", kLibraryFile),
          absl::StrCat(MMAP_OPT_INSTALL_FULL_LIBDIR, "/", kLibraryFile)};
}

std::string FoundPath() {
  for (const std::string& path : CandidatePaths()) {
    if (access(path.c_str(), R_OK) == 0) return path;
  }
  return "";
}

absl::StatusOr<const LearnedLibrary*> Open() {
  const std::string path = FoundPath();
  if (path.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this build has no learned agents (", absl::StrJoin(LearnedAgentNames(), ", "),
        " and train need ", kLibraryFile, ": none in ", absl::StrJoin(CandidatePaths(), ", "),
        "; set ", kLibraryEnv, " to its path)"));
  }
  // RTLD_NOW: a library that cannot resolve a symbol fails here, with its name, not mid-run.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot load the learned agents from ", path, ": ", dlerror()));
  }
  using Entry = const LearnedLibrary* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(handle, kLearnedLibraryEntry));
  if (entry == nullptr) {
    return absl::InternalError(
        absl::StrCat(path, " is not a learned-agents library (no ", kLearnedLibraryEntry, ")"));
  }
  const LearnedLibrary* library = entry();
  if (library->abi != kLearnedLibraryAbi || std::string(library->version) != MMAP_OPT_VERSION) {
    return absl::InternalError(absl::StrCat(path, " was built from mmap-opt ", library->version,
                                            " (interface ", library->abi, "), this binary is ",
                                            MMAP_OPT_VERSION, " (interface ",
                                            kLearnedLibraryAbi, ")"));
  }
  return library;
}

}  // namespace

absl::StatusOr<const LearnedLibrary*> LoadLearnedLibrary() {
  // Opened once; a library that failed to load is not retried.
  static const absl::StatusOr<const LearnedLibrary*>* library =
      new absl::StatusOr<const LearnedLibrary*>(Open());
  return *library;
}

bool LearnedLibraryFound() { return !FoundPath().empty(); }

void AddLearnedAgents() {
  for (const std::string& name : LearnedAgentNames()) {
    RegisterAgent(LearnedAgent(
        name, [name](const CostModel& cost, const AgentOptions& options) -> absl::StatusOr<AgentRun> {
          ASSIGN_OR_RETURN(const LearnedLibrary* library, LoadLearnedLibrary());
          return library->run_agent(name, cost, options);
        }));
  }
}

}  // namespace mmap_opt::cli
