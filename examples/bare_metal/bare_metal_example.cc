// A bare-metal integration of the meter on a Cortex-M4F: the MPS2-AN386
// board as qemu-system-arm emulates it, float core.
//
// What a firmware does, in the order it does it:
//   1. a static EnergyMeter (tens of KiB: never on the stack) set up from
//      a MeterConfig; Init returns a Status, checked;
//   2. a DmaDoubleBuffer the ADC's DMA writes circularly: two halves of
//      kBlockFrames frames, the half-complete and complete interrupts
//      calling OnBlockReady;
//   3. the main loop: MeteringLoop::Poll takes every finished half, feeds
//      its frames to the meter and services the slow devices; the events it
//      returns say when a window's figures are new.
//
// This board has no ADC, so step 2's producer is emulated: the loop paces
// itself on SysTick and, every block period, writes the next block of a
// 3P4W signal (230 V, 5 A at 30 degrees lagging, 50 Hz, 8 kSPS) into the
// producer's half and calls OnBlockReady, as the DMA interrupt would. On a
// real board that code is the DMA's configuration and a two-line interrupt
// handler; nothing else changes.
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "meter/hal/cortex_m4f/systick_time_base.h"
#include "meter/meter_core.h"

namespace {

constexpr double kSampleRateHz = 8000.0;
constexpr std::size_t kBlockFrames = 80;  // 10 ms a half at 8 kSPS
constexpr int kWindowsToShow = 8;         // 1.6 s of signal at 50 Hz

using Numeric = meter::FirmwareNumeric;  // float here: linked with meter::core_float
using Loop = meter::MeteringLoop<Numeric, kBlockFrames>;

meter::FirmwareEnergyMeter g_meter;
Loop::Buffer g_dma;  // in a real firmware: the DMA channel's destination
meter::hal::cortex_m4f::SysTickTimeBase g_clock;

// The emulated converter: one block of the test signal a call.
class EmulatedAdc {
 public:
  void FillBlock(std::span<meter::SampleFrame, kBlockFrames> block) {
    constexpr float kTwoPi = 6.283185307f;
    constexpr float kVoltsPeak = 230.0f * 1.41421356f, kAmpsPeak = 5.0f * 1.41421356f;
    constexpr float kLag = kTwoPi * 30.0f / 360.0f;
    for (meter::SampleFrame& frame : block) {
      const float angle = kTwoPi * static_cast<float>(sample_ % kSamplesPerCycle) / kSamplesPerCycle;
      for (int p = 0; p < 3; ++p) {
        const float phase = angle - kTwoPi * static_cast<float>(p) / 3.0f;
        frame.v[static_cast<std::size_t>(p)] = kVoltsPeak * std::sin(phase);
        frame.i[static_cast<std::size_t>(p)] = kAmpsPeak * std::sin(phase - kLag);
      }
      ++sample_;
    }
  }

 private:
  static constexpr std::uint32_t kSamplesPerCycle = 160;  // 8000 / 50
  std::uint32_t sample_ = 0;
};

}  // namespace

#if defined(METER_PROFILE_HOOKS) && METER_PROFILE_HOOKS
// This tree's cortex-m4f preset builds the core with profiling points for
// its self-test images; a firmware that does not profile leaves them empty
// (a build without METER_PROFILE_HOOKS needs neither).
extern "C" void meter_profile_enter(int) {}
extern "C" void meter_profile_exit(int) {}
#endif

int main() {
  const meter::EnergyMeterConfig config =
      meter::ConfigForRatings(meter::Wiring::k3P4W, kSampleRateHz, 50.0f, 230.0, 5.0, 31);
  // No pulse output and no register store on this board: both may be null.
  const meter::Status status = g_meter.Init(config, nullptr, nullptr);
  if (status != meter::Status::kOk) {
    std::printf("Init: %s\n", meter::StatusName(status));
    return 1;
  }
  Loop loop(g_meter, g_dma, nullptr, nullptr);  // no digital inputs, no power-fail comparator

  EmulatedAdc adc;
  g_clock.Start();
  const std::uint64_t ticks_per_block =
      static_cast<std::uint64_t>(meter::hal::cortex_m4f::SysTickTimeBase::kCoreClockHz / kSampleRateHz) * kBlockFrames;
  std::uint64_t next_block_due = g_clock.Ticks() + ticks_per_block;

  int windows = 0;
  while (windows < kWindowsToShow) {
    // The DMA's part: a half is complete every block period.
    if (g_clock.Ticks() >= next_block_due) {
      adc.FillBlock(g_dma.half(g_dma.producer_half()));
      g_dma.OnBlockReady();
      next_block_due += ticks_per_block;
    }
    // The firmware's part.
    if ((loop.Poll() & meter::kEventWindow) == 0) continue;
    const meter::WindowResult& w = g_meter.meter().LastWindow();
    ++windows;
    // newlib-nano's printf: floats through -u _printf_float, no long long.
    std::printf("window %lu: f %.4f Hz, va_rms %.3f V, ia_rms %.4f A, P %.1f W, PF %.4f, flags 0x%lx\n",
                static_cast<unsigned long>(w.sequence), static_cast<double>(w.f_hz),
                static_cast<double>(w.phases[0].v_rms), static_cast<double>(w.phases[0].i_rms),
                static_cast<double>(w.total.p_w), static_cast<double>(w.total.pf), static_cast<unsigned long>(w.flags));
  }
  const meter::MeteringLoopStats& stats = loop.stats();
  std::printf("blocks %lu, lost frames %lu, kWh import %.6f\n", static_cast<unsigned long>(stats.blocks),
              static_cast<unsigned long>(stats.lost_frames),
              g_meter.registers().Kilo(g_meter.registers().state().total.kwh_imp));
  return stats.lost_frames == 0 ? 0 : 1;
}
