#include "meter/dsp/sinc_interpolator.h"

#include "meter/dsp/sinc_tables.h"

#include <cmath>

namespace meter::dsp {
Status SincInterpolator::Init(float cutoff_cycles_per_sample) {
  if (!(cutoff_cycles_per_sample > 0.0f) || cutoff_cycles_per_sample > 0.5f) {
    return Status::kInvalidArgument;
  }
  two_fc_ = 2.0f * cutoff_cycles_per_sample;
  const int half = static_cast<int>(std::ceil(kZeroCrossings / two_fc_));
  if (2 * half > kMaxTaps) return Status::kOutOfRange;
  half_span_ = half;
  return Status::kOk;
}

void SincInterpolator::ComputeTaps(float u, float* taps) const {
  // The same walk as InterpolateFrames.
  const float scale = two_fc_ * static_cast<float>(kPointsPerZero);
  float x = u * scale;
  for (int j = half_span_ - 1; j >= 0; --j, x += scale) taps[j] = two_fc_ * TableAt(x);
  x = (1.0f - u) * scale;
  for (int j = half_span_; j < 2 * half_span_; ++j, x += scale) taps[j] = two_fc_ * TableAt(x);
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
