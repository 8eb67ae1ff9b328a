// Every hand-written form of the core against its portable twin (or its
// definition), to the bit: on the Cortex-M4F (tests/target runs this file
// there under qemu-system-arm) the assembly and DSP-instruction forms, on
// x86-64 hosts the SSE2 forms. Where a target has no hand-written form the
// comparison would set the portable loop against itself, so it skips and
// says so. These were the self-test image's printed checks; each was made
// to fail once under a mutation of the code it guards.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "meter/dsp/cycle_spectrum.h"
#include "meter/dsp/edge_integrator.h"
#include "meter/dsp/numeric.h"
#include "meter/dsp/sinc_interpolator.h"
#include "meter/dsp/target.h"
#include "meter/metering/adc_conditioning.h"
#include "meter/metering/cycle_resampler.h"
#include "meter/metering/quantity_run_q31.h"

#include "integrator_block_add.h"  // metering/src: the block add the integrator takes

namespace {

constexpr const char* kNoArmForm =
    "no Cortex-M4F form on this target: the call takes the portable loop (tests/target runs this on the Cortex-M4F)";

// Reproducible test values with no libc state: a 32-bit LCG, as int32.
std::int32_t NextTestValue(std::uint32_t& state) {
  state = state * 1664525u + 1013904223u;
  return static_cast<std::int32_t>(state);
}

// The resampler's target-specific loops over contiguous frames (block loads)
// against the portable loop the same call takes for any other frame reader:
// they must agree to the bit, float and Q31, at every cutoff the meter can
// choose.
// Calls differs(interpolator, u) at 64 points of every cutoff the meter
// can choose; returns how many differ (an interpolator that fails to
// initialise counts as one).
template <typename Differs>
int ResamplerPointMismatches(int& points, Differs differs) {
  int mismatches = 0;
  for (const float cutoff : {0.5f, 0.3249f, 0.25f, 0.1f}) {
    meter::dsp::SincInterpolator interpolator;
    if (interpolator.Init(cutoff) != meter::Status::kOk) {
      ++mismatches;
      continue;
    }
    for (int step = 0; step < 64; ++step) {
      ++points;
      if (differs(interpolator, static_cast<float>(step) / 64.0f + 0x1p-9f)) ++mismatches;
    }
  }
  return mismatches;
}

template <typename Numeric>
int ResamplerMismatches(int& points) {
  using Sample = typename Numeric::Sample;
  using Frame = std::array<Sample, 6>;
  constexpr int kFrames = meter::dsp::SincInterpolator::kMaxTaps;
  static std::array<Frame, kFrames> frames;
  std::uint32_t state = 12345u;
  for (auto& f : frames) {
    for (auto& v : f) {
      const std::int32_t r = NextTestValue(state);
      if constexpr (std::is_floating_point_v<Sample>) {
        v = static_cast<float>(r) * 0x1p-31f;
      } else {
        v = r / 2;  // within the Q29 samples' two guard bits
      }
    }
  }
  const meter::dsp::ContiguousRun<Frame> run{frames.data()};
  const auto portable = [&](int j) -> const Frame& { return frames[static_cast<std::size_t>(j)]; };
  return ResamplerPointMismatches(points, [&](const meter::dsp::SincInterpolator& interpolator, float u) {
    Sample fast[6], reference[6];
    interpolator.InterpolateFrames<Numeric, 6>(u, run, fast);
    interpolator.InterpolateFrames<Numeric, 6>(u, portable, reference);
    return std::memcmp(fast, reference, sizeof fast) != 0;
  });
}

// The Q31 resampler with the DC shifts in its sums' start against the
// portable loop and Sub, where the tap bound rules out saturation.
int FromStartsMismatches(int& points) {
  using Frame = std::array<std::int32_t, 6>;
  constexpr int kFrames = meter::dsp::SincInterpolator::kMaxTaps;
  static std::array<Frame, kFrames> frames;
  std::uint32_t state = 4242u;
  for (auto& f : frames) {
    for (auto& v : f) v = NextTestValue(state) / 4;  // within 2^29
  }
  const auto portable = [&](int j) -> const Frame& { return frames[static_cast<std::size_t>(j)]; };
  return ResamplerPointMismatches(points, [&](const meter::dsp::SincInterpolator& interpolator, float u) {
    std::int32_t offset[6], fast[6], point[6], reference[6];
    for (auto& o : offset) o = NextTestValue(state) / 8;
    std::int64_t starts[6];
    meter::dsp::SincInterpolator::OffsetStarts(offset, starts);
    interpolator.InterpolateSixFromStarts(u, frames[0].data(), starts, fast, 1);
    interpolator.InterpolateFrames<meter::dsp::Q31Numeric, 6>(u, portable, point);
    for (std::size_t ch = 0; ch < 6; ++ch) reference[ch] = meter::dsp::Q31Numeric::Sub(point[ch], offset[ch]);
    return std::memcmp(fast, reference, sizeof fast) != 0;
  });
}

// A Q31 grid loop (a cycle's points from a run of frames) against one
// portable point at a time, less the offsets: each point's values and the
// first point not done (the run's end, and an origin that puts the first
// windows before the run), at every cutoff. `grid_loop(s, frames, length,
// grid, first_point, starts, out)` is the loop under test.
template <typename GridLoop>
int GridMismatches(int& points, GridLoop grid_loop) {
  using Frame = std::array<std::int32_t, 6>;
  constexpr int kFrames = 200;
  constexpr auto kStride = meter::dsp::SincInterpolator::kGridOutStride;
  static std::array<Frame, kFrames> frames;
  static std::array<std::int32_t, 6 * kStride> out, want;
  std::uint32_t state = 777u;
  for (auto& f : frames) {
    for (auto& v : f) v = NextTestValue(state) / 4;  // within 2^29
  }
  struct Case {
    float cutoff;
    std::int64_t origin;
    float start_frac, step;
    int first_point, length;
  };
  static constexpr Case kCases[] = {{0.3249f, 12, 0.3f, 1.24f, 0, kFrames}, {0.3249f, 12, 0.0f, 1.24f, 5, 120},
                                    {0.5f, 30, 0.75f, 0.61f, 0, 90},        {0.1f, 70, 0.5f, 0.93f, 3, kFrames},
                                    {0.25f, -4, 0.2f, 1.0f, 0, kFrames},    {0.3249f, 150, 0.1f, 1.3f, 0, 100}};
  int mismatches = 0;
  for (const Case& c : kCases) {
    meter::dsp::SincInterpolator s;
    if (s.Init(c.cutoff) != meter::Status::kOk) {
      ++mismatches;
      continue;
    }
    const int half = s.half_span();
    std::int32_t offset[6];
    for (auto& o : offset) o = NextTestValue(state) / 8;
    std::int64_t starts[6];
    meter::dsp::SincInterpolator::OffsetStarts(offset, starts);
    out.fill(-7);
    want.fill(-7);
    const meter::dsp::SincInterpolator::PointGrid grid{c.origin, c.start_frac, c.step, 128};
    const int done = grid_loop(s, frames[0].data(), c.length, grid, c.first_point, starts, out.data());
    int want_done = c.first_point;
    for (int j = c.first_point; j < grid.count; ++j) {
      const float rel = grid.start_frac + static_cast<float>(j) * grid.step;
      const int whole = static_cast<int>(rel);
      const std::int64_t first = grid.origin + whole - half + 1;
      if (first < 0 || first + 2 * half > c.length) break;
      std::int32_t point[6];
      s.InterpolateFrames<meter::dsp::Q31Numeric, 6>(
          rel - static_cast<float>(whole),
          [&](int k) -> const Frame& { return frames[static_cast<std::size_t>(first + k)]; }, point);
      for (std::size_t ch = 0; ch < 6; ++ch) {
        want[ch * kStride + static_cast<std::size_t>(j)] = meter::dsp::Q31Numeric::Sub(point[ch], offset[ch]);
      }
      want_done = j + 1;
    }
    points += want_done - c.first_point;
    if (done != want_done || out != want) ++mismatches;
  }
  return mismatches;
}

// MagnitudeBound (four values a block load on the Cortex-M4F) against the
// OR of the magnitudes, at lengths 0 to 70 with int32's extremes.
int MagnitudeBoundMismatches(int& arrays) {
  static std::array<std::int32_t, 70> x;
  std::uint32_t state = 99u;
  int mismatches = 0;
  for (int n = 0; n <= static_cast<int>(x.size()); ++n) {
    for (int round = 0; round < 3; ++round) {
      for (auto& v : x) v = NextTestValue(state) >> (round * 9);
      if (round == 2 && n > 1) x[static_cast<std::size_t>(n / 2)] = std::numeric_limits<std::int32_t>::min();
      std::uint32_t want = 0;
      for (int m = 0; m < n; ++m) {
        const std::int64_t v = x[static_cast<std::size_t>(m)];
        want |= static_cast<std::uint32_t>(v < 0 ? -v : v);
      }
      ++arrays;
      if (meter::dsp::MagnitudeBound(x.data(), n) != want) ++mismatches;
    }
  }
  return mismatches;
}

// The Q31 cycle pass (a resampled cycle into its window's sum and fold)
// against the portable loop: every block shift from -12 to 6, cycles at
// the int32 extremes, twiddles of both signs.
int CyclePassMismatches(int& passes) {
  constexpr int kPoints = meter::dsp::kPointsPerCycle;
  static std::array<std::int32_t, kPoints> x;
  static std::array<std::int32_t, 2 * kPoints> fold_fast, fold_portable;
  static std::array<std::int32_t, kPoints> sum_fast, sum_portable;
  std::uint32_t state = 31337u;
  int mismatches = 0;
  for (int pre = -12; pre <= 6; ++pre) {
    for (int round = 0; round < 3; ++round) {
      // Samples within the block limit at this shift (as the meter's), the
      // last round at int32's extremes where the shift allows it.
      const int headroom = pre >= 0 ? 27 - pre : 27;
      for (auto& v : x) v = NextTestValue(state) >> (31 - headroom);
      if (round == 2 && pre <= -2)
        x[0] = std::numeric_limits<std::int32_t>::max(), x[1] = std::numeric_limits<std::int32_t>::min();
      for (std::size_t k = 0; k < fold_fast.size(); ++k) fold_fast[k] = fold_portable[k] = NextTestValue(state) >> 4;
      for (std::size_t k = 0; k < sum_fast.size(); ++k) sum_fast[k] = sum_portable[k] = NextTestValue(state) >> 4;
      const std::int32_t tw_re = NextTestValue(state), tw_im = NextTestValue(state);
#if METER_DSP_ARM_BLOCK_LOADS
      meter::dsp::detail::AccumulateScaledCycleQ31Arm(x.data(), pre, tw_re, tw_im, fold_fast.data(), sum_fast.data());
#else
      meter::dsp::detail::AccumulateScaledCycleQ31(x.data(), pre, tw_re, tw_im, fold_fast.data(), sum_fast.data());
#endif
      meter::dsp::detail::AccumulateScaledCycleQ31(x.data(), pre, tw_re, tw_im, fold_portable.data(),
                                                   sum_portable.data());
      ++passes;
      if (fold_fast != fold_portable || sum_fast != sum_portable) ++mismatches;
    }
  }
  return mismatches;
}

// The Q31 conditioning of a three-phase frame against the scalar formula:
// 24- and 16-bit codes with offsets and gains across their ranges, codes at
// and beyond the limits (refused, so that the scalar loop clips them).
int ConditioningMismatches(int& frames) {
  std::uint32_t state = 2024u;
  int mismatches = 0;
  for (int round = 0; round < 400; ++round) {
    meter::detail::AdcConditioningQ31 adc;
    const int bits = round % 2 == 0 ? 24 : 16;
    adc.SetCodeBits(bits);
    adc.code_shift = 29 - (bits - 1);
    std::int32_t codes[6], got[6];
    bool in_range = true;
    for (int ch = 0; ch < 6; ++ch) {
      adc.offset_code[ch] = NextTestValue(state) >> (32 - bits + 2);
      adc.gain_q[ch] = static_cast<std::int32_t>((NextTestValue(state) & 0x3FFFFFFF) + (1 << 28));  // to 1.25 in Q30
      codes[ch] = NextTestValue(state) >> (32 - bits);
      if (round % 5 == 0 && ch == round % 6)
        codes[ch] = round % 3 == 0 ? adc.code_limit : -adc.code_limit - (round % 4);
      if (codes[ch] >= adc.code_limit || codes[ch] <= -adc.code_limit) in_range = false;
    }
    bool taken = false;  // the form exists on the Cortex-M4F only (the test skips elsewhere)
    if constexpr (meter::dsp::kArmBlockLoads) taken = meter::detail::ConditionSixChannelsArm(adc, codes, got);
    ++frames;
    // The form takes every frame in range and refuses the others (the
    // scalar loop then clips them).
    if (taken != in_range) {
      ++mismatches;
      continue;
    }
    if (!taken) continue;
    for (int ch = 0; ch < 6; ++ch) {
      const std::int32_t x = (codes[ch] - adc.offset_code[ch]) * (std::int32_t{1} << adc.code_shift);
      const auto want = static_cast<std::int32_t>((static_cast<std::int64_t>(x) * adc.gain_q[ch]) >> 30);
      if (got[ch] != want) {
        ++mismatches;
        break;
      }
    }
  }
  return mismatches;
}

// The Q31 run loop's hand-scheduled loops against their portable twins:
// runs of every length, one to three phases, compensation windows on either
// side, samples within the bounds under which the meter takes the loop.
int PhaseRunMismatches(int& runs) {
  using Setup = meter::detail::PhaseRunSetupQ31;
  constexpr int kMargin = 8;
  static std::array<std::int32_t, 6 * (Setup::kMaxRun + 2 * kMargin)> frames;
  std::uint32_t state = 777u;
  for (std::size_t k = 0; k < frames.size(); ++k) frames[k] = NextTestValue(state) / (k % 6 < 3 ? 3 : 5);
  int mismatches = 0;
  for (int round = 0; round < 96; ++round) {
    Setup setup;
    setup.phases = 1 + round % 3;
    setup.line_to_line = setup.phases == 1 ? 0 : setup.phases == 2 ? 1 : 3;
    int lowest = 0, highest = 0;
    for (int p = 0; p < 3; ++p) {
      setup.dc_v[p] = NextTestValue(state) >> 6;
      setup.dc_i[p] = NextTestValue(state) >> 6;
      setup.advance[p] = (round / 3 + p) % 5 - 2;
      std::int32_t sum = 0;
      for (int t = 0; t < 3; ++t) sum += setup.taps[p][t] = NextTestValue(state) >> 3;
      setup.taps[p][3] = (std::int32_t{1} << 30) - sum;
      lowest = std::min(lowest, setup.advance[p] - 1);
      highest = std::max(highest, setup.advance[p] + 2);
    }
    setup.reach_first = lowest;
    setup.reach_last = highest;
    const int count = 1 + round % Setup::kMaxRun;
    std::array<std::int64_t, meter::detail::PhaseRunLayout::kCount> sums{}, last{}, want_sums{}, want_last{};
    meter::detail::SumPhaseRunQ31(setup, &frames[6 * kMargin], count, sums.data(), last.data());
    meter::detail::SumPhaseRunQ31Portable(setup, &frames[6 * kMargin], count, want_sums.data(), want_last.data());
    ++runs;
    if (sums != want_sums || last != want_last) ++mismatches;
  }
  return mismatches;
}

// The integrators' block add against one Add per integrator, float and Q31.
template <typename Numeric>
bool BlockAddMatchesLoop() {
  using Acc = typename Numeric::Product;
  constexpr std::size_t kCount = 23;  // as many as the meter's quantities
  std::array<meter::dsp::EdgeIntegrator<Numeric>, kCount> block{}, loop{};
  std::array<Acc, kCount> f{};
  std::uint32_t state = 777u;
  for (int step = 0; step < 50; ++step) {
    for (auto& v : f) {
      const std::int32_t r = NextTestValue(state);
      if constexpr (std::is_floating_point_v<Acc>) {
        v = static_cast<float>(r) * 0x1p-20f;
      } else {
        v = static_cast<std::int64_t>(r) << 15;  // carries into the high word
      }
    }
    meter::dsp::AddToEach(block, f, meter::detail::IntegratorBlockAdd{});
    for (std::size_t k = 0; k < kCount; ++k) loop[k].Add(f[k]);
  }
  bool same = true;
  for (std::size_t k = 0; k < kCount; ++k) {
    const Acc a = block[k].SplitAndAdd(Acc{}, Acc{}, 0.0f);
    const Acc b = loop[k].SplitAndAdd(Acc{}, Acc{}, 0.0f);
    same = same && std::memcmp(&a, &b, sizeof a) == 0;
  }
  return same;
}

// A Q31Numeric operation that has one DSP instruction on this core against
// its portable form: the int32 range's edges (saturation bounds, the
// symmetric range's edge) in every pairing and pseudo-random pairs.
template <typename Fast, typename Portable>
int PairMismatches(Fast fast, Portable portable, int& pairs) {
  constexpr std::int32_t kMax = std::numeric_limits<std::int32_t>::max();
  constexpr std::int32_t kMin = std::numeric_limits<std::int32_t>::min();
  const std::int32_t edges[] = {0, 1, -1, kMax, kMax - 1, kMin, kMin + 1, kMin + 2, 1 << 30, -(1 << 30)};
  int mismatches = 0;
  const auto compare = [&](std::int32_t a, std::int32_t b) {
    ++pairs;
    if (fast(a, b) != portable(a, b)) ++mismatches;
  };
  for (const std::int32_t a : edges) {
    for (const std::int32_t b : edges) compare(a, b);
  }
  std::uint32_t state = 4242u;
  for (int k = 0; k < 1000; ++k) {
    const std::int32_t a = NextTestValue(state);
    compare(a, NextTestValue(state));
  }
  return mismatches;
}

}  // namespace

