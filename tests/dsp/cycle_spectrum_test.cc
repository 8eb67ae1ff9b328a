#include "meter/dsp/cycle_spectrum.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <random>
#include <vector>

namespace meter::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;

// The cycle-by-cycle decomposition equals a direct N-point DFT of the whole
// window at every subgroup bin, for 10 and 12 cycles and an arbitrary signal
// (noise: every bin populated).
TEST(CycleTransform, EqualsDirectDftOfTheWindow) {
  for (int cycles : {10, 12}) {
    static CycleTransform transform;
    ASSERT_EQ(transform.Init(cycles), Status::kOk);
    const int n = kPointsPerCycle * cycles;
    std::mt19937 rng(cycles);
    std::normal_distribution<double> noise(0.0, 1.0);
    std::vector<float> x(static_cast<std::size_t>(n));
    for (auto& v : x) v = static_cast<float>(noise(rng));

    HarmonicBins bins;
    bins.Reset();
    for (int c = 0; c < cycles; ++c) transform.AccumulateCycle(&x[static_cast<std::size_t>(c * kPointsPerCycle)], c, kMaxHarmonicOrder, bins);

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
  static CycleTransform transform;
  EXPECT_EQ(transform.Init(0), Status::kInvalidArgument);
  EXPECT_EQ(transform.Init(kMaxCyclesPerWindow + 1), Status::kInvalidArgument);
}

}  // namespace
}  // namespace meter::dsp
