#include "meter/metering/harmonic_spectrum.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace meter {
namespace {

// The published phase code must give back the direction's angle over the
// whole circle, at any magnitude, including the axes and signed zeros, and
// rise with the angle (a caller may compare codes). Tolerance: a float in
// degrees near 180 has steps of 1.5e-5; a float atan2 at publication was
// within 2.5e-5 degrees of the exact angle here, and the code adds its own
// resolution (about 1.2e-7 rad, 0.7e-5 degrees): 4e-5 degrees (7e-7 rad).
TEST(HarmonicSpectrum, PhaseCodeGivesBackTheAngle) {
  constexpr double kPi = 3.14159265358979323846;
  float previous_code = -3.0f;
  for (int k = -179999; k <= 180000; ++k) {
    const double deg = k / 1000.0;
    for (const double magnitude : {1e-6, 1.0, 3e4}) {
      const auto re = static_cast<float>(magnitude * std::cos(deg * kPi / 180.0));
      const auto im = static_cast<float>(magnitude * std::sin(deg * kPi / 180.0));
      const float code = HarmonicSpectrum::PhaseCode(re, im);
      ASSERT_GE(code, -2.0f);
      ASSERT_LE(code, 2.0f);
      double expected = std::atan2(static_cast<double>(im), static_cast<double>(re)) * 180.0 / kPi;
      if (expected <= -180.0) expected += 360.0;
      ASSERT_NEAR(HarmonicSpectrum::DegreesFromPhaseCode(code), expected, 4e-5) << "at " << deg << " degrees";
      if (magnitude == 1.0) {
        ASSERT_GE(code, previous_code) << "at " << deg << " degrees";
        previous_code = code;
      }
    }
  }
  EXPECT_EQ(HarmonicSpectrum::DegreesFromPhaseCode(HarmonicSpectrum::PhaseCode(-1.0f, 0.0f)), 180.0f);
  EXPECT_EQ(HarmonicSpectrum::DegreesFromPhaseCode(HarmonicSpectrum::PhaseCode(-1.0f, -0.0f)), 180.0f);
  EXPECT_NEAR(HarmonicSpectrum::DegreesFromPhaseCode(HarmonicSpectrum::PhaseCode(0.0f, -2.0f)), -90.0f, 1e-5f);
  EXPECT_NEAR(HarmonicSpectrum::DegreesFromPhaseCode(HarmonicSpectrum::PhaseCode(-0.0f, 2.0f)), 90.0f, 1e-5f);
  EXPECT_EQ(HarmonicSpectrum::DegreesFromPhaseCode(HarmonicSpectrum::PhaseCode(0.0f, 0.0f)), 0.0f);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(HarmonicSpectrum::DegreesFromPhaseCode(HarmonicSpectrum::PhaseCode(nan, 1.0f))));
  EXPECT_TRUE(std::isnan(HarmonicSpectrum::DegreesFromPhaseCode(HarmonicSpectrum::PhaseCode(1.0f, nan))));
}

}  // namespace
}  // namespace meter