TEST(HandWrittenForms, SaturatingSubtractIsTheDspInstructionsTwin) {
  if (!METER_DSP_ARM_SATURATING) GTEST_SKIP() << "no QSUB on this target: Sub is the portable form";
  int pairs = 0;
  EXPECT_EQ(PairMismatches(meter::dsp::Q31Numeric::Sub, meter::dsp::Q31Numeric::SubPortable, pairs), 0)
      << "of " << pairs << " pairs";
  EXPECT_EQ(pairs, 1100);
}

TEST(HandWrittenForms, RoundedHighMultiplyIsTheDspInstructionsTwin) {
  if (!METER_DSP_ARM_SATURATING) GTEST_SKIP() << "no SMMULR on this target: MulHighRounded is the portable form";
  int pairs = 0;
  EXPECT_EQ(
      PairMismatches(meter::dsp::Q31Numeric::MulHighRounded, meter::dsp::Q31Numeric::MulHighRoundedPortable, pairs), 0)
      << "of " << pairs << " pairs";
  EXPECT_EQ(pairs, 1100);
}

TEST(HandWrittenForms, IntegratorsBlockAddIsOneAddPerIntegrator) {
  if (!METER_DSP_ARM_BLOCK_LOADS && !METER_DSP_X86_SSE2) {
    GTEST_SKIP() << "no block add on this target: AddToEach is one Add per integrator";
  }
  EXPECT_TRUE(BlockAddMatchesLoop<meter::dsp::FloatNumeric>());
  EXPECT_TRUE(BlockAddMatchesLoop<meter::dsp::Q31Numeric>());
}

