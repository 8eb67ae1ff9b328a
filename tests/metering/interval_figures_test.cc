// The time-domain figures of an interval from its integrals: DC removed
// exactly, line-to-line and neutral rms, the 3P3W two-wattmeter total, the
// cycle's powers equal to the window's, and a non-finite integral read as
// NaN rather than a number.
#include "meter/metering/interval_figures.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace meter {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kSamples = 160;  // one whole cycle

// Integrals (plain sums) of a three-phase system over one cycle: 230 V and
// 5 A rms, the current lagging by 30 degrees, DC offsets on every channel.
QuantityIntegrals Integrals(double v_dc, double i_dc) {
  QuantityIntegrals q{};
  for (int n = 0; n < kSamples; ++n) {
    double v[3], i[3];
    for (int p = 0; p < 3; ++p) {
      const double angle = 2 * kPi * n / kSamples - 2 * kPi * p / 3;
      v[p] = v_dc + 230 * std::sqrt(2.0) * std::sin(angle);
      i[p] = i_dc + 5 * std::sqrt(2.0) * std::sin(angle - kPi / 6);
      float* ip = &q[static_cast<std::size_t>(p * kPerPhase)];
      ip[kQvSum] += static_cast<float>(v[p]);
      ip[kQiSum] += static_cast<float>(i[p]);
      ip[kQicSum] += static_cast<float>(i[p]);
      ip[kQvv] += static_cast<float>(v[p] * v[p]);
      ip[kQii] += static_cast<float>(i[p] * i[p]);
      ip[kQvic] += static_cast<float>(v[p] * i[p]);
    }
    for (int l = 0; l < 3; ++l) {
      const double d = v[l] - v[(l + 1) % 3];
      q[static_cast<std::size_t>(kQLineToLine + l)] += static_cast<float>(d * d);
    }
    const double neutral = i[0] + i[1] + i[2];
    q[kQNeutral] += static_cast<float>(neutral * neutral);
    q[kQTwoWattmeter] += static_cast<float>((v[0] - v[1]) * i[0] + (v[2] - v[1]) * i[2]);
  }
  return q;
}

TEST(IntervalFigures, WindowFiguresRemoveTheDcExactly) {
  WindowResult r;
  const IntervalMeans means = FillWindowTimeDomain(Integrals(12.0, 0.4), kSamples, Wiring::k3P4W, r);
  for (int p = 0; p < 3; ++p) {
    const PhaseValues& ph = r.phases[static_cast<std::size_t>(p)];
    EXPECT_NEAR(ph.v_rms, 230.0f, 0.01f);
    EXPECT_NEAR(ph.i_rms, 5.0f, 1e-4f);
    EXPECT_NEAR(ph.p_w, 1150.0f * std::cos(kPi / 6), 0.1f);
    EXPECT_FLOAT_EQ(ph.s_va, ph.v_rms * ph.i_rms);
    EXPECT_NEAR(means.v[static_cast<std::size_t>(p)], 12.0f, 1e-3f);
    EXPECT_NEAR(means.i[static_cast<std::size_t>(p)], 0.4f, 1e-4f);
  }
  EXPECT_NEAR(r.total.p_w, 3 * 1150.0f * std::cos(kPi / 6), 0.3f);
  for (float ll : r.v_ll_rms) EXPECT_NEAR(ll, 230.0f * std::sqrt(3.0f), 0.02f);
  EXPECT_NEAR(r.i_n_rms, 0.0f, 0.02f) << "balanced currents; their DC does not count";
}

TEST(IntervalFigures, ThreeWireTotalIsTheTwoWattmeterP) {
  WindowResult r;
  FillWindowTimeDomain(Integrals(-7.0, 0.2), kSamples, Wiring::k3P3W, r);
  EXPECT_NEAR(r.total.p_w, 3 * 1150.0f * std::cos(kPi / 6), 0.3f);
  EXPECT_EQ(r.i_n_rms, 0.0f) << "no neutral in 3P3W: left as it was";
}

TEST(IntervalFigures, ACyclesPowersAreTheWindowsForTheSameIntegrals) {
  for (Wiring w : {Wiring::k1P2W, Wiring::k3P3W, Wiring::k3P4W}) {
    const QuantityIntegrals q = Integrals(3.0, 0.1);
    WindowResult r;
    FillWindowTimeDomain(q, 159.7f, w, r);
    CycleEnergy c;
    FillCyclePowers(q, 159.7f, w, c);
    ASSERT_EQ(c.phase_count, PhaseCount(w));
    for (int p = 0; p < c.phase_count; ++p) {
      EXPECT_EQ(c.p_w[static_cast<std::size_t>(p)], r.phases[static_cast<std::size_t>(p)].p_w);
      EXPECT_EQ(c.s_va[static_cast<std::size_t>(p)], r.phases[static_cast<std::size_t>(p)].s_va);
    }
    EXPECT_EQ(c.p_total_w, r.total.p_w);
    EXPECT_EQ(c.s_total_va, r.total.s_va);
  }
}

TEST(IntervalFigures, ANonFiniteIntegralGivesNaNNotANumber) {
  QuantityIntegrals q = Integrals(0.0, 0.0);
  q[kQvv] = std::numeric_limits<float>::infinity();
  WindowResult r;
  FillWindowTimeDomain(q, kSamples, Wiring::k3P4W, r);
  EXPECT_TRUE(std::isnan(r.phases[0].v_rms));
  EXPECT_TRUE(std::isnan(r.phases[0].s_va));
  EXPECT_NEAR(r.phases[1].v_rms, 230.0f, 0.01f) << "the other phases stand";
}

}  // namespace
}  // namespace meter
