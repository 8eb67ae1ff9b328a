#pragma once
// The numeric type of the per-sample path, chosen once by a policy type:
// FloatNumeric (single precision) or Q31Numeric (integer, bit-exact,
// deterministic, for MCUs without an FPU). Kernels are written once against
// this interface; per-cycle and per-window arithmetic is single-precision
// float in both variants (a few hundred operations per cycle).
//
// Q31Numeric scaling and overflow:
//   Sample  int32, Q29: +-1.0 = +-2^29 is the ADC's full scale, leaving two
//           guard bits so gain calibration up to 1.25, line-to-line
//           differences (2 FS) and the neutral sum (3.75 FS) cannot wrap.
//   Coef    int32, Q30: filter coefficients in [-2, 2). (The resampler's
//           taps are Q29, computed in integer arithmetic: SincInterpolator.)
//   Product int64: a Sample*Sample product (Q58; at most 2^62 for saturated
//           samples) shifted right by kProductShift = 16 to Q42, at most
//           2^46: a cycle of up to 2^12 samples sums below 2^58, and the edge
//           interpolation's difference (2^47) times a Q15 fraction stays
//           below 2^62.
//   Dot     sum of up to 128 Coef*Sample products in int64 (each below 2^61
//           only for full-scale inputs and unit taps; the taps of an
//           interpolator or filter sum to about 1), rounded back to Q29 and
//           saturated, never wrapped.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "meter/dsp/target.h"

namespace meter::dsp {

struct FloatNumeric {
  using Sample = float;
  using Coef = float;
  using Product = float;
  static constexpr const char* kName = "float";

  static Sample FromFloat(float x) { return x; }
  static float ToFloat(Sample x) { return x; }
  static Coef CoefFromFloat(float c) { return c; }
  static Product Mul(Sample a, Sample b) { return a * b; }
  /// Value of one Product unit relative to Sample units squared.
  static constexpr float kProductScale = 1.0f;
  static float ProductToFloat(Product p) { return p; }
  static Product MulFraction(Product x, float frac) { return x * frac; }
  static Product Half(Product x) { return x * 0.5f; }
  /// sum(c[k] * x[k]).
  template <typename Reader>
  static Sample Dot(const Coef* c, int n, Reader x) {
    float acc = 0.0f;
    // Short fixed lengths (5 for a biquad, 4 for Lagrange): unrolled once
    // inlined, the operands stay in registers.
#pragma GCC unroll 8
    for (int k = 0; k < n; ++k) acc += c[k] * x(k);
    return acc;
  }
  /// (x0 + x1 + x2) / 3.
  static Sample Mean3(Sample a, Sample b, Sample c) { return (a + b + c) * (1.0f / 3.0f); }
  /// Input scaling of the zero-crossing band-pass (see Q31Numeric).
  static Sample ForFilter(Sample x) { return x; }
  /// Mean of two filter-domain values (ForFilter's output).
  static Sample FilterMidpoint(Sample a, Sample b) { return 0.5f * (a + b); }
  /// A band [-limit, limit] for OutsideBand; kEverywhereOutside holds
  /// nothing (a test that must not pass, at the cost of the usual one).
  using Band = float;
  static Band BandOf(Sample limit) { return limit; }
  static constexpr Band kEverywhereOutside = -1.0f;
  /// |x| > limit; true for NaN.
  static bool OutsideBand(Sample x, Band band) { return !(std::fabs(x) <= band); }
  static Sample Sub(Sample a, Sample b) { return a - b; }
  static Sample Add3(Sample a, Sample b, Sample c) { return a + b + c; }
  static Product Widen(Sample x) { return x; }
  /// Whether a filter's output left the representable range (infinite or
  /// NaN: a full-scale float input overflowed its state).
  static bool Overflowed(Sample x) { return !std::isfinite(x); }
  /// Floating point: nothing saturates, sums round (their order matters),
  /// no block scaling.
  static constexpr bool kFixedPoint = false;
};

struct Q31Numeric {
  using Sample = std::int32_t;
  using Coef = std::int32_t;
  using Product = std::int64_t;
  static constexpr const char* kName = "q31";
  static constexpr int kSampleBits = 29;
  static constexpr int kCoefBits = 30;
  static constexpr int kProductShift = 16;

