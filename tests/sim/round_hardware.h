// A toy accelerator with round numbers, so that every simulator test's arithmetic can be
// checked by hand in its comments.
#ifndef MMAP_OPT_TESTS_SIM_ROUND_HARDWARE_H_
#define MMAP_OPT_TESTS_SIM_ROUND_HARDWARE_H_

#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt::testing {

// 100 FLOP/s, 10 transcendentals/s, HBM 10 B/s, fast reads 100 B/s, fast writes 50 B/s,
// copies at half the HBM bandwidth (5 B/s), 1000 B of fast memory aligned to 10 B, no copy
// limits.
inline proto::Hardware RoundHardware() {
  proto::Hardware h;
  h.set_name("round");
  h.set_peak_flops(100);
  h.set_transcendentals_per_second(10);
  h.set_slow_bandwidth(10);
  h.set_fast_read_bandwidth(100);
  h.set_fast_write_bandwidth(50);
  h.set_fast_capacity(1000);
  h.set_fast_alignment(10);
  h.set_async_copy_fraction(0.5);
  h.set_max_outstanding_prefetches(-1);
  h.set_max_outstanding_evictions(-1);
  return h;
}

}  // namespace mmap_opt::testing

#endif  // MMAP_OPT_TESTS_SIM_ROUND_HARDWARE_H_
