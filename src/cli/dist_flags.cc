#include "cli/dist_flags.h"

#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mmap_opt::cli {
namespace {

constexpr char kGroup[] = "Scale-out (c10d + Gloo)";

int IntSetting(const std::string& text, const std::string& what, int low, int high) {
  int value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < low || value > high) {
    throw CLI::ValidationError(
        absl::StrCat(what, ": '", text, "' is not a whole number in [", low, ", ", high, "]"));
  }
  return value;
}

const char* Variable(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

}  // namespace

void AddDistFlags(CLI::App* verb, DistOptions* options) {
  verb->add_option("--world-size", options->world_size,
                   "Processes working together (default: $WORLD_SIZE, else 1)")
      ->group(kGroup);
  verb->add_option("--rank", options->rank,
                   "This process's rank in [0, world size); 0 hosts the store and writes the "
                   "outputs (default: $RANK)")
      ->group(kGroup);
  verb->add_option("--master", options->master_addr,
                   "HOST:PORT of rank 0 (default: $MASTER_ADDR:$MASTER_PORT, else "
                   "127.0.0.1:29500: one machine, loopback only)")
      ->group(kGroup);
  verb->add_option("--dist-timeout", options->timeout_s,
                   "Seconds within which every rank must join; a rank silent for a quarter of "
                   "it is lost, and the others stop with an error naming it")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 1e6))
      ->group(kGroup);
}

void ResolveDistFlags(const CLI::App* verb, DistOptions* options) {
  if (verb->count("--world-size") == 0) {
    if (const char* v = Variable("WORLD_SIZE")) {
      options->world_size = IntSetting(v, "WORLD_SIZE", 1, 4096);
    }
  }
  if (verb->count("--rank") == 0) {
    if (const char* v = Variable("RANK")) options->rank = IntSetting(v, "RANK", 0, 4095);
  }
  if (verb->count("--master") != 0) {
    const std::string master = options->master_addr;
    const size_t colon = master.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      throw CLI::ValidationError(
          absl::StrCat("--master: '", master, "' is not HOST:PORT (e.g. 10.0.0.1:29500)"));
    }
    options->master_addr = master.substr(0, colon);
    options->master_port = IntSetting(master.substr(colon + 1), "--master's port", 1, 65535);
  } else {
    if (const char* v = Variable("MASTER_ADDR")) options->master_addr = v;
    if (const char* v = Variable("MASTER_PORT")) {
      options->master_port = IntSetting(v, "MASTER_PORT", 1, 65535);
    }
  }
  if (options->world_size < 1 || options->world_size > 4096) {
    throw CLI::ValidationError(
        absl::StrCat("--world-size: ", options->world_size, " is not in [1, 4096]"));
  }
  if (options->rank < 0 || options->rank >= options->world_size) {
    throw CLI::ValidationError(absl::StrCat("--rank: ", options->rank, " is not in [0, ",
                                            options->world_size - 1, "] for a world size of ",
                                            options->world_size));
  }
}

}  // namespace mmap_opt::cli
