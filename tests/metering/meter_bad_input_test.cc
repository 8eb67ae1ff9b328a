// Bad input is flagged on the window it affects; the meter keeps running
// and never produces garbage silently.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

#include "meter/metering/meter.h"
#include "support/synthetic_signal.h"

namespace meter {
namespace {

using testing::Balanced;
using testing::ThreePhaseSignal;

constexpr double kFs = 8000.0;

Meter& SharedMeter() {
  static Meter meter;
  return meter;
}

struct Capture {
  std::vector<WindowResult> windows;
};

// Feeds `seconds` of `s`, letting `tamper` change frame k before it goes in.
template <typename Tamper>
Capture Feed(const MeterConfig& cfg, const ThreePhaseSignal& s, double seconds, Tamper tamper) {
  Meter& m = SharedMeter();
  EXPECT_EQ(m.Init(cfg), Status::kOk);
  Capture c;
  for (long k = 0; k < static_cast<long>(seconds * kFs); ++k) {
    SampleFrame fr = s.FrameAt(static_cast<double>(k) / kFs);
    tamper(k, fr, m);
    if (m.ProcessFrame(fr) & kEventWindow) c.windows.push_back(m.LastWindow());
  }
  return c;
}

// The window whose span holds sample k (processing lags by a few samples).
const WindowResult* WindowHolding(const Capture& c, long k) {
  for (const auto& w : c.windows) {
    const double end = static_cast<double>(w.end_sample) + w.end_frac;
    const double start = end - w.duration_s * kFs;
    if (k >= start && k < end) return &w;
  }
  return nullptr;
}

void ExpectFiniteValues(const WindowResult& w) {
  for (int p = 0; p < w.phase_count; ++p) {
    EXPECT_TRUE(std::isfinite(w.phases[static_cast<std::size_t>(p)].v_rms));
    EXPECT_TRUE(std::isfinite(w.phases[static_cast<std::size_t>(p)].i_rms));
    EXPECT_TRUE(std::isfinite(w.phases[static_cast<std::size_t>(p)].p_w));
  }
  EXPECT_TRUE(std::isfinite(w.total.p_w));
  EXPECT_TRUE(std::isfinite(w.duration_s));
}

TEST(MeterBadInput, NonFiniteSampleIsFlaggedOnItsWindowAndHeld) {
  const auto s = Balanced(50.0, 230.0, 5.0, 0.0);
  const long bad = 5000;
  const auto c = Feed(MeterConfig{}, s, 1.5, [&](long k, SampleFrame& fr, Meter&) {
    if (k == bad) fr.v[1] = std::numeric_limits<float>::quiet_NaN();
    if (k == bad + 1) fr.i[2] = std::numeric_limits<float>::infinity();
  });
  const WindowResult* w = WindowHolding(c, bad);
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(w->flags & NonFiniteFlag(1));
  EXPECT_TRUE(w->flags & NonFiniteFlag(5));
  ExpectFiniteValues(*w);
  // The held sample barely moves the window (one sample of 1600).
  EXPECT_NEAR(w->phases[1].v_rms, 230.0, 0.5);
  for (const auto& other : c.windows) {
    if (&other != w && other.sequence > 0) {
      EXPECT_EQ(other.flags & (NonFiniteFlag(1) | NonFiniteFlag(5)), 0u);
    }
  }
}

TEST(MeterBadInput, ClippedSampleIsFlagged) {
  const auto s = Balanced(50.0, 230.0, 5.0, 0.0);
  MeterConfig cfg;
  cfg.current_full_scale = 12.0f;
  const long bad = 6000;
  const auto c = Feed(cfg, s, 1.5, [&](long k, SampleFrame& fr, Meter&) {
    if (k == bad) fr.i[0] = 12.5f;
  });
  const WindowResult* w = WindowHolding(c, bad);
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(w->flags & ClippedFlag(3));
  EXPECT_EQ(c.windows.back().flags, 0u);
}

TEST(MeterBadInput, GapIsFlaggedAndTheMeterResynchronises) {
  const auto s = Balanced(50.0, 230.0, 5.0, 0.0);
  const long gap_at = 6000;
  long offset = 0;
  const auto c = Feed(MeterConfig{}, s, 2.0, [&](long k, SampleFrame& fr, Meter& m) {
    if (k == gap_at) {
      m.MarkGap(37);
      offset = 37;  // the source really lost 37 samples
    }
    fr = s.FrameAt(static_cast<double>(k + offset) / kFs);
  });
  bool flagged = false;
  for (const auto& w : c.windows) flagged |= (w.flags & kFlagGap) != 0;
  EXPECT_TRUE(flagged);
  EXPECT_EQ(SharedMeter().gap_samples(), 37u);
  const WindowResult& last = c.windows.back();
  EXPECT_EQ(last.flags, 0u);
  EXPECT_NEAR(last.phases[0].v_rms, 230.0, 230e-4);
  EXPECT_NEAR(last.f_hz, 50.0, 1e-3);
}

TEST(MeterBadInput, FrequencyOutsideTheRangeIsFlagged) {
  for (double f : {30.0, 42.0, 68.0, 90.0}) {
    const auto s = Balanced(f, 230.0, 5.0, 0.0);
    const auto c = Feed(MeterConfig{}, s, 2.0, [](long, SampleFrame&, Meter&) {});
    ASSERT_GE(c.windows.size(), 3u) << f;
    for (std::size_t i = 1; i < c.windows.size(); ++i) {
      const auto& w = c.windows[i];
      EXPECT_TRUE(w.flags & (kFlagFrequencyOutOfRange | kFlagNoZeroCrossing)) << f;
      ExpectFiniteValues(w);
      if (std::isfinite(w.f_hz)) {
        EXPECT_NEAR(w.f_hz, f, 0.5) << "the reading is still the measured frequency";
      }
    }
  }
}

TEST(MeterBadInput, MissingPhaseVoltageSwitchesTheReference) {
  ThreePhaseSignal s = Balanced(50.0, 230.0, 5.0, 20.0);
  s.v[0].components.clear();  // phase A voltage lost
  const auto c = Feed(MeterConfig{}, s, 2.0, [](long, SampleFrame&, Meter&) {});
  ASSERT_GE(c.windows.size(), 5u);
  const auto& w = c.windows.back();
  EXPECT_TRUE(w.flags & VoltageMissingFlag(0));
  EXPECT_FALSE(w.flags & VoltageMissingFlag(1));
  EXPECT_FALSE(w.flags & kFlagNoZeroCrossing);
  EXPECT_NEAR(w.f_hz, 50.0, 1e-3);
  const auto e = testing::Expect(s.v[1], s.i[1]);
  EXPECT_NEAR(w.phases[1].p_w, e.p, 1e-4 * e.s);
  EXPECT_NEAR(w.phases[0].p_w, 0.0, 1e-6);
}

TEST(MeterBadInput, NoVoltageAtAllRunsOnNominalWindows) {
  ThreePhaseSignal s = Balanced(50.0, 230.0, 5.0, 20.0);
  for (auto& v : s.v) v.components.clear();
  const auto c = Feed(MeterConfig{}, s, 2.0, [](long, SampleFrame&, Meter&) {});
  ASSERT_GE(c.windows.size(), 8u);  // 10 nominal windows in 2 s, less the start
  for (std::size_t i = 1; i < c.windows.size(); ++i) {
    const auto& w = c.windows[i];
    EXPECT_TRUE(w.flags & kFlagNoZeroCrossing);
    EXPECT_TRUE(w.flags & VoltageMissingFlag(0));
    EXPECT_TRUE(std::isnan(w.f_hz));
    EXPECT_NEAR(w.duration_s, 0.2, 0.03);
    EXPECT_NEAR(w.phases[0].i_rms, 5.0, 0.01);  // current is still measured
    EXPECT_TRUE(std::isnan(w.phases[0].pf) || w.phases[0].pf == 0.0f || std::fabs(w.phases[0].pf) <= 1.0f);
  }
}

TEST(MeterBadInput, RandomGarbageNeverCrashes) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> any(-1e6f, 1e6f);
  std::uniform_int_distribution<int> kind(0, 20);
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(),  std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),  std::numeric_limits<float>::max(),
                            std::numeric_limits<float>::denorm_min(), 0.0f};
  const auto s = Balanced(50.0, 230.0, 5.0, 0.0);
  const auto c = Feed(MeterConfig{}, s, 4.0, [&](long k, SampleFrame& fr, Meter& m) {
    // Lost samples are declared but none are dropped, so each declared gap
    // is a phase jump: they come with the garbage, not after it.
    if (k > 8000 && k < 24000) {
      if (k % 997 == 0) m.MarkGap(static_cast<std::uint64_t>(k % 5));
      for (auto* ch : {&fr.v, &fr.i}) {
        for (auto& x : *ch) {
          const int t = kind(rng);
          x = t < 6 ? specials[t] : (t < 12 ? any(rng) : x);
        }
      }
    }
  });
  ASSERT_GE(c.windows.size(), 10u);
  for (const auto& w : c.windows) {
    EXPECT_TRUE(std::isfinite(w.duration_s) && w.duration_s > 0.0f);
    EXPECT_LE(w.duration_s, 0.35f);
  }
  // The stream recovers once the garbage stops.
  EXPECT_NEAR(c.windows.back().phases[2].v_rms, 230.0, 0.05);
}

