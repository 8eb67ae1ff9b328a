#include "meter/dsp/sinc_interpolator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace meter::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;

TEST(SincInterpolator, RejectsBadCutoffs) {
  SincInterpolator s;
  EXPECT_EQ(s.Init(0.0f), Status::kInvalidArgument);
  EXPECT_EQ(s.Init(0.6f), Status::kInvalidArgument);
  EXPECT_EQ(s.Init(0.01f), Status::kOutOfRange);  // would need 800 taps
  EXPECT_EQ(s.Init(0.324f), Status::kOk);
}

// Interpolating a sinusoid at many random instants: the amplitude seen is
// Response(nu) (what the meter equalises), in passband and near cutoff.
TEST(SincInterpolator, ResponseMatchesWhatInterpolationDoes) {
  SincInterpolator s;
  ASSERT_EQ(s.Init(0.324f), Status::kOk);
  std::vector<float> taps(static_cast<std::size_t>(s.tap_count()));
  for (double nu : {0.01, 0.1, 0.2, 0.25, 0.3}) {
    // Least-squares fit of a*cos + b*sin to the interpolated values at
    // many offsets: its amplitude is the response seen by the spectrum.
    double cc = 0, ss = 0, cs = 0, yc = 0, ys = 0;
    const int points = 4096;
    for (int k = 0; k < points; ++k) {
      const double t = 200.0 + 0.6180339887 * k;
      const double base = std::floor(t);
      s.ComputeTaps(static_cast<float>(t - base), taps.data());
      double y = 0;
      for (int j = 0; j < s.tap_count(); ++j) {
        const double n = base - s.half_span() + 1 + j;
        y += taps[static_cast<std::size_t>(j)] * std::cos(2 * kPi * nu * n);
      }
      const double c = std::cos(2 * kPi * nu * t), si = std::sin(2 * kPi * nu * t);
      cc += c * c;
      ss += si * si;
      cs += c * si;
      yc += y * c;
      ys += y * si;
    }
    const double det = cc * ss - cs * cs;
    const double a = (yc * ss - ys * cs) / det, b = (ys * cc - yc * cs) / det;
    EXPECT_NEAR(std::hypot(a, b), s.Response(static_cast<float>(nu)), 2e-4) << "nu " << nu;
  }
  EXPECT_NEAR(s.Response(0.0f), 1.0f, 1e-4f);  // window's integral, equalised anyway
  EXPECT_LT(s.Response(0.49f), 0.05f);  // stopband
}

TEST(SincTables, CommittedTablesMatchTheirDefinition) {
  // sinc_tables.inc is generated (make-sinc-tables); a changed definition
  // must be followed by regenerating it.
  const SincKernelTable kernel = ComputeSincKernelTable();
  const SincResponseTable response = ComputeSincResponseTable(kernel);
  for (std::size_t k = 0; k < kernel.size(); ++k) ASSERT_EQ(kernel[k], kSincKernelTable[k]) << "kernel " << k;
  for (std::size_t k = 0; k < response.size(); ++k) ASSERT_EQ(response[k], kSincResponseTable[k]) << "response " << k;
  EXPECT_EQ(kSincKernelTable[0], 1.0f);
  EXPECT_NEAR(kSincResponseTable[0], 1.0f, 1e-3f);  // unit gain at DC
}

}  // namespace
}  // namespace meter::dsp
