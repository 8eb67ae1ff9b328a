// Pipeline behaviour beyond the main sweep: harmonic mixes, frequency,
// sample rates, calibration, DC, phase compensation, 10 s frequency,
// aggregation. Expected values come from the signal definitions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "meter/metering/meter.h"
#include "support/synthetic_signal.h"

namespace meter {
namespace {

using testing::Balanced;
using testing::Expect;
using testing::RunWindows;
using testing::ThreePhaseSignal;

Meter& SharedMeter() {
  static Meter meter;  // large: keep it off the stack
  return meter;
}

MeterConfig ConfigFor(double f_hz, float rate = 8000.0f) {
  MeterConfig cfg;
  cfg.nominal_hz = f_hz < 55.0 ? 50.0f : 60.0f;
  cfg.sample_rate_hz = rate;
  return cfg;
}

// Random mixes of orders 2..31 with random amplitudes (up to 15 % each) and
// phases, at random frequencies in 45..65 Hz: THD within 0.05 percentage
// points, each harmonic magnitude within 0.05 % of the fundamental.
TEST(MeterHarmonics, AnyMixOfOrdersTwoToThirtyOne) {
  std::mt19937 rng(20261121);
  std::uniform_real_distribution<double> freq(45.0, 65.0), amp(0.0, 0.15), phase(-180.0, 180.0);
  std::uniform_int_distribution<int> count(1, 12), order(2, 31);
  for (int trial = 0; trial < 24; ++trial) {
    const double f = freq(rng);
    ThreePhaseSignal s = Balanced(f, 230.0, 5.0, 30.0);
    const int n = count(rng);
    for (int k = 0; k < n; ++k) {
      const int h = order(rng);
      for (int p = 0; p < 3; ++p) {
        s.v[static_cast<std::size_t>(p)].components.push_back({h, amp(rng) * 230.0, phase(rng)});
        s.i[static_cast<std::size_t>(p)].components.push_back({h, amp(rng) * 5.0, phase(rng)});
      }
    }
    Meter& m = SharedMeter();
    ASSERT_EQ(m.Init(ConfigFor(f)), Status::kOk);
    std::vector<HarmonicSpectrum> spectra;
    const auto windows = RunWindows(m, s, 1.0, &spectra);
    ASSERT_GE(windows.size(), 4u);
    for (std::size_t w = 2; w < windows.size(); ++w) {
      SCOPED_TRACE(::testing::Message() << "trial " << trial << " f " << f << " window " << w);
      for (int p = 0; p < 3; ++p) {
        const auto up = static_cast<std::size_t>(p);
        EXPECT_NEAR(windows[w].phases[up].thd_v_pct, testing::Thd(s.v[up], 31), 0.05);
        EXPECT_NEAR(windows[w].phases[up].thd_i_pct, testing::Thd(s.i[up], 31), 0.05);
        for (int h = 1; h <= 31; ++h) {
          EXPECT_NEAR(spectra[w].Magnitude(static_cast<SpectrumChannel>(p), h), std::abs(s.v[up].Phasor(h)),
                      5e-4 * 230.0);
          EXPECT_NEAR(spectra[w].Magnitude(static_cast<SpectrumChannel>(3 + p), h), std::abs(s.i[up].Phasor(h)),
                      5e-4 * 5.0);
        }
      }
    }
  }
}

TEST(MeterHarmonics, PhasesAreRelativeToTheReferenceFundamental) {
  ThreePhaseSignal s = Balanced(50.0, 230.0, 5.0, 0.0);
  s.v[0].components.push_back({3, 23.0, 10.0 * 3 + 45.0});  // +45 deg relative to h * fundamental phase
  Meter& m = SharedMeter();
  ASSERT_EQ(m.Init(ConfigFor(50.0)), Status::kOk);
  std::vector<HarmonicSpectrum> spectra;
  RunWindows(m, s, 1.0, &spectra);
  ASSERT_FALSE(spectra.empty());
  EXPECT_NEAR(spectra.back().PhaseDeg(SpectrumChannel::kVa, 1), 0.0, 0.01);
  EXPECT_NEAR(spectra.back().PhaseDeg(SpectrumChannel::kVa, 3), 45.0, 0.05);
  EXPECT_NEAR(spectra.back().PhaseDeg(SpectrumChannel::kVb, 1), -120.0, 0.01);
}

// +-1 mHz on a clean signal anywhere in 45..65 Hz, per window and over 10 s.
TEST(MeterFrequency, WithinOneMillihertzAcrossTheRange) {
  for (double f : {45.0, 46.37, 49.5, 50.0, 51.234, 55.0, 57.77, 60.0, 62.5, 64.99, 65.0}) {
    for (float nominal : {50.0f, 60.0f}) {
      Meter& m = SharedMeter();
      MeterConfig cfg = ConfigFor(f);
      cfg.nominal_hz = nominal;
      ASSERT_EQ(m.Init(cfg), Status::kOk);
      const auto s = Balanced(f, 230.0, 5.0, 0.0);
      const double fs = cfg.sample_rate_hz;
      int windows = 0, tens = 0;
      for (long k = 0; k < static_cast<long>(21.0 * fs); ++k) {
        const auto ev = m.ProcessFrame(s.FrameAt(static_cast<double>(k) / fs));
        if ((ev & kEventWindow) && windows++ >= 1) {
          EXPECT_NEAR(m.LastWindow().f_hz, f, 1e-3) << "nominal " << nominal;
        }
        if (ev & kEventFrequency10s) {
          ++tens;
          EXPECT_NEAR(m.Frequency10s(), f, 1e-3) << "nominal " << nominal;
        }
      }
      EXPECT_EQ(tens, 2);
    }
  }
}

// The sample rate is configurable from 4 to 32 kHz: same accuracy.
class MeterSampleRate : public ::testing::TestWithParam<float> {};

TEST_P(MeterSampleRate, SameAccuracyAtEveryRate) {
  const float rate = GetParam();
  for (double f : {45.0, 50.0, 65.0}) {
    const auto s = Balanced(f, 230.0, 5.0, 60.0, {{5, 0.10}, {11, 0.03}}, {{5, 0.40}, {7, 0.1}});
    Meter& m = SharedMeter();
    ASSERT_EQ(m.Init(ConfigFor(f, rate)), Status::kOk);
    const auto windows = RunWindows(m, s, 1.2);
    ASSERT_GE(windows.size(), 4u);
    for (std::size_t w = 2; w < windows.size(); ++w) {
      const auto e = Expect(s.v[0], s.i[0]);
      const PhaseValues& ph = windows[w].phases[0];
      EXPECT_NEAR(ph.v_rms, e.v_rms, 1e-4 * e.v_rms);
      EXPECT_NEAR(ph.i_rms, e.i_rms, 1e-4 * e.i_rms);
      EXPECT_NEAR(ph.p_w, e.p, 1e-4 * e.s);
      EXPECT_NEAR(ph.q_var, e.q, 5e-4 * e.s);
      EXPECT_NEAR(ph.thd_v_pct, testing::Thd(s.v[0], windows[w].thd_max_order), 0.05);
      EXPECT_NEAR(ph.thd_i_pct, testing::Thd(s.i[0], windows[w].thd_max_order), 0.05);
      EXPECT_NEAR(windows[w].f_hz, f, 1e-3);
      // THD reaches order 31 unless its subgroup passes the resampling
      // cutoff (0.45 of the lower of the input rate and 128 * 45 Hz).
      const bool limited = (31.0 + 0.1) * f >= 0.45 * std::min(rate, 5760.0f);
      EXPECT_EQ(windows[w].flags, limited ? kFlagThdOrderLimited : 0u) << "rate " << rate << " f " << f;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Rates, MeterSampleRate, ::testing::Values(4000.0f, 6400.0f, 8000.0f, 16000.0f, 32000.0f));

// At 4 kHz the 31st harmonic of 60 Hz (1860 Hz) is too close to Nyquist:
// THD stops at the highest order the sample rate supports, and says so.
TEST(MeterSampleRate, LowRateLimitsThdOrderWithAFlag) {
  const auto s = Balanced(60.0, 230.0, 5.0, 0.0, {{3, 0.05}});
  Meter& m = SharedMeter();
  ASSERT_EQ(m.Init(ConfigFor(60.0, 4000.0f)), Status::kOk);
  const auto windows = RunWindows(m, s, 1.0);
  ASSERT_GE(windows.size(), 3u);
  EXPECT_TRUE(windows.back().flags & kFlagThdOrderLimited);
  EXPECT_LT(windows.back().thd_max_order, 31);
  EXPECT_GE(windows.back().thd_max_order, 25);
  EXPECT_NEAR(windows.back().phases[0].thd_v_pct, 5.0, 0.05);
}

// DC offsets at the inputs do not bias rms or power, and gain/offset
// calibration and VT/CT ratios scale to primary values.
TEST(MeterConditioning, DcOffsetGainAndRatios) {
  ThreePhaseSignal s = Balanced(50.0, 230.0 / 100.0, 5.0 / 1000.0, 30.0, {{3, 0.05}}, {{3, 0.2}});
  MeterConfig cfg = ConfigFor(50.0);
  for (int p = 0; p < 3; ++p) {
    const auto up = static_cast<std::size_t>(p);
    // The "ADC" adds a DC offset and a gain error the calibration removes.
    s.v[up].dc = 0.05 + 0.01 * p;
    s.i[up].dc = -0.0004;
    for (auto& h : s.v[up].components) h.rms *= 1.02;
    cfg.voltage_cal[up] = {1.0f / 1.02f, 0.0f};
    cfg.vt_ratio[up] = 100.0f;
    cfg.ct_ratio[up] = 1000.0f;
  }
  // Calibration offset removes part of the current DC; the rest is tracked.
  cfg.current_cal[0].offset = -0.0004f;
  Meter& m = SharedMeter();
  ASSERT_EQ(m.Init(cfg), Status::kOk);
  const auto windows = RunWindows(m, s, 1.5);
  const auto truth = Balanced(50.0, 230.0, 5.0, 30.0, {{3, 0.05}}, {{3, 0.2}});
  for (std::size_t w = 2; w < windows.size(); ++w) {
    for (int p = 0; p < 3; ++p) {
      const auto up = static_cast<std::size_t>(p);
      const auto e = Expect(truth.v[up], truth.i[up]);
      EXPECT_NEAR(windows[w].phases[up].v_rms, e.v_rms, 1e-4 * e.v_rms);
      EXPECT_NEAR(windows[w].phases[up].i_rms, e.i_rms, 1e-4 * e.i_rms);
      EXPECT_NEAR(windows[w].phases[up].p_w, e.p, 1e-4 * e.s);
      EXPECT_NEAR(windows[w].phases[up].q_var, e.q, 5e-4 * e.s);
    }
  }
}

// A CT whose secondary lags by 0.37 degrees (and a second one leading by
// 4.99) is compensated to the true power; the setting resolves 0.01 degree.
TEST(MeterConditioning, PhaseCompensation) {
  const double lag[3] = {0.37, -4.99, 2.5};
  ThreePhaseSignal s = Balanced(50.0, 230.0, 5.0, 60.0, {{5, 0.1}}, {{5, 0.4}});
  const ThreePhaseSignal truth = s;
  MeterConfig cfg = ConfigFor(50.0);
  for (int p = 0; p < 3; ++p) {
    const auto up = static_cast<std::size_t>(p);
    // A pure time delay at the fundamental's angle: each order shifts by h * lag.
    for (auto& h : s.i[up].components) h.phase_deg -= h.order * lag[p];
    cfg.phase_comp_deg[up] = static_cast<float>(lag[p]);
  }
  Meter& m = SharedMeter();
  ASSERT_EQ(m.Init(cfg), Status::kOk);
  auto windows = RunWindows(m, s, 1.5);
  for (std::size_t w = 2; w < windows.size(); ++w) {
    for (int p = 0; p < 3; ++p) {
      const auto up = static_cast<std::size_t>(p);
      const auto e = Expect(truth.v[up], truth.i[up]);
      // 0.01 degree at PF 0.5 moves P by 0.015 % of S: the limit below is
      // a third of that.
      EXPECT_NEAR(windows[w].phases[up].p_w, e.p, 5e-5 * e.s) << "phase " << p;
      EXPECT_NEAR(windows[w].phases[up].q_var, e.q, 1e-4 * e.s);
      EXPECT_NEAR(windows[w].phases[up].q1_var, e.q1, 1e-4 * e.s);
    }
  }
  // Without the compensation the error is what the phase error predicts.
  cfg.phase_comp_deg = {0.0f, 0.0f, 0.0f};
  ASSERT_EQ(m.Init(cfg), Status::kOk);
  windows = RunWindows(m, s, 1.0);
  const auto e = Expect(truth.v[0], truth.i[0]);
  EXPECT_GT(std::fabs(windows.back().phases[0].p_w - e.p), 5e-3 * e.s);
  // Out-of-range settings are refused.
  cfg.phase_comp_deg[1] = 5.01f;
  EXPECT_EQ(m.Init(cfg), Status::kInvalidArgument);
}

// The same at 32 kSPS, where the advances span several samples: every
// current ahead by two samples or more (the compensation window starts after
// the sample), advances 17 samples apart, and 3P3W (on an x86 host with
// AVX2 the first takes the vector run loop, the others the per-sample loop;
// 6 s of signal wrap the 2048-frame history many times).
TEST(MeterConditioning, PhaseCompensationAtEveryAdvanceSpread) {
  struct Case {
    double lag[3];
    Wiring wiring;
  };
  const Case cases[] = {
      {{2.0, 1.5, 1.2}, Wiring::k3P4W},
      {{4.99, -4.99, 0.3}, Wiring::k3P4W},
      {{0.37, -1.2, 2.5}, Wiring::k3P3W},
  };
  for (const Case& c : cases) {
    ThreePhaseSignal s = Balanced(50.0, 230.0, 5.0, 60.0, {{5, 0.1}}, {{5, 0.4}});
    const ThreePhaseSignal truth = s;
    MeterConfig cfg = ConfigFor(50.0, 32000.0f);
    cfg.wiring = c.wiring;
    for (int p = 0; p < 3; ++p) {
      const auto up = static_cast<std::size_t>(p);
      for (auto& h : s.i[up].components) h.phase_deg -= h.order * c.lag[p];
      cfg.phase_comp_deg[up] = static_cast<float>(c.lag[p]);
    }
    Meter& m = SharedMeter();
    ASSERT_EQ(m.Init(cfg), Status::kOk);
    const auto windows = RunWindows(m, s, 6.0);
    ASSERT_GE(windows.size(), 25u);
    double total_p = 0.0;
    for (int p = 0; p < 3; ++p)
      total_p += Expect(truth.v[static_cast<std::size_t>(p)], truth.i[static_cast<std::size_t>(p)]).p;
    const auto e = Expect(truth.v[0], truth.i[0]);
    for (std::size_t w = 2; w < windows.size(); ++w) {
      EXPECT_NEAR(windows[w].total.p_w, total_p, 3 * 5e-5 * e.s) << "lag " << c.lag[0] << " window " << w;
      if (c.wiring == Wiring::k3P3W) continue;  // phase values are to the virtual star point
      for (int p = 0; p < 3; ++p) {
        const auto up = static_cast<std::size_t>(p);
        const auto ep = Expect(truth.v[up], truth.i[up]);
        EXPECT_NEAR(windows[w].phases[up].p_w, ep.p, 5e-5 * ep.s) << "lag " << c.lag[p] << " window " << w;
        EXPECT_NEAR(windows[w].phases[up].i_rms, ep.i_rms, 1e-5 * ep.i_rms);
        EXPECT_NEAR(windows[w].phases[up].v_rms, ep.v_rms, 1e-5 * ep.v_rms);
      }
      EXPECT_NEAR(windows[w].v_ll_rms[0], std::sqrt(3.0) * e.v_rms, 1e-5 * e.v_rms);
    }
  }
}

// Fractional window edges do not bias results: a frequency that makes the
// window 1777.78 samples long reads as exactly as one of 1600.
TEST(MeterWindows, WindowsAreContiguousAndBoundedByCrossings) {
  const auto s = Balanced(45.0, 230.0, 5.0, 0.0);
  Meter& m = SharedMeter();
  ASSERT_EQ(m.Init(ConfigFor(45.0)), Status::kOk);
  const auto windows = RunWindows(m, s, 2.0);
  ASSERT_GE(windows.size(), 5u);
  for (std::size_t w = 1; w < windows.size(); ++w) {
    const double prev_end = static_cast<double>(windows[w - 1].end_sample) + windows[w - 1].end_frac;
    const double end = static_cast<double>(windows[w].end_sample) + windows[w].end_frac;
    EXPECT_NEAR((end - prev_end) / 8000.0, windows[w].duration_s, 1e-6);  // gap-free
    EXPECT_EQ(windows[w].cycles, 10);
    // The boundary is the positive-going zero crossing of va = cos(wt + 10 deg).
    const double t = end / 8000.0;
    const double phase = std::fmod(2.0 * testing::kPi * 45.0 * t + 10.0 * testing::kPi / 180.0, 2.0 * testing::kPi);
    const double error_samples = (phase - 1.5 * testing::kPi) / (2.0 * testing::kPi * 45.0) * 8000.0;
    EXPECT_NEAR(error_samples, 0.0, 0.01) << "window " << w;  // 1.25 us
  }
}

TEST(MeterAggregation, FifteenWindowsMakeOneAggregate) {
  const auto s = Balanced(60.0, 120.0, 5.0, 20.0);
  Meter& m = SharedMeter();
  ASSERT_EQ(m.Init(ConfigFor(60.0)), Status::kOk);
  int windows = 0, aggregates = 0;
  for (long k = 0; k < static_cast<long>(7.0 * 8000); ++k) {
    const auto ev = m.ProcessFrame(s.FrameAt(static_cast<double>(k) / 8000.0));
    windows += (ev & kEventWindow) ? 1 : 0;
    if (ev & kEventAggregate) {
      ++aggregates;
      EXPECT_EQ(windows % 15, 0);
      const auto e = Expect(s.v[0], s.i[0]);
      if (aggregates > 1) {
        EXPECT_NEAR(m.LastAggregate().phases[0].v_rms, e.v_rms, 1e-4 * e.v_rms);
        EXPECT_NEAR(m.LastAggregate().phases[0].p_w, e.p, 1e-4 * e.s);
        EXPECT_NEAR(m.LastAggregate().duration_s, 3.0, 1e-4);  // 180 cycles at 60 Hz
      }
    }
  }
  EXPECT_EQ(aggregates, windows / 15);
  EXPECT_GE(aggregates, 2);
}

}  // namespace
}  // namespace meter
