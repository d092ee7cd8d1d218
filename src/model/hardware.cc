// Hardware presets. Every number says where it comes from: a published figure or an assumption.
#include "mmap_opt/model/hardware.h"

#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mmap_opt/model/quote.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

proto::Hardware TpuV4i() {
  proto::Hardware h;
  h.set_name("tpuv4i");
  // Published (Jouppi et al., "Ten Lessons From Three Generations Shaped Google's TPUv4i",
  // ISCA 2021): 138 TFLOP/s bf16 peak, 614 GB/s HBM2, 128 MiB CMEM, 16 MiB VMEM.
  h.set_peak_flops(138e12);
  h.set_slow_bandwidth(614e9);
  h.set_fast_capacity(128 * kMiB);
  // Assumption: the vector units evaluate transcendentals at 1/32 of the matrix peak.
  h.set_transcendentals_per_second(138e12 / 32);
  // Assumption (DESIGN.md §3): CMEM reads and writes at 4x the HBM bandwidth.
  h.set_fast_read_bandwidth(4 * 614e9);
  h.set_fast_write_bandwidth(4 * 614e9);
  // Assumption: XLA's TPU alignment for alternate-memory chunks.
  h.set_fast_alignment(512);
  // XLA's default async_copy_bandwidth_scaling_factor (xla-msa.md §2): copies may use all of
  // the HBM bandwidth an instruction leaves idle.
  h.set_async_copy_fraction(1.0);
  // Assumption: the DMA engines track up to 16 copies each way; XLA's own default is unlimited.
  h.set_max_outstanding_prefetches(16);
  h.set_max_outstanding_evictions(16);
  return h;
}

proto::Hardware TpuV4iVmem() {
  proto::Hardware h = TpuV4i();
  h.set_name("tpuv4i-vmem");
  // Published (same paper): 16 MiB of VMEM per core.
  h.set_fast_capacity(16 * kMiB);
  // Assumption: VMEM sits next to the units and feeds them at 8x the HBM bandwidth.
  h.set_fast_read_bandwidth(8 * 614e9);
  h.set_fast_write_bandwidth(8 * 614e9);
  return h;
}

proto::Hardware EdgeNpu() {
  proto::Hardware h;
  h.set_name("edge-npu");
  // Assumption, typical of small inference NPUs (DESIGN.md §3): 10 TFLOP/s int8/bf16,
  // ~50 GB/s LPDDR, 4 MiB on-chip SRAM at 8x the DRAM bandwidth, 64-byte alignment.
  h.set_peak_flops(10e12);
  h.set_transcendentals_per_second(10e12 / 16);
  h.set_slow_bandwidth(50e9);
  h.set_fast_capacity(4 * kMiB);
  h.set_fast_read_bandwidth(8 * 50e9);
  h.set_fast_write_bandwidth(8 * 50e9);
  h.set_fast_alignment(64);
  h.set_async_copy_fraction(1.0);
  h.set_max_outstanding_prefetches(4);
  h.set_max_outstanding_evictions(4);
  return h;
}

absl::Status CheckRate(double value, absl::string_view field, const proto::Hardware& h) {
  if (!(value > 0) || std::isinf(value)) {
    return absl::InvalidArgumentError(absl::StrCat("hardware ", Quote(h.name()), ": ", field, " = ",
                                                   value, " must be positive and finite"));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> HardwarePresetNames() { return {"tpuv4i", "tpuv4i-vmem", "edge-npu"}; }

absl::StatusOr<proto::Hardware> HardwarePreset(absl::string_view name) {
  if (name == "tpuv4i") return TpuV4i();
  if (name == "tpuv4i-vmem") return TpuV4iVmem();
  if (name == "edge-npu") return EdgeNpu();
  return absl::NotFoundError(absl::StrCat("unknown hardware '", name, "' (presets: ",
                                          absl::StrJoin(HardwarePresetNames(), ", "),
                                          "; or a .txtpb/.json/.pb file)"));
}

absl::Status ValidateHardware(const proto::Hardware& h) {
  RETURN_IF_ERROR(CheckRate(h.peak_flops(), "peak_flops", h));
  RETURN_IF_ERROR(CheckRate(h.transcendentals_per_second(), "transcendentals_per_second", h));
  RETURN_IF_ERROR(CheckRate(h.slow_bandwidth(), "slow_bandwidth", h));
  RETURN_IF_ERROR(CheckRate(h.fast_read_bandwidth(), "fast_read_bandwidth", h));
  RETURN_IF_ERROR(CheckRate(h.fast_write_bandwidth(), "fast_write_bandwidth", h));
  // A fast memory slower than HBM would make placing a buffer cost time, and the all-slow
  // latency no longer bound every assignment's (found by fuzz/schedule_target.cc).
  for (auto [rate, field] : {std::pair{h.fast_read_bandwidth(), "fast_read_bandwidth"},
                             {h.fast_write_bandwidth(), "fast_write_bandwidth"}}) {
    if (rate < h.slow_bandwidth()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "hardware ", Quote(h.name()), ": ", field, " = ", rate, " is below slow_bandwidth = ",
          h.slow_bandwidth(), " (fast memory must be at least as fast as slow memory)"));
    }
  }
  if (h.fast_capacity() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "hardware ", Quote(h.name()), ": fast_capacity = ", h.fast_capacity(), " must be >= 0"));
  }
  if (h.fast_alignment() <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "hardware ", Quote(h.name()), ": fast_alignment = ", h.fast_alignment(), " must be > 0"));
  }
  if (!(h.async_copy_fraction() > 0 && h.async_copy_fraction() <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat("hardware ", Quote(h.name()),
                                                   ": async_copy_fraction = ",
                                                   h.async_copy_fraction(),
                                                   " must be in (0, 1]"));
  }
  if (h.max_outstanding_prefetches() < -1 || h.max_outstanding_evictions() < -1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "hardware ", Quote(h.name()), ": outstanding-copy limits must be >= 0, or -1 for unlimited"));
  }
  return absl::OkStatus();
}

}  // namespace mmap_opt
