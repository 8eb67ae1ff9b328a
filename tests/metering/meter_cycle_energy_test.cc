// Cycle records: every cycle comes out twice, first with its time-domain
// powers (PopCycle), then with its share of its window's Budeanu Q
// (PopCycleReactive), in the same order. Expected values come from the
// signal definitions and from the meter's own window results.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "meter/metering/meter.h"
#include "support/synthetic_signal.h"

namespace meter {
namespace {

using testing::Balanced;
using testing::ThreePhaseSignal;

Meter& SharedMeter() {
  static Meter meter;  // large: keep it off the stack
  return meter;
}

struct WindowCycles {
  WindowResult window;
  std::vector<CycleEnergy> cycles;  // released with it
};

// Runs `seconds` of `signal_at(t)`; returns each window with the reactive
// records released in the same frame, and checks that the two Pop
// functions give the same records in the same order.
template <typename SignalAt>
std::vector<WindowCycles> RunCycles(Meter& m, double seconds, SignalAt signal_at) {
  std::vector<WindowCycles> out;
  std::vector<CycleEnergy> active;
  std::size_t reactive_taken = 0;
  const double fs = m.config().sample_rate_hz;
  for (long k = 0; k < static_cast<long>(seconds * fs); ++k) {
    const double t = static_cast<double>(k) / fs;
    const std::uint8_t events = m.ProcessFrame(signal_at(t).FrameAt(t));
    CycleEnergy c;
    while (m.PopCycle(c)) active.push_back(c);
    std::vector<CycleEnergy> released;
    while (m.PopCycleReactive(c)) {
      EXPECT_LT(reactive_taken, active.size());
      if (reactive_taken >= active.size()) break;
      const CycleEnergy& a = active[reactive_taken++];
      EXPECT_EQ(c.start_tick, a.start_tick);
      EXPECT_EQ(c.end_tick, a.end_tick);
      EXPECT_EQ(c.p_w, a.p_w);
      EXPECT_EQ(c.s_va, a.s_va);
      released.push_back(c);
    }
    if (events & kEventWindow) {
      out.push_back({m.LastWindow(), released});
    } else {
      EXPECT_TRUE(released.empty()) << "reactive records come out with their window, frame " << k;
    }
  }
  EXPECT_EQ(m.dropped_cycles(), 0u);
  return out;
}

// A window's cycles add up, in reactive energy, to the window's Q times
// its duration, per phase and in total; each is one of the window's cycles.
TEST(CycleRecords, CyclesShareTheirWindowsQ) {
  Meter& m = SharedMeter();
  MeterConfig cfg;
  ASSERT_EQ(m.Init(cfg), Status::kOk);
  const auto s = Balanced(50.3, 230.0, 5.0, 30.0, {{3, 0.04}, {5, 0.05}}, {{3, 0.2}, {5, 0.15}, {7, 0.1}});
  const auto windows = RunCycles(m, 3.0, [&](double) { return s; });
  ASSERT_GE(windows.size(), 13u);
  for (std::size_t w = 1; w < windows.size(); ++w) {  // the first is settling
    const WindowCycles& wc = windows[w];
    ASSERT_EQ(static_cast<int>(wc.cycles.size()), wc.window.cycles) << "window " << w;
    double ticks = 0;
    std::array<double, 3> q_energy{};
    double q_total_energy = 0;
    for (const CycleEnergy& c : wc.cycles) {
      EXPECT_FALSE(c.q_estimated);
      ticks += static_cast<double>(c.ticks());
      for (std::size_t p = 0; p < 3; ++p)
        q_energy[p] += static_cast<double>(c.q_var[p]) * static_cast<double>(c.ticks());
      q_total_energy += static_cast<double>(c.q_total_var) * static_cast<double>(c.ticks());
    }
    const double window_ticks = wc.window.duration_s * cfg.sample_rate_hz * kTicksPerSample;
    EXPECT_NEAR(ticks, window_ticks, 1.0) << "window " << w;  // the same cycles (ticks are rounded)
    for (std::size_t p = 0; p < 3; ++p) {
      EXPECT_NEAR(q_energy[p] / ticks, wc.window.phases[p].q_var, 1e-5 * wc.window.phases[p].s_va) << "window " << w;
    }
    EXPECT_NEAR(q_total_energy / ticks, wc.window.total.q_var, 1e-5 * wc.window.total.s_va) << "window " << w;
  }
}

// Load steps inside a window. The window's Q (DFT bins, linear in time)
// is shared among its cycles in proportion to their S.
// - A step on a cycle boundary leaves every cycle steady in itself: each
//   carries its own true Q, within 0.2 % (the sampled step's edge interval
//   and the current's interpolation raise the S of the cycle before it by
//   0.5 %, which the shares of that window feel), so the load change is
//   resolved to the cycle.
// - A step inside a cycle makes that cycle's rms exceed its mean current,
//   so the window's cycles are off by a few percent. Their sum differs from
//   the time mean of V I(t) sin(phi) by at most the step's double-frequency
//   term, 3 V dI / (2 omega) joules, whatever the method.
// Either way a sampled step's instant is known to a sample: the window's
// energy is checked to one sample of the step's reactive power.
struct LoadStep {
  double at_s;
  bool on_cycle_boundary;
};
class CycleRecordsStep : public ::testing::TestWithParam<LoadStep> {};

TEST_P(CycleRecordsStep, ReactiveEnergyFollowsALoadStepInsideAWindow) {
  Meter& m = SharedMeter();
  MeterConfig cfg;
  ASSERT_EQ(m.Init(cfg), Status::kOk);
  const double f = 50.0, phi = 36.87, v = 230.0, i_light = 2.0, i_heavy = 8.0;
  const auto light = Balanced(f, v, i_light, phi);
  const auto heavy = Balanced(f, v, i_heavy, phi);
  const double step_s = GetParam().at_s;
  const auto windows = RunCycles(m, 2.5, [&](double t) { return t < step_s ? light : heavy; });
  ASSERT_GE(windows.size(), 10u);
  const double sin_phi = std::sin(phi * testing::kPi / 180.0);
  const double ticks_per_s = cfg.sample_rate_hz * kTicksPerSample;
  // Halfway between the last light and the first heavy sample.
  const double sampled_step_s = (std::ceil(step_s * cfg.sample_rate_hz) - 0.5) / cfg.sample_rate_hz;
  const double one_sample = 3.0 * v * (i_heavy - i_light) * sin_phi / cfg.sample_rate_hz;
  const double step_term = 3.0 * v * (i_heavy - i_light) / (2.0 * 2.0 * testing::kPi * f);
  int step_windows = 0;
  for (std::size_t w = 1; w < windows.size(); ++w) {
    const WindowCycles& wc = windows[w];
    const double start_s = static_cast<double>(wc.cycles.front().start_tick) / ticks_per_s;
    const double end_s = static_cast<double>(wc.cycles.back().end_tick) / ticks_per_s;
    const bool steady = end_s <= step_s || start_s >= step_s;
    const double cycle_tolerance = steady ? 1e-5 : GetParam().on_cycle_boundary ? 2e-3 : 0.03;
    double q_energy = 0;
    for (const CycleEnergy& c : wc.cycles) {
      for (std::size_t p = 0; p < 3; ++p) {
        q_energy += static_cast<double>(c.q_var[p]) * static_cast<double>(c.ticks()) / ticks_per_s;
        const double expected = sin_phi * static_cast<double>(c.s_va[p]);
        EXPECT_NEAR(c.q_var[p], expected, cycle_tolerance * c.s_va[p]) << "window " << w << " phase " << p;
      }
    }
    const double light_s = std::fmax(0.0, std::fmin(end_s, sampled_step_s) - start_s);
    const double heavy_s = std::fmax(0.0, end_s - std::fmax(start_s, sampled_step_s));
    const double true_energy = 3.0 * v * sin_phi * (i_light * light_s + i_heavy * heavy_s);
    const double energy_tolerance =
        steady ? 1e-5 * true_energy : one_sample + (GetParam().on_cycle_boundary ? 0.0 : step_term);
    EXPECT_NEAR(q_energy, true_energy, energy_tolerance) << "window " << w;
    if (!steady) ++step_windows;
  }
  EXPECT_EQ(step_windows, 1);
}

// Phase A's voltage rises through zero at 50 t = k - 100/360 (the signal's
// 10-degree offset): k = 56 is inside the sixth window.
INSTANTIATE_TEST_SUITE_P(Steps, CycleRecordsStep,
                         ::testing::Values(LoadStep{56.0 / 50.0 - 100.0 / 360.0 / 50.0, true},
                                           LoadStep{1.1234, false}));

// At every accepted rate, from recordings at 100 samples/s to 32 kSPS, no
// record is dropped, every record comes out of both Pop functions, and the
// reactive records cover the same time as the active ones once flushed.
TEST(CycleRecords, NoRecordIsLostAtAnyAcceptedRate) {
  Meter& m = SharedMeter();
  const auto s = Balanced(50.0, 230.0, 5.0, 30.0, {{3, 0.04}}, {{3, 0.2}});
  for (float rate : {100.0f, 400.0f, 1000.0f, 4000.0f, 8000.0f, 32000.0f}) {
    SCOPED_TRACE(::testing::Message() << rate << " samples/s");
    MeterConfig cfg;
    cfg.sample_rate_hz = rate;
    ASSERT_EQ(m.Init(cfg), Status::kOk);
    std::uint64_t active_ticks = 0, reactive_ticks = 0, active_records = 0, reactive_records = 0;
    CycleEnergy c;
    const auto drain = [&] {
      while (m.PopCycle(c)) {
        active_ticks += c.ticks();
        ++active_records;
      }
      while (m.PopCycleReactive(c)) {
        reactive_ticks += c.ticks();
        ++reactive_records;
      }
    };
    for (long k = 0; k < static_cast<long>(3.1 * rate); ++k) {  // ends inside a window
      m.ProcessFrame(s.FrameAt(static_cast<double>(k) / rate));
      drain();
    }
    EXPECT_LT(reactive_records, active_records);  // the last window's wait
    m.ReleaseWaitingCycles();
    drain();
    EXPECT_EQ(m.dropped_cycles(), 0u);
    EXPECT_GE(active_records, 150u);  // 3.1 s of 50 Hz, less the processing delay
    EXPECT_EQ(reactive_records, active_records);
    EXPECT_EQ(reactive_ticks, active_ticks);
  }
}

}  // namespace
}  // namespace meter
