#include "meter/dsp/zero_crossing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "meter/dsp/biquad.h"

namespace meter::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;

TEST(ZeroCrossingDetector, InterpolatesAndIgnoresNoiseNearZero) {
  ZeroCrossingDetector<float> zc;
  zc.SetHysteresis(0.1f);
  float frac = 0;
  EXPECT_FALSE(zc.Process(0.05f, frac));  // not armed yet
  EXPECT_FALSE(zc.Process(-0.2f, frac));  // arms
  EXPECT_TRUE(zc.Process(0.6f, frac));
  EXPECT_NEAR(frac, 0.25f, 1e-6f);
  // Chatter around zero without going below -hysteresis: no new crossing.
  EXPECT_FALSE(zc.Process(-0.05f, frac));
  EXPECT_FALSE(zc.Process(0.05f, frac));
}

// The band-pass has unity gain and zero phase at its centre; PhaseAt()
// matches what the filter does to a sinusoid off centre.
template <typename Numeric>
class BiquadTest : public ::testing::Test {};
using Policies = ::testing::Types<FloatNumeric, Q31Numeric>;
TYPED_TEST_SUITE(BiquadTest, Policies);

TYPED_TEST(BiquadTest, BandPassPhaseMatchesTheFilter) {
  using N = TypeParam;
  Biquad<N> bp;
  ASSERT_EQ(bp.InitBandPass(50.0f, 1.0f, 8000.0f), Status::kOk);
  EXPECT_NEAR(bp.PhaseAt(2 * kPi * 50.0 / 8000.0), 0.0, 1e-4);  // quantised coefficients move the centre slightly
  const double f = 45.0, w = 2 * kPi * f / 8000.0;
  double re = 0, im = 0;
  for (int n = 0; n < 64000; ++n) {
    const float y = N::ToFloat(bp.Process(N::ForFilter(N::FromFloat(static_cast<float>(0.9 * std::cos(w * n))))));
    if (n >= 32000) {
      re += y * std::cos(w * n);
      im += y * std::sin(w * n);
    }
  }
  EXPECT_NEAR(std::atan2(-im, re), bp.PhaseAt(w), 1e-4);
  EXPECT_EQ(bp.InitBandPass(5000.0f, 1.0f, 8000.0f), Status::kInvalidArgument);
}

// The single-precision band-pass phase (once per crossing on the MCU) equals
// the double-precision reference over every frequency the meter reads, at
// the slowest and fastest rates: 1e-6 rad is 1e-6 / (2 pi 50 / 32000) =
// 1e-4 sample of crossing time at 32 kSPS, 2.5e-5 at 8 kSPS.
TYPED_TEST(BiquadTest, SinglePrecisionBandPassPhaseMatchesTheDoubleOne) {
  using N = TypeParam;
  for (float rate : {4000.0f, 8000.0f, 32000.0f}) {
    for (float centre : {50.0f, 60.0f}) {
      Biquad<N> bp;
      ASSERT_EQ(bp.InitBandPass(centre, 1.0f, rate), Status::kOk);
      double worst = 0.0;
      for (float f = 15.0f; f <= 100.0f; f += 0.01f) {
        const double reference = bp.PhaseAt(2 * kPi * static_cast<double>(f) / static_cast<double>(rate));
        worst = std::fmax(worst, std::fabs(static_cast<double>(bp.BandPassPhaseAtHz(f)) - reference));
      }
      EXPECT_LT(worst, 1e-6) << "rate " << rate << " centre " << centre;
    }
  }
}

// The band-pass's shortened sum is the general direct form I's, b0 x + b1 x1
// + b2 x2 - a1 y1 - a2 y2 summed in that order (b1 = 0, b2 = -b0), to the
// bit: float and Q31, over a signal with harmonics and full-scale peaks.
TYPED_TEST(BiquadTest, ProcessIsTheGeneralDirectFormToTheBit) {
  using N = TypeParam;
  using Sample = typename N::Sample;
  using Coef = typename N::Coef;
  Biquad<N> bp;
  ASSERT_EQ(bp.InitBandPass(50.0f, 1.0f, 8000.0f), Status::kOk);
  // InitBandPass's coefficients, as it computes them.
  const double w0 = 2.0 * kPi * 50.0 / 8000.0, alpha = std::sin(w0) / 2.0, a0 = 1.0 + alpha;
  const Coef b0 = N::CoefFromFloat(static_cast<float>(alpha / a0));
  const Coef a1 = N::CoefFromFloat(static_cast<float>(-2.0 * std::cos(w0) / a0));
  const Coef a2 = N::CoefFromFloat(static_cast<float>((1.0 - alpha) / a0));
  const Coef c[5] = {b0, Coef{}, static_cast<Coef>(-b0), static_cast<Coef>(-a1), static_cast<Coef>(-a2)};
  Sample x1{}, x2{}, y1{}, y2{};
  for (int n = 0; n < 16000; ++n) {
    const double t = 2.0 * kPi * 50.3 * n / 8000.0;
    const float v = static_cast<float>(0.7 * std::sin(t) + 0.2 * std::sin(3.0 * t + 0.4) + 0.1 * std::sin(31.0 * t));
    const Sample x = N::ForFilter(N::FromFloat(n % 997 == 0 ? 1.0f : v));
    const Sample in[5] = {x, x1, x2, y1, y2};
    const Sample expected = N::Dot(c, 5, [&](int k) { return in[k]; });
    const Sample y = bp.Process(x);
    ASSERT_EQ(std::memcmp(&y, &expected, sizeof(Sample)), 0) << "sample " << n;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
  }
}

}  // namespace
}  // namespace meter::dsp
