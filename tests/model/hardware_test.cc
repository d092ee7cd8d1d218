// Hardware presets and their validation.
#include "mmap_opt/model/hardware.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mmap_opt {
namespace {

using ::testing::HasSubstr;

TEST(HardwareTest, EveryPresetIsValid) {
  for (const std::string& name : HardwarePresetNames()) {
    absl::StatusOr<proto::Hardware> hardware = HardwarePreset(name);
    ASSERT_TRUE(hardware.ok()) << name;
    EXPECT_EQ(hardware->name(), name);
    EXPECT_TRUE(ValidateHardware(*hardware).ok()) << ValidateHardware(*hardware);
  }
}

TEST(HardwareTest, TpuV4iCarriesThePublishedFigures) {
  proto::Hardware tpu = *HardwarePreset("tpuv4i");
  EXPECT_DOUBLE_EQ(tpu.peak_flops(), 138e12);
  EXPECT_DOUBLE_EQ(tpu.slow_bandwidth(), 614e9);
  EXPECT_EQ(tpu.fast_capacity(), 128 << 20);
  EXPECT_EQ(tpu.fast_alignment(), 512);
  EXPECT_EQ(HardwarePreset("tpuv4i-vmem")->fast_capacity(), 16 << 20);
  EXPECT_EQ(HardwarePreset("edge-npu")->fast_capacity(), 4 << 20);
}

TEST(HardwareTest, UnknownPresetListsTheKnownOnes) {
  absl::StatusOr<proto::Hardware> hardware = HardwarePreset("tpuv9");
  EXPECT_EQ(hardware.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(hardware.status().message()),
              HasSubstr("unknown hardware 'tpuv9' (presets: tpuv4i, tpuv4i-vmem, edge-npu"));
}

TEST(HardwareTest, ValidationNamesTheBadField) {
  proto::Hardware hw = *HardwarePreset("tpuv4i");
  hw.set_slow_bandwidth(0);
  EXPECT_THAT(std::string(ValidateHardware(hw).message()), HasSubstr("slow_bandwidth = 0"));
  hw = *HardwarePreset("edge-npu");
  hw.set_slow_bandwidth(1e12);  // Above edge-npu's 400 GB/s fast memory.
  EXPECT_EQ(ValidateHardware(hw).message(),
            "hardware 'edge-npu': fast_read_bandwidth = 4e+11 is below slow_bandwidth = 1e+12 "
            "(fast memory must be at least as fast as slow memory)");
  hw = *HardwarePreset("tpuv4i");
  hw.set_fast_capacity(-1);
  EXPECT_THAT(std::string(ValidateHardware(hw).message()), HasSubstr("fast_capacity = -1"));
  hw = *HardwarePreset("tpuv4i");
  hw.set_fast_alignment(0);
  EXPECT_THAT(std::string(ValidateHardware(hw).message()), HasSubstr("fast_alignment = 0"));
  hw = *HardwarePreset("tpuv4i");
  hw.set_async_copy_fraction(1.5);
  EXPECT_THAT(std::string(ValidateHardware(hw).message()), HasSubstr("async_copy_fraction"));
  hw = *HardwarePreset("tpuv4i");
  hw.set_max_outstanding_prefetches(-2);
  EXPECT_FALSE(ValidateHardware(hw).ok());
}

}  // namespace
}  // namespace mmap_opt
