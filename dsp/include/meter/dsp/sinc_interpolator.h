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
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "meter/dsp/ring_buffer.h"
#include "meter/dsp/sinc_tables.h"
#include "meter/dsp/status.h"
#include "meter/dsp/target.h"

// On the Cortex-M4F (METER_DSP_ARM_BLOCK_LOADS, target.h) the six-channel
// dot products over a contiguous run of frames, float and Q31, are
// hand-written loops that load a frame and the table pair with block loads
// (VLDM, LDRD) instead of one load per value.

namespace meter::dsp {

class SincInterpolator {
 public:
  static constexpr int kZeroCrossings = kSincZeroCrossings;  ///< Kernel half-width, in sinc zero crossings.
  static constexpr int kPointsPerZero = kSincPointsPerZero;  ///< Table resolution.
  static constexpr int kMaxTaps = 128;  ///< Longest kernel, in input samples.
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

  /// Interpolates every channel of a frame at once: out[ch] = sum over taps
  /// j of tap_j(u) * frame(j)[ch], with the taps of ComputeTaps computed on
  /// the fly (never stored) and the float channels' common factor 2 fc
  /// applied once at the end. `frame(j)` returns the frame of sample
  /// k0 - half_span() + 1 + j; Numeric's integer coefficients are the
  /// rounded ComputeTaps values (Numeric::CoefFromFloat), summed in int64
  /// and rounded once (Numeric::RoundCoefDot).
  template <typename Numeric, std::size_t kChannels, typename FrameAt>
  void InterpolateFrames(float u, FrameAt frame, typename Numeric::Sample* out) const {
    constexpr bool kFloat = std::is_floating_point_v<typename Numeric::Coef>;
#if METER_DSP_ARM_BLOCK_LOADS
    if constexpr (kChannels == 6 && kIsContiguousRun<FrameAt>) {
      static_assert(sizeof(frame(0)) == 6 * sizeof(typename Numeric::Sample), "frames must be six packed samples");
      // An uninitialised interpolator has no taps (the portable loop returns
      // zeros); the assembly loops need at least one tap a side.
      if (half_span_ > 0) {
        if constexpr (kFloat) {
          InterpolateSixFloatsBlockLoads(u, frame(half_span_).data(), out);
        } else {
          static_assert(std::is_same_v<typename Numeric::Sample, std::int32_t>);
          std::int64_t acc[6];
          InterpolateSixIntegersBlockLoads(u, Numeric::kCoefBits, frame(0).data(), acc);
          for (std::size_t ch = 0; ch < 6; ++ch) out[ch] = Numeric::RoundCoefDot(acc[ch]);
        }
        return;
      }
    }
#endif
    using Acc = std::conditional_t<kFloat, float, std::int64_t>;
    // Plain loops over a local array (no lambda holding it by reference), so
    // the accumulators stay in registers on every target.
    Acc acc[kChannels] = {};
    const float scale = two_fc_ * static_cast<float>(kPointsPerZero);
    // Left side (t > 0): j = half - 1 .. 0, x = (u + half - 1 - j) * scale;
    // right side (t <= 0): j = half .. 2 half - 1, x = (j + 1 - half - u) * scale.
    float x = u * scale;
    for (int j = half_span_ - 1; j >= 0; --j, x += scale) AddTap<Numeric>(TableAt(x), frame(j), acc);
    x = (1.0f - u) * scale;
    for (int j = half_span_; j < 2 * half_span_; ++j, x += scale) AddTap<Numeric>(TableAt(x), frame(j), acc);
    for (std::size_t ch = 0; ch < kChannels; ++ch) {
      if constexpr (kFloat) {
        out[ch] = acc[ch] * two_fc_;
      } else {
        out[ch] = Numeric::RoundCoefDot(acc[ch]);
      }
    }
  }

  /// Magnitude response at `nu` cycles per input sample (real: the kernel is
  /// symmetric, so it has no phase).
  float Response(float nu) const;

 private:
  // The kernel at table position x (>= 0) divided by 2 fc: the table read
  // at a constant stride outwards from the centre on both sides of the
  // symmetric kernel (no absolute value, no per-tap multiply of the
  // position, and no bounds test: the table extends past the support, see
  // sinc_tables.h).
  static float TableAt(float x) {
    const int i = static_cast<int>(x);
    const float f = x - static_cast<float>(i);
    const float a = kSincKernelTable[static_cast<std::size_t>(i)];
    return a + f * (kSincKernelTable[static_cast<std::size_t>(i) + 1] - a);
  }

  // acc[ch] += tap * frame[ch]; the integer variant's coefficient is the
  // rounded ComputeTaps value.
  template <typename Numeric, typename Frame, typename Acc, std::size_t kChannels>
  void AddTap(float tap, const Frame& f, Acc (&acc)[kChannels]) const {
    if constexpr (std::is_floating_point_v<typename Numeric::Coef>) {
#pragma GCC unroll 8
      for (std::size_t ch = 0; ch < kChannels; ++ch) acc[ch] += tap * f[ch];
    } else {
      const std::int64_t c = Numeric::CoefFromFloat(two_fc_ * tap);
#pragma GCC unroll 8
      for (std::size_t ch = 0; ch < kChannels; ++ch) acc[ch] += c * f[ch];
    }
  }

#if METER_DSP_ARM_BLOCK_LOADS
  // `centre` is the frame of sample k0 + 1 (index half_span() of the run).
  void InterpolateSixFloatsBlockLoads(float u, const float* centre, float* out) const;
  // The integer variant: the taps' coefficients (rounded to coef_bits, ties
  // away from zero, as Numeric::CoefFromFloat) in a first pass, then two
  // passes of three channels with 64-bit multiply-accumulates. `first` is the
  // run's first frame; acc gets the unrounded sums.
  void InterpolateSixIntegersBlockLoads(float u, int coef_bits, const std::int32_t* first, std::int64_t* acc) const;
#endif

  float two_fc_ = 0.0f;
  int half_span_ = 0;
};

}  // namespace meter::dsp