TEST(MeterConfigValidation, RejectsBadSettings) {
  Meter& m = SharedMeter();
  const auto bad = [&](auto mutate) {
    MeterConfig cfg;
    mutate(cfg);
    return m.Init(cfg);
  };
  EXPECT_EQ(bad([](MeterConfig& c) { c.sample_rate_hz = 99; }), Status::kInvalidArgument);
  EXPECT_EQ(bad([](MeterConfig& c) { c.sample_rate_hz = 32001; }), Status::kInvalidArgument);
  EXPECT_EQ(bad([](MeterConfig& c) { c.nominal_hz = 55; }), Status::kInvalidArgument);
  EXPECT_EQ(bad([](MeterConfig& c) { c.vt_ratio[2] = 0; }), Status::kInvalidArgument);
  EXPECT_EQ(bad([](MeterConfig& c) { c.ct_ratio[0] = std::numeric_limits<float>::quiet_NaN(); }),
            Status::kInvalidArgument);
  EXPECT_EQ(bad([](MeterConfig& c) { c.current_cal[1].gain = 0; }), Status::kInvalidArgument);
  EXPECT_EQ(bad([](MeterConfig& c) { c.max_harmonic_order = 1; }), Status::kInvalidArgument);
  EXPECT_EQ(bad([](MeterConfig& c) { c.max_harmonic_order = dsp::kMaxHarmonicOrder + 1; }), Status::kInvalidArgument);
  EXPECT_EQ(bad([](MeterConfig& c) { c.high_leg_phase = 3; }), Status::kInvalidArgument);
  EXPECT_EQ(bad([](MeterConfig& c) { c.phase_comp_deg[0] = -5.5f; }), Status::kInvalidArgument);
  EXPECT_EQ(bad([](MeterConfig&) {}), Status::kOk);
}

}  // namespace
}  // namespace meter

