// The built-in self-test scenario on the host: the deterministic signal is
// what its definition says, and both numeric variants measure it within the
// exact-value tolerances the firmware images apply.
#include "meter/metering/self_test.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

namespace meter::selftest {
namespace {

TEST(SelfTestSignal, RecurrenceMatchesTheDefinitionAfterThreeSeconds) {
  Signal s;
  for (std::uint64_t k = 0; k + 1 < kTotalFrames; ++k) s.Next();
  const AdcFrame last = s.Next();
  const double t = static_cast<double>(kTotalFrames - 1) / kSampleRateHz;
  const auto& d = Signal::Definition();
  for (std::size_t ch = 0; ch < 6; ++ch) {
    double x = 0;
    for (int k = 0; k < d[ch].count; ++k) {
      const auto& tone = d[ch].tones[static_cast<std::size_t>(k)];
      x += std::sqrt(2.0) * tone.rms * std::cos(2 * M_PI * kSignalHz * tone.order * t + tone.phase_deg * M_PI / 180);
    }
    const double full_scale = ch < 3 ? 676.0 : 18.0;
    const double expected_code = x / full_scale * (1 << 23);
    const std::int32_t code = ch < 3 ? last.v[ch] : last.i[ch - 3];
    EXPECT_NEAR(code, expected_code, 0.51) << "channel " << ch;
  }
}

template <typename Numeric>
void ExpectExactWithinTolerance() {
  static BasicEnergyMeter<Numeric> meter;
  static typename MeteringLoop<Numeric, 80>::Buffer buffer;
  ASSERT_EQ(meter.Init(Config(), nullptr, nullptr), Status::kOk);
  MeteringLoop<Numeric, 80> loop(meter, buffer, nullptr, nullptr);
  int measured_blocks = 0;
  RegisterMark mark;
  Run(loop, buffer, mark, [&](bool measured, auto poll) {
    measured_blocks += measured ? 1 : 0;
    poll();
  });
  EXPECT_EQ(measured_blocks, 100);
  const Summary got = Summarise(meter, mark);
  const Summary exact = Exact();
  int compared = 0;
  for (int f = 0; f < kFieldCount; ++f) {
    const double want = ExactFor(f, exact, got);
    const double tol = ExactTolerance(f, want);
    if (std::isnan(tol)) continue;
    EXPECT_NEAR(got[static_cast<std::size_t>(f)], want, tol) << FieldName(f);
    std::printf("%-24s %14.9g exact %14.9g: %.2e relative\n", FieldName(f), got[static_cast<std::size_t>(f)], want,
                std::fabs(got[static_cast<std::size_t>(f)] - want) / std::fabs(want));
    ++compared;
  }
  EXPECT_EQ(compared, kRegisteredSeconds);  // every figure and energy register
  EXPECT_EQ(got[kWindowFlags], 0.0);
  // From the mark at 1 s: the registers measured the last 2 s, to a cycle.
  EXPECT_NEAR(got[kRegisteredSeconds], 2.0, 0.02);
}

TEST(SelfTest, FloatMeterMeasuresTheExactValues) { ExpectExactWithinTolerance<dsp::FloatNumeric>(); }
TEST(SelfTest, Q31MeterMeasuresTheExactValues) { ExpectExactWithinTolerance<dsp::Q31Numeric>(); }

}  // namespace
}  // namespace meter::selftest
