// Energy registers through the whole pipeline and at the arithmetic level.
#include "meter/metering/energy_registers.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>

#include "meter/hal/host/recording_pulse_output.h"
#include "meter/metering/energy_meter.h"
#include "support/synthetic_signal.h"

namespace meter {
namespace {

using testing::Balanced;
using testing::ThreePhaseSignal;

constexpr double kFs = 8000.0;

EnergyMeter& SharedMeter() {
  static EnergyMeter m;
  return m;
}

EnergyMeterConfig DefaultConfig() {
  EnergyMeterConfig c;
  c.meter.current_full_scale = 100.0f;
  return c;
}

// Runs `seconds` of `s` from sample `first` on; `each` sees every frame index.
template <typename Each>
void Feed(EnergyMeter& m, const ThreePhaseSignal& s, double seconds, long first, Each each) {
  for (long k = first; k < first + static_cast<long>(seconds * kFs); ++k) {
    m.ProcessFrame(s.FrameAt(static_cast<double>(k) / kFs));
    each(k);
  }
}
void Feed(EnergyMeter& m, const ThreePhaseSignal& s, double seconds, long first = 0) {
  Feed(m, s, seconds, first, [](long) {});
}

// Register readings after a settling second, so that the first (partial,
// unsynchronised) cycle does not enter the comparison.
// `seconds` is the registered time of the active registers, and
// `reactive_seconds` that of the kvarh and quadrant registers (which wait
// for their window's spectrum).
struct Delta {
  EnergyState before, after;
  double seconds = 0, reactive_seconds = 0;
};
Delta RunSettled(EnergyMeter& m, const ThreePhaseSignal& s, double seconds) {
  Delta d;
  Feed(m, s, 1.0, 0);
  d.before = m.registers().state();
  const std::uint64_t reactive_before = m.registers().reactive_ticks();
  Feed(m, s, seconds, 8000);
  d.after = m.registers().state();
  d.seconds = m.registers().Seconds(d.after.on_ticks - d.before.on_ticks);
  d.reactive_seconds = m.registers().Seconds(m.registers().reactive_ticks() - reactive_before);
  return d;
}
double Kwh(const EnergyMeter& m, const EnergyCounter& before, const EnergyCounter& after) {
  return m.registers().Kilo(after) - m.registers().Kilo(before);
}

double TrueP(const ThreePhaseSignal& s) {
  double p = 0;
  for (int k = 0; k < 3; ++k)
    p += testing::Expect(s.v[static_cast<std::size_t>(k)], s.i[static_cast<std::size_t>(k)]).p;
  return p;
}
double TrueQ(const ThreePhaseSignal& s) {
  double q = 0;
  for (int k = 0; k < 3; ++k)
    q += testing::Expect(s.v[static_cast<std::size_t>(k)], s.i[static_cast<std::size_t>(k)]).q;
  return q;
}
double TrueS(const ThreePhaseSignal& s) {
  double v = 0;
  for (int k = 0; k < 3; ++k)
    v += testing::Expect(s.v[static_cast<std::size_t>(k)], s.i[static_cast<std::size_t>(k)]).s;
  return v;
}

// Constant power for T seconds lands P*T in the right registers of each
// quadrant and nothing in the others. T is the registered time (on_ticks):
// the pipeline lags the input by one cycle plus a few samples.
// ToMicroWatts, integer-only, equals its definition llround(|w| 1e6) in
// double precision (exact there: a 24-bit mantissa times 1e6) at every
// float: random bit patterns over the whole range, exact halves (2^-7 W is
// 7812.5 uW), subnormals, both signs, and 0 for NaN, infinities and from
// 1e12 W on.
TEST(EnergyRegisters, MicroWattsAreTheDoubleDefinitionToTheBit) {
  const auto definition = [](float w) -> std::uint64_t {
    const double a = std::fabs(static_cast<double>(w));
    if (!(a < 1e12)) return 0;
    // From 2^52 up a double is a whole number, so rounding is the value
    // itself. Written so because newlib's llround (Debian's arm-none-eabi
    // newlib, as this suite runs on the Cortex-M4F) drops bits there: it
    // gave 540206009606471680 for 540206202880e6. The core rounds nothing
    // that large (its llround calls stay below 2^41).
    const double micro = a * 1e6;
    return micro >= 0x1p52 ? static_cast<std::uint64_t>(micro) : static_cast<std::uint64_t>(std::llround(micro));
  };
  std::mt19937 rng(123);
  std::uniform_int_distribution<std::uint32_t> bits;
  int checked = 0;
  for (int k = 0; k < 2'000'000; ++k) {
    const float w = std::bit_cast<float>(bits(rng));
    if (std::isnan(w)) continue;
    ASSERT_EQ(ToMicroWatts(w), definition(w)) << w;
    ++checked;
  }
  EXPECT_GT(checked, 1'900'000);
  for (const float w : {0.0f, -0.0f, 0x1p-7f, -0x1p-7f, 0x1p-8f, 0x1p-20f, 0x1p-21f, 5e-7f, 4.9999997e-7f, 1.5e-6f,
                        std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::min(), 3.45f, 8.28e6f,
                        999999.94e6f, std::nextafter(1e12f, 0.0f)}) {
    EXPECT_EQ(ToMicroWatts(w), definition(w)) << w;
  }
  EXPECT_EQ(ToMicroWatts(0x1p-7f), 7813u);  // 7812.5 rounds up
  EXPECT_EQ(ToMicroWatts(1e12f), 0u);
  EXPECT_EQ(ToMicroWatts(std::numeric_limits<float>::infinity()), 0u);
  EXPECT_EQ(ToMicroWatts(-std::numeric_limits<float>::infinity()), 0u);
  EXPECT_EQ(ToMicroWatts(std::numeric_limits<float>::quiet_NaN()), 0u);
}

TEST(EnergyRegisters, FourQuadrants) {
  const double phis[4] = {36.87, 143.13, -143.13, -36.87};  // I, II, III, IV
  for (int quadrant = 0; quadrant < 4; ++quadrant) {
    SCOPED_TRACE(::testing::Message() << "quadrant " << quadrant + 1);
    EnergyMeter& m = SharedMeter();
    ASSERT_EQ(m.Init(DefaultConfig(), nullptr, nullptr), Status::kOk);
    const auto s = Balanced(50.0, 230.0, 5.0, phis[quadrant], {{5, 0.05}}, {{5, 0.2}});
    const Delta d = RunSettled(m, s, 10.0);
    const EnergyRegisters& r = m.registers();
    const EnergyState& st = d.after;
    EXPECT_NEAR(d.seconds, 10.0, 0.03);
    EXPECT_NEAR(d.reactive_seconds, 10.0, 0.25);  // both ends a window or less behind
    const double hours = d.seconds / 3600.0, reactive_hours = d.reactive_seconds / 3600.0;
    const double p = TrueP(s), q = TrueQ(s), sa = TrueS(s);
    const double kwh = std::fabs(p) * hours / 1000.0, kvah = sa * hours / 1000.0;
    // The quadrant registers take their step with the reactive one.
    const double kvarh = std::fabs(q) * reactive_hours / 1000.0;
    const double kwh_rq = std::fabs(p) * reactive_hours / 1000.0, kvah_rq = sa * reactive_hours / 1000.0;
    const double tol = 1e-5;  // of S: the pipeline's own accuracy is 1e-6
    EXPECT_NEAR(
        Kwh(m, p > 0 ? d.before.total.kwh_imp : d.before.total.kwh_exp, p > 0 ? st.total.kwh_imp : st.total.kwh_exp),
        kwh, tol * kvah);
    EXPECT_EQ((p > 0 ? st.total.kwh_exp : st.total.kwh_imp).milli(), 0u);
    EXPECT_NEAR(Kwh(m, q > 0 ? d.before.total.kvarh_imp : d.before.total.kvarh_exp,
                    q > 0 ? st.total.kvarh_imp : st.total.kvarh_exp),
                kvarh, 5 * tol * kvah);
    EXPECT_EQ((q > 0 ? st.total.kvarh_exp : st.total.kvarh_imp).milli(), 0u);
    EXPECT_NEAR(Kwh(m, d.before.total.kvah, st.total.kvah), kvah, tol * kvah);
    for (int k = 0; k < 4; ++k) {
      const auto uk = static_cast<std::size_t>(k);
      if (k == quadrant) {
        EXPECT_NEAR(Kwh(m, d.before.total.kwh_q[uk], st.total.kwh_q[uk]), kwh_rq, tol * kvah);
        EXPECT_NEAR(Kwh(m, d.before.total.kvarh_q[uk], st.total.kvarh_q[uk]), kvarh, 5 * tol * kvah);
        EXPECT_NEAR(Kwh(m, d.before.total.kvah_q[uk], st.total.kvah_q[uk]), kvah_rq, tol * kvah);
      } else {
        EXPECT_EQ(st.total.kwh_q[uk].milli() + st.total.kwh_q[uk].remainder(), 0u) << "quadrant register " << k + 1;
        EXPECT_EQ(st.total.kvah_q[uk].milli() + st.total.kvah_q[uk].remainder(), 0u);
      }
    }
    (void)r;
    // Hour meters follow the direction.
    EXPECT_NEAR(m.registers().Seconds(p > 0 ? st.import_ticks : st.export_ticks), 11.0, 0.05);
    EXPECT_EQ(p > 0 ? st.export_ticks : st.import_ticks, 0u);
  }
}

TEST(EnergyRegisters, PhaseExportsWhileTheSystemImports) {
  ThreePhaseSignal s = Balanced(50.0, 230.0, 5.0, 10.0);
  s.i[0].components[0].rms = 1.0;
  s.i[0].components[0].phase_deg += 180.0 - 10.0;  // phase A feeds back 230 W
  EnergyMeter& m = SharedMeter();
  ASSERT_EQ(m.Init(DefaultConfig(), nullptr, nullptr), Status::kOk);
  const Delta d = RunSettled(m, s, 5.0);
  const EnergyState& st = d.after;
  const double hours = d.seconds / 3600.0;
  const double pa = testing::Expect(s.v[0], s.i[0]).p;
  ASSERT_LT(pa, 0);
  ASSERT_GT(TrueP(s), 0);
  EXPECT_NEAR(Kwh(m, d.before.phases[0].kwh_exp, st.phases[0].kwh_exp), -pa * hours / 1000.0,
              1e-5 * -pa * hours / 1000.0);
  EXPECT_EQ(st.phases[0].kwh_imp.milli() + st.phases[0].kwh_imp.remainder(), 0u);
  EXPECT_GT(st.phases[1].kwh_imp.milli(), 0u);
  EXPECT_NEAR(Kwh(m, d.before.total.kwh_imp, st.total.kwh_imp), TrueP(s) * hours / 1000.0,
              1e-5 * TrueS(s) * hours / 1000.0);
  EXPECT_EQ(st.total.kwh_exp.milli() + st.total.kwh_exp.remainder(), 0u);
}

// kvarh waits up to a window for its cycles' spectrum; at the end of a
// recording FlushReactive integrates the waiting cycles, so both time bases
// end equal and no reactive energy stays behind.
TEST(EnergyRegisters, FlushReactiveLeavesNothingBehind) {
  const auto s = Balanced(50.0, 230.0, 5.0, 30.0);
  EnergyMeter& m = SharedMeter();
  ASSERT_EQ(m.Init(DefaultConfig(), nullptr, nullptr), Status::kOk);
  const EnergyRegisters& r = m.registers();
  Feed(m, s, 1.0);  // settled
  const double kvarh_before = r.Kilo(r.state().total.kvarh_imp);
  const std::uint64_t reactive_before = r.reactive_ticks();
  Feed(m, s, 1.345, 8000);  // ends inside a window
  EXPECT_LT(r.reactive_ticks(), r.state().on_ticks);
  m.FlushReactive();
  EXPECT_EQ(r.reactive_ticks(), r.state().on_ticks);
  // The flushed cycles take the last window's Q/S: exact for a steady load.
  const double hours = r.Seconds(r.reactive_ticks() - reactive_before) / 3600.0;
  EXPECT_NEAR(r.Kilo(r.state().total.kvarh_imp) - kvarh_before, TrueQ(s) * hours / 1000.0,
              1e-5 * TrueS(s) * hours / 1000.0);
  // Metering goes on: the next window's cycles still integrate both parts.
  Feed(m, s, 1.0, 18760);
  m.FlushReactive();
  EXPECT_EQ(r.reactive_ticks(), r.state().on_ticks);
}

// Integer identity: no energy appears or disappears between registers.
std::uint64_t Units(const EnergyCounter& c, std::uint64_t per_milli) { return c.milli() * per_milli + c.remainder(); }

TEST(EnergyRegisters, TariffSwitchMidRunLosesNothing) {
  const auto s = Balanced(60.0, 120.0, 20.0, 20.0);
  EnergyMeterConfig cfg = DefaultConfig();
  cfg.meter.nominal_hz = 60.0f;
  cfg.meter.nominal_voltage_v = 120.0f;
  cfg.meter.rated_current_a = 20.0f;
  EnergyMeter& m = SharedMeter();
  ASSERT_EQ(m.Init(cfg, nullptr, nullptr), Status::kOk);
  // Switch at an arbitrary instant inside a window.
  Feed(m, s, 3.0, 0, [&](long k) {
    if (k == 12345) m.registers().SetTariff(1);
  });
  const EnergyRegisters& r = m.registers();
  const EnergyState& st = r.state();
  const auto K = r.remainder_per_milli();
  EXPECT_EQ(Units(st.kwh_imp_tariff[0], K) + Units(st.kwh_imp_tariff[1], K), Units(st.total.kwh_imp, K));
  const double t1_share = r.Kilo(st.kwh_imp_tariff[0]) / r.Kilo(st.total.kwh_imp);
  EXPECT_NEAR(t1_share, 12345.0 / (3.0 * kFs), 0.01);  // resolved to a cycle plus the pipeline delay
  // Quadrant registers likewise add up to the totals.
  std::uint64_t quadrant_sum = 0;
  for (const auto& c : st.total.kwh_q) quadrant_sum += Units(c, K);
  EXPECT_EQ(quadrant_sum, Units(st.total.kwh_imp, K) + Units(st.total.kwh_exp, K));
}

TEST(EnergyRegisters, ExportTariffsAddUpToTheExportTotal) {
  const auto s = Balanced(50.0, 230.0, 5.0, 160.0);  // P < 0: export
  EnergyMeter& m = SharedMeter();
  ASSERT_EQ(m.Init(DefaultConfig(), nullptr, nullptr), Status::kOk);
  Feed(m, s, 3.0, 0, [&](long k) {
    if (k == 9000) m.registers().SetTariff(1);
  });
  const EnergyRegisters& r = m.registers();
  const EnergyState& st = r.state();
  const auto K = r.remainder_per_milli();
  ASSERT_GT(st.total.kwh_exp.milli(), 0u);
  EXPECT_EQ(st.total.kwh_imp.milli(), 0u);
  EXPECT_EQ(Units(st.kwh_exp_tariff[0], K) + Units(st.kwh_exp_tariff[1], K), Units(st.total.kwh_exp, K));
  EXPECT_EQ(st.kwh_imp_tariff[0].milli() + st.kwh_imp_tariff[1].milli(), 0u);
  EXPECT_NEAR(r.Kilo(st.kwh_exp_tariff[0]) / r.Kilo(st.total.kwh_exp), 9000.0 / (3.0 * kFs), 0.01);
}

TEST(EnergyRegisters, PartialStartStopReset) {
  const auto s = Balanced(50.0, 230.0, 5.0, 0.0);
  EnergyMeter& m = SharedMeter();
  ASSERT_EQ(m.Init(DefaultConfig(), nullptr, nullptr), Status::kOk);
  EnergyRegisters& r = m.registers();
  Feed(m, s, 1.0, 0);
  r.StartPartial();
  Feed(m, s, 2.0, 8000);
  r.StopPartial();
  const double at_stop = r.Kilo(r.state().partial.kwh_imp);
  Feed(m, s, 2.0, 24000);
  const double p = TrueP(s);
  EXPECT_NEAR(at_stop, p * 2.0 / 3.6e6, 0.02 * p * 2.0 / 3.6e6);  // 2 s to within a cycle
  EXPECT_EQ(r.Kilo(r.state().partial.kwh_imp), at_stop);          // stopped: frozen
  EXPECT_NEAR(r.Seconds(r.state().partial_import_ticks), 2.0, 0.04);
  EXPECT_GT(r.Kilo(r.state().total.kwh_imp), 2.4 * at_stop);  // the total kept counting
  r.ResetPartial();
  EXPECT_EQ(r.state().partial.kwh_imp.milli() + r.state().partial.kwh_imp.remainder(), 0u);
  EXPECT_EQ(r.state().partial_import_ticks, 0u);
  EXPECT_GT(r.state().total.kwh_imp.milli(), 0u);
}

// IEC 62053-22: the meter starts and keeps registering at 0.001 In, PF 1, Un.
TEST(EnergyRegisters, RegistersAtTheStartingCurrent) {
  const auto s = Balanced(50.0, 230.0, 0.001 * 5.0, 0.0);
  EnergyMeter& m = SharedMeter();
  ASSERT_EQ(m.Init(DefaultConfig(), nullptr, nullptr), Status::kOk);
  double previous = 0;
  for (int second = 0; second < 10; ++second) {
    Feed(m, s, 1.0, second * 8000L);
    const double now = m.registers().Kilo(m.registers().state().total.kwh_imp);
    if (second > 0) {
      EXPECT_GT(now, previous) << "stopped registering in second " << second;
    }
    previous = now;
  }
  const double expected = TrueP(s) * m.registers().Seconds(m.registers().state().on_ticks) / 3.6e6;
  EXPECT_NEAR(previous, expected, 1e-3 * expected);
}

// The no-load test: 115 % Un, current circuits open, at most one pulse in
// the time IEC 62053-22:2003 8.3.2 prescribes for class 0.5S,
// dt = 600e6 / (k m Un Imax) minutes (k pulses/kWh, m elements) (unverified
// secondary source). The current inputs see ADC noise (SNR 101 dB at 18 A
// peak full scale) and voltage crosstalk of 0.02 % of In.
TEST(EnergyRegisters, NoLoadAtOneHundredFifteenPercentVoltage) {
  const double k = 1000.0, elements = 3, un = 230.0, imax = 6.0;
  const double minutes = 600e6 / (k * elements * un * imax);
  ASSERT_NEAR(minutes, 144.9, 0.1);
  ThreePhaseSignal s = Balanced(50.0, 1.15 * un, 0.0, 0.0);
  for (auto& i : s.i) i.components.clear();
  const double noise_rms = 18.0 / std::sqrt(2.0) * std::pow(10.0, -101.0 / 20.0);
  const double crosstalk = 0.0002 * 5.0 / (1.15 * un);  // amperes per volt
  const double fs = 4000.0;                             // 4 kSPS keeps 145 minutes of signal quick
  const auto run = [&](float anti_creep, double run_minutes) {
    EnergyMeterConfig cfg = DefaultConfig();
    cfg.meter.sample_rate_hz = static_cast<float>(fs);
    cfg.anti_creep_fraction = anti_creep;
    hal::host::RecordingPulseOutput pulses;
    EnergyMeter& m = SharedMeter();
    EXPECT_EQ(m.Init(cfg, &pulses, nullptr), Status::kOk);
    std::uint64_t state = 12345;
    const auto gauss = [&]() {  // sum of 4 uniforms: cheap, near-Gaussian, reproducible
      double sum = 0;
      for (int j = 0; j < 4; ++j) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        sum += static_cast<double>(state >> 11) / 9007199254740992.0 - 0.5;
      }
      return sum * std::sqrt(3.0);
    };
    const long n = static_cast<long>(run_minutes * 60.0 * fs);
    for (long j = 0; j < n; ++j) {
      SampleFrame f = s.FrameAt(static_cast<double>(j) / fs);
      for (std::size_t p = 0; p < 3; ++p) f.i[p] = static_cast<float>(crosstalk * f.v[p] + noise_rms * gauss());
      m.ProcessFrame(f);
    }
    return std::make_pair(pulses.pulses(), m.registers().state().total.kwh_imp);
  };
#if defined(__SANITIZE_ADDRESS__)
  // Sanitizer builds run ten times slower: 20 minutes there, the full
  // duration in the release build.
  const double run_minutes = 20.0;
  std::printf("sanitizer build: no-load test shortened to %.0f of %.1f minutes\n", run_minutes, minutes);
#else
  const double run_minutes = minutes;
#endif
  const auto [pulses, kwh] = run(0.0004f, run_minutes);
  EXPECT_LE(pulses, 1u);
  EXPECT_EQ(kwh.milli() + kwh.remainder(), 0u) << "nothing registers at all";
  // Without anti-creep the same input registers within 10 minutes: the
  // test can fail.
  const auto [pulses_creeping, kwh_creeping] = run(0.0f, 10.0);
  EXPECT_GT(kwh_creeping.milli(), 0u);
  (void)pulses_creeping;
}

// Ten simulated years at constant power, from the starting-current power to
// Imax at a 2000:1 CT: every register equals P * t to within one unit of its
// last digit (0.001 kWh).
TEST(EnergyRegisters, TenYearsWithoutDrift) {
  const double ten_years_s = 10.0 * 365.25 * 86400.0;
  const float powers[] = {3.0f * 230.0f * 0.005f, 57.5f, 1234.567f, 4140.0f, 333333.3f, 8.28e6f};
  for (float p : powers) {
    for (int quadrant = 0; quadrant < 4; ++quadrant) {
      EnergyRegisters r;
      EnergyConfig cfg;
      cfg.rated_current_a = 5.0f;
      ASSERT_EQ(r.Init(cfg), Status::kOk);
      const float sp = (quadrant == 0 || quadrant == 3) ? 1.0f : -1.0f;
      const float sq = quadrant < 2 ? 1.0f : -1.0f;
      CycleEnergy c;
      c.phase_count = 3;
      for (std::size_t k = 0; k < 3; ++k) {
        c.p_w[k] = sp * p / 3.0f;
        c.q_var[k] = sq * p / 6.0f;
        c.s_va[k] = p / 2.5f;
      }
      c.p_total_w = c.p_w[0] + c.p_w[1] + c.p_w[2];
      c.q_total_var = c.q_var[0] + c.q_var[1] + c.q_var[2];
      c.s_total_va = 1.2f * p;
      // One-hour steps (the arithmetic is exact for any step; a real meter
      // steps by cycles, which the pipeline tests cover).
      const std::uint64_t hour = static_cast<std::uint64_t>(3600.0 * r.ticks_per_second());
      const long steps = static_cast<long>(ten_years_s / 3600.0);
      for (long step = 0; step < steps; ++step) {
        c.start_tick = static_cast<std::uint64_t>(step) * hour;
        c.end_tick = c.start_tick + hour;
        r.Integrate(c);
      }
      const long double t = static_cast<long double>(steps) * 3600.0L;
      const auto kwh = [&](float w) {
        return static_cast<double>(std::fabs(static_cast<long double>(w)) * t / 3.6e6L);
      };
      const EnergyState& st = r.state();
      const auto q = static_cast<std::size_t>(quadrant);
      SCOPED_TRACE(::testing::Message() << "P " << p << " quadrant " << quadrant + 1);
      EXPECT_NEAR(r.Kilo(sp > 0 ? st.total.kwh_imp : st.total.kwh_exp), kwh(c.p_total_w), 0.001);
      EXPECT_NEAR(r.Kilo(sq > 0 ? st.total.kvarh_imp : st.total.kvarh_exp), kwh(c.q_total_var), 0.001);
      EXPECT_NEAR(r.Kilo(st.total.kvah), kwh(c.s_total_va), 0.001);
      EXPECT_NEAR(r.Kilo(st.total.kwh_q[q]), kwh(c.p_total_w), 0.001);
      EXPECT_NEAR(r.Kilo(st.total.kvarh_q[q]), kwh(c.q_total_var), 0.001);
      if (sp > 0) {
        EXPECT_NEAR(r.Kilo(st.kwh_imp_tariff[0]), kwh(c.p_total_w), 0.001);
      }
      for (std::size_t k = 0; k < 3; ++k) {
        EXPECT_NEAR(r.Kilo(sp > 0 ? st.phases[k].kwh_imp : st.phases[k].kwh_exp), kwh(c.p_w[k]), 0.001);
        EXPECT_NEAR(r.Kilo(sq > 0 ? st.phases[k].kvarh_imp : st.phases[k].kvarh_exp), kwh(c.q_var[k]), 0.001);
      }
      EXPECT_NEAR(r.Seconds(sp > 0 ? st.import_ticks : st.export_ticks), static_cast<double>(t), 1e-6);
    }
  }
}

// Pulses: count equals the register to within one pulse at every frame, at
// most 16 Hz, each at least 30 ms long.
// Any rate, exactly as given: at rates that are not a multiple of 1/16 Hz
// (a recorder's 5759.9, a crystal's 7999.99, 4096.0001) one hour of
// cycles registers P * 1 h, and the time base is the rate itself.
TEST(EnergyRegisters, AnyRateIntegratesExactly) {
  for (const double rate : {5759.9, 7999.99, 4096.0001, 5760.001, 100.0, 32000.0}) {
    SCOPED_TRACE(::testing::Message() << "rate " << rate);
    EnergyRegisters r;
    EnergyConfig cfg;
    cfg.sample_rate_hz = rate;
    ASSERT_EQ(r.Init(cfg), Status::kOk);
    EXPECT_DOUBLE_EQ(r.ticks_per_second(), 16.0 * rate);
    CycleEnergy c;
    c.phase_count = 1;
    c.p_w[0] = c.p_total_w = 1000.0f;
    c.s_va[0] = c.s_total_va = 1000.0f;
    c.q_var[0] = c.q_total_var = 0.0f;
    // Cycles of 1 / 50 s rounded to ticks, as the meter makes them, to a
    // whole hour of ticks.
    const auto hour = static_cast<std::uint64_t>(std::llround(3600.0 * 16.0 * rate));
    const auto cycle = static_cast<std::uint64_t>(std::llround(16.0 * rate / 50.0));
    for (std::uint64_t t = 0; t < hour; t += cycle) {
      c.start_tick = t;
      c.end_tick = std::min(hour, t + cycle);
      r.Integrate(c);
    }
    const double hours = static_cast<double>(hour) / (16.0 * rate * 3600.0);
    EXPECT_NEAR(r.Kilo(r.state().total.kwh_imp), 1.0 * hours, 1e-12);
    EXPECT_NEAR(r.Seconds(r.state().on_ticks), 3600.0 * hours, 1e-9);
  }
  EnergyRegisters r;
  EnergyConfig cfg;
  for (const double bad :
       {0.0, -5760.0, 32000.5, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    cfg.sample_rate_hz = bad;
    EXPECT_EQ(r.Init(cfg), Status::kInvalidArgument) << bad;
  }
}

// The whole pipeline at a recorder's rate that is no multiple of 1/16 Hz:
// frequency and registered energy as at a round rate.
TEST(EnergyRegisters, PipelineAtARecordersRate) {
  const double rate = 5759.9;
  EnergyMeter& m = SharedMeter();
  EnergyMeterConfig cfg = DefaultConfig();
  cfg.meter.sample_rate_hz = rate;
  ASSERT_EQ(m.Init(cfg, nullptr, nullptr), Status::kOk);
  const ThreePhaseSignal s = Balanced(50.3, 230.0, 5.0, 0.0);
  std::vector<float> f;
  EnergyState before{};
  std::uint64_t ticks_before = 0;
  const long settle = static_cast<long>(rate), n = static_cast<long>(6.0 * rate);
  for (long k = 0; k < n; ++k) {
    if (k == settle) {
      before = m.registers().state();
      ticks_before = before.on_ticks;
    }
    if (m.ProcessFrame(s.FrameAt(static_cast<double>(k) / rate)) & kEventWindow)
      f.push_back(m.meter().LastWindow().f_hz);
  }
  ASSERT_GE(f.size(), 25u);
  for (std::size_t w = 1; w < f.size(); ++w) EXPECT_NEAR(f[w], 50.3, 1e-3) << "window " << w;
  const double seconds = m.registers().Seconds(m.registers().state().on_ticks - ticks_before);
  EXPECT_NEAR(Kwh(m, before.total.kwh_imp, m.registers().state().total.kwh_imp) * 3.6e6 / seconds, TrueP(s),
              1e-4 * TrueS(s));
}

TEST(EnergyRegisters, PulseCountFollowsTheRegister) {
  // 3 x 230 V x 26 A x PF 0.95 = 17 kW: 4.7 pulses/s at 1 Wh, and a
  // heavier load, 3 x 230 V x 80 A = 55 kW: 15.3 pulses/s, near the limit.
  for (double amps : {26.0, 80.0}) {
    const auto s = Balanced(50.0, 230.0, amps, 18.19);
    EnergyMeterConfig cfg = DefaultConfig();
    cfg.meter.current_full_scale = 200.0f;
    cfg.meter.rated_current_a = static_cast<float>(amps);
    cfg.pulse_weight_wh = 1;
    hal::host::RecordingPulseOutput out;
    EnergyMeter& m = SharedMeter();
    ASSERT_EQ(m.Init(cfg, &out, nullptr), Status::kOk);
    std::uint64_t worst_lag = 0;
    Feed(m, s, 20.0, 0, [&](long) {
      out.SetClock(m.now_tick());
      const std::uint64_t owed = m.registers().state().total.kwh_imp.milli() / 1000;
      worst_lag = std::max<std::uint64_t>(worst_lag, owed - m.pulses().emitted());
    });
    EXPECT_LE(worst_lag, 1u) << amps << " A";
    const double ticks_per_s = m.registers().ticks_per_second();
    const auto& e = out.edges();
    ASSERT_GT(e.size(), 20u);
    for (std::size_t j = 0; j + 1 < e.size(); ++j) {
      if (e[j].active) {
        EXPECT_FALSE(e[j + 1].active);
        EXPECT_GE((e[j + 1].tick - e[j].tick) / ticks_per_s, 0.030);
        if (j + 2 < e.size()) {
          EXPECT_GE((e[j + 2].tick - e[j].tick) / ticks_per_s, 1.0 / 16.0 - 1e-9);
        }
      }
    }
    const double kwh = m.registers().Kilo(m.registers().state().total.kwh_imp);
    EXPECT_NEAR(static_cast<double>(out.pulses()), kwh * 1000.0, 1.0);
  }
}

TEST(EnergyRegisters, ReferencePulseWeights) {
  EXPECT_EQ(ReferencePulseWeightWh(CurrentInput::kCt5A, 1.0f), 1u);
  EXPECT_EQ(ReferencePulseWeightWh(CurrentInput::kCt5A, 7.0f), 1u);
  EXPECT_EQ(ReferencePulseWeightWh(CurrentInput::kCt5A, 8.0f), 10u);
  EXPECT_EQ(ReferencePulseWeightWh(CurrentInput::kCt5A, 700.0f), 100u);
  EXPECT_EQ(ReferencePulseWeightWh(CurrentInput::kCt5A, 2000.0f), 1000u);
  EXPECT_EQ(ReferencePulseWeightWh(CurrentInput::kSensor333mV, 35.0f), 1u);
  EXPECT_EQ(ReferencePulseWeightWh(CurrentInput::kSensor333mV, 350.0f), 10u);
  EXPECT_EQ(ReferencePulseWeightWh(CurrentInput::kSensor333mV, 3500.0f), 100u);
  EXPECT_EQ(ReferencePulseWeightWh(CurrentInput::kSensor333mV, 10000.0f), 1000u);
  // The weights keep Imax at 115 % of 277 V, three elements, below 16 Hz.
  for (float ratio : {7.0f, 70.0f, 700.0f, 2000.0f}) {
    const double watts = 3 * 277.0 * 1.15 * 6.0 * ratio;
    EXPECT_LT(watts / 3600.0 / static_cast<double>(ReferencePulseWeightWh(CurrentInput::kCt5A, ratio)), 16.0) << ratio;
  }
}

}  // namespace
}  // namespace meter
