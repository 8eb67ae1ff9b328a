#include "meter/metering/interface_values.h"

#include <gtest/gtest.h>

#include <limits>

namespace meter {
namespace {

TEST(InterfaceValues, ReferenceResolutions) {
  WindowResult w;
  w.phase_count = 1;
  w.f_hz = 49.99951f;
  w.phases[0] = {230.04f, 5.0004f, 1150.06f, -12.34f, 1150.2f, 0.99949f, 0, 0, 0, 0};
  w.total = {1150.06f, -12.34f, 1150.2f, std::numeric_limits<float>::quiet_NaN()};
  const InterfaceValues v = ToInterface(w);
  EXPECT_EQ(v.f_mhz, 50000);  // 49.9995 Hz rounds to 50.000
  EXPECT_EQ(v.phases[0].v_dv, 2300);
  EXPECT_EQ(v.phases[0].i_ma, 5000);
  EXPECT_EQ(v.phases[0].p_dw, 11501);
  EXPECT_EQ(v.phases[0].q_dvar, -123);
  EXPECT_EQ(v.phases[0].pf_milli, 999);
  EXPECT_EQ(v.pf_total_milli, kUndefined);      // undefined, never a made-up number
  EXPECT_EQ(v.i_n_ma, kUndefined);              // 1P2W has no neutral
  EXPECT_EQ(Quantize(1e12f, 0.1f), INT32_MAX);  // clamps, never wraps
  EXPECT_EQ(Quantize(-1e12f, 0.1f), -INT32_MAX);
}

TEST(InterfaceValues, RegisterDisplayTruncates) {
  EnergyCounter c;
  c.Restore(12345999, 17);  // 12.345999 kWh
  EXPECT_EQ(RegisterWh(c), 12345u);
}

}  // namespace
}  // namespace meter

#include <cstring>
#include <type_traits>

#include "meter/metering/firmware_meter.h"

namespace meter {
namespace {

TEST(FirmwareVariant, FollowsTheCMakeOption) {
  // The host build's default is float; a q31 configure flips it.
  const bool q31 = std::is_same_v<FirmwareNumeric, dsp::Q31Numeric>;
  EXPECT_EQ(q31, METER_FIRMWARE_NUMERIC_Q31 == 1);
  EXPECT_STREQ(FirmwareNumeric::kName, q31 ? "q31" : "float");
}

}  // namespace
}  // namespace meter
