// The cycle-energy queue stage on its own: order, the window's Q shared by
// S, the estimate without a spectrum, capacity, and the 3P3W total.
#include "meter/metering/cycle_energy_queue.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>

namespace meter {
namespace {

// A three-phase cycle of `ticks` ending at `end_tick` with S per phase.
CycleEnergy Cycle(std::uint64_t end_tick, std::uint64_t ticks, float s_a, float s_b, float s_c) {
  CycleEnergy c;
  c.end_tick = end_tick;
  c.start_tick = end_tick - ticks;
  c.phase_count = 3;
  c.s_va = {s_a, s_b, s_c};
  c.s_total_va = s_a + s_b + s_c;
  c.p_w = {s_a * 0.8f, s_b * 0.8f, s_c * 0.8f};
  c.p_total_w = 0.8f * c.s_total_va;
  return c;
}

WindowResult WindowWithQ(float q_a, float q_b, float q_c) {
  WindowResult w;
  w.phases[0].q_var = q_a;
  w.phases[1].q_var = q_b;
  w.phases[2].q_var = q_c;
  w.total.q_var = q_a + q_b + q_c;
  return w;
}

TEST(CycleEnergyQueue, ActiveFirstThenReactiveInOrder) {
  CycleEnergyQueue q;
  std::array<float, 3> last_q_over_s{};
  ASSERT_TRUE(q.Hold(Cycle(2560, 2560, 100, 100, 100)));
  ASSERT_TRUE(q.Hold(Cycle(5120, 2560, 200, 200, 200)));
  CycleEnergy out;
  EXPECT_FALSE(q.PopReactive(out)) << "nothing released, nothing taken yet";
  ASSERT_TRUE(q.PopActive(out));
  EXPECT_EQ(out.end_tick, 2560u);
  ASSERT_TRUE(q.PopActive(out));
  EXPECT_EQ(out.end_tick, 5120u);
  EXPECT_FALSE(q.PopActive(out));
  EXPECT_FALSE(q.PopReactive(out)) << "taken, but their Q is not known yet";
  const WindowResult w = WindowWithQ(60, 60, 60);
  EXPECT_EQ(q.Release(&w, 5120, 3, false, last_q_over_s), 2);
  ASSERT_TRUE(q.PopReactive(out));
  EXPECT_EQ(out.end_tick, 2560u);
  ASSERT_TRUE(q.PopReactive(out));
  EXPECT_EQ(out.end_tick, 5120u);
  EXPECT_FALSE(q.PopReactive(out));
}

TEST(CycleEnergyQueue, WindowQIsSharedInProportionToSAndAddsUp) {
  CycleEnergyQueue q;
  std::array<float, 3> last_q_over_s{};
  // Cycles of different lengths and loads: the reactive energy of the
  // released cycles must be the window's Q times their duration.
  const std::uint64_t lengths[] = {2550, 2570, 2560, 2565};
  const float loads[] = {100, 300, 200, 50};
  std::uint64_t end = 0, total_ticks = 0;
  for (int k = 0; k < 4; ++k) {
    end += lengths[k];
    total_ticks += lengths[k];
    ASSERT_TRUE(q.Hold(Cycle(end, lengths[k], loads[k], 2 * loads[k], 0)));
  }
  ASSERT_TRUE(q.Hold(Cycle(end + 2560, 2560, 999, 999, 999))) << "the next window's cycle";
  const WindowResult w = WindowWithQ(50, -80, 0);
  EXPECT_EQ(q.Release(&w, end, 3, false, last_q_over_s), 4) << "the fifth ends after the window";
  CycleEnergy out;
  double energy_a = 0, energy_b = 0;
  for (int k = 0; k < 5; ++k) ASSERT_TRUE(q.PopActive(out));
  for (int k = 0; k < 4; ++k) {
    ASSERT_TRUE(q.PopReactive(out));
    EXPECT_FALSE(out.q_estimated);
    // Phase b carries twice phase a's S: its mean S is twice as large, so
    // its Q/S is (-80 / 2) / 50 of phase a's.
    EXPECT_NEAR(out.q_var[0] / out.s_va[0], out.q_var[1] / out.s_va[1] * (50.0f / -40.0f), 1e-6f)
        << "each phase's Q follows its own S";
    EXPECT_FLOAT_EQ(out.q_total_var, out.q_var[0] + out.q_var[1] + out.q_var[2]);
    energy_a += static_cast<double>(out.q_var[0]) * static_cast<double>(out.ticks());
    energy_b += static_cast<double>(out.q_var[1]) * static_cast<double>(out.ticks());
  }
  EXPECT_NEAR(energy_a, 50.0 * static_cast<double>(total_ticks), 1e-5 * 50.0 * static_cast<double>(total_ticks));
  EXPECT_NEAR(energy_b, -80.0 * static_cast<double>(total_ticks), 1e-5 * 80.0 * static_cast<double>(total_ticks));
  EXPECT_FALSE(q.PopReactive(out)) << "the next window's cycle still waits";
}

TEST(CycleEnergyQueue, WithoutASpectrumTheLastQOverSIsUsedAndMarked) {
  CycleEnergyQueue q;
  std::array<float, 3> last_q_over_s{};
  ASSERT_TRUE(q.Hold(Cycle(2560, 2560, 100, 100, 100)));
  const WindowResult w = WindowWithQ(25, 50, -25);  // Q/S = 0.25, 0.5, -0.25
  ASSERT_EQ(q.Release(&w, 2560, 3, false, last_q_over_s), 1);
  ASSERT_TRUE(q.Hold(Cycle(5120, 2560, 40, 40, 40)));
  WindowResult no_spectrum = WindowWithQ(0, 0, 0);
  no_spectrum.total.q_var = std::numeric_limits<float>::quiet_NaN();
  ASSERT_EQ(q.Release(&no_spectrum, 5120, 3, false, last_q_over_s), 1);
  CycleEnergy out;
  ASSERT_TRUE(q.PopActive(out));
  ASSERT_TRUE(q.PopActive(out));
  ASSERT_TRUE(q.PopReactive(out));
  EXPECT_FALSE(out.q_estimated);
  ASSERT_TRUE(q.PopReactive(out));
  EXPECT_TRUE(out.q_estimated);
  EXPECT_FLOAT_EQ(out.q_var[0], 10.0f);
  EXPECT_FLOAT_EQ(out.q_var[1], 20.0f);
  EXPECT_FLOAT_EQ(out.q_var[2], -10.0f);
  // A flush (no window at all) does the same.
  ASSERT_TRUE(q.Hold(Cycle(7680, 2560, 4, 4, 4)));
  EXPECT_EQ(q.Release(nullptr, UINT64_MAX, 3, false, last_q_over_s), 1);
  ASSERT_TRUE(q.PopActive(out));
  ASSERT_TRUE(q.PopReactive(out));
  EXPECT_TRUE(out.q_estimated);
  EXPECT_FLOAT_EQ(out.q_var[1], 2.0f);
}

TEST(CycleEnergyQueue, AFullQueueDropsAndCountsNeverBlocks) {
  CycleEnergyQueue q;
  for (int k = 0; k < CycleEnergyQueue::kCapacity; ++k) {
    ASSERT_TRUE(q.Hold(Cycle(2560u * (k + 1), 2560, 1, 1, 1)));
  }
  EXPECT_FALSE(q.Hold(Cycle(2560u * 17, 2560, 1, 1, 1)));
  EXPECT_FALSE(q.Hold(Cycle(2560u * 18, 2560, 1, 1, 1)));
  EXPECT_EQ(q.dropped(), 2u);
  CycleEnergy out;
  int active = 0;
  while (q.PopActive(out)) ++active;
  EXPECT_EQ(active, CycleEnergyQueue::kCapacity);
}

TEST(CycleEnergyQueue, ThreeWireTotalComesFromTheWindowsTotal) {
  CycleEnergyQueue q;
  std::array<float, 3> last_q_over_s{};
  CycleEnergy c = Cycle(2560, 2560, 100, 0, 100);
  c.s_total_va = 150;  // 3P3W: the system S is not the artificial phases' sum
  ASSERT_TRUE(q.Hold(c));
  WindowResult w = WindowWithQ(40, 0, 40);
  w.total.q_var = 30;  // the two-wattmeter total
  ASSERT_EQ(q.Release(&w, 2560, 3, true, last_q_over_s), 1);
  CycleEnergy out;
  ASSERT_TRUE(q.PopActive(out));
  ASSERT_TRUE(q.PopReactive(out));
  EXPECT_FLOAT_EQ(out.q_total_var, 30.0f);
  EXPECT_FLOAT_EQ(out.q_var[0], 40.0f);
}

}  // namespace
}  // namespace meter
