#pragma once
// Second-order IIR band-pass, direct form I, with its exact phase response.
// The zero-crossing path band-passes the reference voltage around the
// nominal frequency, so harmonics and noise cannot add crossings; the
// filter's phase at the measured frequency is known exactly and removed
// from every crossing time.

#include <cmath>
#include <type_traits>

#include "meter/dsp/numeric.h"
#include "meter/status.h"

namespace meter::dsp {

/// Direct form I on the policy's types. The numerator of the band-pass is
/// b0 (1 - z^-2) (b1 = 0, b2 = -b0), so the input's part is b0 (x - x2).
/// Q31Numeric: Q29 samples, Q30 coefficients, an int64 accumulator (three
/// products below 2^62 each for full-scale signals; the band-pass keeps |y|
/// near |x|), result saturated.
template <typename Numeric>
class Biquad {
 public:
  using Sample = typename Numeric::Sample;
  using Coef = typename Numeric::Coef;

  /// Constant-peak band-pass (RBJ cookbook form): unity gain and zero phase
  /// at `center_hz`. @returns kInvalidArgument unless 0 < center < rate/2 and q > 0.
  Status InitBandPass(float center_hz, float q, float sample_rate_hz) {
    if (!(center_hz > 0.0f) || !(sample_rate_hz > 2.0f * center_hz) || !(q > 0.0f)) return Status::kInvalidArgument;
    const double w0 =
        2.0 * 3.14159265358979323846 * static_cast<double>(center_hz) / static_cast<double>(sample_rate_hz);
    const double alpha = std::sin(w0) / (2.0 * static_cast<double>(q));
    const double a0 = 1.0 + alpha;
    b0_ = Numeric::CoefFromFloat(static_cast<float>(alpha / a0));
    a1_ = Numeric::CoefFromFloat(static_cast<float>(-2.0 * std::cos(w0) / a0));
    a2_ = Numeric::CoefFromFloat(static_cast<float>((1.0 - alpha) / a0));
    // The centre the stored (rounded) coefficients define: there the real
    // part of the denominator, (1 + a2) cos w + a1, is zero.
    const double a1 = ToDouble(a1_), a2 = ToDouble(a2_);
    const double stored_w0 = std::acos(-a1 / (1.0 + a2));
    band_centre_hz_ =
        static_cast<float>(stored_w0 * static_cast<double>(sample_rate_hz) / (2.0 * 3.14159265358979323846));
    rad_per_hz_ = static_cast<float>(2.0 * 3.14159265358979323846 / static_cast<double>(sample_rate_hz));
    one_plus_a2_ = static_cast<float>(1.0 + a2);
    one_minus_a2_ = static_cast<float>(1.0 - a2);
    Reset();
    return Status::kOk;
  }
  void Reset() { x1_ = x2_ = y1_ = y2_ = Sample{}; }
  Sample Process(Sample x) {
    // The general form's sum, b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2, to the
    // bit with the zero product left out: in float, the same sum in the same
    // order (the b1 term adds an exact zero, also as a fused multiply-add on
    // the Cortex-M4F), which puts the input three sums from y rather than
    // four on the meter's per-sample dependency chain; in Q31, x - x2 is
    // exact (the meter's filter input, Numeric::ForFilter, is below 2^29),
    // so one product less again.
    Sample y;
    if constexpr (std::is_floating_point_v<Sample>) {
      const Coef c[4] = {b0_, -b0_, -a1_, -a2_};
      const Sample v[4] = {x, x2_, y1_, y2_};
      y = Numeric::Dot(c, 4, [&](int k) { return v[k]; });
    } else {
      const Coef c[3] = {b0_, -a1_, -a2_};
      const Sample v[3] = {x - x2_, y1_, y2_};
      y = Numeric::Dot(c, 3, [&](int k) { return v[k]; });
    }
    x2_ = x1_;
    x1_ = x;
    y2_ = y1_;
    y1_ = y;
    return y;
  }
  /// Phase of the band-pass (InitBandPass) at `f_hz`, radians, for the
  /// coefficients as stored, in single precision: once per zero crossing,
  /// on MCUs without double-precision hardware. With b1 = 0 and b2 = -b0,
  ///   phase = atan2((1 + a2)(cos w - cos w0), (1 - a2) sin w),
  /// and the difference of cosines, which would cancel to a few parts in 1e4
  /// near the centre, is taken as -2 sin((w + w0)/2) sin((w - w0)/2) from
  /// f - f0 directly: about 1e-7 rad of rounding (PhaseAt is the double
  /// reference; a test holds them together).
  float BandPassPhaseAtHz(float f_hz) const {
    const float w = rad_per_hz_ * f_hz;
    const float half_sum = 0.5f * rad_per_hz_ * (f_hz + band_centre_hz_);
    const float half_diff = 0.5f * rad_per_hz_ * (f_hz - band_centre_hz_);
    const float cos_diff = -2.0f * std::sin(half_sum) * std::sin(half_diff);
    return std::atan2(one_plus_a2_ * cos_diff, one_minus_a2_ * std::sin(w));
  }

  /// Phase of the response at `omega` radians per sample, radians, for the
  /// coefficients as stored, by the general second-order formula (the test
  /// reference for BandPassPhaseAtHz). Evaluated in double: near
  /// DC the denominator cancels to a few parts in 1e4 and float would leave
  /// ~1e-3 rad of error.
  double PhaseAt(double omega) const {
    const double c1 = std::cos(omega), s1 = std::sin(omega);
    const double c2 = std::cos(2.0 * omega), s2 = std::sin(2.0 * omega);
    const double b0 = ToDouble(b0_), b1 = 0.0, b2 = -b0, a1 = ToDouble(a1_), a2 = ToDouble(a2_);
    const double num_re = b0 + b1 * c1 + b2 * c2, num_im = -(b1 * s1 + b2 * s2);
    const double den_re = 1.0 + a1 * c1 + a2 * c2, den_im = -(a1 * s1 + a2 * s2);
    return std::atan2(num_im, num_re) - std::atan2(den_im, den_re);
  }

 private:
  static double ToDouble(Coef c) {
    if constexpr (std::is_floating_point_v<Coef>) {
      return static_cast<double>(c);
    } else {
      return static_cast<double>(c) / static_cast<double>(1 << Numeric::kCoefBits);
    }
  }
  Coef b0_{}, a1_{}, a2_{};  // b1 = 0, b2 = -b0
  // For BandPassPhaseAtHz.
  float band_centre_hz_ = 0.0f, rad_per_hz_ = 0.0f, one_plus_a2_ = 0.0f, one_minus_a2_ = 0.0f;
  Sample x1_{}, x2_{}, y1_{}, y2_{};
};

}  // namespace meter::dsp
