// The Q31 meter's x86 run loop against the per-sample arithmetic it
// replaces, written here from Q31Numeric's operations: every sum and every
// last-sample value equal to the bit. (The meter-level comparison,
// MeterQ31.VectorRunsEqualThePerSampleLoopToTheBit, cannot see a one-unit
// difference in a sum: the window's figures are floats.)
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "meter/dsp/numeric.h"
#include "meter/dsp/target.h"
#include "meter/metering/adc_conditioning.h"
#include "meter/metering/quantity_run_x86.h"
#include "support/q31_run_samples.h"

namespace meter::detail {
namespace {

#if METER_DSP_X86_AVX2

using N = dsp::Q31Numeric;
using K = QuantityRunSumsQ31;

// What a run of `count` samples must sum to, sample by sample.
QuantityRunSumsQ31 Reference(const QuantityRunSetupQ31& setup, const std::int32_t* first, int count) {
  QuantityRunSumsQ31 r{};
  for (int k = 0; k < count; ++k) {
    const std::int32_t* frame = first + 6 * k;
    std::int64_t q[K::kKinds][8] = {};
    std::array<std::int32_t, 6> x{};
    for (int ch = 0; ch < 6; ++ch) x[ch] = N::Sub(frame[ch], setup.dc[ch]);
    std::array<std::int32_t, 3> ic{};
    for (int p = 0; p < 3; ++p) {
      std::int64_t acc = 0;
      for (int t = 0; t < setup.lagrange_taps; ++t) {
        acc += setup.lagrange[t][p] * std::int64_t{frame[6 * (setup.lagrange_first + t) + 3 + p]};
      }
      ic[p] = N::Sub(N::RoundCoefDot(acc), static_cast<std::int32_t>(setup.dc_current[p]));
    }
    for (int ch = 0; ch < 6; ++ch) {
      q[K::kX][ch] = N::Widen(x[ch]);
      q[K::kSquares][K::kSquareLane[ch]] = N::Mul(x[ch], x[ch]);
    }
    for (int p = 0; p < 3; ++p) {
      q[K::kIc][p] = N::Widen(ic[p]);
      q[K::kVIc][p] = N::Mul(x[p], ic[p]);
      const std::int32_t ll = N::Sub(x[p], x[(p + 1) % 3]);
      q[K::kLln][p] = N::Mul(ll, ll);
    }
    const std::int32_t neutral = N::Add3(x[3], x[4], x[5]);
    q[K::kLln][3] = N::Mul(neutral, neutral);
    for (int kind = 0; kind < K::kKinds; ++kind) {
      for (int lane = 0; lane < 8; ++lane) {
        r.sum[kind][lane] += q[kind][lane];
        r.last[kind][lane] = q[kind][lane];
      }
    }
  }
  return r;
}

// Runs of every length up to the meter's longest, at the 4-, 5- and
// any-tap forms, with windows before and after the sample, samples near the
// bounds the meter checks (each channel within 1.25 full scale, the
// neutral's three currents and the voltages' differences within range).
TEST(QuantityRunQ31, SumsEqualThePerSampleArithmeticToTheBit) {
  if (!dsp::X86HasAvx2Fma()) GTEST_SKIP() << "this CPU has no AVX2: the meter runs the per-sample loop";
  std::mt19937 rng(20261122);
  test::Q31RunSamples samples;
  std::uniform_int_distribution<int> taps_of(4, QuantityRunSetupQ31::kMaxLagrangeTaps);
  std::uniform_int_distribution<int> first_of(-4, 3);
  constexpr int kMargin = 16;  // frames before and after the run
  int checked = 0;
  for (int round = 0; round < 400; ++round) {
    const int count = 1 + round % 32;
    std::vector<std::int32_t> frames(static_cast<std::size_t>(6 * (count + 2 * kMargin)));
    for (std::size_t k = 0; k < frames.size(); ++k)
      frames[k] = (k % 6) < 3 ? samples.voltage(rng) : samples.current(rng);
    // A run of samples at the extremes: the largest products and sums.
    if (round % 5 == 0) {
      for (std::size_t k = 0; k < frames.size(); ++k) {
        frames[k] = (k % 6) < 3 ? ((k / 6) % 2 ? samples.voltage.max() : samples.voltage.min())
                                : ((k / 7) % 2 ? samples.current.max() : samples.current.min());
      }
    }
    QuantityRunSetupQ31 setup;
    setup.lagrange_taps = round % 3 == 0 ? 4 : round % 3 == 1 ? 5 : taps_of(rng);
    setup.lagrange_first = first_of(rng);
    for (int ch = 0; ch < 6; ++ch) setup.dc[ch] = samples.dc(rng);
    for (int p = 0; p < 3; ++p) {
      setup.dc_current[p] = setup.dc[3 + p];
      // Each phase's four Lagrange taps somewhere in the window, summing to
      // about one (Q30); zero elsewhere.
      const int offset = std::uniform_int_distribution<int>(0, setup.lagrange_taps - 4)(rng);
      std::int64_t sum = 0;
      for (int t = 0; t < 3; ++t) sum += setup.lagrange[offset + t][p] = samples.tap(rng);
      setup.lagrange[offset + 3][p] = (std::int64_t{1} << 30) - sum;
    }
    const std::int32_t* first = frames.data() + 6 * kMargin;
    QuantityRunSumsQ31 got;
    SumQuantityRunQ31Avx2(setup, first, count, got);
    const QuantityRunSumsQ31 want = Reference(setup, first, count);
    for (int kind = 0; kind < K::kKinds; ++kind) {
      for (int lane = 0; lane < 8; ++lane) {
        ASSERT_EQ(got.sum[kind][lane], want.sum[kind][lane])
            << "sum kind " << kind << " lane " << lane << " round " << round;
        ASSERT_EQ(got.last[kind][lane], want.last[kind][lane])
            << "last kind " << kind << " lane " << lane << " round " << round;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 400 * K::kKinds * 8);
}

// The Q31 conditioning in AVX2 against the scalar loop's formula, per
// channel ((code - offset) 2^shift times the Q30 gain, >> 30): 24- and
// 16-bit codes up to the limit, offsets and gains (to 1.25) of both
// extremes, unused channels zero whatever their codes, and any used code at
// or beyond the limit left to the scalar loop (false, nothing written).
TEST(QuantityRunQ31, ConditioningEqualsTheScalarFormulaToTheBit) {
  if (!dsp::X86HasAvx2Fma()) GTEST_SKIP() << "this CPU has no AVX2: the meter conditions per channel";
  std::mt19937 rng(5);
  int written = 0, refused = 0;
  for (const int adc_bits : {24, 16}) {
    const std::int32_t limit = (1 << (adc_bits - 1)) - 1;
    std::uniform_int_distribution<std::int32_t> offset_of(-limit / 64, limit / 64);
    std::uniform_int_distribution<std::int32_t> gain_of(1 << 29, (1 << 30) + (1 << 28));  // 0.5 .. 1.25
    for (int round = 0; round < 2000; ++round) {
      AdcConditioningQ31 setup;
      setup.code_limit = limit;
      setup.code_shift = N::kSampleBits - (adc_bits - 1);
      const int phases = 1 + round % 3;
      for (int p = 0; p < phases; ++p) setup.used[p] = setup.used[3 + p] = -1;
      for (int ch = 0; ch < 6; ++ch) {
        setup.offset_code[ch] = round % 11 == 0 ? (ch % 2 ? limit : -limit) : offset_of(rng);
        setup.gain_q[ch] = round % 13 == 0 ? (1 << 30) + (1 << 28) : gain_of(rng);
      }
      // Codes within the limit, at its edge, and (some rounds) one beyond.
      std::uniform_int_distribution<std::int32_t> code_of(-(limit - 1), limit - 1);
      std::int32_t codes[6];
      for (auto& c : codes) c = round % 7 == 0 ? (code_of(rng) > 0 ? limit - 1 : -(limit - 1)) : code_of(rng);
      const int beyond = round % 5 == 0 ? round % 6 : -1;
      if (beyond >= 0) codes[beyond] = round % 2 ? limit : -limit - 3;
      std::int32_t out[6] = {11, 11, 11, 11, 11, 11};
      const bool done = ConditionFrameQ31Avx2(setup, codes, out);
      const bool beyond_used = beyond >= 0 && setup.used[beyond] != 0;
      ASSERT_EQ(done, !beyond_used) << "round " << round;
      if (!done) {
        for (const std::int32_t v : out) ASSERT_EQ(v, 11) << "nothing written when refused";
        ++refused;
        continue;
      }
      for (int ch = 0; ch < 6; ++ch) {
        std::int32_t want = 0;
        if (setup.used[ch] != 0) {
          const std::int32_t x = (codes[ch] - setup.offset_code[ch]) * (std::int32_t{1} << setup.code_shift);
          want = static_cast<std::int32_t>((static_cast<std::int64_t>(x) * setup.gain_q[ch]) >> N::kCoefBits);
        }
        ASSERT_EQ(out[ch], want) << "round " << round << " channel " << ch;
      }
      ++written;
    }
  }
  EXPECT_GT(written, 3000);
  EXPECT_GT(refused, 300);
}

#endif

}  // namespace
}  // namespace meter::detail