namespace meter {
namespace {

// A single-sample spike on the zero-crossing reference (3000 V on a 171 V
// signal) is bridged for crossing detection: every window's frequency
// stays where the clean signal puts it (it moved two windows by 0.2 Hz
// before the guard), the window holding the spike says so (impulse_va),
// and the spike itself still counts in that window's rms.
TEST(MeterOutliers, LoneSpikeDoesNotMoveWindowEdges) {
  const auto s = Balanced(50.0, 171.0, 5.0, 20.0);
  MeterConfig cfg;  // full scale far above the spike, as in a replay of primary values
  cfg.voltage_full_scale = 1e7f;
  const Capture clean = Feed(cfg, s, 3.0, [](long, SampleFrame&, Meter&) {});
  double worst_f = 0, worst_edge = 0;
  // Near a rising zero crossing of va (the most sensitive place), at a peak,
  // and on a falling slope; both signs.
  for (const long spike_at : {8000L, 8013L, 8041L, 12345L}) {
    for (const float spike : {3000.0f, -3000.0f}) {
      SCOPED_TRACE(::testing::Message() << "spike " << spike << " V at sample " << spike_at);
      const Capture spiked = Feed(cfg, s, 3.0, [&](long k, SampleFrame& fr, Meter&) {
        if (k == spike_at) fr.v[0] += spike;
      });
      ASSERT_EQ(spiked.windows.size(), clean.windows.size());
      const WindowResult* hit = WindowHolding(spiked, spike_at);
      ASSERT_NE(hit, nullptr);
      for (std::size_t w = 1; w < clean.windows.size(); ++w) {
        EXPECT_NEAR(spiked.windows[w].f_hz, clean.windows[w].f_hz, 1e-4f) << "window " << w;
        EXPECT_NEAR(static_cast<double>(spiked.windows[w].end_sample) + spiked.windows[w].end_frac,
                    static_cast<double>(clean.windows[w].end_sample) + clean.windows[w].end_frac, 1e-3)
            << "window " << w;
        worst_f = std::max(worst_f, static_cast<double>(std::fabs(spiked.windows[w].f_hz - clean.windows[w].f_hz)));
        worst_edge = std::max(worst_edge,
                              std::fabs(static_cast<double>(spiked.windows[w].end_sample) + spiked.windows[w].end_frac -
                                        static_cast<double>(clean.windows[w].end_sample) - clean.windows[w].end_frac));
        EXPECT_EQ((spiked.windows[w].flags & ImpulseFlag(0)) != 0, &spiked.windows[w] == hit) << "window " << w;
      }
      // The sample is data: its energy is in the window's rms.
      const std::size_t h = static_cast<std::size_t>(hit - spiked.windows.data());
      const double extra = spike * spike / (hit->duration_s * kFs);
      EXPECT_GT(hit->phases[0].v_rms * hit->phases[0].v_rms -
                    clean.windows[h].phases[0].v_rms * clean.windows[h].phases[0].v_rms,
                0.5 * extra);
    }
  }
  std::printf(
      "lone 3000 V spikes on 171 V: window frequencies within %.2e Hz, edges within %.2e samples of the clean "
      "signal's\n",
      worst_f, worst_edge);
}

// A sample beyond full scale (a corrupt 1e20 V in a file, against a
// physical full scale of 1e7 V) is clipped and flagged: its window keeps
// finite values, and neither it nor the next windows lose their edges.
TEST(MeterOutliers, SampleBeyondFullScaleIsClippedAndFlagged) {
  const auto s = Balanced(50.0, 171.0, 5.0, 20.0);
  MeterConfig cfg;
  cfg.voltage_full_scale = 1e7f;
  const Capture clean = Feed(cfg, s, 3.0, [](long, SampleFrame&, Meter&) {});
  for (const float bad : {1e20f, -1e20f, 3e38f}) {
    SCOPED_TRACE(::testing::Message() << bad << " V");
    const Capture got = Feed(cfg, s, 3.0, [&](long k, SampleFrame& fr, Meter&) {
      if (k == 9000) fr.v[0] = bad;
    });
    ASSERT_EQ(got.windows.size(), clean.windows.size());
    const WindowResult* hit = WindowHolding(got, 9000);
    ASSERT_NE(hit, nullptr);
    EXPECT_NE(hit->flags & ClippedFlag(0), 0u);
    EXPECT_EQ(hit->flags & VoltageMissingFlag(0), 0u);
    EXPECT_TRUE(std::isfinite(hit->phases[0].v_rms));
    // Bounded by the clip: one 1e7 V sample in the window's rms.
    EXPECT_NEAR(hit->phases[0].v_rms, std::sqrt(171.0 * 171.0 + 1e14 / (hit->duration_s * kFs)),
                0.01 * hit->phases[0].v_rms);
    for (std::size_t w = 1; w < got.windows.size(); ++w) {
      EXPECT_NEAR(got.windows[w].f_hz, clean.windows[w].f_hz, 1e-4f) << "window " << w;
      if (&got.windows[w] != hit) {
        EXPECT_EQ(got.windows[w].flags, clean.windows[w].flags) << "window " << w;
        EXPECT_NEAR(got.windows[w].phases[0].v_rms, clean.windows[w].phases[0].v_rms, 1e-3f) << "window " << w;
      }
    }
  }
}

// No signal a power system makes is taken for an impulse: 15 % of each of
// several harmonics up to the 31st, at 4 and 8 kSPS, 45 and 65 Hz.
TEST(MeterOutliers, HarmonicRichSignalsAreNoImpulses) {
  for (const double rate : {4000.0, 8000.0}) {
    for (const double f : {45.0, 65.0}) {
      SCOPED_TRACE(::testing::Message() << rate << " samples/s, " << f << " Hz");
      MeterConfig cfg;
      cfg.sample_rate_hz = rate;
      Meter& m = SharedMeter();
      ASSERT_EQ(m.Init(cfg), Status::kOk);
      const auto s = Balanced(f, 230.0, 5.0, 0.0, {{3, 0.15}, {5, 0.15}, {29, 0.15}, {31, 0.15}}, {{31, 0.4}});
      int windows = 0;
      for (long k = 0; k < static_cast<long>(2.0 * rate); ++k) {
        if (m.ProcessFrame(s.FrameAt(static_cast<double>(k) / rate)) & kEventWindow) {
          ++windows;
          EXPECT_EQ(m.LastWindow().flags & (ImpulseFlag(0) | ImpulseFlag(1) | ImpulseFlag(2)), 0u);
        }
      }
      EXPECT_GE(windows, 8);
    }
  }
}

// A fundamental more than 10 % from the nominal frequency is flagged on
// every window that measures it: 60 Hz data told 50 Hz, or a wrong rate.
TEST(MeterOutliers, NominalFrequencyMismatchIsFlagged) {
  struct Case {
    double signal_hz;
    float nominal_hz;
    bool mismatch;
  };
  for (const Case c :
       {Case{60.0, 50.0f, true}, Case{50.0, 60.0f, true}, Case{50.0, 50.0f, false}, Case{54.9, 50.0f, false},
        Case{55.2, 50.0f, true}, Case{65.0, 60.0f, false}, Case{69.4, 50.0f, true}}) {
    SCOPED_TRACE(::testing::Message() << c.signal_hz << " Hz signal, nominal " << c.nominal_hz);
    MeterConfig cfg;
    cfg.nominal_hz = c.nominal_hz;
    const Capture got = Feed(cfg, Balanced(c.signal_hz, 230.0, 5.0, 0.0), 2.0, [](long, SampleFrame&, Meter&) {});
    ASSERT_GE(got.windows.size(), 5u);
    for (std::size_t w = 1; w < got.windows.size(); ++w) {
      EXPECT_EQ((got.windows[w].flags & kFlagNominalFrequencyMismatch) != 0, c.mismatch) << "window " << w;
    }
  }
}

}  // namespace
}  // namespace meter
