// One libFuzzer binary: MMAP_OPT_FUZZ_BODY names the target's body in targets.h.
#include <cstddef>
#include <cstdint>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mmap_opt::fuzz::MMAP_OPT_FUZZ_BODY(data, size);
  return 0;
}
