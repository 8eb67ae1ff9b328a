#pragma once
// Band-limited interpolation of a uniformly sampled signal at arbitrary
// instants: a Kaiser-windowed sinc read from a table. The harmonic analysis
// uses it to resample every fundamental cycle to a fixed number of points
// (phase-locked sampling done in software, IEC 61000-4-7 style).
//
// The interpolator's passband is not perfectly flat near its cutoff.
// Response() gives the exact continuous response of the kernel as it is
// evaluated (table, linear interpolation between table points), so the
// spectrum can be equalised bin by bin instead of paying for a longer kernel.

#include <array>
#include <cstdint>

#include "meter/dsp/sinc_tables.h"
#include "meter/dsp/status.h"

#ifndef METER_RESAMPLER_MAX_TAPS
// The kernel at the lowest cutoff the meter uses (32 kSPS: 100 taps). A
// firmware fixed at 8 kSPS (26 taps) can set 32 and save the tap buffers.
#define METER_RESAMPLER_MAX_TAPS 128
#endif

namespace meter::dsp {

class SincInterpolator {
 public:
  static constexpr int kZeroCrossings = kSincZeroCrossings;  ///< Kernel half-width, in sinc zero crossings.
  static constexpr int kPointsPerZero = kSincPointsPerZero;  ///< Table resolution.
  static constexpr int kMaxTaps = METER_RESAMPLER_MAX_TAPS;  ///< Longest kernel, in input samples.
  static constexpr int kResponsePoints = kSincResponsePoints;  ///< Response table over r in [0, 1].

  /// @param cutoff_cycles_per_sample cutoff relative to the input rate, in (0, 0.5].
  /// @returns kInvalidArgument for a cutoff outside (0, 0.5]; kOutOfRange when
  ///          the kernel would need more than kMaxTaps taps.
  Status Init(float cutoff_cycles_per_sample);

  /// Taps on each side of the interpolation point.
  int half_span() const { return half_span_; }
  int tap_count() const { return 2 * half_span_; }
  /// Cutoff in cycles per input sample.
  float cutoff() const { return 0.5f * two_fc_; }

  /// Fills `taps[0 .. tap_count())` for the point k0 + u (u in [0, 1)); tap j
  /// multiplies the sample k0 - half_span() + 1 + j.
  void ComputeTaps(float u, float* taps) const;

  /// Magnitude response at `nu` cycles per input sample (real: the kernel is
  /// symmetric, so it has no phase).
  float Response(float nu) const;

 private:
  float Kernel(float t_samples) const;

  float two_fc_ = 0.0f;
  int half_span_ = 0;
};

}  // namespace meter::dsp
