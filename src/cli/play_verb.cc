// `mmap-opt play PROGRAM --agent A [--trace]`: plays the MallocGame with a policy, step by step
// when tracing, for debugging agents and the game itself.
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/cli_common.h"
#include "cli/score_report.h"
#include "mmap_opt/agents/policy.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::cli {
namespace {

struct PlayOptions {
  std::string program_path;
  std::string agent = "heuristic-game";
  std::string hardware;
  std::string output;
  uint64_t seed = 0;
  int candidates = GameOptions{}.num_candidates;
  bool trace = false;
};

std::string ActionName(const MallocGame& game, int index) {
  const Action action = game.DecodeAction(index);
  switch (action.kind) {
    case ActionKind::kDrop:
      return "Drop";
    case ActionKind::kNoCopy:
      return absl::StrCat("NoCopy(", action.candidate, ")");
    case ActionKind::kCopy:
      return absl::StrCat("Copy(", action.candidate, ")");
    case ActionKind::kDefer:
      return "Defer";
  }
  return "?";
}

void PrintStep(const MallocGame& game, const StepTrace& step) {
  const Program& program = game.cost().program();
  const proto::Buffer& buffer = program.buffer(step.segment.buffer);
  std::string legal;
  for (int a = 0; a < game.num_actions(); ++a) {
    if (!game.legal()[a]) continue;
    const Action action = game.DecodeAction(a);
    absl::StrAppend(&legal, legal.empty() ? "" : " ", ActionName(game, a));
    if (action.kind == ActionKind::kNoCopy || action.kind == ActionKind::kCopy) {
      absl::StrAppend(&legal, "@", game.candidate_offset(action));
    }
    if (action.kind == ActionKind::kCopy) {  // Where its prefetch starts.
      absl::StrAppend(&legal, ":t", *game.copy_start(action.candidate));
    }
  }
  std::cout << absl::StrFormat(
      "step %d  buffer %d '%s' (%s)  segment t=%d..%d  legal [%s]  chose %s -> %s  reward "
      "%+.6f%s\n",
      step.segment_index, buffer.id(), buffer.name(), FormatBytes(buffer.size()),
      step.segment.start, step.segment.use, legal, ActionName(game, step.chosen),
      ActionName(game, game.EncodeAction(step.result.executed)), step.result.reward,
      step.result.drop_backup ? "  DROP-BACKUP" : "");
}

absl::Status RunPlay(const PlayOptions& opts) {
  ASSIGN_OR_RETURN(LoadedProgram loaded, LoadProgram(opts.program_path, opts.hardware));
  std::unique_ptr<Policy> policy;
  if (opts.agent == "random") {
    policy = std::make_unique<RandomPolicy>(opts.seed);
  } else {
    policy = std::make_unique<HeuristicPolicy>();
  }
  GameOptions game_options;
  game_options.num_candidates = opts.candidates;
  std::function<void(const MallocGame&, const StepTrace&)> on_step;
  if (opts.trace) on_step = PrintStep;
  ASSIGN_OR_RETURN(GameRecord record,
                   PlayGame(*loaded.model, *policy, opts.agent, game_options, on_step));
  ASSIGN_OR_RETURN(Score score, ScoreOrExplain(*loaded.model, record.assignment,
                                               absl::StrCat("game on ", opts.program_path)));
  if (!opts.output.empty()) RETURN_IF_ERROR(WriteMessage(opts.output, record.assignment));
  std::cout << absl::StrFormat("program          %s (%s)\n", loaded.program->name(),
                               opts.program_path)
            << absl::StrFormat("agent            %s: %d steps, %d drop-backups, reward %.6f\n",
                               opts.agent, record.steps, record.drop_backups, record.total_reward)
            << ScoreRows(score);
  return absl::OkStatus();
}

}  // namespace

void AddPlayVerb(CLI::App& app) {
  auto opts = std::make_shared<PlayOptions>();
  CLI::App* verb = app.add_subcommand(
      "play", "Play the MallocGame on a program with a policy (--trace: every step)");
  verb->add_option("program", opts->program_path, "Program file (.pb, .txtpb, .json or -)")
      ->required();
  verb->add_option("--agent", opts->agent,
                   "random (uniform over legal actions) or heuristic-game (the heuristic's "
                   "decisions as game actions)")
      ->capture_default_str()
      ->check(CLI::IsMember({"random", "heuristic-game"}));
  verb->add_option("--seed", opts->seed, "Seed of the random policy")->capture_default_str();
  verb->add_option("--candidates", opts->candidates, "K: candidate offsets per action")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  verb->add_option("--hardware", opts->hardware, "Preset or hardware file");
  verb->add_option("-o,--output", opts->output, "Where to write the assignment");
  verb->add_flag("--trace", opts->trace, "Print each step: segment, legal actions, choice, reward");
  verb->callback([opts] {
    absl::Status status = RunPlay(*opts);
    if (!status.ok()) Fail(status);
  });
}

}  // namespace mmap_opt::cli
