// Accuracy of the float pipeline against analytically known values:
// double-precision synthetic input at 8 kHz, sums of harmonics.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "meter/metering/meter.h"
#include "support/synthetic_signal.h"

namespace meter {
namespace {

using testing::Balanced;
using testing::Difference;
using testing::Expect;
using testing::RunWindows;

constexpr double kUn = 230.0;
constexpr double kIn = 5.0;
constexpr int kSettlingWindows = 2;

struct Case {
  double f_hz;
  double phi_deg;     // 0 (PF 1), 60 (0.5 L), -36.87 (0.8 C)
  bool harmonics;     // 10 % 5th in V, 40 % 5th in I
  double i_fraction;  // of In
};

std::string Name(const ::testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  const char* pf = c.phi_deg == 0 ? "pf1" : (c.phi_deg > 0 ? "pf05L" : "pf08C");
  char buf[96];
  std::snprintf(buf, sizeof buf, "f%d_%s_%s_i%ldpermille", static_cast<int>(c.f_hz), pf, c.harmonics ? "h5" : "pure",
                std::lround(c.i_fraction * 1000));
  return buf;
}

MeterConfig ConfigFor(double f_hz) {
  MeterConfig cfg;
  cfg.nominal_hz = f_hz < 55.0 ? 50.0f : 60.0f;
  cfg.nominal_voltage_v = static_cast<float>(kUn);
  cfg.rated_current_a = static_cast<float>(kIn);
  return cfg;
}

// Worst errors over the whole sweep, printed at the end so the figures in
// docs/ACCURACY.md can be reproduced: ctest --preset host -R MeterAccuracy -V
struct WorstErrors {
  double rms = 0, p = 0, s = 0, q = 0, q1 = 0, p1 = 0, thd = 0, f = 0, ll = 0;
};

// The worst errors published in docs/ACCURACY.md (this sweep's, measured).
// Besides the required limits, every window must stay within ten times
// them: a regression that keeps the requirement but multiplies a published
// figure by ten fails here.
constexpr WorstErrors kPublished{6.3e-7, 7.9e-7, 7.3e-7, 7.2e-7, 7.2e-7, 8.3e-7, 0.0007, 2.3e-5, 2.6e-7};
constexpr double kGuard = 10.0;
WorstErrors g_worst;

void Track(double& worst, double error) { worst = std::max(worst, std::fabs(error)); }

class MeterAccuracy : public ::testing::TestWithParam<Case> {
 public:
  static void TearDownTestSuite() {
    std::printf(
        "worst errors over the sweep: Vrms/Irms %.2e, S %.2e, P %.2e of S, Q %.2e of S, Q1 %.2e of S, "
        "P1 %.2e of S, L-L %.2e, THD %.4f pp, f %.2e Hz\n",
        g_worst.rms, g_worst.s, g_worst.p, g_worst.q, g_worst.q1, g_worst.p1, g_worst.ll, g_worst.thd, g_worst.f);
  }
};

TEST_P(MeterAccuracy, EveryWindowMeetsTheLimits) {
  const Case c = GetParam();
  static Meter meter;  // large: keep it off the stack
  ASSERT_EQ(meter.Init(ConfigFor(c.f_hz)), Status::kOk);
  const auto signal = c.harmonics ? Balanced(c.f_hz, kUn, c.i_fraction * kIn, c.phi_deg, {{5, 0.10}}, {{5, 0.40}})
                                  : Balanced(c.f_hz, kUn, c.i_fraction * kIn, c.phi_deg);
  const auto windows = RunWindows(meter, signal, 2.0);
  ASSERT_GE(windows.size(), 7u);

  for (std::size_t w = kSettlingWindows; w < windows.size(); ++w) {
    const WindowResult& r = windows[w];
    SCOPED_TRACE(::testing::Message() << "window " << w);
    EXPECT_EQ(r.flags, 0u);
    EXPECT_NEAR(r.f_hz, c.f_hz, 1e-3);
    EXPECT_NEAR(r.f_hz, c.f_hz, kGuard * kPublished.f);
    Track(g_worst.f, r.f_hz - c.f_hz);
    double total_p = 0, total_q = 0, total_s = 0;
    for (int p = 0; p < 3; ++p) {
      const auto up = static_cast<std::size_t>(p);
      const auto e = Expect(signal.v[up], signal.i[up]);
      const PhaseValues& ph = r.phases[up];
      EXPECT_NEAR(ph.v_rms, e.v_rms, 1e-4 * e.v_rms);
      EXPECT_NEAR(ph.i_rms, e.i_rms, 1e-4 * e.i_rms);
      EXPECT_NEAR(ph.s_va, e.s, 1e-4 * e.s);
      EXPECT_NEAR(ph.p_w, e.p, 1e-4 * e.s);
      EXPECT_NEAR(ph.q_var, e.q, 5e-4 * e.s);
      EXPECT_NEAR(ph.q1_var, e.q1, 5e-4 * e.s);
      EXPECT_NEAR(ph.p1_w, e.p1, 5e-4 * e.s);
      EXPECT_NEAR(ph.pf, e.p / e.s, 1e-4);
      EXPECT_NEAR(ph.thd_v_pct, e.thd_v, 0.05);
      EXPECT_NEAR(ph.thd_i_pct, e.thd_i, 0.05);
      EXPECT_NEAR(ph.v_rms, e.v_rms, kGuard * kPublished.rms * e.v_rms);
      EXPECT_NEAR(ph.i_rms, e.i_rms, kGuard * kPublished.rms * e.i_rms);
      EXPECT_NEAR(ph.s_va, e.s, kGuard * kPublished.s * e.s);
      EXPECT_NEAR(ph.p_w, e.p, kGuard * kPublished.p * e.s);
      EXPECT_NEAR(ph.q_var, e.q, kGuard * kPublished.q * e.s);
      EXPECT_NEAR(ph.q1_var, e.q1, kGuard * kPublished.q1 * e.s);
      EXPECT_NEAR(ph.p1_w, e.p1, kGuard * kPublished.p1 * e.s);
      EXPECT_NEAR(ph.thd_v_pct, e.thd_v, kGuard * kPublished.thd);
      EXPECT_NEAR(ph.thd_i_pct, e.thd_i, kGuard * kPublished.thd);
      Track(g_worst.p1, (ph.p1_w - e.p1) / e.s);
      Track(g_worst.rms, (ph.v_rms - e.v_rms) / e.v_rms);
      Track(g_worst.rms, (ph.i_rms - e.i_rms) / e.i_rms);
      Track(g_worst.s, (ph.s_va - e.s) / e.s);
      Track(g_worst.p, (ph.p_w - e.p) / e.s);
      Track(g_worst.q, (ph.q_var - e.q) / e.s);
      Track(g_worst.q1, (ph.q1_var - e.q1) / e.s);
      Track(g_worst.thd, ph.thd_v_pct - e.thd_v);
      Track(g_worst.thd, ph.thd_i_pct - e.thd_i);
      total_p += e.p;
      total_q += e.q;
      total_s += e.s;
    }
    for (int l = 0; l < 3; ++l) {
      const auto ll =
          Difference(signal.v[static_cast<std::size_t>(l)], signal.v[static_cast<std::size_t>((l + 1) % 3)]);
      const double expected = testing::Rms(ll);
      EXPECT_NEAR(r.v_ll_rms[static_cast<std::size_t>(l)], expected, 1e-4 * expected);
      EXPECT_NEAR(r.v_ll_rms[static_cast<std::size_t>(l)], expected, kGuard * kPublished.ll * expected);
      Track(g_worst.ll, (r.v_ll_rms[static_cast<std::size_t>(l)] - expected) / expected);
      EXPECT_NEAR(r.thd_v_ll_pct[static_cast<std::size_t>(l)], testing::Thd(ll, 31), 0.05);
    }
    EXPECT_NEAR(r.total.p_w, total_p, 1e-4 * total_s);
    EXPECT_NEAR(r.total.q_var, total_q, 5e-4 * total_s);
    EXPECT_NEAR(r.total.s_va, total_s, 1e-4 * total_s);
    EXPECT_LT(r.unbalance_v_pct, 0.01);
  }
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (double f : {45.0, 50.0, 60.0, 65.0}) {
    for (double phi : {0.0, 60.0, -36.869897645844}) {
      for (bool h : {false, true}) {
        for (double i : {0.01, 0.1, 1.0, 1.2}) cases.push_back({f, phi, h, i});
      }
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Sweep, MeterAccuracy, ::testing::ValuesIn(AllCases()), Name);

}  // namespace
}  // namespace meter
