// Wirings, line-to-line voltages, neutral current, unbalance.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>

#include "meter/metering/meter.h"
#include "support/synthetic_signal.h"

namespace meter {
namespace {

using testing::ChannelSignal;
using testing::Expect;
using testing::RunWindows;
using testing::ThreePhaseSignal;

Meter& SharedMeter() {
  static Meter meter;
  return meter;
}

ChannelSignal Sine(double rms, double phase_deg, std::vector<testing::Harmonic> extra = {}) {
  ChannelSignal c;
  c.components.push_back({1, rms, phase_deg});
  for (auto& h : extra) c.components.push_back(h);
  return c;
}

std::vector<WindowResult> RunWiring(Wiring wiring, const ThreePhaseSignal& s, float un = 230.0f, int high_leg = 1) {
  MeterConfig cfg;
  cfg.wiring = wiring;
  cfg.nominal_hz = s.f_hz < 55 ? 50.0f : 60.0f;
  cfg.nominal_voltage_v = un;
  cfg.high_leg_phase = high_leg;
  cfg.current_full_scale = 100.0f;  // these currents are primary amperes, CT ratio 1
  Meter& m = SharedMeter();
  EXPECT_EQ(m.Init(cfg), Status::kOk);
  auto w = RunWindows(m, s, 1.2);
  EXPECT_GE(w.size(), 4u);
  w.erase(w.begin(), w.begin() + 2);  // settling
  return w;
}

double NeutralRms(const ThreePhaseSignal& s, int phases) {
  double sum = 0;
  for (int h = 1; h <= 63; ++h) {
    std::complex<double> n;
    for (int p = 0; p < phases; ++p) n += s.i[static_cast<std::size_t>(p)].Phasor(h);
    sum += std::norm(n);
  }
  return std::sqrt(sum);
}

TEST(MeterWiring, SinglePhaseTwoWire) {
  ThreePhaseSignal s;
  s.f_hz = 60.0;
  s.v[0] = Sine(120.0, 0.0, {{3, 6.0, 20.0}});
  s.i[0] = Sine(15.0, -25.0, {{3, 3.0, -40.0}});
  // Unused channels carry garbage a single-phase meter must ignore.
  s.v[1] = Sine(999.0, 33.0);
  s.i[2] = Sine(77.0, 12.0);
  for (const auto& r : RunWiring(Wiring::k1P2W, s, 120.0f)) {
    EXPECT_EQ(r.phase_count, 1);
    EXPECT_EQ(r.line_to_line_count, 0);
    EXPECT_FALSE(r.has_neutral);
    EXPECT_FALSE(r.has_unbalance);
    EXPECT_EQ(r.flags, 0u);
    const auto e = Expect(s.v[0], s.i[0]);
    EXPECT_NEAR(r.phases[0].p_w, e.p, 1e-4 * e.s);
    EXPECT_NEAR(r.phases[0].q_var, e.q, 5e-4 * e.s);
    EXPECT_NEAR(r.total.p_w, e.p, 1e-4 * e.s);
    EXPECT_NEAR(r.total.s_va, e.s, 1e-4 * e.s);
  }
}

TEST(MeterWiring, SplitPhaseThreeWire) {
  ThreePhaseSignal s;
  s.f_hz = 60.0;
  s.v[0] = Sine(120.0, 0.0);
  s.v[1] = Sine(120.0, 180.0);
  s.i[0] = Sine(20.0, -10.0);
  s.i[1] = Sine(8.0, 180.0 - 30.0, {{3, 2.0, 15.0}});
  for (const auto& r : RunWiring(Wiring::k2P3W, s, 120.0f)) {
    EXPECT_EQ(r.phase_count, 2);
    EXPECT_EQ(r.line_to_line_count, 1);
    EXPECT_NEAR(r.v_ll_rms[0], 240.0, 240e-4);
    EXPECT_TRUE(r.has_neutral);
    EXPECT_NEAR(r.i_n_rms, NeutralRms(s, 2), 1e-4 * 20.0);
    EXPECT_FALSE(r.has_unbalance);
    double p = 0, s_total = 0;
    for (int k = 0; k < 2; ++k) {
      const auto e = Expect(s.v[static_cast<std::size_t>(k)], s.i[static_cast<std::size_t>(k)]);
      p += e.p;
      s_total += e.s;
    }
    EXPECT_NEAR(r.total.p_w, p, 1e-4 * s_total);
    EXPECT_NEAR(r.total.s_va, s_total, 1e-4 * s_total);
  }
}

// Two-wattmeter: with a common-mode voltage on all three inputs (a meter
// whose reference floats) and an unbalanced load, the total power is still
// the true power of the three-wire system.
TEST(MeterWiring, ThreePhaseThreeWireTwoWattmeter) {
  ThreePhaseSignal s;
  s.f_hz = 50.0;
  for (int p = 0; p < 3; ++p)
    s.v[static_cast<std::size_t>(p)] = Sine(230.0, -120.0 * p, {{5, 11.5, -600.0 * p}, {1, 40.0, 77.0}});
  // Unbalanced three-wire load: ib = -(ia + ic) at every order.
  s.i[0] = Sine(10.0, -30.0, {{5, 2.0, 10.0}});
  s.i[2] = Sine(4.0, 120.0 - 5.0);
  for (int h = 1; h <= 5; ++h) {
    const std::complex<double> b = -(s.i[0].Phasor(h) + s.i[2].Phasor(h));
    if (std::abs(b) > 0) s.i[1].components.push_back({h, std::abs(b), std::arg(b) * 180.0 / testing::kPi});
  }
  // True total power: any common voltage reference cancels because sum(i) = 0.
  double p_true = 0, q_true = 0;
  for (int h = 1; h <= 5; ++h) {
    for (int k = 0; k < 3; ++k) {
      const auto sv =
          s.v[static_cast<std::size_t>(k)].Phasor(h) * std::conj(s.i[static_cast<std::size_t>(k)].Phasor(h));
      p_true += sv.real();
      q_true += sv.imag();
    }
  }
  for (const auto& r : RunWiring(Wiring::k3P3W, s)) {
    EXPECT_EQ(r.phase_count, 3);
    EXPECT_FALSE(r.has_neutral);
    EXPECT_TRUE(r.has_unbalance);
    EXPECT_NEAR(r.total.p_w, p_true, 1e-4 * r.total.s_va);
    EXPECT_NEAR(r.total.q_var, q_true, 5e-4 * r.total.s_va);
    // Line-to-line voltages do not see the common mode; phase voltages are
    // taken to the virtual star point, which removes it.
    const auto ab = testing::Difference(s.v[0], s.v[1]);
    EXPECT_NEAR(r.v_ll_rms[0], testing::Rms(ab), 1e-4 * testing::Rms(ab));
    EXPECT_NEAR(r.phases[0].v_rms, std::sqrt(230.0 * 230.0 + 11.5 * 11.5), 1e-4 * 230.0);
    EXPECT_LT(r.unbalance_v_pct, 0.01);
    EXPECT_TRUE(std::isnan(r.unbalance_v0_pct));
  }
}

TEST(MeterWiring, HighLegDelta) {
  // 240 V delta, centre-tapped A-C winding: A and C are 120 V to neutral,
  // the high leg B is 208 V.
  ThreePhaseSignal s;
  s.f_hz = 60.0;
  s.v[0] = Sine(120.0, 0.0);
  s.v[1] = Sine(120.0 * std::sqrt(3.0), -90.0);
  s.v[2] = Sine(120.0, 180.0);
  for (int p = 0; p < 3; ++p) s.i[static_cast<std::size_t>(p)] = Sine(10.0 + p, -120.0 * p - 20.0);
  for (const auto& r : RunWiring(Wiring::k3P4WHighLeg, s, 120.0f, 1)) {
    EXPECT_EQ(r.flags, 0u);
    for (int l = 0; l < 3; ++l) EXPECT_NEAR(r.v_ll_rms[static_cast<std::size_t>(l)], 240.0, 240e-4);
    EXPECT_NEAR(r.phases[1].v_rms, 207.846, 0.03);
    EXPECT_LT(r.unbalance_v_pct, 0.01);  // the L-L set is balanced
    EXPECT_TRUE(r.has_neutral);
    EXPECT_NEAR(r.i_n_rms, NeutralRms(s, 3), 1e-3);
  }
}

// Unbalance: u2 and u0 of voltage and current against the Fortescue
// transform of the signal's phasors, computed here in double.
TEST(MeterWiring, UnbalanceAndNeutralFourWire) {
  ThreePhaseSignal s;
  s.f_hz = 50.0;
  s.v[0] = Sine(230.0, 0.0, {{3, 10.0, 0.0}});
  s.v[1] = Sine(218.0, -123.0, {{3, 10.0, 10.0}});
  s.v[2] = Sine(236.0, 118.0, {{3, 10.0, 20.0}});
  s.i[0] = Sine(10.0, -20.0, {{3, 3.0, 0.0}});
  s.i[1] = Sine(6.0, -150.0, {{3, 3.0, 5.0}});
  s.i[2] = Sine(8.0, 100.0, {{3, 3.0, 10.0}});
  const std::complex<double> a = std::polar(1.0, 2.0 * testing::kPi / 3.0);
  const auto seq = [&](const std::array<ChannelSignal, 3>& c, int k) {
    const auto A = c[0].Phasor(1), B = c[1].Phasor(1), C = c[2].Phasor(1);
    if (k == 0) return (A + B + C) / 3.0;
    if (k == 1) return (A + a * B + a * a * C) / 3.0;
    return (A + a * a * B + a * C) / 3.0;
  };
  const double u2 = 100.0 * std::abs(seq(s.v, 2)) / std::abs(seq(s.v, 1));
  const double u0 = 100.0 * std::abs(seq(s.v, 0)) / std::abs(seq(s.v, 1));
  const double i2 = 100.0 * std::abs(seq(s.i, 2)) / std::abs(seq(s.i, 1));
  const double i0 = 100.0 * std::abs(seq(s.i, 0)) / std::abs(seq(s.i, 1));
  ASSERT_GT(u2, 1.0);
  for (const auto& r : RunWiring(Wiring::k3P4W, s)) {
    EXPECT_NEAR(r.unbalance_v_pct, u2, 0.005);
    EXPECT_NEAR(r.unbalance_v0_pct, u0, 0.005);
    EXPECT_NEAR(r.unbalance_i_pct, i2, 0.005);
    EXPECT_NEAR(r.unbalance_i0_pct, i0, 0.005);
    EXPECT_NEAR(r.i_n_rms, NeutralRms(s, 3), 1e-4 * 10.0);
  }
}

// One table names the wirings for every tool and file (metering/config.h).
TEST(WiringNames, RoundTrip) {
  for (const char* n : {"1p2w", "2p3w", "3p3w", "3p4w", "3p4w-highleg"}) {
    const auto w = WiringFromName(n);
    ASSERT_TRUE(w.has_value()) << n;
    EXPECT_EQ(WiringName(*w), n);
  }
  EXPECT_FALSE(WiringFromName("4p5w").has_value());
  EXPECT_FALSE(WiringFromName("3P4W").has_value());  // the tools' spelling is lower case
  static_assert(WiringFromName("3p3w") == Wiring::k3P3W && WiringName(Wiring::k1P2W) == "1p2w");
}

}  // namespace
}  // namespace meter
