// The harmonic-analysis stage on its own, float and Q31: cycles of known
// harmonic content go in as resampled points; the window's spectral figures
// (P1, Q1, Budeanu Q, THD, spectrum, unbalance) and its flags come out. The
// resampler is not in the path here, so each expected magnitude is the
// true one divided by the resampler's response, which the stage undoes.
#include "meter/metering/harmonic_analysis.h"

#include <gtest/gtest.h>

#include <cmath>

namespace meter {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr float kVoltsPerUnit = 500.0f;  // primary value of one Sample unit
constexpr float kAmpsPerUnit = 10.0f;

struct Tone {
  int order;
  double rms;
  double phase_deg;
};

template <typename Numeric>
class HarmonicAnalysisTest : public testing::Test {
 protected:
  using Analysis = HarmonicAnalysis<Numeric>;

  void SetUp() override {
    config_.sample_rate_hz = 8000.0;
    ASSERT_EQ(resampler_.Init(0.45f * 5760.0f / 8000.0f), Status::kOk);
  }
  void Init() { ASSERT_EQ(analysis_.Init(config_, 10, kVoltsPerUnit, kAmpsPerUnit), Status::kOk); }

  // Writes one cycle of `tones` on channel `ch` (0-2 voltages, 3-5
  // currents), each tone turned by `shift_deg` times its order.
  void WriteChannel(int ch, std::initializer_list<Tone> tones, double shift_deg) {
    const double unit = ch < 3 ? kVoltsPerUnit : kAmpsPerUnit;
    auto& points = analysis_.cycle_points()[static_cast<std::size_t>(ch)];
    for (int k = 0; k < dsp::kPointsPerCycle; ++k) {
      double x = 0;
      for (const Tone& t : tones) {
        const double angle =
            2 * kPi * t.order * k / dsp::kPointsPerCycle + (t.phase_deg + t.order * shift_deg) * kPi / 180;
        x += std::sqrt(2.0) * t.rms * std::cos(angle);
      }
      points[static_cast<std::size_t>(k)] = Numeric::FromFloat(static_cast<float>(x / unit));
    }
  }

  // A balanced 230 V / 5 A system: the current lags by 30 degrees, the
  // voltages carry a 10 % fifth at 40 degrees, the currents a 20 % third.
  void AddBalancedWindow() {
    for (int cycle = 0; cycle < 10; ++cycle) {
      for (int p = 0; p < 3; ++p) {
        WriteChannel(p, {{1, 230.0, 0.0}, {5, 23.0, 40.0}}, -120.0 * p);
        WriteChannel(3 + p, {{1, 5.0, -30.0}, {3, 1.0, 0.0}}, -120.0 * p);
      }
      analysis_.AccumulateCycle(cycle);
    }
  }

  WindowResult Window() const {
    WindowResult r;
    r.f_hz = 50.0f;
    r.phase_count = 3;
    r.has_unbalance = true;
    return r;
  }

  // The stage's gain at order h: the inverse of the resampler's response.
  float Gain(int h) const { return 1.0f / resampler_.Response(static_cast<float>(h) * 50.0f / 8000.0f); }

