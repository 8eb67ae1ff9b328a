// The input conditioner on its own, float and Q31: calibration, ratios and
// (Q31) the kinds' shared scale; held, clipped and unused channels; the
// configurations Init refuses; and each target's whole-frame form against
// the portable loop, to the bit, flags included.
#include "meter/metering/input_conditioner.h"

#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "meter/dsp/target.h"
#include "whole_frame_forms.h"  // metering/src: the forms the meter passes

namespace meter {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// A small deterministic generator (the same sequence on every target).
std::uint32_t Next(std::uint32_t& state) {
  state = state * 1664525u + 1013904223u;
  return state;
}
float Uniform(std::uint32_t& state, float low, float high) {
  return low + (high - low) * static_cast<float>(Next(state) >> 8) / 16777216.0f;
}

MeterConfig Calibrated(Wiring wiring) {
  MeterConfig c;
  c.wiring = wiring;
  c.vt_ratio = {1.0f, 2.0f, 4.0f};
  c.ct_ratio = {100.0f, 200.0f, 400.0f};
  c.voltage_cal = {{{1.01f, 0.5f}, {0.99f, -0.25f}, {1.0f, 0.0f}}};
  c.current_cal = {{{1.02f, 0.01f}, {0.98f, -0.02f}, {1.0f, 0.0f}}};
  return c;
}

TEST(InputConditionerFloat, OffsetGainAndRatioPerChannel) {
  const MeterConfig c = Calibrated(Wiring::k3P4W);
  InputConditioner<dsp::FloatNumeric> stage;
  ASSERT_EQ(stage.Init(c), Status::kOk);
  const SampleFrame in{{100.0f, -200.0f, 300.0f}, {1.0f, -2.0f, 3.0f}};
  EXPECT_EQ(stage.Condition(in), 0);
  for (std::size_t p = 0; p < 3; ++p) {
    EXPECT_FLOAT_EQ(stage.frame()[p], (in.v[p] - c.voltage_cal[p].offset) * c.voltage_cal[p].gain * c.vt_ratio[p]);
    EXPECT_FLOAT_EQ(stage.frame()[3 + p], (in.i[p] - c.current_cal[p].offset) * c.current_cal[p].gain * c.ct_ratio[p]);
  }
  EXPECT_EQ(stage.v_unit(), 1.0f);
}

TEST(InputConditionerFloat, HeldClippedAndUnusedChannels) {
  MeterConfig c = Calibrated(Wiring::k1P2W);
  InputConditioner<dsp::FloatNumeric> stage;
  ASSERT_EQ(stage.Init(c), Status::kOk);
  // Channels B and C are not used: whatever they hold, they stay zero.
  ASSERT_EQ(stage.Condition({{10.0f, kNaN, 1e30f}, {1.0f, kNaN, -1e30f}}), 0);
  const float va = stage.frame()[0], ia = stage.frame()[3];
  for (const std::size_t ch : {1u, 2u, 4u, 5u}) EXPECT_EQ(stage.frame()[ch], 0.0f) << "channel " << ch;
  // A non-finite input holds the channel's previous value and sets its bit.
  EXPECT_EQ(stage.Condition({{kNaN, 0.0f, 0.0f}, {std::numeric_limits<float>::infinity(), 0.0f, 0.0f}}),
            (1u << 0) | (1u << 3));
  EXPECT_EQ(stage.frame()[0], va);
  EXPECT_EQ(stage.frame()[3], ia);
  // At or beyond full scale: clipped to it, and flagged as clipped.
  EXPECT_EQ(stage.Condition({{-1e20f, 0.0f, 0.0f}, {c.current_full_scale, 0.0f, 0.0f}}),
            (1u << (kSampleClippedShift + 0)) | (1u << (kSampleClippedShift + 3)));
  EXPECT_FLOAT_EQ(stage.frame()[0], (-c.voltage_full_scale - 0.5f) * 1.01f);
  EXPECT_FLOAT_EQ(stage.frame()[3], (c.current_full_scale - 0.01f) * 1.02f * 100.0f);
}

// Frames mostly in range, some with a channel beyond full scale or not
// finite, on every wiring: the form (where the target has one) and the
// portable loop give the same frame and flags, to the bit.
TEST(InputConditionerFloat, WholeFrameFormIsThePortableLoop) {
  if (!dsp::kX86Sse2) GTEST_SKIP() << "no float whole-frame form on this target: the portable loop is the only one";
  std::uint32_t state = 7;
  int frames = 0;
  for (const Wiring wiring : {Wiring::k1P2W, Wiring::k2P3W, Wiring::k3P3W, Wiring::k3P4W}) {
    const MeterConfig c = Calibrated(wiring);
    InputConditioner<dsp::FloatNumeric> with_form, portable;
    ASSERT_EQ(with_form.Init(c), Status::kOk);
    ASSERT_EQ(portable.Init(c), Status::kOk);  // given no form: the portable loop
    for (int round = 0; round < 2000; ++round) {
      SampleFrame in;
      for (std::size_t p = 0; p < 3; ++p) {
        in.v[p] = Uniform(state, -c.voltage_full_scale, c.voltage_full_scale);
        in.i[p] = Uniform(state, -c.current_full_scale, c.current_full_scale);
      }
      if (round % 7 == 0) in.v[static_cast<std::size_t>(round % 3)] = round % 2 ? kNaN : 2e3f;
      if (round % 11 == 0) in.i[static_cast<std::size_t>(round % 3)] = -c.current_full_scale;
      const std::uint16_t want = portable.Condition(in);
      ASSERT_EQ(with_form.Condition(in, detail::WholeFrameForm<dsp::FloatNumeric>{}), want) << "round " << round;
      for (std::size_t ch = 0; ch < 6; ++ch) {
        ASSERT_EQ(std::bit_cast<std::uint32_t>(with_form.frame()[ch]),
                  std::bit_cast<std::uint32_t>(portable.frame()[ch]))
            << "round " << round << " channel " << ch;
      }
      ++frames;
    }
  }
  EXPECT_EQ(frames, 8000);
}

TEST(InputConditionerQ31, CodesToTheKindsSharedScale) {
  MeterConfig c = Calibrated(Wiring::k3P4W);
  c.voltage_cal = {};
  c.current_cal = {};
  InputConditioner<dsp::Q31Numeric> stage;
  ASSERT_EQ(stage.Init(c), Status::kOk);
  // One sample unit is full scale times the kind's largest ratio over 2^29.
  EXPECT_EQ(stage.v_unit(), c.voltage_full_scale * 4.0f);
  EXPECT_EQ(stage.i_unit(), c.current_full_scale * 400.0f);
  // Half of full scale on each channel: 2^28 times the phase's ratio over
  // the largest (1/4, 1/2, 1 for both kinds).
  constexpr std::int32_t kHalf = 1 << 22;  // of 2^23 (24-bit codes)
  EXPECT_EQ(stage.Condition({{kHalf, kHalf, kHalf}, {-kHalf, -kHalf, -kHalf}}), 0);
  const std::array<std::int32_t, 6> want{1 << 26, 1 << 27, 1 << 28, -(1 << 26), -(1 << 27), -(1 << 28)};
  EXPECT_EQ(stage.frame(), want);
}

TEST(InputConditionerQ31, ClippedCodesAndTheSampleBound) {
  MeterConfig c = Calibrated(Wiring::k3P4W);
  c.adc_bits = 16;
  InputConditioner<dsp::Q31Numeric> stage;
  ASSERT_EQ(stage.Init(c), Status::kOk);
  stage.UseWholeFrameForm(false);
  // +-(2^15 - 1) is the range; a code there or beyond is clipped and flagged.
  const std::int32_t limit = (1 << 15) - 1;
  EXPECT_EQ(stage.Condition({{limit + 100, 0, 0}, {0, 0, -limit}}),
            (1u << (kSampleClippedShift + 0)) | (1u << (kSampleClippedShift + 5)));
  const auto clipped = stage.frame();
  EXPECT_EQ(stage.Condition({{limit, 0, 0}, {0, 0, -limit}}), (1u << kSampleClippedShift) | (1u << 11));
  EXPECT_EQ(stage.frame(), clipped);
  // No code, in range or clipped, gives a sample beyond the bound (a
  // negative one reaches it: the shift rounds toward minus infinity).
  for (std::size_t ch = 0; ch < 6; ++ch) {
    for (const std::int32_t code : std::array<std::int32_t, 5>{limit, -limit, limit - 1, -(limit - 1), 0}) {
      AdcFrame in{};
      (ch < 3 ? in.v[ch] : in.i[ch - 3]) = code;
      stage.Condition(in);
      EXPECT_LE(std::abs(std::int64_t{stage.frame()[ch]}), stage.SampleBound(ch)) << "channel " << ch;
    }
  }
}

TEST(InputConditionerQ31, RefusesWhatCouldOverflow) {
  InputConditioner<dsp::Q31Numeric> stage;
  MeterConfig c = Calibrated(Wiring::k3P4W);
  c.adc_bits = 20;
  EXPECT_EQ(stage.Init(c), Status::kInvalidArgument) << "only 16- and 24-bit codes";
  c = Calibrated(Wiring::k3P4W);
  c.voltage_cal[2].gain = 1.3f;  // phase C has the largest ratio: 1.3 relative to it
  EXPECT_EQ(stage.Init(c), Status::kInvalidArgument) << "gain beyond 1.25";
  c = Calibrated(Wiring::k3P4W);
  c.current_cal[0].offset = 1.01f * c.current_full_scale;
  EXPECT_EQ(stage.Init(c), Status::kInvalidArgument) << "offset beyond the ADC's range";
  EXPECT_EQ(stage.Init(Calibrated(Wiring::k3P4W)), Status::kOk);
}

TEST(InputConditionerQ31, WholeFrameFormIsThePortableLoop) {
  const MeterConfig c = Calibrated(Wiring::k3P4W);
  {
    InputConditioner<dsp::Q31Numeric> probe;
    ASSERT_EQ(probe.Init(c), Status::kOk);
    // Init turns the form on exactly where it exists and can run.
    const bool form_runs = dsp::kArmBlockLoads || (dsp::kX86Avx2 && dsp::X86HasAvx2Fma());
    if (!form_runs) GTEST_SKIP() << "no Q31 whole-frame form runs here (needs the Cortex-M4F, or an x86 CPU with AVX2)";
  }
  std::uint32_t state = 11;
  int frames = 0, clipped = 0;
  for (const int bits : {24, 16}) {
    MeterConfig config = c;
    config.adc_bits = bits;
    InputConditioner<dsp::Q31Numeric> with_form, portable;
    ASSERT_EQ(with_form.Init(config), Status::kOk);
    ASSERT_EQ(portable.Init(config), Status::kOk);
    portable.UseWholeFrameForm(false);
    const std::int32_t limit = (1 << (bits - 1)) - 1;
    for (int round = 0; round < 2000; ++round) {
      AdcFrame in;
      for (std::size_t p = 0; p < 3; ++p) {
        in.v[p] = static_cast<std::int32_t>(Next(state)) >> (33 - bits);
        in.i[p] = static_cast<std::int32_t>(Next(state)) >> (33 - bits);
      }
      if (round % 5 == 0) in.i[static_cast<std::size_t>(round % 3)] = round % 2 ? limit : -limit - 7;
      const std::uint16_t want = portable.Condition(in);
      clipped += want != 0;
      ASSERT_EQ(with_form.Condition(in, detail::WholeFrameForm<dsp::Q31Numeric>{}), want) << "round " << round;
      ASSERT_EQ(with_form.frame(), portable.frame()) << "round " << round;
      ++frames;
    }
  }
  EXPECT_EQ(frames, 4000);
  EXPECT_EQ(clipped, 800);
}

}  // namespace
}  // namespace meter
