#include "nn/evaluator.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace mmap_opt {

void UniformEvaluator::Evaluate(const float*, int batch, float* logits, float* values) {
  std::fill(logits, logits + static_cast<size_t>(batch) * num_actions_, 0.0f);
  std::fill(values, values + batch, 0.0f);
}

// Only reached when a caller ignores latent_size() == 0: a programming error, not bad input.
void Evaluator::InitialInference(const float*, int, float*, float*, float*) {
  std::fprintf(stderr, "internal error: this evaluator has no learned model\n");
  std::abort();
}

void Evaluator::RecurrentInference(const float*, const int*, int, float*, float*, float*,
                                   float*) {
  std::fprintf(stderr, "internal error: this evaluator has no learned model\n");
  std::abort();
}

std::string DefaultModelPath() {
  if (const char* env = std::getenv("MMAP_OPT_MODEL"); env != nullptr && *env != '\0') return env;
  // The source tree's copy first (a developer's build), then the installed one.
  for (const char* candidate : {MMAP_OPT_SOURCE_MODEL, MMAP_OPT_INSTALLED_MODEL}) {
    if (std::ifstream(candidate).good()) return candidate;
  }
  return MMAP_OPT_INSTALLED_MODEL;
}

}  // namespace mmap_opt
