// The Fortescue transform against its definition in double precision, and
// the ratios' edge cases.
#include "meter/metering/symmetrical_components.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <random>

namespace meter {
namespace {

using Cd = std::complex<double>;

Cd Polar(double magnitude, double degrees) { return std::polar(magnitude, degrees * M_PI / 180.0); }

std::complex<float> ToFloat(Cd x) { return {static_cast<float>(x.real()), static_cast<float>(x.imag())}; }

TEST(SymmetricalComponents, MatchesTheDefinitionInDouble) {
  const Cd a = Polar(1.0, 120.0);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> magnitude(0.0, 400.0), angle(-180.0, 180.0);
  for (int trial = 0; trial < 1000; ++trial) {
    const Cd pa = Polar(magnitude(rng), angle(rng));
    const Cd pb = Polar(magnitude(rng), angle(rng));
    const Cd pc = Polar(magnitude(rng), angle(rng));
    const SequenceComponents got = ComputeSequenceComponents(ToFloat(pa), ToFloat(pb), ToFloat(pc));
    const Cd zero = (pa + pb + pc) / 3.0;
    const Cd positive = (pa + a * pb + a * a * pc) / 3.0;
    const Cd negative = (pa + a * a * pb + a * pc) / 3.0;
    // Float rounding of inputs of up to 400: a few ulps of the largest term.
    const double tolerance = 400.0 * 4e-7;
    EXPECT_NEAR(got.zero.real(), zero.real(), tolerance);
    EXPECT_NEAR(got.zero.imag(), zero.imag(), tolerance);
    EXPECT_NEAR(got.positive.real(), positive.real(), tolerance);
    EXPECT_NEAR(got.positive.imag(), positive.imag(), tolerance);
    EXPECT_NEAR(got.negative.real(), negative.real(), tolerance);
    EXPECT_NEAR(got.negative.imag(), negative.imag(), tolerance);
  }
}

TEST(SymmetricalComponents, BalancedSystemsHaveOneSequence) {
  // A B C at 0, -120, +120 degrees: positive sequence only.
  const SequenceComponents forward =
      ComputeSequenceComponents(ToFloat(Polar(230, 0)), ToFloat(Polar(230, -120)), ToFloat(Polar(230, 120)));
  EXPECT_NEAR(std::abs(forward.positive), 230.0f, 1e-3f);
  EXPECT_NEAR(forward.NegativeRatioPct(), 0.0f, 1e-5f);
  EXPECT_NEAR(forward.ZeroRatioPct(), 0.0f, 1e-5f);
  // Two phases swapped: negative sequence only, so u2 = 100 / 0 -> the
  // positive sequence vanishes and both ratios are undefined.
  const SequenceComponents reversed =
      ComputeSequenceComponents(ToFloat(Polar(230, 0)), ToFloat(Polar(230, 120)), ToFloat(Polar(230, -120)));
  EXPECT_NEAR(std::abs(reversed.negative), 230.0f, 1e-3f);
  EXPECT_LT(std::abs(reversed.positive), 1e-4f);
  // One phase 10 % low: u2 = u0 = 0.1 / 2.9 of the positive sequence.
  const SequenceComponents sagged =
      ComputeSequenceComponents(ToFloat(Polar(207, 0)), ToFloat(Polar(230, -120)), ToFloat(Polar(230, 120)));
  EXPECT_NEAR(sagged.NegativeRatioPct(), 100.0 * 23.0 / (3 * 230.0 - 23.0), 1e-4);
  EXPECT_NEAR(sagged.ZeroRatioPct(), 100.0 * 23.0 / (3 * 230.0 - 23.0), 1e-4);
}

TEST(SymmetricalComponents, NoPositiveSequenceGivesNaNRatios) {
  const SequenceComponents none = ComputeSequenceComponents({}, {}, {});
  EXPECT_TRUE(std::isnan(none.NegativeRatioPct()));
  EXPECT_TRUE(std::isnan(none.ZeroRatioPct()));
}

}  // namespace
}  // namespace meter
