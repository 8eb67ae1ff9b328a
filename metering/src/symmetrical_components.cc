#include "meter/metering/symmetrical_components.h"

#include <cmath>
#include <limits>

namespace meter {
namespace {

using Phasor = std::complex<float>;

// The product written out: std::complex's operator* recovers NaN operands
// through libgcc's __mulsc3, which a firmware image would link for this
// alone (the meter never hands this function a NaN it has to rescue).
Phasor Times(Phasor x, Phasor y) {
  return {x.real() * y.real() - x.imag() * y.imag(), x.real() * y.imag() + x.imag() * y.real()};
}

// a = exp(j 120 deg) and a^2 = exp(-j 120 deg), each divided by three: the
// Fortescue transform's rows, already scaled.
constexpr float kThird = 1.0f / 3.0f;
constexpr float kSin120Third = 0.86602540378f / 3.0f;
const Phasor kAThird{-0.5f * kThird, kSin120Third};
const Phasor kA2Third{-0.5f * kThird, -kSin120Third};
const Phasor kOneThird{kThird, 0.0f};

float RatioPct(Phasor num, Phasor den) {
  const float d = std::abs(den);
  if (!(d > 0.0f)) return std::numeric_limits<float>::quiet_NaN();
  return 100.0f * std::abs(num) / d;
}

}  // namespace

// Zero = (A + B + C) / 3, positive = (A + a B + a^2 C) / 3,
// negative = (A + a^2 B + a C) / 3: three fixed sums of three products. A
// linear-algebra library (Eigen, once) buys nothing for a constant 3x3
// matrix, and leaving it out keeps the core's dependencies to KissFFT.
SequenceComponents ComputeSequenceComponents(Phasor a, Phasor b, Phasor c) {
  const Phasor zero = Times(kOneThird, a) + Times(kOneThird, b) + Times(kOneThird, c);
  const Phasor positive = Times(kOneThird, a) + Times(kAThird, b) + Times(kA2Third, c);
  const Phasor negative = Times(kOneThird, a) + Times(kA2Third, b) + Times(kAThird, c);
  return {zero, positive, negative};
}

float SequenceComponents::NegativeRatioPct() const { return RatioPct(negative, positive); }
float SequenceComponents::ZeroRatioPct() const { return RatioPct(zero, positive); }

}  // namespace meter