  /// To [-(2^31 - 1), 2^31 - 1]. The usual case (x fits) is tested with one
  /// 32-bit compare of the high word against the low word's sign: on a
  /// 32-bit core two 64-bit range compares cost about twice as much, and
  /// this runs per resampled point and per sample.
  static Sample Saturate(std::int64_t x) {
    constexpr std::int32_t kMax = std::numeric_limits<std::int32_t>::max();
    const auto narrow = static_cast<std::int32_t>(x);
    if (narrow == x && narrow != -kMax - 1) [[likely]]
      return narrow;
    return x > 0 ? kMax : -kMax;
  }
  /// From float in units of full scale (1.0 = 2^29).
  static Sample FromFloat(float x) {
    const double v = std::nearbyint(static_cast<double>(x) * (1 << kSampleBits));
    return Saturate(v >= 9.2e18 ? INT64_MAX : (v <= -9.2e18 ? -INT64_MAX : static_cast<std::int64_t>(v)));
  }
  static float ToFloat(Sample x) { return static_cast<float>(x) * (1.0f / static_cast<float>(1 << kSampleBits)); }
  /// Round to nearest, ties away from zero. Scaling a float by 2^30 is
  /// exact, so single precision gives the same code as double (the MCU has
  /// no double-precision hardware: this runs per resampling tap).
  static Coef CoefFromFloat(float c) {
    const float x = c * static_cast<float>(1 << kCoefBits);
    return static_cast<Coef>(x >= 0.0f ? x + 0.5f : x - 0.5f);
  }
  static Product Mul(Sample a, Sample b) { return (static_cast<std::int64_t>(a) * b) >> kProductShift; }
  /// One Product unit in full-scale-squared units: 2^(16 - 58).
  static constexpr float kProductScale = 1.0f / 4398046511104.0f;  // 2^-42
  static float ProductToFloat(Product p) { return static_cast<float>(p) * kProductScale; }
  /// x * frac, frac in [0, 1] as Q15: |x| <= 2^47 keeps the product below 2^62.
  static Product MulFraction(Product x, float frac) {
    const auto f15 = static_cast<std::int64_t>(frac * 32768.0f);
    return (x * f15) >> 15;
  }
  static Product Half(Product x) { return x / 2; }
  template <typename Reader>
  static Sample Dot(const Coef* c, int n, Reader x) {
    std::int64_t acc = 0;
#pragma GCC unroll 8
    for (int k = 0; k < n; ++k) acc += static_cast<std::int64_t>(c[k]) * x(k);
    return RoundCoefDot(acc);
  }
  /// (a b + 2^31) >> 32: the high word of the product, rounded half up.
  /// SMMULR on ARMv7E-M: one instruction, where the portable form is a
  /// 64-bit multiply, add and shift (hand_written_forms_test checks the two on the target).
  static std::int32_t MulHighRounded(std::int32_t a, std::int32_t b) {
    if constexpr (kArmSaturating) return arm::RoundedHighMultiply(a, b);
    return MulHighRoundedPortable(a, b);
  }
  static std::int32_t MulHighRoundedPortable(std::int32_t a, std::int32_t b) {
    return static_cast<std::int32_t>((static_cast<std::int64_t>(a) * b + (std::int64_t{1} << 31)) >> 32);
  }
  /// x 2^shift: a plain shift for shift >= 0, rounded half up for shift < 0
  /// (without the overflow of adding the half first). @pre the result fits.
  static std::int32_t ShiftRounded(std::int32_t x, int shift) {
    if (shift >= 0) return static_cast<std::int32_t>(static_cast<std::uint32_t>(x) << shift);
    return (x >> -shift) + ((x >> (-shift - 1)) & 1);
  }
  /// A sum of Coef * Sample products back to a Sample: rounded, saturated.
  static Sample RoundCoefDot(std::int64_t acc) { return RoundDot<kCoefBits>(acc); }
  /// A sum of products with kFractionBits fraction bits back to a Sample:
  /// rounded half up, saturated (SincInterpolator's Q29 taps use 29).
  template <int kFractionBits>
  static Sample RoundDot(std::int64_t acc) {
    return Saturate((acc + (std::int64_t{1} << (kFractionBits - 1))) >> kFractionBits);
  }
  static Sample Mean3(Sample a, Sample b, Sample c) {
    return static_cast<Sample>((static_cast<std::int64_t>(a) + b + c) / 3);
  }
  /// The band-pass runs two bits lower (Q27): its five Q30 x Q27 products
  /// then stay below 2^61 each and their sum below 2^63 even for saturated
  /// input. Crossing times do not depend on the scale.
  static Sample ForFilter(Sample x) { return x >> 2; }
  /// Mean of two filter-domain values, rounded down: ForFilter's two guard
  /// bits keep the sum inside int32.
  static Sample FilterMidpoint(Sample a, Sample b) { return (a + b) >> 1; }
  /// A band [-limit, limit] of filter-domain values (0 <= limit < 2^30) as
  /// one unsigned compare: x is outside when x + bias > span (unsigned).
  /// kEverywhereOutside: x + 2^31 is never 0 for |x| <= 2^30.
  struct Band {
    std::uint32_t bias = 0, span = 0;
  };
  static Band BandOf(Sample limit) {
    return {static_cast<std::uint32_t>(limit), static_cast<std::uint32_t>(limit) << 1};
  }
  static constexpr Band kEverywhereOutside = {0x80000000u, 0};
  static bool OutsideBand(Sample x, Band band) { return static_cast<std::uint32_t>(x) + band.bias > band.span; }
  /// Differences and sums of Q29 samples (at most 1.25 FS each) fit int32
  /// with the guard bits; computed wide and saturated all the same.
  static Sample Sub(Sample a, Sample b) {
    if constexpr (kArmSaturating) {
      // QSUB saturates to [INT32_MIN, INT32_MAX]; Saturate's range is
      // symmetric, so its one extra value moves up by one.
      const std::int32_t d = arm::SaturatingSubtract(a, b);
      return d == std::numeric_limits<std::int32_t>::min() ? d + 1 : d;
    }
    return SubPortable(a, b);
  }
  /// Sub's portable form (what the host runs; hand_written_forms_test checks Sub
  /// against it on the target).
  static Sample SubPortable(Sample a, Sample b) { return Saturate(static_cast<std::int64_t>(a) - b); }
  static Sample Add3(Sample a, Sample b, Sample c) { return Saturate(static_cast<std::int64_t>(a) + b + c); }
  static Product Widen(Sample x) { return x; }
  /// Never: integer filters saturate rather than overflow.
  static constexpr bool Overflowed(Sample) { return false; }
  /// Fixed point: Sub, Add3 and the roundings saturate at the int32 limits
  /// (a loop without saturation may run only where bounds rule it out);
  /// integer sums are exact in any order; transforms take block scaling.
  static constexpr bool kFixedPoint = true;
};

}  // namespace meter::dsp
