// The accuracy campaign: the calibrated meter passes class 0.5S on both
// front ends and both numeric types; the uncalibrated one does not.
#include "meter/host_sim/campaign.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace meter::host_sim {
namespace {

CampaignOptions Quick(FrontEndKind fe, bool q31) {
  CampaignOptions o;
  o.front_end = fe;
  o.q31 = q31;
  o.measure_s = 2.0;        // the main job measures 10 s per point
  o.no_load_minutes = 1.0;  // the main job runs the full IEC duration (72.5 min)
  return o;
}

class Campaign : public ::testing::TestWithParam<std::tuple<FrontEndKind, bool>> {};

TEST_P(Campaign, CalibratedMeterPassesClassHalfS) {
  const auto [fe, q31] = GetParam();
  const CampaignResult r = RunCampaign(Quick(fe, q31), nullptr);
  EXPECT_TRUE(r.pass);
  EXPECT_TRUE(r.pass_class[2]);
  int active = 0, reactive = 0, variations = 0;
  for (const auto& p : r.points) {
    EXPECT_TRUE(p.pass) << p.test << " " << p.quantity << " I/In " << p.i_over_in << " PF " << p.pf << " error "
                        << p.error_pct;
    active += p.quantity == "active" && p.kind == "error";
    reactive += p.quantity == "reactive";
    variations += p.kind == "variation";
  }
  EXPECT_EQ(active, 8 + 7 + 7 + 12 + 2 + 1);  // PF 1, 0.5L, 0.8C, single-phase, 45/65 Hz, starting current
  // Every point's registers measured its time to within one cycle.
  EXPECT_TRUE(r.time_failures.empty());
  EXPECT_LE(r.worst_time_error_cycles, 1.0);
  EXPECT_EQ(reactive, 7 + 6 + 6);
  EXPECT_EQ(variations, 10);
  const auto j = nlohmann::json::parse(CampaignJson(r));
  EXPECT_EQ(j["class"], "0.5S");
  EXPECT_EQ(j["front_end"], fe == FrontEndKind::kMv5 ? "mv5" : "av5");
  EXPECT_EQ(j["numeric"], q31 ? "q31" : "float");
  EXPECT_EQ(j["pass"], true);
  for (const auto& p : j["points"]) {
    for (const char* key : {"test", "i_over_in", "pf", "f_hz", "error_pct", "limit_pct", "pass"})
      EXPECT_TRUE(p.contains(key)) << key;
  }
}

INSTANTIATE_TEST_SUITE_P(FrontEndsAndNumerics, Campaign,
                         ::testing::Combine(::testing::Values(FrontEndKind::kMv5, FrontEndKind::kAv5),
                                            ::testing::Bool()));

// The ratings' extremes: a 1 A and a 10 kA sensor, a 2000:1 CT (10 kA).
TEST(CampaignRatings, ExtremesPass) {
  CampaignOptions a = Quick(FrontEndKind::kMv5, true);
  a.rated_primary_a = 1.0;
  EXPECT_TRUE(RunCampaign(a, nullptr).pass);
  CampaignOptions b = Quick(FrontEndKind::kMv5, false);
  b.rated_primary_a = 10000.0;
  EXPECT_TRUE(RunCampaign(b, nullptr).pass);
  CampaignOptions c = Quick(FrontEndKind::kAv5, false);
  c.ct_ratio = 2000.0;
  EXPECT_TRUE(RunCampaign(c, nullptr).pass);
}

TEST(CampaignNegative, UncalibratedMeterFails) {
  CampaignOptions o = Quick(FrontEndKind::kAv5, false);
  o.calibrate = false;  // 0.2-0.6 % channel gain errors, 0.2 degree CT phase error, 8 us skew
  const CampaignResult r = RunCampaign(o, nullptr);
  EXPECT_FALSE(r.pass);
}

TEST(CampaignLimits, ClassTableBoundaries) {
  // The starting current registers; the no-load point counts pulses.
  const CampaignResult r = RunCampaign(Quick(FrontEndKind::kMv5, false), nullptr);
  bool saw_start = false, saw_no_load = false;
  for (const auto& p : r.points) {
    if (p.test == "balanced" && p.quantity == "active" && p.pf == "1") {
      EXPECT_EQ(p.limit_pct[2], p.i_over_in < 0.05 ? 1.0 : 0.5) << p.i_over_in;
      EXPECT_EQ(p.limit_pct[1], p.i_over_in < 0.05 ? 0.4 : 0.2) << p.i_over_in;
    }
    if (p.test == "balanced" && p.quantity == "active" && p.pf == "0.5L") {
      EXPECT_EQ(p.limit_pct[2], p.i_over_in < 0.1 ? 1.0 : 0.6) << p.i_over_in;
    }
    if (p.test == "balanced" && p.quantity == "reactive" && p.pf == "sin1") {
      EXPECT_EQ(p.limit_pct[2], p.i_over_in < 0.05 ? 2.5 : 2.0) << p.i_over_in;
    }
    if (p.test == "starting_current") {
      // Held to the class's limit at 0.01 In, PF 1, not only to "registers".
      EXPECT_EQ(p.limit_pct[0], 0.2);
      EXPECT_EQ(p.limit_pct[1], 0.4);
      EXPECT_EQ(p.limit_pct[2], 1.0);
      EXPECT_LE(std::fabs(p.error_pct), p.limit_pct[2]);
    }
    saw_start |= p.test == "starting_current" && p.pass;
    saw_no_load |= p.test == "no_load" && p.error_pct == 0.0;
  }
  EXPECT_TRUE(saw_start);
  EXPECT_TRUE(saw_no_load);
}

// The no-load duration is each class's own: 900 10^6 / (k m Un Imax) for
// 0.2S (and 0.1S), 600 10^6 / (...) for 0.5S. The campaign's default
// meter: k = 100 imp/kWh, three elements, 230 V, a 100 A sensor (Imax 120 A).
TEST(CampaignLimits, NoLoadDurationPerClass) {
  EXPECT_NEAR(NoLoadMinutes(AccuracyClass::k0_5S, 100, 3, 230, 120), 72.46, 0.01);
  EXPECT_NEAR(NoLoadMinutes(AccuracyClass::k0_2S, 100, 3, 230, 120), 108.70, 0.01);
  EXPECT_NEAR(NoLoadMinutes(AccuracyClass::k0_1S, 100, 3, 230, 120), 108.70, 0.01);
}

}  // namespace
}  // namespace meter::host_sim