  MeterConfig config_{};
  static inline dsp::SincInterpolator resampler_{};
  static inline Analysis analysis_{};
};

using Numerics = testing::Types<dsp::FloatNumeric, dsp::Q31Numeric>;
TYPED_TEST_SUITE(HarmonicAnalysisTest, Numerics);

TYPED_TEST(HarmonicAnalysisTest, FundamentalPowersThdAndSpectrum) {
  this->Init();
  this->AddBalancedWindow();
  WindowResult r = this->Window();
  this->analysis_.FinishWindow(r, true, 0, this->resampler_);
  EXPECT_EQ(r.flags & (kFlagSpectrumIncomplete | kFlagThdOrderLimited), 0u);
  EXPECT_EQ(r.thd_max_order, 31);
  const float g1 = this->Gain(1);
  const float s1 = 230.0f * 5.0f * g1 * g1;
  for (int p = 0; p < 3; ++p) {
    const PhaseValues& ph = r.phases[static_cast<std::size_t>(p)];
    EXPECT_NEAR(ph.p1_w, s1 * std::cos(kPi / 6), 1e-4 * s1) << "phase " << p;
    EXPECT_NEAR(ph.q1_var, s1 * std::sin(kPi / 6), 1e-4 * s1) << "a lagging current is + Q";
    // Budeanu Q: the fundamental's only (the 5th in V and the 3rd in I
    // share no order).
    EXPECT_NEAR(ph.q_var, ph.q1_var, 1e-4 * s1);
    EXPECT_NEAR(ph.thd_v_pct, 10.0f * this->Gain(5) / g1, 1e-3f);
    EXPECT_NEAR(ph.thd_i_pct, 20.0f * this->Gain(3) / g1, 1e-3f);
  }
  EXPECT_NEAR(r.total.q_var, 3 * r.phases[0].q1_var, 3e-4 * s1);
  const HarmonicSpectrum& s = this->analysis_.spectrum();
  ASSERT_EQ(s.max_order, 31);
  EXPECT_NEAR(s.Magnitude(SpectrumChannel::kVa, 1), 230.0f * g1, 230e-5f);
  EXPECT_NEAR(s.Magnitude(SpectrumChannel::kVc, 5), 23.0f * this->Gain(5), 23e-4f);
  EXPECT_NEAR(s.Magnitude(SpectrumChannel::kVa, 7), 0.0f, 1e-3f);
  EXPECT_NEAR(s.PhaseDeg(SpectrumChannel::kVb, 1), -120.0f, 0.01f);
  EXPECT_NEAR(s.PhaseDeg(SpectrumChannel::kIa, 1), -30.0f, 0.01f);
  EXPECT_NEAR(s.PhaseDeg(SpectrumChannel::kVa, 5), 40.0f, 0.01f) << "relative to Va's fundamental";
  // L-L: sqrt(3) times L-N, 30 degrees ahead.
  EXPECT_NEAR(s.Magnitude(SpectrumChannel::kVab, 1), std::sqrt(3.0f) * 230.0f * g1, 1e-2f);
  EXPECT_NEAR(s.PhaseDeg(SpectrumChannel::kVab, 1), 30.0f, 0.01f);
  // A balanced set has no negative or zero sequence.
  EXPECT_NEAR(r.unbalance_v_pct, 0.0f, 1e-3f);
  EXPECT_NEAR(r.unbalance_i_pct, 0.0f, 1e-3f);
  EXPECT_NEAR(r.unbalance_v0_pct, 0.0f, 1e-3f);
}

TYPED_TEST(HarmonicAnalysisTest, PhaseCompensationTurnsTheCurrentOnly) {
  this->config_.phase_comp_deg = {2.0f, 0.0f, -1.0f};
  this->Init();
  this->AddBalancedWindow();
  WindowResult r = this->Window();
  this->analysis_.FinishWindow(r, true, 0, this->resampler_);
  const HarmonicSpectrum& s = this->analysis_.spectrum();
  EXPECT_NEAR(s.PhaseDeg(SpectrumChannel::kIa, 1), -28.0f, 0.01f);
  EXPECT_NEAR(s.PhaseDeg(SpectrumChannel::kIc, 1), 120.0f - 31.0f, 0.01f);
  EXPECT_NEAR(s.PhaseDeg(SpectrumChannel::kIa, 3), 6.0f, 0.02f) << "order h turns h times as far";
  EXPECT_NEAR(s.PhaseDeg(SpectrumChannel::kVa, 5), 40.0f, 0.01f) << "voltages are not turned";
  const float g1 = this->Gain(1);
  EXPECT_NEAR(r.phases[0].q1_var, 230.0f * 5.0f * g1 * g1 * std::sin(28.0 * kPi / 180), 0.1f);
}

TYPED_TEST(HarmonicAnalysisTest, ALostCycleGivesNaNAndTheNextWindowStartsClean) {
  this->Init();
  this->AddBalancedWindow();
  WindowResult lost = this->Window();
  this->analysis_.FinishWindow(lost, false, 0, this->resampler_);
  EXPECT_NE(lost.flags & kFlagSpectrumIncomplete, 0u);
  EXPECT_TRUE(std::isnan(lost.phases[1].q_var));
  EXPECT_TRUE(std::isnan(lost.phases[1].thd_v_pct));
  EXPECT_TRUE(std::isnan(lost.total.q_var));
  EXPECT_TRUE(std::isnan(lost.unbalance_v_pct));
  EXPECT_EQ(this->analysis_.spectrum().max_order, 0);

  this->AddBalancedWindow();
  WindowResult next = this->Window();
  this->analysis_.FinishWindow(next, true, 0, this->resampler_);
  EXPECT_EQ(next.flags & kFlagSpectrumIncomplete, 0u);
  EXPECT_NEAR(this->analysis_.spectrum().Magnitude(SpectrumChannel::kVa, 1), 230.0f * this->Gain(1), 230e-5f)
      << "the lost window's cycles must not add into the next one";
}

TYPED_TEST(HarmonicAnalysisTest, ThdStopsAtTheResamplersPassband) {
  this->config_.sample_rate_hz = 1600.0;
  ASSERT_EQ(this->resampler_.Init(0.45f), Status::kOk);  // 720 Hz at 1600 Hz
  this->Init();
  const int usable = this->analysis_.UsableOrder(50.0f, this->resampler_);
  EXPECT_EQ(usable, 14) << "(14 + 1/10) * 50 Hz < 720 Hz <= (15 + 1/10) * 50 Hz";
  this->AddBalancedWindow();
  WindowResult r = this->Window();
  this->analysis_.FinishWindow(r, true, 0, this->resampler_);
  EXPECT_NE(r.flags & kFlagThdOrderLimited, 0u);
  EXPECT_EQ(r.thd_max_order, usable);
  EXPECT_EQ(this->analysis_.spectrum().max_order, usable);
  EXPECT_TRUE(std::isfinite(r.phases[0].thd_v_pct));
}

TYPED_TEST(HarmonicAnalysisTest, ThreeWireRemovesTheStarPoint) {
  this->config_.wiring = Wiring::k3P3W;
  this->Init();
  // A common-mode 50 V on every voltage: the virtual star point takes it out.
  for (int cycle = 0; cycle < 10; ++cycle) {
    for (int p = 0; p < 3; ++p) {
      this->WriteChannel(p, {{1, 230.0, -120.0 * p}, {1, 50.0, 10.0}}, 0.0);
      this->WriteChannel(3 + p, {{1, 5.0, -120.0 * p}}, 0.0);
    }
    this->analysis_.AccumulateCycle(cycle);
  }
  WindowResult r = this->Window();
  this->analysis_.FinishWindow(r, true, 0, this->resampler_);
  const float g1 = this->Gain(1);
  EXPECT_NEAR(this->analysis_.spectrum().Magnitude(SpectrumChannel::kVa, 1), 230.0f * g1, 1e-2f);
  EXPECT_NEAR(r.total.q_var, 0.0f, 1e-3f * 3 * 230 * 5) << "in-phase currents: no reactive power";
}

}  // namespace
}  // namespace meter
