#pragma once
// Cycle resampling, one of BasicMeter's stages: a cycle of the sample
// history, from one boundary to the next (fractional positions), read as
// dsp::kPointsPerCycle equally spaced points per channel with the windowed
// sinc interpolator, less the DC shifts. What the harmonic analysis
// transforms.
//
// Every point takes the interpolator's contiguous loop: a point's window
// that wraps around the end of the history's storage is first copied into
// one piece. The Cortex-M4F takes runs of points at once (the grid loop);
// an x86 host with AVX2 copies the cycle channel-major first. Each form
// gives the portable loop's values (hand_written_forms_test).

#include <array>
#include <cstddef>
#include <cstdint>

#include "meter/dsp/numeric.h"
#include "meter/dsp/ring_buffer.h"
#include "meter/dsp/sinc_interpolator.h"
#include "meter/metering/harmonic_analysis.h"
#include "meter/metering/sample_position.h"
#include "meter/status.h"

#ifndef METER_HISTORY_SAMPLES
// One cycle at 36 Hz (the slowest cycle accepted) plus the resampling kernel
// and the processing delay at 32 kHz. Firmware fixed at 8 kHz can set 256:
// every in-range cycle (45-65 Hz) and cycles down to about 38 Hz keep their
// spectrum (the meter's Init checks the in-range bound).
#define METER_HISTORY_SAMPLES 2048
#endif

namespace meter {

namespace detail {
/// Copies `count` frames of six words (Cortex-M4F: one block load and one
/// block store a frame; GCC copies word by word, or calls newlib-nano's
/// memcpy). In cycle_resampler_arm.cc; only where dsp::kArmBlockLoads.
void CopySixWordFramesArm(const void* from, std::size_t count, void* to);
}  // namespace detail

template <typename Numeric>
class CycleResampler {
 public:
  using Sample = typename Numeric::Sample;
  /// One conditioned frame: va vb vc ia ib ic.
  using Frame = std::array<Sample, 6>;
  static constexpr std::size_t kHistory = METER_HISTORY_SAMPLES;
  using History = dsp::SampleHistory<Frame, kHistory>;
  /// One cycle's points per channel: what the harmonic analysis takes.
  using CyclePoints = typename HarmonicAnalysis<Numeric>::CyclePoints;

  /// @returns the interpolator's status for `cutoff` (cycles per sample).
  Status Init(float cutoff_cycles_per_sample) { return interpolator_.Init(cutoff_cycles_per_sample); }
  const dsp::SincInterpolator& interpolator() const { return interpolator_; }
  /// Samples a point's window reaches either way.
  int half_span() const { return interpolator_.half_span(); }

  /// Resamples the cycle from `start` to `end` of `history` into `out`,
  /// less `dc`. `dc_in_sums` (Q31): nothing can saturate, so the DC shifts
  /// go into the sums' start. The history must hold the cycle with
  /// half_span() samples either side. @returns false when a point could
  /// not be computed (cannot happen with a sane history; the window then
  /// goes without a spectrum).
  bool Resample(const History& history, const SamplePosition& start, const SamplePosition& end, const Frame& dc,
                bool dc_in_sums, CyclePoints& out) const;

 private:
  // Frames of a resampled point's window that wraps around the history's
  // end, copied into one piece (stack): a kernel up to this long; a longer
  // one reads a wrapped window sample by sample.
  static constexpr std::size_t kWrapScratchFrames =
      kHistory / 8 < static_cast<std::size_t>(dsp::SincInterpolator::kMaxTaps) ? kHistory / 8
                                                                               : dsp::SincInterpolator::kMaxTaps;
  static void CopyFrames(const Frame* from, std::size_t count, Frame* to);
  // x86 with AVX2 (dsp::kX86Avx2): the channel-major form.
  bool ResampleChannelMajor(const History& history, const SamplePosition& start, const SamplePosition& end, float step,
                            const Frame& dc, CyclePoints& out) const;

  dsp::SincInterpolator interpolator_{};
};

extern template class CycleResampler<dsp::FloatNumeric>;
extern template class CycleResampler<dsp::Q31Numeric>;

}  // namespace meter
