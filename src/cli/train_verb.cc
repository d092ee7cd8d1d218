// `mmap-opt train --corpus DIR -o MODEL [--resume] [--time-limit S] [--seed N]`: learns the
// muzero agent's model (train/trainer.h), in the learned library loaded on first use.
#include <iostream>
#include <map>
#include <memory>

#include "absl/strings/str_format.h"
#include "cli/cli_common.h"
#include "cli/dist_flags.h"
#include "cli/learned_library.h"
#include "train/trainer.h"

namespace mmap_opt::cli {

void AddTrainVerb(CLI::App& app) {
  auto opts = std::make_shared<TrainOptions>();
  CLI::App* verb = app.add_subcommand(
      "train", "Train the muzero agent's model by imitation and self-play over a corpus");
  verb->add_option("--corpus", opts->corpus, "Folder of programs (its train/ subfolder if any)")
      ->required();
  verb->add_option("-o,--output", opts->output, "Where to write the model (.pt)")->required();
  verb->add_option("--run-dir", opts->run_dir, "Checkpoint and metrics.csv; default: <output>.run");
  verb->add_flag("--resume", opts->resume, "Continue from the run folder's checkpoint");
  verb->add_option("--time-limit", opts->time_limit_s, "Seconds of training in this run")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 1e7));
  verb->add_option("--iterations", opts->max_iterations,
                   "Stop after this iteration (0 is the imitation warm start); 0: no limit")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  verb->add_option("--seed", opts->seed, "Seed of every random choice")->capture_default_str();
  verb->add_option("--threads", opts->threads, "LibTorch intra-op threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  verb->add_option("--simulations", opts->simulations, "Search simulations per self-play move")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  verb->add_option("--games", opts->games_per_iteration, "Self-play games per iteration")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  verb->add_option("--self-play", opts->self_play,
                   "How self-play plays: anchored (on one program per iteration, games explore "
                   "around the fastest so far, as solve --agent muzero does; the decided moves "
                   "are learned from) or searched (every move searched and learned from)")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, TrainOptions::SelfPlay>{
              {"anchored", TrainOptions::SelfPlay::kAnchored},
              {"searched", TrainOptions::SelfPlay::kSearched}},
          CLI::ignore_case))
      ->default_str("anchored");
  verb->add_option("--deviations", opts->deviations_per_game,
                   "Anchored self-play: searched deviations per game, on average")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  verb->add_option("--order-deviations", opts->order_deviations_per_game,
                   "Anchored self-play: order moves (Defers) per game, on average")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  verb->add_option("--eviction-deviations", opts->eviction_deviations_per_game,
                   "Anchored self-play: eviction moves per game (as for solve)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  verb->add_flag("--imitate-incumbent,!--no-imitate-incumbent", opts->imitate_incumbent,
                 "Anchored self-play: keep each program's fastest game, explore on from it and "
                 "imitate it (default on)");
  verb->add_option("--replay-moves", opts->replay_capacity,
                   "Moves the replay buffer keeps (the oldest games leave first)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000000));
  verb->add_option("--imitation-steps", opts->imitation_steps,
                   "Adam steps of the imitation warm start")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000000));
  verb->add_option("--hardware", opts->hardware, "As for solve; default: each program's own");
  verb->add_option("--heldout", opts->heldout,
                   "Folder of held-out programs whose gain is measured as training goes; "
                   "default: the corpus's test/ subfolder when it has train/ and test/");
  verb->add_option("--heldout-every", opts->heldout_every,
                   "Measure the held-out gain after iteration 0 and every N iterations "
                   "(metrics.csv, learning_curve.svg); 0: never")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  verb->add_option("--heldout-simulations", opts->heldout_simulations,
                   "Search simulations per move of the held-out games (with 16-move rollouts)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  verb->add_option("--dist-check-every", opts->check_every,
                   "With a world size: training steps between comparisons of the ranks' "
                   "parameter checksums (each iteration's end is compared too; 0: only those)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000))
      ->group("Scale-out (c10d + Gloo)");
  AddDistFlags(verb, &opts->dist);
  verb->add_flag("-q,--quiet", "No progress lines");
  verb->callback([opts, verb] {
    ResolveDistFlags(verb, &opts->dist);
    TrainOptions options = *opts;
    const DistOptions dist = options.dist;
    // Every rank's last checksum, printed at the end: the ranks must agree on it.
    auto checksum = std::make_shared<uint64_t>(0);
    const bool quiet = verb->count("--quiet") != 0;
    options.on_progress = [quiet, dist, checksum](const TrainProgress& p) {
      *checksum = p.parameter_checksum;
      if (quiet || dist.rank != 0) return;
      std::cerr << absl::StrFormat(
          "train: iteration %d  episodes %d  steps %d  loss %.4f  gain vs heuristic %+.2f%%%s  "
          "%.1f s  (play %d games %.3f s, %.3f s CPU; learn %d steps %.3f s, %.3f s CPU%s)\n",
          p.iteration, p.episodes, p.train_steps, p.loss, 100 * p.mean_gain,
          p.heldout_gain ? absl::StrFormat("  held-out %+.2f%%", 100 * *p.heldout_gain) : "",
          p.elapsed_s, p.games, p.play_s, p.play_cpu_s, p.steps, p.learn_s, p.learn_cpu_s,
          dist.distributed()
              ? absl::StrFormat(", %.0f B sent per step by rank 0", p.bytes_sent_per_step)
              : "");
    };
    absl::StatusOr<const LearnedLibrary*> library = LoadLearnedLibrary();
    if (!library.ok()) {
      Fail(library.status());
      return;
    }
    absl::Status status = (*library)->train(options);
    if (!status.ok()) {
      Fail(status);
      return;
    }
    if (dist.distributed()) {
      std::cerr << absl::StrFormat("train: rank %d of %d finished, parameter checksum %016x\n",
                                   dist.rank, dist.world_size, *checksum);
    }
    if (dist.rank == 0) std::cout << "wrote            " << options.output << "\n";
  });
}

}  // namespace mmap_opt::cli
