#include "meter/metering/symmetrical_components.h"

#include <Eigen/Core>
#include <cmath>
#include <limits>

namespace meter {
namespace {

using Matrix3c = Eigen::Matrix<std::complex<float>, 3, 3>;
using Vector3c = Eigen::Matrix<std::complex<float>, 3, 1>;

// The Fortescue transform with a = exp(j 120 deg), built once.
const Matrix3c& FortescueMatrix() {
  static const Matrix3c matrix = [] {
    const std::complex<float> a(-0.5f, 0.86602540378f);
    const std::complex<float> a2 = std::conj(a);
    const std::complex<float> one(1.0f, 0.0f);
    Matrix3c m;
    m << one, one, one,
         one, a, a2,
         one, a2, a;
    return Matrix3c(m / 3.0f);
  }();
  return matrix;
}

float RatioPct(std::complex<float> num, std::complex<float> den) {
  const float d = std::abs(den);
  if (!(d > 0.0f)) return std::numeric_limits<float>::quiet_NaN();
  return 100.0f * std::abs(num) / d;
}

}  // namespace

SequenceComponents ComputeSequenceComponents(std::complex<float> a, std::complex<float> b,
                                             std::complex<float> c) {
  Vector3c phases;
  phases << a, b, c;
  const Vector3c seq = FortescueMatrix() * phases;
  return {seq(0), seq(1), seq(2)};
}

float SequenceComponents::NegativeRatioPct() const { return RatioPct(negative, positive); }
float SequenceComponents::ZeroRatioPct() const { return RatioPct(zero, positive); }

}  // namespace meter
