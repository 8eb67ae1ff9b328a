#include "meter/dsp/sinc_interpolator.h"

#include "meter/dsp/sinc_tables.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace meter::dsp {
Status SincInterpolator::Init(float cutoff_cycles_per_sample) {
  if (!(cutoff_cycles_per_sample > 0.0f) || cutoff_cycles_per_sample > 0.5f) {
    return Status::kInvalidArgument;
  }
  // Whole table steps per sample, rounded down (never a higher cutoff than
  // asked for); init-time double arithmetic.
  steps_per_sample_ =
      std::max(1, static_cast<int>(std::floor(2.0 * static_cast<double>(cutoff_cycles_per_sample) * kPointsPerZero)));
  two_fc_ =
      static_cast<float>(steps_per_sample_) / static_cast<float>(kPointsPerZero);  // exact: a power-of-two divisor
  const int half = static_cast<int>(std::ceil(kZeroCrossings / two_fc_));
  if (2 * half > kMaxTaps) return Status::kOutOfRange;
  half_span_ = half;
  scale_q15_ = steps_per_sample_ << kSincPairFractionBits;
  two_fc_q31_ = static_cast<std::int32_t>(
      std::min(static_cast<std::int64_t>(steps_per_sample_) << (31 - 6), static_cast<std::int64_t>(INT32_MAX)));
  static_assert(kPointsPerZero == 64, "two_fc_q31_ shifts by 31 - log2(kPointsPerZero)");
  // Each Q29 tap is at most its kernel pair's larger value (plus the join's
  // and the product's roundings) times 2 fc. A point's left walk starts at
  // an entry e in [0, S) and its right walk at S - 1 - e (or at S - e with
  // fraction 0, the larger value of the same pair); both then step S.
  {
    constexpr auto kPairs = static_cast<int>(kSincKernelPairsQ30.size() / 2);
    const auto value = [](int e) -> std::int64_t {
      return e < kPairs ? std::abs(std::int64_t{kSincKernelPairsQ30[2 * static_cast<std::size_t>(e)]}) : 0;
    };
    const auto side = [&](int start) {
      std::int64_t sum = 0;
      for (int k = 0; k < half_span_; ++k) {
        const int e = start + k * steps_per_sample_;
        sum += (((std::max(value(e), value(e + 1)) + 1) * two_fc_q31_) >> 32) + 2;
      }
      return sum;
    };
    tap_abs_sum_bound_q29_ = 0;
    for (int start = 0; start < steps_per_sample_; ++start) {
      tap_abs_sum_bound_q29_ = std::max(tap_abs_sum_bound_q29_, side(start) + side(steps_per_sample_ - 1 - start));
    }
  }
  return Status::kOk;
}

void SincInterpolator::ComputeTaps(float u, float* taps) const {
  // The same walk as InterpolateFrames.
  const TapWalk walk = StartWalk(u);
  const float* left = &kSincKernelPairs[2 * static_cast<std::size_t>(walk.left_entry)];
  const float* right = &kSincKernelPairs[2 * static_cast<std::size_t>(walk.right_entry)];
  const auto stride = static_cast<std::size_t>(2 * steps_per_sample_);
  const int half = half_span_;
  // Upwards stores, as in ComputeCoefsQ29 (the GCC 12 defect there).
  for (int i = 0; i < half; ++i) {
    const float* l = left + static_cast<std::size_t>(half - 1 - i) * stride;
    const float* r = right + static_cast<std::size_t>(i) * stride;
    taps[i] = two_fc_ * (l[0] + walk.left_fraction * l[1]);
    taps[half + i] = two_fc_ * (r[0] + walk.right_fraction * r[1]);
  }
}