TEST(HandWrittenForms, Q31CyclePassIsThePortablePass) {
  if (!METER_DSP_ARM_BLOCK_LOADS) GTEST_SKIP() << kNoArmForm;
  int passes = 0;
  EXPECT_EQ(CyclePassMismatches(passes), 0) << "of " << passes << " passes";
  EXPECT_EQ(passes, 57);
}

TEST(HandWrittenForms, Q31ConditioningIsTheScalarFormula) {
  if (!METER_DSP_ARM_BLOCK_LOADS) GTEST_SKIP() << kNoArmForm;
  int frames = 0;
  EXPECT_EQ(ConditioningMismatches(frames), 0) << "of " << frames << " frames";
  EXPECT_EQ(frames, 400);
}

TEST(HandWrittenForms, Q31PhaseRunLoopsAreTheirPortableTwins) {
  if (!METER_DSP_ARM_BLOCK_LOADS) GTEST_SKIP() << kNoArmForm;
  int runs = 0;
  EXPECT_EQ(PhaseRunMismatches(runs), 0) << "of " << runs << " runs";
  EXPECT_EQ(runs, 96);
}

// Not a twin: the points with the DC shifts folded into the sums' start are
// a different computation from the portable loop and Sub, so this holds on
// every target.
TEST(HandWrittenForms, ResamplerFromStartsIsThePortableLoopLessTheShifts) {
  int points = 0;
  EXPECT_EQ(FromStartsMismatches(points), 0) << "of " << points << " points";
  EXPECT_EQ(points, 256);
}

