// ValidateConfig on its own: the defaults pass, and each field out of its
// range is refused, without a meter.
#include "meter/metering/config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

namespace meter {
namespace {

TEST(ValidateConfig, TheDefaultsAndTheRangeEndsPass) {
  EXPECT_EQ(ValidateConfig(MeterConfig{}), Status::kOk);
  MeterConfig c;
  c.sample_rate_hz = kMinSampleRateHz;
  c.phase_comp_deg = {5.0f, -5.0f, 0.0f};
  c.missing_voltage_fraction = 0.0f;
  c.max_harmonic_order = 2;
  EXPECT_EQ(ValidateConfig(c), Status::kOk);
  c.sample_rate_hz = kMaxSampleRateHz;
  c.nominal_hz = 60.0f;
  EXPECT_EQ(ValidateConfig(c), Status::kOk);
}

TEST(ValidateConfig, EachFieldOutOfRangeIsRefused) {
  constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
  const std::vector<std::function<void(MeterConfig&)>> breaks = {
      [](MeterConfig& c) { c.sample_rate_hz = 99.9; },
      [](MeterConfig& c) { c.sample_rate_hz = 32000.5; },
      [](MeterConfig& c) { c.sample_rate_hz = std::nan(""); },
      [](MeterConfig& c) { c.nominal_hz = 55.0f; },
      [](MeterConfig& c) { c.nominal_voltage_v = 0.0f; },
      [](MeterConfig& c) { c.rated_current_a = kNaN; },
      [](MeterConfig& c) { c.high_leg_phase = 3; },
      [](MeterConfig& c) { c.max_harmonic_order = 1; },
      [](MeterConfig& c) { c.max_harmonic_order = 1000; },
      [](MeterConfig& c) { c.voltage_full_scale = -1.0f; },
      [](MeterConfig& c) { c.current_full_scale = std::numeric_limits<float>::infinity(); },
      [](MeterConfig& c) { c.missing_voltage_fraction = 1.0f; },
      [](MeterConfig& c) { c.vt_ratio[2] = 0.0f; },
      [](MeterConfig& c) { c.ct_ratio[1] = kNaN; },
      [](MeterConfig& c) { c.voltage_cal[0].gain = 0.0f; },
      [](MeterConfig& c) { c.current_cal[2].offset = kNaN; },
      [](MeterConfig& c) { c.phase_comp_deg[1] = 5.01f; },
      [](MeterConfig& c) { c.phase_comp_deg[0] = kNaN; },
  };
  for (std::size_t k = 0; k < breaks.size(); ++k) {
    MeterConfig c;
    breaks[k](c);
    EXPECT_EQ(ValidateConfig(c), Status::kInvalidArgument) << "break " << k;
  }
}

}  // namespace
}  // namespace meter