void SincInterpolator::ComputeCoefsQ29(float u, std::int32_t* coefs) const {
  // The same walk as InterpolateFrames' integer path: each side's first
  // pair and fraction, then pairs S apart at that fraction.
  const TapWalkQ15 walk = StartWalkQ15(u);
  const std::int32_t* left = &kSincKernelPairsQ30[2 * static_cast<std::size_t>(walk.left_entry)];
  const std::int32_t* right = &kSincKernelPairsQ30[2 * static_cast<std::size_t>(walk.right_entry)];
  const auto stride = static_cast<std::size_t>(2 * steps_per_sample_);
  const std::int32_t two_fc = two_fc_q31_;
  const int half = half_span_;
  // Both stores run upwards: the left side's tap k = half - 1 - i goes to
  // coefs[i]. Written as coefs[half - 1 - k] over k, GCC 12.2 on x86-64
  // (-O2, -O3) rewrote that store's address in integers (ivopts), then
  // summarised this function as storing nothing (its late mod/ref
  // analysis), and dropped the call from InterpolateFrames in this file:
  // the sums then read unset coefficients. That was the grid loop's twin
  // that "gave zero points"; docs/TOOLCHAIN.md has the 20-line case, and
  // HandWrittenForms.ResamplerGridTwinIsOnePortablePointAtATime catches it.
  for (int i = 0; i < half; ++i) {
    const auto k = static_cast<std::size_t>(half - 1 - i);
    coefs[i] = CoefQ29(left + k * stride, walk.left_fraction, two_fc);
    coefs[half + i] = CoefQ29(right + static_cast<std::size_t>(i) * stride, walk.right_fraction, two_fc);
  }
}

int SincInterpolator::InterpolateSixGridPointByPoint(const std::int32_t* frames, int length, const PointGrid& grid,
                                                     int first_point, const std::int64_t* start,
                                                     std::int32_t* out) const {
  const int span = 2 * half_span_;
  // No taps (an uninitialised interpolator), or no window fits: no point is done.
  if (half_span_ <= 0 || length < span) return first_point;
  int j = first_point;
  for (; j < grid.count; ++j) {
    // The grid loop's position (one rounding: GCC contracts it to the VFMA
    // the assembly uses) and its test of the window, unsigned, so a window
    // starting before the run is out too.
    const float rel = grid.start_frac + static_cast<float>(j) * grid.step;
    const int whole = static_cast<int>(rel);
    const std::int64_t first = grid.origin + whole - half_span_ + 1;
    if (static_cast<std::uint64_t>(first) > static_cast<std::uint64_t>(length - span)) break;
    InterpolateSixFromStarts(rel - static_cast<float>(whole), frames + 6 * first, start, out + j, kGridOutStride);
  }
  return j;
}

float SincInterpolator::CutoffWithFewerTaps(float cutoff, float max_rise) {
  // Init's steps per sample S and its taps a side, ceil(Z P / S); the
  // smallest S with one tap fewer, if the rise allows it and 2 fc <= 1.
  constexpr int kSpan = kZeroCrossings * kPointsPerZero;
  const int steps = std::max(1, static_cast<int>(std::floor(2.0 * static_cast<double>(cutoff) * kPointsPerZero)));
  const int half = (kSpan + steps - 1) / steps;
  if (half <= 1) return cutoff;
  const int fewer = (kSpan + half - 2) / (half - 1);  // ceil(Z P / (half - 1))
  const auto highest = static_cast<int>(
      std::floor(2.0 * static_cast<double>(cutoff) * (1.0 + static_cast<double>(max_rise)) * kPointsPerZero));
  if (fewer > highest || fewer > kPointsPerZero) return cutoff;
  return (static_cast<float>(fewer) + 0.5f) / (2.0f * kPointsPerZero);  // Init's floor gives `fewer`
}

float SincInterpolator::Response(float nu) const {
  const float r = std::fabs(nu) / two_fc_;
  const float pos = r * kResponsePoints;
  const int i = static_cast<int>(pos);
  if (i >= kResponsePoints) return kSincResponseTable[kResponsePoints];
  const float f = pos - static_cast<float>(i);
  const float a = kSincResponseTable[static_cast<std::size_t>(i)];
  const float b = kSincResponseTable[static_cast<std::size_t>(i) + 1];
  return a + f * (b - a);
}

}  // namespace meter::dsp