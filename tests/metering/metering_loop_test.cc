// The firmware main loop: frames from the DMA buffer reach the registers
// unchanged, inputs are debounced into tariff and partial commands, the
// power-fail signal saves once per edge, and lost blocks become gaps.
#include "meter/metering/metering_loop.h"

#include <gtest/gtest.h>

#include "meter/hal/host/emulated_flash.h"
#include "meter/hal/host/host_devices.h"
#include "support/synthetic_signal.h"

namespace meter {
namespace {

constexpr std::size_t kBlock = 80;
using Loop = MeteringLoop<dsp::FloatNumeric, kBlock>;

struct Rig {
  EnergyMeter meter;
  Loop::Buffer buffer;
  hal::host::SettableDigitalInputs inputs;
  hal::host::SettablePowerFail power_fail;
  hal::host::EmulatedFlash flash{4096, 2};
  Loop loop{meter, buffer, &inputs, &power_fail};
  testing::ThreePhaseSignal signal = testing::Balanced(50.0, 230.0, 5.0, 30.0);
  long next = 0;

  Rig() {
    EnergyMeterConfig c;
    c.save_period_s = 0.0f;
    EXPECT_EQ(meter.Init(c, nullptr, &flash), Status::kOk);
  }
  void ProduceBlock() {
    for (SampleFrame& f : buffer.half(buffer.producer_half())) f = signal.FrameAt(static_cast<double>(next++) / 8000.0);
    buffer.OnBlockReady();
  }
  void RunBlocks(int n) {
    for (int k = 0; k < n; ++k) {
      ProduceBlock();
      loop.Poll();
    }
  }
};

Rig& SharedRig() {
  static Rig* rig = nullptr;
  delete rig;
  rig = new Rig();
  return *rig;
}

TEST(MeteringLoop, FeedsEveryFrameInOrder) {
  Rig& r = SharedRig();
  EnergyMeter direct;
  EnergyMeterConfig c;
  ASSERT_EQ(direct.Init(c, nullptr, nullptr), Status::kOk);
  r.RunBlocks(100);  // 1 s
  for (long k = 0; k < r.next; ++k) direct.ProcessFrame(r.signal.FrameAt(static_cast<double>(k) / 8000.0));
  EXPECT_EQ(r.loop.stats().blocks, 100u);
  EXPECT_EQ(r.loop.stats().lost_frames, 0u);
  EXPECT_EQ(r.meter.registers().state().total.kwh_imp.milli(), direct.registers().state().total.kwh_imp.milli());
  EXPECT_GT(r.meter.registers().state().total.kwh_imp.milli(), 0u);
  EXPECT_EQ(r.meter.now_tick(), direct.now_tick());
}

TEST(MeteringLoop, InputsAreDebouncedIntoTariffAndPartialCommands) {
  Rig& r = SharedRig();
  r.RunBlocks(10);
  EXPECT_EQ(r.meter.registers().state().tariff, 0);
  // One read is a bounce: no change.
  r.inputs.Set(hal::kInputTariff2);
  r.RunBlocks(1);
  r.inputs.Set(0);
  r.RunBlocks(3);
  EXPECT_EQ(r.meter.registers().state().tariff, 0);
  // Two equal reads take effect.
  r.inputs.Set(hal::kInputTariff2 | hal::kInputPartialRun);
  r.RunBlocks(2);
  EXPECT_EQ(r.meter.registers().state().tariff, 1);
  EXPECT_EQ(r.meter.registers().state().partial_running, 1);
  r.RunBlocks(50);
  EXPECT_GT(r.meter.registers().state().partial.kwh_imp.milli(), 0u);
  EXPECT_GT(r.meter.registers().state().kwh_imp_tariff[1].milli(), 0u);
  // Reset acts on the rising edge only; holding it does not keep resetting.
  r.inputs.Set(hal::kInputTariff2 | hal::kInputPartialRun | hal::kInputPartialReset);
  r.RunBlocks(2);
  const auto after_reset = r.meter.registers().state().partial.kwh_imp.milli();
  EXPECT_LT(after_reset, 40u);
  r.RunBlocks(50);
  EXPECT_GT(r.meter.registers().state().partial.kwh_imp.milli(), after_reset);
  r.inputs.Set(0);
  r.RunBlocks(2);
  EXPECT_EQ(r.meter.registers().state().partial_running, 0);
  EXPECT_EQ(r.meter.registers().state().tariff, 0);
}

TEST(MeteringLoop, PowerFailSavesOncePerEdgeAndTheRecordRestores) {
  Rig& r = SharedRig();
  r.RunBlocks(100);
  r.power_fail.Set(true);
  r.RunBlocks(3);
  EXPECT_EQ(r.loop.stats().power_fail_saves, 1u);
  EXPECT_EQ(r.loop.stats().save_errors, 0u);
  const auto saved = r.meter.registers().state().total.kwh_imp.milli();
  r.power_fail.Set(false);
  r.RunBlocks(1);
  r.power_fail.Set(true);
  r.loop.Poll();
  EXPECT_EQ(r.loop.stats().power_fail_saves, 2u);

  EnergyMeter rebooted;
  EnergyMeterConfig c;
  ASSERT_EQ(rebooted.Init(c, nullptr, &r.flash), Status::kOk);
  EXPECT_TRUE(rebooted.restored());
  EXPECT_GE(rebooted.registers().state().total.kwh_imp.milli(), saved);
}

TEST(MeteringLoop, LappedBlocksBecomeAGapAndTimeStillCounts) {
  Rig& r = SharedRig();
  r.RunBlocks(50);
  for (int k = 0; k < 4; ++k) r.ProduceBlock();  // the loop stalls for 4 blocks
  r.loop.Poll();
  EXPECT_EQ(r.loop.stats().lost_frames, 3 * kBlock);
  r.RunBlocks(50);
  // Time (and so the energy bridged over the gap) accounts for every frame.
  EXPECT_EQ(r.meter.now_tick(), static_cast<std::uint64_t>(r.next) * kTicksPerSample);
  EXPECT_EQ(r.meter.meter().gap_samples(), 3 * kBlock);
}

}  // namespace
}  // namespace meter
