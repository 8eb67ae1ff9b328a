#pragma once
// Harmonic analysis, one of BasicMeter's stages: each cycle, resampled to
// dsp::kPointsPerCycle points per channel, goes into the window's subgroup
// bins (the sum of the cycles and their fold); at the window's end the bins
// become the spectral figures: Budeanu Q, P1, Q1, THD (phases and lines),
// unbalance, and the per-order spectrum the API publishes.
//
// What happens to the bins at the window's end: scaled to rms phasors, the
// resampler's response undone, each current channel's phase compensation
// applied as an exact rotation per order, and, in 3P3W, the virtual star
// point removed. Phases of the spectrum are relative to the reference
// voltage's fundamental.
//
// The resampling itself (reading the sample history) stays with the meter,
// which owns the history; it writes each cycle's points into cycle_points().

#include <array>
#include <cstddef>

#include "meter/dsp/cycle_spectrum.h"
#include "meter/dsp/numeric.h"
#include "meter/dsp/sinc_interpolator.h"
#include "meter/metering/config.h"
#include "meter/metering/harmonic_spectrum.h"
#include "meter/metering/window_result.h"
#include "meter/status.h"

namespace meter {

template <typename Numeric>
class HarmonicAnalysis {
 public:
  using Sample = typename Numeric::Sample;
  /// One cycle's points per channel: va vb vc ia ib ic.
  using CyclePoints = std::array<std::array<Sample, dsp::kPointsPerCycle>, 6>;

  /// Resets the bins and takes what the analysis needs from a configuration
  /// the meter has checked: wiring, harmonic order, rate, ratings, phase
  /// compensation. `v_unit`/`i_unit`: the primary value of one Sample unit.
  /// @returns kResourceExhausted if the FFT plans do not fit their arena.
  Status Init(const MeterConfig& config, int cycles_per_window, float v_unit, float i_unit);

  /// Where the resampler writes the cycle in progress.
  CyclePoints& cycle_points() { return cycle_points_; }
  /// Adds cycle_points() as cycle `index_in_window` of the window.
  void AccumulateCycle(int index_in_window);

  /// The highest order whose subgroup lies inside the resampler's passband
  /// at fundamental `f1_hz`.
  int UsableOrder(float f1_hz, const dsp::SincInterpolator& resampler) const;

  /// Completes `window` (its time-domain figures already in) with the
  /// spectral ones, from the cycles accumulated since the last call, and
  /// starts the next window's bins. `every_cycle_resampled` false (a cycle
  /// was lost) or no usable order above the first: the spectral figures are
  /// NaN and the window is flagged kFlagSpectrumIncomplete. THD stops at
  /// the configured order or the usable one (flagged kFlagThdOrderLimited).
  void FinishWindow(WindowResult& window, bool every_cycle_resampled, int reference_phase,
                    const dsp::SincInterpolator& resampler);

  /// The spectrum of the last window FinishWindow completed.
  const HarmonicSpectrum& spectrum() const { return spectrum_; }

 private:
  void Equalise(int usable, float f1_hz, const dsp::SincInterpolator& resampler);

  Wiring wiring_ = Wiring::k3P4W;
  int phases_ = 3;
  int line_to_line_count_ = 3;
  int cycles_per_window_ = 10;
  int max_order_ = dsp::kMaxHarmonicOrder;
  float rate_hz_ = 8000.0f;
  float nominal_hz_ = 50.0f;
  float v_unit_ = 1.0f, i_unit_ = 1.0f;
  float min_fundamental_v_ = 0, min_fundamental_i_ = 0;  // THD is NaN below these
  dsp::CycleTransform<Numeric> transform_{};
  std::array<dsp::SubgroupBins<Numeric>, 6> bins_{};  // va vb vc ia ib ic
  CyclePoints cycle_points_{};
  // Current-channel phase compensation as rotations: order 1 per phase
  // (order h turns h times as far), and the step of 1/C of an order
  // (subgroup neighbours).
  std::array<dsp::ComplexF, 3> comp_rotation_{};
  std::array<dsp::ComplexF, 3> comp_rotation_subgroup_{};
  HarmonicSpectrum spectrum_{};
};

extern template class HarmonicAnalysis<dsp::FloatNumeric>;
extern template class HarmonicAnalysis<dsp::Q31Numeric>;

}  // namespace meter
