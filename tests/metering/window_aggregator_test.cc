// The window-aggregation stage on its own: quadratic means of rms,
// duration-weighted powers, flags, sequence and the restart after each
// aggregate.
#include "meter/metering/window_aggregator.h"

#include <gtest/gtest.h>

#include <cmath>

namespace meter {
namespace {

// A three-phase window: V and I rms per phase, P and Q per phase.
WindowResult Window(float v, float i, float p, float q, float duration_s) {
  WindowResult w;
  w.duration_s = duration_s;
  w.phase_count = 3;
  w.line_to_line_count = 3;
  for (auto& ph : w.phases) {
    ph.v_rms = v;
    ph.i_rms = i;
    ph.p_w = p;
    ph.q_var = q;
    ph.s_va = v * i;
    ph.p1_w = p;
    ph.thd_v_pct = 1.0f;
  }
  for (auto& x : w.v_ll_rms) x = v * std::sqrt(3.0f);
  w.i_n_rms = 0.5f * i;
  w.total.p_w = 3 * p;
  w.total.q_var = 3 * q;
  w.total.s_va = 3 * v * i;
  return w;
}

TEST(WindowAggregator, CompletesOnTheFifteenthWindowOnly) {
  WindowAggregator a;
  for (int k = 1; k < WindowAggregator::kWindowsPerAggregate; ++k) {
    EXPECT_FALSE(a.Add(Window(230, 5, 1000, 200, 0.2f))) << "window " << k;
    EXPECT_EQ(a.windows_in_progress(), k);
  }
  WindowResult last = Window(230, 5, 1000, 200, 0.2f);
  last.end_sample = 24000;
  last.end_frac = 0.25f;
  EXPECT_TRUE(a.Add(last));
  EXPECT_EQ(a.windows_in_progress(), 0);
  EXPECT_EQ(a.last().sequence, 0u);
  EXPECT_EQ(a.last().end_sample, 24000u);
  EXPECT_FLOAT_EQ(a.last().end_frac, 0.25f);
  EXPECT_NEAR(a.last().duration_s, 3.0f, 1e-5f);
}

TEST(WindowAggregator, RmsIsTheQuadraticMeanAndPowerTheDurationWeightedMean) {
  WindowAggregator a;
  // Seven windows at 200 V, 1 A, 100 W; eight at 240 V, 3 A, 500 W, the
  // latter lasting twice as long.
  for (int k = 0; k < 7; ++k) a.Add(Window(200, 1, 100, 10, 0.1f));
  for (int k = 0; k < 7; ++k) a.Add(Window(240, 3, 500, 50, 0.2f));
  ASSERT_TRUE(a.Add(Window(240, 3, 500, 50, 0.2f)));
  const AggregateResult& r = a.last();
  const float v = std::sqrt((7 * 200.0f * 200.0f + 8 * 240.0f * 240.0f) / 15);
  const float i = std::sqrt((7 * 1.0f + 8 * 9.0f) / 15);
  const float duration = 7 * 0.1f + 8 * 0.2f;
  const float p = (7 * 100 * 0.1f + 8 * 500 * 0.2f) / duration;
  const float q = (7 * 10 * 0.1f + 8 * 50 * 0.2f) / duration;
  const float s = (7 * 200 * 1 * 0.1f + 8 * 240 * 3 * 0.2f) / duration;
  ASSERT_EQ(r.phase_count, 3);
  for (const PhaseValues& ph : r.phases) {
    EXPECT_NEAR(ph.v_rms, v, 1e-3f);
    EXPECT_NEAR(ph.i_rms, i, 1e-5f);
    EXPECT_NEAR(ph.p_w, p, 1e-3f);
    EXPECT_NEAR(ph.q_var, q, 1e-4f);
    EXPECT_NEAR(ph.s_va, s, 1e-3f);
    EXPECT_NEAR(ph.pf, p / s, 1e-6f);
    EXPECT_TRUE(std::isnan(ph.p1_w)) << "per-harmonic figures are not aggregated";
    EXPECT_TRUE(std::isnan(ph.thd_v_pct));
  }
  EXPECT_NEAR(r.v_ll_rms[1], v * std::sqrt(3.0f), 2e-3f);
  EXPECT_NEAR(r.i_n_rms, 0.5f * i, 1e-5f);
  EXPECT_NEAR(r.total.p_w, 3 * p, 3e-3f);
  EXPECT_NEAR(r.total.pf, p / s, 1e-6f);
}

TEST(WindowAggregator, FlagsAreTheUnionAndTheNextAggregateStartsClean) {
  WindowAggregator a;
  for (int k = 0; k < WindowAggregator::kWindowsPerAggregate; ++k) {
    WindowResult w = Window(230, 5, 1000, 0, 0.2f);
    if (k == 3) w.flags = ClippedFlag(2);
    if (k == 9) w.flags = kFlagNoZeroCrossing;
    a.Add(w);
  }
  EXPECT_EQ(a.last().flags, ClippedFlag(2) | kFlagNoZeroCrossing);
  for (int k = 0; k < WindowAggregator::kWindowsPerAggregate; ++k) a.Add(Window(120, 2, 200, 0, 0.2f));
  EXPECT_EQ(a.last().sequence, 1u);
  EXPECT_EQ(a.last().flags, 0u) << "flags do not carry into the next aggregate";
  EXPECT_NEAR(a.last().phases[0].v_rms, 120.0f, 1e-3f) << "sums restart after each aggregate";
  EXPECT_NEAR(a.last().total.p_w, 600.0f, 1e-2f);
}

TEST(WindowAggregator, ZeroDurationGivesNaNPowersNotInfinity) {
  WindowAggregator a;
  for (int k = 0; k < WindowAggregator::kWindowsPerAggregate; ++k) a.Add(Window(230, 5, 1000, 0, 0.0f));
  EXPECT_TRUE(std::isnan(a.last().phases[0].p_w));
  EXPECT_TRUE(std::isnan(a.last().total.p_w));
  EXPECT_NEAR(a.last().phases[0].v_rms, 230.0f, 1e-3f) << "rms needs no duration";
}

}  // namespace
}  // namespace meter
