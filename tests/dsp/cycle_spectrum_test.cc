#include "meter/dsp/cycle_spectrum.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <random>
#include <vector>

namespace meter::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double n_window_scale() { return 1280.0; }

// The cycle-by-cycle decomposition equals a direct N-point DFT of the whole
// window at every subgroup bin, for 10 and 12 cycles and an arbitrary signal
// (noise: every bin populated).
TEST(CycleTransform, EqualsDirectDftOfTheWindow) {
  for (int cycles : {10, 12}) {
    static CycleTransform<FloatNumeric> transform;
    ASSERT_EQ(transform.Init(cycles), Status::kOk);
    const int n = kPointsPerCycle * cycles;
    std::mt19937 rng(cycles);
    std::normal_distribution<double> noise(0.0, 1.0);
    std::vector<float> x(static_cast<std::size_t>(n));
    for (auto& v : x) v = static_cast<float>(noise(rng));

    HarmonicBins bins;
    bins.Reset();
    for (int c = 0; c < cycles; ++c) transform.AccumulateCycle(&x[static_cast<std::size_t>(c * kPointsPerCycle)], c, kMaxHarmonicOrder, 1.0f, bins);

    for (int h = 1; h <= kMaxHarmonicOrder; ++h) {
      for (int d = -1; d <= 1; ++d) {
        const int k = cycles * h + d;
        std::complex<double> ref;
        for (int m = 0; m < n; ++m) ref += static_cast<double>(x[static_cast<std::size_t>(m)]) * std::polar(1.0, -2.0 * kPi * k * m / n);
        const ComplexF got = bins.at(h, d);
        EXPECT_NEAR(got.re, ref.real(), 2e-3) << "cycles " << cycles << " h " << h << " d " << d;
        EXPECT_NEAR(got.im, ref.imag(), 2e-3) << "cycles " << cycles << " h " << h << " d " << d;
      }
    }
  }
}

TEST(CycleTransform, RejectsBadCycleCounts) {
  static CycleTransform<FloatNumeric> transform;
  EXPECT_EQ(transform.Init(0), Status::kInvalidArgument);
  EXPECT_EQ(transform.Init(kMaxCyclesPerWindow + 1), Status::kInvalidArgument);
}

// The int32 KissFFT path agrees with the float one on the same Q29 input,
// from full scale (crest factor 3) down to 1e-4 of it (0.001 In at Imax
// full scale): relative error of the strong bins below 2e-6.
TEST(CycleTransformQ31, AgreesWithFloatFromFullScaleToTenThousandthOfIt) {
  static CycleTransform<FloatNumeric> f;
  static CycleTransform<Q31Numeric> q;
  ASSERT_EQ(f.Init(10), Status::kOk);
  ASSERT_EQ(q.Init(10), Status::kOk);
  for (double level : {1.0, 0.3, 1e-2, 1e-4}) {
    std::vector<float> xf(kPointsPerCycle * 10);
    std::vector<std::int32_t> xq(xf.size());
    for (std::size_t m = 0; m < xf.size(); ++m) {
      // Fundamental plus 30 % 5th and 10 % 31st harmonic, peak = level * FS.
      const double t = 2 * kPi * static_cast<double>(m) / kPointsPerCycle;
      const double v = level * (0.72 * std::cos(t) + 0.216 * std::cos(5 * t + 1) + 0.072 * std::cos(31 * t + 2));
      xq[m] = Q31Numeric::FromFloat(static_cast<float>(v));
      xf[m] = Q31Numeric::ToFloat(xq[m]);
    }
    HarmonicBins bf, bq;
    bf.Reset();
    bq.Reset();
    for (int c = 0; c < 10; ++c) {
      f.AccumulateCycle(&xf[static_cast<std::size_t>(c * kPointsPerCycle)], c, kMaxHarmonicOrder, 1.0f, bf);
      q.AccumulateCycle(&xq[static_cast<std::size_t>(c * kPointsPerCycle)], c, kMaxHarmonicOrder, 1.0f, bq);
    }
    for (int h : {1, 5, 31}) {
      const ComplexF a = bf.at(h, 0), b = bq.at(h, 0);
      const double mag = std::hypot(a.re, a.im);
      EXPECT_NEAR(std::hypot(b.re - a.re, b.im - a.im) / mag, 0.0, 2e-6) << "level " << level << " h " << h;
    }
    // Off-harmonic bins stay at the noise floor.
    EXPECT_LT(std::hypot(bq.at(3, 0).re, bq.at(3, 0).im), 1e-6 * level * n_window_scale());
  }
}

}  // namespace
}  // namespace meter::dsp
