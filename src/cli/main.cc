// mmap-opt: the command line. Each verb lives in its own file and only parses, calls the
// library and prints.
#include <exception>
#include <iostream>

#include "CLI/CLI.hpp"
#include "cli/cli_common.h"
#include "cli/learned_library.h"
#include "mmap_opt/exact/exact_solver.h"

int main(int argc, char** argv) {
  CLI::App app{
      "mmap-opt: maps the memory of ML programs onto an accelerator's small fast memory.\n"
      "Reads a program dump, decides which buffers live in fast memory and when, and scores\n"
      "the result with a latency simulator next to XLA's memory-space-assignment heuristic."};
  app.set_version_flag("--version", std::string("mmap-opt ") + MMAP_OPT_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);
  // Listed always; LibTorch is loaded only when one of them runs (cli/learned_library.h).
  mmap_opt::cli::AddLearnedAgents();  // Before the verbs that list the agents.
  mmap_opt::RegisterExactAgent();
  mmap_opt::cli::AddTrainVerb(app);
  mmap_opt::cli::AddInspectVerb(app);
  mmap_opt::cli::AddImportVerb(app);
  mmap_opt::cli::AddExportVerb(app);
  mmap_opt::cli::AddSolveVerb(app);
  mmap_opt::cli::AddScoreVerb(app);
  mmap_opt::cli::AddRenderVerb(app);
  mmap_opt::cli::AddDiffVerb(app);
  mmap_opt::cli::AddPackVerb(app);
  mmap_opt::cli::AddGenVerb(app);
  mmap_opt::cli::AddPlayVerb(app);
  mmap_opt::cli::AddBenchVerb(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // Prints help, the version or CLI11's message.
    return code == 0 ? 0 : mmap_opt::cli::kExitUsage;
  } catch (const std::exception& e) {
    // Library code reports errors as absl::Status; this is the last line of defence so that no
    // input ever ends the process with an uncaught exception.
    std::cerr << "mmap-opt: internal error: " << e.what() << "\n";
    return mmap_opt::cli::kExitFailure;
  }
  return mmap_opt::cli::ExitCode();
}
