#pragma once
// A complete metering point: the measurement pipeline, the register set
// integrated cycle by cycle (see EnergyRegisters::IntegrateActive), the pulse output of the active-import register,
// and power-fail-safe persistence. This is the object firmware instantiates
// (statically) and feeds a DMA block at a time (or frame by frame).

#include <cstdint>
#include <span>

#include "meter/hal/nv_store.h"
#include "meter/hal/pulse_output.h"
#include "meter/metering/energy_registers.h"
#include "meter/metering/meter.h"
#include "meter/metering/pulse_generator.h"
#include "meter/metering/register_store.h"
#include "meter/status.h"

namespace meter {

struct EnergyMeterConfig {
  MeterConfig meter{};
  float anti_creep_fraction = 0.0004f;  ///< See EnergyConfig.
  std::uint64_t pulse_weight_wh = 1;    ///< Wh per pulse of the kWh-import output.
  float save_period_s = 900.0f;         ///< Periodic save of the registers (0: only on power fail).
};

/// A meter set up from its ratings alone, as the tools set one up for a
/// recording or a device whose front end they do not know: primary units
/// (ratios 1), full scales for 24-bit codes from the ratings
/// (VoltageFullScaleForRating, CurrentFullScaleForRating) and the reference
/// meter's pulse weight for `in_a` as a 333 mV sensor's rated current.
EnergyMeterConfig ConfigForRatings(Wiring wiring, double sample_rate_hz, float nominal_hz, double un_v, double in_a,
                                   int max_harmonic_order);

template <typename Numeric>
class BasicEnergyMeter {
 public:
  using Input = typename BasicMeter<Numeric>::Input;

  /// Sets up every part. `pulse` and `store` may be null (no pulse output,
  /// no persistence). With a store, the newest valid record is loaded;
  /// none (a new meter) starts from zero.
  /// @returns the first failing part's status (kInvalidArgument for a bad
  /// configuration; a store error other than "no record").
  Status Init(const EnergyMeterConfig& config, hal::PulseOutput* pulse, hal::NonVolatileStore* store,
              int first_sector = 0);

  /// Processes one frame; integrates every completed cycle and drives the
  /// pulse output. @returns the meter's events.
  std::uint8_t ProcessFrame(const Input& frame) { return ProcessFrames({&frame, 1}); }
  /// ProcessFrame over a block of frames (a DMA block), with the same
  /// results, registers and pulse edges; the meter runs through the block up
  /// to each completed cycle in one call. @returns the frames' events, or-ed.
  std::uint8_t ProcessFrames(std::span<const Input> frames);
  /// `lost_frames` frames are missing before the next one (a DMA overrun):
  /// the meter flags the window and bridges the cycle's energy over the gap.
  void MarkGap(std::uint64_t lost_frames) {
    meter_.MarkGap(lost_frames);
    now_tick_ += lost_frames * kTicksPerSample;
  }
  /// From the main loop (not an interrupt): saves when the period is due.
  Status Service();
  /// The power-fail signal: save now, with the reactive energy of the cycles
  /// still waiting for their window's spectrum (FlushReactive).
  Status OnPowerFail();
  /// Integrates the reactive part of every cycle already measured, giving
  /// those still waiting for their window's spectrum the last window's Q/S:
  /// at the end of a recording. Metering goes on normally afterwards.
  void FlushReactive();

  BasicMeter<Numeric>& meter() { return meter_; }
  const BasicMeter<Numeric>& meter() const { return meter_; }
  EnergyRegisters& registers() { return registers_; }
  const EnergyRegisters& registers() const { return registers_; }
  const PulseGenerator& pulses() const { return pulses_; }
  /// True when Init found a saved record.
  bool restored() const { return restored_; }
  std::uint64_t now_tick() const { return now_tick_; }
  /// Tick of the last save attempt (periodic or power fail); a caller that
  /// sees it change knows the registers went to the store.
  std::uint64_t last_save_tick() const { return last_save_tick_; }

 private:
  void TakeCycles();

  BasicMeter<Numeric> meter_{};
  EnergyRegisters registers_{};
  PulseGenerator pulses_{};
  RegisterStore store_{};
  hal::PulseOutput* pulse_out_ = nullptr;
  bool has_store_ = false;
  bool restored_ = false;
  std::uint64_t now_tick_ = 0;
  std::uint64_t last_save_tick_ = 0;
  std::uint64_t save_period_ticks_ = 0;
  // Whether the partial counters ran for each cycle between its active and
  // its reactive step, oldest in bit 0.
  static_assert(BasicMeter<Numeric>::kCycleQueue <= 32, "one bit per queued cycle");
  std::uint32_t partial_bits_ = 0;
  int partial_bit_count_ = 0;
};

using EnergyMeter = BasicEnergyMeter<dsp::FloatNumeric>;
using EnergyMeterQ31 = BasicEnergyMeter<dsp::Q31Numeric>;
extern template class BasicEnergyMeter<dsp::FloatNumeric>;
extern template class BasicEnergyMeter<dsp::Q31Numeric>;

}  // namespace meter
