#include "meter/dsp/sinc_interpolator.h"

#include <cmath>

namespace meter::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kKaiserBeta = 8.0;

double BesselI0(double x) {
  // Power series; converges quickly for the arguments a Kaiser window uses.
  double sum = 1.0, term = 1.0;
  for (int k = 1; k < 50; ++k) {
    const double f = x / (2.0 * k);
    term *= f * f;
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

}  // namespace

Status SincInterpolator::Init(float cutoff_cycles_per_sample) {
  if (!(cutoff_cycles_per_sample > 0.0f) || cutoff_cycles_per_sample > 0.5f) {
    return Status::kInvalidArgument;
  }
  two_fc_ = 2.0f * cutoff_cycles_per_sample;
  const int half = static_cast<int>(std::ceil(kZeroCrossings / two_fc_));
  if (2 * half > kMaxTaps) return Status::kOutOfRange;
  half_span_ = half;

  const double i0_beta = BesselI0(kKaiserBeta);
  const int n = kZeroCrossings * kPointsPerZero;
  for (int i = 0; i <= n; ++i) {
    const double x = static_cast<double>(i) / kPointsPerZero;  // in zero crossings
    const double sinc = (i == 0) ? 1.0 : std::sin(kPi * x) / (kPi * x);
    const double ratio = x / kZeroCrossings;
    const double window = BesselI0(kKaiserBeta * std::sqrt(std::fmax(0.0, 1.0 - ratio * ratio))) / i0_beta;
    table_[static_cast<std::size_t>(i)] = static_cast<float>(sinc * window);
  }
  table_[static_cast<std::size_t>(n) + 1] = 0.0f;

  // Continuous response of the kernel as evaluated: the table's samples,
  // joined linearly. Its transform is the table's trapezoid sum times
  // sinc^2(r / kPointsPerZero) (the transform of the linear join), with r the
  // frequency in cycles per zero crossing.
  for (int k = 0; k <= kResponsePoints; ++k) {
    const double r = static_cast<double>(k) / kResponsePoints;
    double acc = 0.5 * static_cast<double>(table_[0]);
    for (int i = 1; i <= n; ++i) {
      acc += static_cast<double>(table_[static_cast<std::size_t>(i)]) * std::cos(2.0 * kPi * r * i / kPointsPerZero);
    }
    acc *= 2.0 / kPointsPerZero;
    const double a = kPi * r / kPointsPerZero;
    const double join = (a == 0.0) ? 1.0 : std::pow(std::sin(a) / a, 2.0);
    response_[static_cast<std::size_t>(k)] = static_cast<float>(acc * join);
  }
  return Status::kOk;
}

float SincInterpolator::Kernel(float t_samples) const {
  const float x = std::fabs(t_samples) * two_fc_ * static_cast<float>(kPointsPerZero);
  const int i = static_cast<int>(x);
  if (i >= kZeroCrossings * kPointsPerZero) return 0.0f;
  const float f = x - static_cast<float>(i);
  const float a = table_[static_cast<std::size_t>(i)];
  const float b = table_[static_cast<std::size_t>(i) + 1];
  return two_fc_ * (a + f * (b - a));
}

void SincInterpolator::ComputeTaps(float u, float* taps) const {
  // Tap j sits at t = u + half - 1 - j samples from the point. Walk the two
  // sides of the symmetric kernel outwards from the centre with a constant
  // table stride: no absolute value, no per-tap multiply of the position.
  const float scale = two_fc_ * static_cast<float>(kPointsPerZero);
  const int limit = kZeroCrossings * kPointsPerZero;
  const auto at = [&](float x) {
    const int i = static_cast<int>(x);
    if (i >= limit) return 0.0f;
    const float f = x - static_cast<float>(i);
    const float a = table_[static_cast<std::size_t>(i)];
    return two_fc_ * (a + f * (table_[static_cast<std::size_t>(i) + 1] - a));
  };
  // Right side (t <= 0): j = half .. 2 half - 1, x = (j + 1 - half - u) * scale.
  float x = (1.0f - u) * scale;
  for (int j = half_span_; j < 2 * half_span_; ++j, x += scale) taps[j] = at(x);
  // Left side (t > 0): j = half - 1 .. 0, x = (u + half - 1 - j) * scale.
  x = u * scale;
  for (int j = half_span_ - 1; j >= 0; --j, x += scale) taps[j] = at(x);
}

float SincInterpolator::Response(float nu) const {
  const float r = std::fabs(nu) / two_fc_;
  const float pos = r * kResponsePoints;
  const int i = static_cast<int>(pos);
  if (i >= kResponsePoints) return response_[kResponsePoints];
  const float f = pos - static_cast<float>(i);
  const float a = response_[static_cast<std::size_t>(i)];
  const float b = response_[static_cast<std::size_t>(i) + 1];
  return a + f * (b - a);
}

}  // namespace meter::dsp
