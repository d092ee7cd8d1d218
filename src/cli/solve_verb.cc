// `mmap-opt solve PROGRAM --agent NAME -o A.pb`: map a program's memory with one agent, write
// the assignment, and print its simulated latency next to the bounds.
#include <chrono>
#include <functional>
#include <iostream>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/cli_common.h"
#include "cli/dist_flags.h"
#include "cli/learned_library.h"
#include "cli/score_report.h"
#include "mmap_opt/agents/registry.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/sim/score.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::cli {
namespace {

struct SolveVerbOptions {
  std::string program_path;
  std::string agent = "none";
  std::string output;
  std::string hardware;
  AgentOptions solve;
  bool json = false;
  DistOptions dist;
};

// The agent alone, or (with a world size) on every rank of a process group, which the
// learned library opens.
absl::StatusOr<AgentRun> RunAgentOnRanks(const SolveVerbOptions& opts, const CostModel& model) {
  if (!opts.dist.distributed()) return RunAgent(opts.agent, model, opts.solve);
  ASSIGN_OR_RETURN(const LearnedLibrary* library, LoadLearnedLibrary());
  ASSIGN_OR_RETURN(AgentRun run,
                   library->run_agent_in_group(opts.agent, model, opts.solve, opts.dist));
  run.assignment.set_program_name(model.program().name());
  run.assignment.set_agent(opts.agent);
  return run;
}

absl::Status RunSolve(const SolveVerbOptions& opts) {
  ASSIGN_OR_RETURN(LoadedProgram loaded, LoadProgram(opts.program_path, opts.hardware));
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<AgentRun> agent_run = RunAgentOnRanks(opts, *loaded.model);
  if (!agent_run.ok()) {  // Name the file, as every error of the tool does.
    return absl::Status(agent_run.status().code(),
                        absl::StrCat(opts.program_path, ": ", agent_run.status().message()));
  }
  AgentRun& run = *agent_run;
  if (opts.dist.rank != 0) {  // Rank 0 writes and reports the best assignment of all ranks.
    std::cerr << absl::StrFormat("solve: rank %d of %d finished\n", opts.dist.rank,
                                 opts.dist.world_size);
    return absl::OkStatus();
  }
  const double solve_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  proto::Assignment& assignment = run.assignment;
  ASSIGN_OR_RETURN(Score score,
                   ScoreOrExplain(*loaded.model, assignment,
                                  absl::StrCat("agent '", opts.agent, "' on ", opts.program_path)));
  if (!opts.output.empty()) RETURN_IF_ERROR(WriteMessage(opts.output, assignment));
  if (opts.json) {
    std::cout << absl::StrFormat(
        R"({"program":%s,"agent":%s,"hardware":%s,"placements":%d,"solve_s":%.6f,%s%s})"
        "\n",
        JsonString(loaded.program->name()), JsonString(opts.agent),
        JsonString(loaded.model->hardware().name()), assignment.placements_size(), solve_s,
        ScoreJsonMembers(score),
        run.proven_bound_s
            ? absl::StrFormat(R"(,"proven_bound_s":%.9g,"gap_to_proven_bound":%.9g,"note":%s)",
                              *run.proven_bound_s,
                              score.simulation.latency_s / *run.proven_bound_s - 1,
                              JsonString(run.summary))
            : "");
    return absl::OkStatus();
  }
  std::cout << absl::StrFormat("program          %s (%s)\n", loaded.program->name(),
                               opts.program_path)
            << absl::StrFormat("agent            %s: %d placements\n", opts.agent,
                               assignment.placements_size())
            << absl::StrFormat("hardware         %s\n", loaded.model->hardware().name())
            << ScoreRows(score);
  if (run.proven_bound_s) {
    // The exact agent's proof: no valid assignment is faster than this.
    std::cout << absl::StrFormat("proven bound     %s (gap %.3f%%)\n",
                                 FormatSeconds(*run.proven_bound_s),
                                 100 * (score.simulation.latency_s / *run.proven_bound_s - 1));
  }
  if (!run.summary.empty()) std::cout << "note             " << run.summary << "\n";
  if (!opts.output.empty()) std::cout << "wrote            " << opts.output << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddSolveVerb(CLI::App& app) {
  auto opts = std::make_shared<SolveVerbOptions>();
  CLI::App* verb = app.add_subcommand(
      "solve", "Map a program's memory with an agent, write the assignment, print its score");
  verb->add_option("program", opts->program_path, "Program file (.pb, .txtpb, .json or -)")
      ->required();
  std::string agents_help = "Which agent: ";
  for (const AgentInfo& agent : Agents()) {
    absl::StrAppend(&agents_help, "\n  ", agent.name, ": ", agent.help);
  }
  verb->add_option("--agent", opts->agent, agents_help)
      ->capture_default_str()
      ->check(CLI::IsMember(AgentNames()));
  verb->add_option("-o,--output", opts->output,
                   "Where to write the assignment (.pb, .txtpb, .json)");
  verb->add_option("--hardware", opts->hardware,
                   "Preset (tpuv4i, tpuv4i-vmem, edge-npu) or hardware file; default: the "
                   "program's own, else tpuv4i");
  verb->add_option("--seed", opts->solve.seed, "Seed for agents that make random choices")
      ->capture_default_str();
  AddTimeLimitOption(verb, &opts->solve.time_limit_s);
  AddLearnedAgentOptions(verb, &opts->solve);
  AddTuningOptions(verb, &opts->solve.tuning);
  verb->add_option("--heuristic-max-repacks", opts->solve.heuristic.max_repacks,
                   "Heuristic: repacks of the placed chunks when fragmentation leaves a buffer "
                   "out (0: off, XLA's default)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  verb->add_option("--heuristic-repack-time-limit", opts->solve.heuristic.repack_time_limit_s,
                   "Heuristic: seconds each repack's packer may search (0: best-fit passes only)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  verb->add_flag("--json", opts->json, "Print one JSON object instead of the table");
  AddDistFlags(verb, &opts->dist);
  verb->callback([opts, verb] {
    ResolveDistFlags(verb, &opts->dist);
    if (opts->dist.distributed() && opts->agent != "muzero" && opts->agent != "hybrid") {
      throw CLI::ValidationError(absl::StrCat(
          "--world-size: learning on one program across processes is for the muzero and "
          "hybrid agents, not '",
          opts->agent, "'"));
    }
    CheckTimeLimitTaken({opts->agent}, opts->solve.time_limit_s, "--time-limit");
    absl::Status status = RunSolve(*opts);
    if (!status.ok()) Fail(status);
  });
}

}  // namespace mmap_opt::cli