TEST(HandWrittenForms, ResamplerGridLoopIsOnePortablePointAtATime) {
  if (!meter::dsp::kArmBlockLoads) GTEST_SKIP() << kNoArmForm;
  int points = 0;
  EXPECT_EQ(GridMismatches(points, [](const meter::dsp::SincInterpolator& s,
                                      auto... args) { return s.InterpolateSixGridFromStarts(args...); }),
            0)
      << "of " << points << " points";
  EXPECT_EQ(points, 376);
}

// The grid loop's portable twin against the same definition: not the same
// code, so this holds on every target. On x86-64 it also guards the
// workaround for GCC 12.2 dropping the coefficient call
// (SincInterpolator::ComputeCoefsQ29, docs/TOOLCHAIN.md): with the old
// store order, 4 of the 6 grids differ.
TEST(HandWrittenForms, ResamplerGridTwinIsOnePortablePointAtATime) {
  int points = 0;
  EXPECT_EQ(GridMismatches(points, [](const meter::dsp::SincInterpolator& s,
                                      auto... args) { return s.InterpolateSixGridPointByPoint(args...); }),
            0)
      << "of " << points << " points";
  EXPECT_EQ(points, 376);
}

// Against the definition (the OR of the magnitudes): holds on every target.
TEST(HandWrittenForms, MagnitudeBoundIsTheOrOfTheMagnitudes) {
  int arrays = 0;
  EXPECT_EQ(MagnitudeBoundMismatches(arrays), 0) << "of " << arrays << " arrays";
  EXPECT_EQ(arrays, 213);
}

