#include "meter/dsp/numeric.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace meter::dsp {
namespace {

// Saturation is symmetric, to +-(2^31 - 1): the fast path (the value fits)
// must hand over every in-range value unchanged, and everything outside,
// int32's minimum included, must land on the nearer bound.
TEST(Q31Numeric, SaturateIsSymmetricAndExactInRange) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int32_t>::max();
  for (const std::int64_t x : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, kMax, -kMax, kMax - 1,
                               std::int64_t{123456789}, std::int64_t{-987654321}}) {
    EXPECT_EQ(Q31Numeric::Saturate(x), x) << x;
  }
  for (const std::int64_t x : {kMax + 1, kMax + 2, std::int64_t{1} << 32, (std::int64_t{1} << 32) + 5,
                               std::numeric_limits<std::int64_t>::max()}) {
    EXPECT_EQ(Q31Numeric::Saturate(x), kMax) << x;
  }
  for (const std::int64_t x : {-kMax - 1, -kMax - 2, -(std::int64_t{1} << 32), -(std::int64_t{1} << 32) + 5,
                               std::numeric_limits<std::int64_t>::min()}) {
    EXPECT_EQ(Q31Numeric::Saturate(x), -kMax) << x;
  }
}

// A difference of samples saturates to the same symmetric range (the
// Cortex-M4F's QSUB form is checked against this one there: hand_written_forms_test).
TEST(Q31Numeric, SubSaturatesSymmetrically) {
  constexpr std::int32_t kMax = std::numeric_limits<std::int32_t>::max();
  constexpr std::int32_t kMin = std::numeric_limits<std::int32_t>::min();
  EXPECT_EQ(Q31Numeric::Sub(5, 3), 2);
  EXPECT_EQ(Q31Numeric::Sub(-kMax, 1), -kMax);
  EXPECT_EQ(Q31Numeric::Sub(kMin, 1), -kMax);
  EXPECT_EQ(Q31Numeric::Sub(kMin, 0), -kMax);
  EXPECT_EQ(Q31Numeric::Sub(kMax, -1), kMax);
  EXPECT_EQ(Q31Numeric::Sub(kMax, kMin), kMax);
  EXPECT_EQ(Q31Numeric::Sub(1 << 30, -(1 << 30)), kMax);
  EXPECT_EQ(Q31Numeric::Sub(kMax - 1, -1), kMax);
}

// A coefficient dot product rounds half up at 2^-30 and saturates.
TEST(Q31Numeric, RoundCoefDotRoundsAndSaturates) {
  const std::int64_t unit = std::int64_t{1} << Q31Numeric::kCoefBits;
  EXPECT_EQ(Q31Numeric::RoundCoefDot(5 * unit), 5);
  EXPECT_EQ(Q31Numeric::RoundCoefDot(5 * unit + unit / 2), 6);
  EXPECT_EQ(Q31Numeric::RoundCoefDot(5 * unit + unit / 2 - 1), 5);
  EXPECT_EQ(Q31Numeric::RoundCoefDot(-5 * unit - unit / 2), -5);
  EXPECT_EQ(Q31Numeric::RoundCoefDot(-5 * unit - unit / 2 - 1), -6);
  EXPECT_EQ(Q31Numeric::RoundCoefDot(std::numeric_limits<std::int32_t>::min() * unit),
            -std::numeric_limits<std::int32_t>::max());
  EXPECT_EQ(Q31Numeric::RoundCoefDot(std::int64_t{1} << 62), std::numeric_limits<std::int32_t>::max());
}

}  // namespace
}  // namespace meter::dsp
