// The one narrow interface between the search and the networks (muzero-notes.md §5.6): a batch
// of MallocGame observations in, policy logits and values out. The search and the CLI agents
// only see this header, so they are testable with UniformEvaluator and no weights, and they
// compile without torch headers.
#ifndef MMAP_OPT_NN_EVALUATOR_H_
#define MMAP_OPT_NN_EVALUATOR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "mmap_opt/game/malloc_game.h"

namespace mmap_opt {

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // Floats per observation and logits per position (MallocGame::ObservationSize, num_actions).
  virtual int observation_size() const = 0;
  virtual int num_actions() const = 0;
  // `observations` is batch x observation_size, row-major; writes batch x num_actions logits
  // (unnormalised; the caller masks illegal actions) and batch values (the expected remaining
  // game reward, in the game's headroom-normalised units).
  virtual void Evaluate(const float* observations, int batch, float* logits, float* values) = 0;

  // The learned model, for searching without the environment (MuZero's initial and recurrent
  // inference). latent_size() is 0 for an evaluator without one (UniformEvaluator).
  virtual int latent_size() const { return 0; }
  // observations (batch x observation_size) -> latents (batch x latent_size), logits, values.
  virtual void InitialInference(const float* observations, int batch, float* latents,
                                float* logits, float* values);
  // (latent, action) pairs -> next latents, predicted rewards, and the next states' logits
  // and values.
  virtual void RecurrentInference(const float* latents, const int* actions, int batch,
                                  float* next_latents, float* rewards, float* logits,
                                  float* values);
};

// Every action equally likely, every state worth 0: the search then ranks actions by the real
// environment's rewards alone. Needs no weights.
class UniformEvaluator : public Evaluator {
 public:
  UniformEvaluator(int observation_size, int num_actions)
      : observation_size_(observation_size), num_actions_(num_actions) {}
  explicit UniformEvaluator(const GameOptions& options)
      : UniformEvaluator(MallocGame::ObservationSize(options), MallocGame::NumActions(options)) {}
  int observation_size() const override { return observation_size_; }
  int num_actions() const override { return num_actions_; }
  void Evaluate(const float* observations, int batch, float* logits, float* values) override;

 private:
  int observation_size_;
  int num_actions_;
};

// A model written by `mmap-opt train` (nn/muzero_net.h), evaluated on `threads` intra-op
// threads. InvalidArgument naming the path for a missing, truncated or foreign file.
absl::StatusOr<std::unique_ptr<Evaluator>> LoadModelEvaluator(const std::string& path,
                                                              int threads = 1);

// The model `solve` uses without --model: $MMAP_OPT_MODEL when set, else the bundled
// data/models/default.pt of the source tree, else the installed copy.
std::string DefaultModelPath();

}  // namespace mmap_opt

#endif  // MMAP_OPT_NN_EVALUATOR_H_