TEST(HandWrittenForms, ResamplerContiguousRunLoopsAreThePortableLoop) {
  if (!METER_DSP_ARM_BLOCK_LOADS) GTEST_SKIP() << kNoArmForm;
  int points = 0;
  EXPECT_EQ(ResamplerMismatches<meter::dsp::FloatNumeric>(points), 0);
  EXPECT_EQ(ResamplerMismatches<meter::dsp::Q31Numeric>(points), 0);
  EXPECT_EQ(points, 512);
}

namespace {

// The resampler's frame copy (LDM/STM) against the portable loop: every
// length up to 40 frames, from and to every offset in a buffer of random
// words, and nothing written past the last frame.
int FrameCopyMismatches(int& copies) {
  using Frame = std::array<std::int32_t, 6>;
  std::array<Frame, 48> source{};
  std::uint32_t state = 7;
  for (Frame& f : source)
    for (std::int32_t& w : f) w = NextTestValue(state);
  int mismatches = 0;
  for (std::size_t count = 0; count <= 40; ++count) {
    for (std::size_t from = 0; from + count <= source.size(); from += 7) {
      std::array<Frame, 48> got{}, want{};
      for (Frame& f : got) f.fill(-1);
      want = got;
      meter::detail::CopySixWordFramesArm(&source[from], count, &got[1]);
      for (std::size_t k = 0; k < count; ++k) want[1 + k] = source[from + k];
      if (got != want) ++mismatches;
      ++copies;
    }
  }
  return mismatches;
}

}  // namespace

TEST(HandWrittenForms, ResamplerFrameCopyIsTheFrameLoop) {
  if (!meter::dsp::kArmBlockLoads) GTEST_SKIP() << kNoArmForm;
  int copies = 0;
  EXPECT_EQ(FrameCopyMismatches(copies), 0) << "of " << copies << " copies";
  EXPECT_EQ(copies, 187);
}
