#include "meter/dsp/edge_integrator.h"

#include <gtest/gtest.h>

#include <cmath>

namespace meter::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;

// A double-precision policy (test only): the kernel's algorithm, without
// single-precision rounding in the way of the 1e-6 comparison below.
struct DoubleNumeric {
  using Product = double;
  static Product MulFraction(Product x, float frac) { return x * static_cast<double>(frac); }
  static Product Half(Product x) { return x * 0.5; }
};

// Integral of sin^2 over exactly one period whose ends fall between samples:
// the edge-interpolated trapezoid gets the period's mean to < 2e-6, where a
// whole-sample sum would be off by up to half a sample in 160 (3e-3).
TEST(EdgeIntegrator, FractionalEdgesDoNotBias) {
  for (double start : {0.0, 0.13, 0.5, 0.77, 0.999}) {
    const double period = 160.37;  // samples
    const double t0 = 10.0 + start, t1 = t0 + period;
    const auto f = [&](double n) {
      const double x = std::sin(2.0 * kPi * (n - t0) / period);
      return x * x;
    };
    EdgeIntegrator<DoubleNumeric> integ;
    const long first = static_cast<long>(std::floor(t0)) + 1;
    const long last = static_cast<long>(std::floor(t1)) + 1;
    integ.Start(f(static_cast<double>(first - 1)));
    // Open at t0 (between first-1 and first), run to t1, close there.
    integ.SplitAndAdd(f(static_cast<double>(first - 1)), f(static_cast<double>(first)),
                      static_cast<float>(t0 - std::floor(t0)));
    for (long n = first + 1; n < last; ++n) integ.Add(f(static_cast<double>(n)));
    const double integral = integ.SplitAndAdd(f(static_cast<double>(last - 1)), f(static_cast<double>(last)),
                                              static_cast<float>(t1 - std::floor(t1)));
    // The fraction is a float (as in the meter): 1e-7 of a sample of 160.
    EXPECT_NEAR(integral / period, 0.5, 3e-6) << "start " << start;
  }
}

TEST(EdgeIntegrator, IntegratesAConstantOverAnyFractionalSpan) {
  EdgeIntegrator<FloatNumeric> integ;
  integ.Start(2.0f);
  integ.SplitAndAdd(2.0f, 2.0f, 0.25f);  // opens at sample 0.25
  for (int n = 2; n < 100; ++n) integ.Add(2.0f);
  const float closed = integ.SplitAndAdd(2.0f, 2.0f, 0.6f);  // closes at 99.6
  EXPECT_NEAR(closed, 2.0f * (99.6f - 0.25f), 1e-4f);
}

}  // namespace
}  // namespace meter::dsp

namespace meter::dsp {
namespace {

// Q31: the same algorithm on int64 sums; a constant full-scale product over
// a 4096-sample span (the longest cycle) neither overflows nor loses the edges.
TEST(EdgeIntegratorQ31, FullScaleConstantOverTheLongestCycle) {
  const std::int64_t f = Q31Numeric::Mul(INT32_MAX, INT32_MAX);  // 2^46
  EdgeIntegrator<Q31Numeric> integ;
  integ.Start(f);
  integ.SplitAndAdd(f, f, 0.25f);
  for (int n = 2; n < 4096; ++n) integ.Add(f);
  const std::int64_t closed = integ.SplitAndAdd(f, f, 0.5f);
  const double expected = static_cast<double>(f) * (4095.5 - 0.25);
  EXPECT_NEAR(static_cast<double>(closed) / expected, 1.0, 1e-9);
}

}  // namespace
}  // namespace meter::dsp
