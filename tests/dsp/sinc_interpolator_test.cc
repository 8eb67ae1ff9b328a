#include "meter/dsp/sinc_interpolator.h"

#include "meter/dsp/numeric.h"
#include "meter/dsp/ring_buffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace meter::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;

TEST(SincInterpolator, RejectsBadCutoffs) {
  SincInterpolator s;
  EXPECT_EQ(s.Init(0.0f), Status::kInvalidArgument);
  EXPECT_EQ(s.Init(0.6f), Status::kInvalidArgument);
  EXPECT_EQ(s.Init(0.01f), Status::kOutOfRange);  // would need 800 taps
  EXPECT_EQ(s.Init(0.324f), Status::kOk);
}

// The cutoff is rounded down to whole table steps per sample, so that a
// point's taps share one fraction between table points: never above the
// cutoff asked for, and less than one table step per sample (1/128 of a
// cycle per sample) below it; the kernel stays as long as the cutoff needs.
TEST(SincInterpolator, CutoffIsWholeTableStepsPerSample) {
  for (const float asked : {0.5f, 0.45f, 0.324f, 0.3249f, 0.25f, 0.081f}) {
    SincInterpolator s;
    ASSERT_EQ(s.Init(asked), Status::kOk);
    EXPECT_LE(s.cutoff(), asked);
    EXPECT_GT(s.cutoff(), asked - 1.0f / 128.0f);
    const float steps = 2.0f * s.cutoff() * static_cast<float>(SincInterpolator::kPointsPerZero);
    EXPECT_EQ(steps, std::floor(steps)) << "asked " << asked;
    EXPECT_EQ(s.table_steps_per_sample(), static_cast<int>(steps));
    // The kernel spans its zero crossings at the cutoff used.
    EXPECT_GE(static_cast<float>(s.half_span()) * 2.0f * s.cutoff(),
              static_cast<float>(SincInterpolator::kZeroCrossings));
  }
}

// Interpolating a sinusoid at many random instants: the amplitude seen is
// Response(nu) (what the meter equalises), in passband and near cutoff.
TEST(SincInterpolator, ResponseMatchesWhatInterpolationDoes) {
  SincInterpolator s;
  ASSERT_EQ(s.Init(0.324f), Status::kOk);
  std::vector<float> taps(static_cast<std::size_t>(s.tap_count()));
  for (double nu : {0.01, 0.1, 0.2, 0.25, 0.3}) {
    // Least-squares fit of a*cos + b*sin to the interpolated values at
    // many offsets: its amplitude is the response seen by the spectrum.
    double cc = 0, ss = 0, cs = 0, yc = 0, ys = 0;
    const int points = 4096;
    for (int k = 0; k < points; ++k) {
      const double t = 200.0 + 0.6180339887 * k;
      const double base = std::floor(t);
      s.ComputeTaps(static_cast<float>(t - base), taps.data());
      double y = 0;
      for (int j = 0; j < s.tap_count(); ++j) {
        const double n = base - s.half_span() + 1 + j;
        y += taps[static_cast<std::size_t>(j)] * std::cos(2 * kPi * nu * n);
      }
      const double c = std::cos(2 * kPi * nu * t), si = std::sin(2 * kPi * nu * t);
      cc += c * c;
      ss += si * si;
      cs += c * si;
      yc += y * c;
      ys += y * si;
    }
    const double det = cc * ss - cs * cs;
    const double a = (yc * ss - ys * cs) / det, b = (ys * cc - yc * cs) / det;
    EXPECT_NEAR(std::hypot(a, b), s.Response(static_cast<float>(nu)), 2e-4) << "nu " << nu;
  }
  EXPECT_NEAR(s.Response(0.0f), 1.0f, 1e-4f);  // window's integral, equalised anyway
  EXPECT_LT(s.Response(0.49f), 0.05f);         // stopband
}

// The meter's path computes the taps inside the six-channel dot product:
// the same as ComputeTaps followed by a dot product, to rounding in float,
// and as ComputeCoefsQ29 followed by one, to the bit, in Q31.
TEST(SincInterpolator, InterpolateFramesEqualsTheTapsDotProduct) {
  SincInterpolator s;
  ASSERT_EQ(s.Init(0.324f), Status::kOk);
  const int n = s.tap_count();
  std::vector<std::array<float, 6>> ff(static_cast<std::size_t>(n));
  std::vector<std::array<std::int32_t, 6>> fq(static_cast<std::size_t>(n));
  for (int j = 0; j < n; ++j) {
    for (std::size_t ch = 0; ch < 6; ++ch) {
      const double x = 0.8 * std::sin(0.37 * j + 1.1 * static_cast<double>(ch));
      fq[static_cast<std::size_t>(j)][ch] = Q31Numeric::FromFloat(static_cast<float>(x));
      ff[static_cast<std::size_t>(j)][ch] = static_cast<float>(x);
    }
  }
  std::vector<float> taps(static_cast<std::size_t>(n));
  std::vector<std::int32_t> coefs(static_cast<std::size_t>(n));
  for (float u : {0.0f, 0.013f, 0.25f, 0.5f, 0.77f, 0.999f}) {
    s.ComputeTaps(u, taps.data());
    s.ComputeCoefsQ29(u, coefs.data());
    float got_f[6];
    std::int32_t got_q[6];
    s.InterpolateFrames<FloatNumeric, 6>(
        u, [&](int j) -> const std::array<float, 6>& { return ff[static_cast<std::size_t>(j)]; }, got_f);
    s.InterpolateFrames<Q31Numeric, 6>(
        u, [&](int j) -> const std::array<std::int32_t, 6>& { return fq[static_cast<std::size_t>(j)]; }, got_q);
    for (std::size_t ch = 0; ch < 6; ++ch) {
      double want_f = 0;
      std::int64_t acc_q = 0;
      for (int j = 0; j < n; ++j) {
        const auto uj = static_cast<std::size_t>(j);
        want_f += static_cast<double>(taps[uj]) * ff[uj][ch];
        acc_q += static_cast<std::int64_t>(coefs[uj]) * fq[uj][ch];
      }
      EXPECT_NEAR(got_f[ch], want_f, 1e-6) << "u " << u << " channel " << ch;
      EXPECT_EQ(got_q[ch], SincInterpolator::RoundQ29Dot(acc_q)) << "u " << u << " channel " << ch;
    }
  }
}

// The meter hands the interpolator contiguous runs of history frames, which
// a target may interpolate with its own loop (on the Cortex-M4F, block
// loads; the firmware image runs that check too; the host builds take the
// portable loop for them, and x86 hosts with AVX2 resample channel-major,
// tested below). It must agree with the
// portable loop, which any other frame reader takes, to float rounding: 26
// taps of at most 0.8 times a kernel of absolute sum about 1.3 leave each
// sum within a few ulps of 1.0 (2^-23 is 1.2e-7).
TEST(SincInterpolator, ContiguousRunLoopAgreesWithThePortableLoop) {
  for (const float cutoff : {0.45f, 0.324f, 0.25f, 0.081f}) {
    SincInterpolator s;
    ASSERT_EQ(s.Init(cutoff), Status::kOk);
    if (std::strcmp(s.float_frame_loop(), "portable") == 0) {
      GTEST_SKIP() << "no hand-written six-frame float loop on this target: a contiguous run takes the portable loop "
                      "(the Cortex-M4F's block-load form is tested on the target: ctest --preset cortex-m4f)";
    }
    if (cutoff == 0.45f) std::printf("six-frame float loop on this CPU: %s\n", s.float_frame_loop());
    const int n = s.tap_count();
    std::vector<std::array<float, 6>> frames(static_cast<std::size_t>(n));
    for (int j = 0; j < n; ++j) {
      for (std::size_t ch = 0; ch < 6; ++ch) {
        frames[static_cast<std::size_t>(j)][ch] =
            static_cast<float>(0.8 * std::sin(0.37 * j + 1.1 * static_cast<double>(ch)));
      }
    }
    const ContiguousRun<std::array<float, 6>> run{frames.data()};
    const auto portable = [&](int j) -> const std::array<float, 6>& { return frames[static_cast<std::size_t>(j)]; };
    for (int step = 0; step < 64; ++step) {
      const float u = static_cast<float>(step) / 64.0f + 0x1p-9f;
      float fast[6], reference[6];
      s.InterpolateFrames<FloatNumeric, 6>(u, run, fast);
      s.InterpolateFrames<FloatNumeric, 6>(u, portable, reference);
      for (std::size_t ch = 0; ch < 6; ++ch) {
#if METER_DSP_ARM_BLOCK_LOADS
        // The block-load form does the portable loop's operations in its
        // order (fused as the portable loop is contracted): to the bit.
        ASSERT_EQ(std::bit_cast<std::uint32_t>(fast[ch]), std::bit_cast<std::uint32_t>(reference[ch]))
            << s.float_frame_loop() << " cutoff " << cutoff << " u " << u << " channel " << ch;
#else
        ASSERT_NEAR(fast[ch], reference[ch], 1e-6f)
            << s.float_frame_loop() << " cutoff " << cutoff << " u " << u << " channel " << ch;
#endif
      }
    }
  }
}

#if METER_DSP_X86_AVX2
// The host's channel-major loop (x86 with AVX2 and FMA) interpolates a grid
// of points from channel-major samples. Each point must agree with the
// portable frame loop at the same position to float rounding (plus one
// rounding of the offset subtracted), the positions must be the frame
// loop's to the bit, and it must stop at the first point whose window leaves
// the chunk. Cutoffs: 8 kSPS's (two vectors a side, the unrolled loop) and
// others (one, three and seven vectors a side, the general loop).
TEST(SincInterpolator, ChannelMajorLoopAgreesWithThePortableLoop) {
  for (const float cutoff : {0.324f, 0.45f, 0.25f, 0.081f}) {
    SincInterpolator s;
    ASSERT_EQ(s.Init(cutoff), Status::kOk);
    if (!s.channel_major_ready()) GTEST_SKIP() << "this CPU lacks AVX2 or FMA: the meter uses the frame loop";
    const int side = s.channel_major_side();
    const int half = s.half_span();
    ASSERT_EQ(side % 8, 0);
    ASSERT_GE(side, half);
    constexpr std::size_t kN = SincInterpolator::kChunkSamples;
    std::vector<std::array<float, 6>> frames(kN);
    for (std::size_t k = 0; k < kN; ++k) {
      for (std::size_t ch = 0; ch < 6; ++ch) {
        frames[k][ch] =
            static_cast<float>(0.8 * std::sin(0.37 * static_cast<double>(k) + 1.1 * static_cast<double>(ch)));
      }
    }
    // The copy, for a count that is not a multiple of eight.
    std::vector<float> chunk(6 * kN, -7.0f);
    const int copied = static_cast<int>(kN) - 3;
    float* const channels[6] = {&chunk[0], &chunk[kN], &chunk[2 * kN], &chunk[3 * kN], &chunk[4 * kN], &chunk[5 * kN]};
    SincInterpolator::CopyFramesChannelMajor(frames[0].data(), copied, channels);
    for (std::size_t k = 0; k < kN; ++k) {
      for (std::size_t ch = 0; ch < 6; ++ch) {
        const float expected = k < static_cast<std::size_t>(copied) ? frames[k][ch] : -7.0f;
        ASSERT_EQ(chunk[ch * kN + k], expected) << "frame " << k << " channel " << ch;
      }
    }
    const float offset[6] = {0.01f, -0.02f, 0.03f, 0.0f, 0.5f, -0.25f};
    constexpr int kPoints = 128;
    std::array<std::array<float, 6>, kPoints> out{};
    const SincInterpolator::PointGrid grid{side + 2, 0.3f, 2.6171875f, kPoints};
    // A chunk that ends inside the grid: the loop stops at the first point
    // whose window does not fit, and resumes there in a longer one.
    const std::int64_t short_length = 250;
    const int stop = s.InterpolateSixChannelMajor({chunk.data(), short_length}, grid, 0, offset, out[0].data());
    ASSERT_GT(stop, 0);
    ASSERT_LT(stop, kPoints);
    const auto window_end = [&](int j) {
      const float rel = grid.start_frac + static_cast<float>(j) * grid.step;
      return grid.origin + static_cast<int>(rel) + side + 1;
    };
    EXPECT_LE(window_end(stop - 1), short_length);
    EXPECT_GT(window_end(stop), short_length);
    ASSERT_EQ(s.InterpolateSixChannelMajor({chunk.data(), copied}, grid, stop, offset, out[0].data()), kPoints);
    for (int j = 0; j < kPoints; ++j) {
      const float rel = grid.start_frac + static_cast<float>(j) * grid.step;
      const int whole = static_cast<int>(rel);
      const auto first = static_cast<std::size_t>(grid.origin + whole - half + 1);
      const auto portable = [&](int k) -> const std::array<float, 6>& {
        return frames[first + static_cast<std::size_t>(k)];
      };
      float reference[6];
      s.InterpolateFrames<FloatNumeric, 6>(rel - static_cast<float>(whole), portable, reference);
      for (std::size_t ch = 0; ch < 6; ++ch) {
        ASSERT_NEAR(out[static_cast<std::size_t>(j)][ch], reference[ch] - offset[ch], 1e-6f)
            << "cutoff " << cutoff << " point " << j << " channel " << ch;
      }
    }
  }
}

// The integer channel-major loop computes the portable loop's integer
// operations (exact 64-bit sums, one rounding), so its points equal the
// portable ones to the bit, less the offset as Q31Numeric subtracts it: at
// cutoffs from the widest kernel to the narrowest, a grid that crosses a
// chunk's end, and samples up to 1.2 full scale of both signs; then
// samples whose points pass +-2 full scale (where the loop takes its scalar
// rounding) and reach int32's limits (saturation), and offsets of +-2 full
// scale and beyond.
TEST(SincInterpolator, IntegerChannelMajorLoopEqualsThePortableLoop) {
  struct Scenario {
    double amplitude;  // full scale
    std::int32_t offset[6];
    // Channels (bits) with a square wave of `amplitude`, in phase: points
    // overshoot its steps, past int32's limits; the others a 1.2 FS sine.
    unsigned square_channels = 0;
  };
  const Scenario scenarios[] = {
      {1.2, {0, 1000, -1000, 536870912, -536870912, 7}},
      {1.97, {0, 1000, -1000, 536870912, -536870912, 7}},
      {3.999, {0, 0, 0, 0, 0, 0}, 0x0Fu},
      {3.999, {0, 0, 0, 0, 0, 0}, 0x30u},
      {1.2, {1073741824, -1073741824, 2147483647, -2147483647, 0, 1073741823}},
  };
  for (const Scenario& scenario : scenarios)
    for (const float cutoff : {0.5f, 0.45f, 0.324f, 0.25f, 0.081f, 0.0625f}) {
      SincInterpolator s;
      ASSERT_EQ(s.Init(cutoff), Status::kOk);
      if (!s.channel_major_ready()) GTEST_SKIP() << "this CPU lacks AVX2 or FMA: the meter uses the frame loop";
      const int side = s.channel_major_side();
      const int half = s.half_span();
      constexpr std::size_t kN = SincInterpolator::kChunkSamples;
      std::vector<std::array<std::int32_t, 6>> frames(kN);
      for (std::size_t k = 0; k < kN; ++k) {
        for (std::size_t ch = 0; ch < 6; ++ch) {
          const bool square = (scenario.square_channels >> ch) & 1u;
          const double wave = std::sin(0.37 * static_cast<double>(k) + (square ? 0.0 : 1.1 * static_cast<double>(ch)));
          const double x = square ? (wave >= 0.0 ? scenario.amplitude : -scenario.amplitude)
                                  : (scenario.square_channels != 0 ? 1.2 : scenario.amplitude) * wave;
          frames[k][ch] = static_cast<std::int32_t>(std::lround(x * 536870912.0));  // Q29
        }
      }
      std::vector<std::int32_t> chunk(SincInterpolator::kChunkStorage);
      std::int32_t* const channels[6] = {&chunk[0],      &chunk[kN],     &chunk[2 * kN],
                                         &chunk[3 * kN], &chunk[4 * kN], &chunk[5 * kN]};
      SincInterpolator::CopyFramesChannelMajor(frames[0].data(), static_cast<int>(kN), channels);
      const std::int32_t* const offset = scenario.offset;
      constexpr int kPoints = 128;
      std::array<std::array<std::int32_t, 6>, kPoints> out{};
      // Steps of 0.75 samples: every point of a short kernel fits one chunk;
      // a long kernel's stop at the chunk's end and resume in the next.
      const SincInterpolator::PointGrid grid{side + 2, 0.0f, 0.75f, kPoints};
      const std::int64_t first_length = 2 * side + 40;
      int done = s.InterpolateSixChannelMajor({chunk.data(), first_length}, grid, 0, offset, out[0].data());
      ASSERT_GT(done, 0);
      ASSERT_EQ(s.InterpolateSixChannelMajor({chunk.data(), static_cast<std::int64_t>(kN)}, grid, done, offset,
                                             out[0].data()),
                kPoints);
      for (int j = 0; j < kPoints; ++j) {
        const float rel = grid.start_frac + static_cast<float>(j) * grid.step;
        const int whole = static_cast<int>(rel);
        const auto first = static_cast<std::size_t>(grid.origin + whole - half + 1);
        const auto portable = [&](int k) -> const std::array<std::int32_t, 6>& {
          return frames[first + static_cast<std::size_t>(k)];
        };
        std::int32_t reference[6];
        s.InterpolateFrames<Q31Numeric, 6>(rel - static_cast<float>(whole), portable, reference);
        for (std::size_t ch = 0; ch < 6; ++ch) {
          ASSERT_EQ(out[static_cast<std::size_t>(j)][ch], Q31Numeric::Sub(reference[ch], offset[ch]))
              << "amplitude " << scenario.amplitude << " cutoff " << cutoff << " point " << j << " channel " << ch;
        }
      }
    }
}
#endif

// The integer contiguous-run loop (block loads on the Cortex-M4F, where
// the firmware image runs the same check; on the host builds a contiguous
// run takes the portable loop, as does any target without its own)
// computes the portable loop's integer operations, so its points equal the
// portable ones to the bit: at cutoffs from the
// widest kernel to the narrowest, points across the sample (u = 0, where
// the integer walk's right side starts a whole entry on, included), and
// near-full-scale samples of both signs.
TEST(SincInterpolator, IntegerContiguousRunLoopEqualsThePortableLoop) {
  for (const float cutoff : {0.5f, 0.45f, 0.324f, 0.25f, 0.081f, 0.0625f}) {
    SincInterpolator s;
    ASSERT_EQ(s.Init(cutoff), Status::kOk);
    const int n = s.tap_count();
    std::vector<std::array<std::int32_t, 6>> frames(static_cast<std::size_t>(n));
    for (int j = 0; j < n; ++j) {
      for (std::size_t ch = 0; ch < 6; ++ch) {
        const double x = 1.2 * std::sin(0.37 * j + 1.1 * static_cast<double>(ch));
        frames[static_cast<std::size_t>(j)][ch] = static_cast<std::int32_t>(std::lround(x * 536870912.0));  // Q29
      }
    }
    const ContiguousRun<std::array<std::int32_t, 6>> run{frames.data()};
    const auto portable = [&](int j) -> const std::array<std::int32_t, 6>& {
      return frames[static_cast<std::size_t>(j)];
    };
    for (int step = 0; step <= 256; ++step) {
      const float u = step == 256 ? 0.99999994f : static_cast<float>(step) / 256.0f;
      std::int32_t fast[6], reference[6];
      s.InterpolateFrames<Q31Numeric, 6>(u, run, fast);
      s.InterpolateFrames<Q31Numeric, 6>(u, portable, reference);
      for (std::size_t ch = 0; ch < 6; ++ch) {
        ASSERT_EQ(fast[ch], reference[ch]) << "cutoff " << cutoff << " u " << u << " channel " << ch;
      }
    }
  }
}

// The integer taps are the kernel the response describes: against the
// linearly joined table evaluated in double precision at exact positions,
// at cutoffs from the widest to the narrowest kernel. The bound is the
// integer walk's position error times the kernel's steepest slope between
// table points (measured from the table: 0.0214 a table step), plus the Q29
// rounding. The position is
// off by under one Q15 step (the point's start, truncated), the same at
// every tap: the stride between taps is a whole number of table steps.
TEST(SincInterpolator, IntegerTapsFollowTheKernel) {
  double steepest = 0.0;
  for (std::size_t i = 0; i + 1 < kSincKernelTable.size(); ++i) {
    steepest = std::fmax(steepest, std::fabs(static_cast<double>(kSincKernelTable[i + 1]) - kSincKernelTable[i]));
  }
  for (const float cutoff : {0.5f, 0.3249f, 0.25f, 0.0625f}) {
    SincInterpolator s;
    ASSERT_EQ(s.Init(cutoff), Status::kOk);
    const int n = s.tap_count();
    const double two_fc = 2.0 * static_cast<double>(s.cutoff());
    const double scale = two_fc * SincInterpolator::kPointsPerZero;
    std::vector<std::int32_t> coefs(static_cast<std::size_t>(n));
    double worst = 0.0;
    for (int step = 0; step < 200; ++step) {
      const float u = static_cast<float>(step) / 200.0f + 0.0013f;
      s.ComputeCoefsQ29(u, coefs.data());
      for (int j = 0; j < n; ++j) {
        const double distance = j < s.half_span() ? (s.half_span() - 1 - j) + static_cast<double>(u)
                                                  : (j + 1 - s.half_span()) - static_cast<double>(u);
        const double x = distance * scale;
        const auto i = static_cast<std::size_t>(x);
        const double f = x - static_cast<double>(i);
        const double a = kSincKernelTable[i], b = kSincKernelTable[i + 1];
        const double want = two_fc * (a + f * (b - a));
        worst = std::fmax(worst, std::fabs(std::ldexp(coefs[static_cast<std::size_t>(j)], -29) - want));
      }
    }
    EXPECT_LT(worst, 1.0 / 32768.0 * steepest + 0x1p-28) << "cutoff " << cutoff;
    EXPECT_GT(worst, 0.0) << "cutoff " << cutoff;  // integer arithmetic, not the float path
  }
}

// CutoffWithFewerTaps: at the meter's cutoffs (0.45 of the slowest grid's
// Nyquist) it drops a tap a side where at most 5 % more cutoff does (8 and
// 16 kSPS), never lowers the cutoff or raises it further, and keeps it
// otherwise (4 and 32 kSPS).
TEST(SincInterpolator, CutoffWithFewerTapsDropsATapASideWithinTheRise) {
  struct Case {
    float rate;
    int taps_before;
    int taps_after;
  };
  for (const Case c :
       {Case{4000.0f, 18, 18}, Case{8000.0f, 26, 24}, Case{16000.0f, 52, 50}, Case{32000.0f, 104, 104}}) {
    const float asked = 0.45f * std::fmin(c.rate, 128.0f * 45.0f) / c.rate;
    const float chosen = SincInterpolator::CutoffWithFewerTaps(asked, 0.05f);
    SincInterpolator before, after;
    ASSERT_EQ(before.Init(asked), Status::kOk);
    ASSERT_EQ(after.Init(chosen), Status::kOk);
    EXPECT_EQ(before.tap_count(), c.taps_before) << c.rate;
    EXPECT_EQ(after.tap_count(), c.taps_after) << c.rate;
    EXPECT_GE(after.cutoff(), before.cutoff()) << c.rate;
    EXPECT_LE(after.cutoff(), 1.05f * asked) << c.rate;
    if (c.taps_after == c.taps_before) {
      EXPECT_EQ(chosen, asked) << c.rate;
    }
  }
}

// TapAbsSumBoundQ29 bounds the taps' absolute sum of every point (the Q31
// meter proves with it that no resampled point saturates), and is not
// loose by more than the roundings it allows for: at every cutoff, over u
// across a sample, including its ends.
TEST(SincInterpolator, TapAbsSumBoundHoldsAtEveryPoint) {
  for (const float cutoff : {0.5f, 0.45f, 0.3249f, 0.25f, 0.1f, 0.0625f}) {
    SincInterpolator s;
    ASSERT_EQ(s.Init(cutoff), Status::kOk);
    const int n = s.tap_count();
    std::vector<std::int32_t> coefs(static_cast<std::size_t>(n));
    std::int64_t largest = 0;
    for (int step = 0; step <= 4096; ++step) {
      const float u = step == 4096 ? 0.99999994f : static_cast<float>(step) / 4096.0f;
      s.ComputeCoefsQ29(u, coefs.data());
      std::int64_t sum = 0;
      for (const std::int32_t c : coefs) sum += std::abs(std::int64_t{c});
      largest = std::max(largest, sum);
    }
    EXPECT_LE(largest, s.TapAbsSumBoundQ29()) << "cutoff " << cutoff;
    EXPECT_LE(s.TapAbsSumBoundQ29(), largest + largest / 8 + 4 * n) << "cutoff " << cutoff << ": a loose bound";
  }
}

// InterpolateSixFromStarts equals InterpolateFrames less each offset
// (Q31Numeric::Sub) where the bound rules out saturation: the Cortex-M4F's
// biased sums (checked on the target) and every other target's definition.
TEST(SincInterpolator, FromStartsEqualsThePortableLoopLessTheOffsets) {
  using Frame = std::array<std::int32_t, 6>;
  std::mt19937 rng(99);
  std::uniform_int_distribution<std::int32_t> sample(-(1 << 29), 1 << 29), offset(-(1 << 28), 1 << 28);
  std::vector<Frame> frames(SincInterpolator::kMaxTaps);
  for (auto& f : frames) {
    for (auto& v : f) v = sample(rng);
  }
  SincInterpolator s;
  ASSERT_EQ(s.Init(0.3249f), Status::kOk);
  ASSERT_LT(((std::int64_t{1} << 29) * s.TapAbsSumBoundQ29() >> 29) + 2 + (1 << 28), INT32_MAX);
  for (int step = 0; step < 256; ++step) {
    const float u = static_cast<float>(step) / 256.0f;
    std::int32_t dc[6], got[6], point[6];
    for (auto& d : dc) d = offset(rng);
    std::int64_t starts[6];
    SincInterpolator::OffsetStarts(dc, starts);
    s.InterpolateSixFromStarts(u, frames[0].data(), starts, got, 1);
    s.InterpolateFrames<Q31Numeric, 6>(
        u, [&](int j) -> const Frame& { return frames[static_cast<std::size_t>(j)]; }, point);
    for (std::size_t ch = 0; ch < 6; ++ch) ASSERT_EQ(got[ch], Q31Numeric::Sub(point[ch], dc[ch])) << "u " << u;
  }
}

TEST(SincTables, CommittedTablesMatchTheirDefinition) {
  // sinc_tables.inc is generated (make-sinc-tables); a changed definition
  // must be followed by regenerating it.
  const SincKernelTable kernel = ComputeSincKernelTable();
  const SincResponseTable response = ComputeSincResponseTable(kernel);
  for (std::size_t k = 0; k < kernel.size(); ++k) ASSERT_EQ(kernel[k], kSincKernelTable[k]) << "kernel " << k;
  for (std::size_t k = 0; k < response.size(); ++k) ASSERT_EQ(response[k], kSincResponseTable[k]) << "response " << k;
  const SincKernelPairs float_pairs = ComputeSincKernelPairs(kernel);
  for (std::size_t k = 0; k < float_pairs.size(); ++k)
    ASSERT_EQ(float_pairs[k], kSincKernelPairs[k]) << "float pairs " << k;
  const SincKernelPairsQ30 pairs = ComputeSincKernelPairsQ30(kernel);
  for (std::size_t k = 0; k < pairs.size(); ++k) ASSERT_EQ(pairs[k], kSincKernelPairsQ30[k]) << "pairs " << k;
  EXPECT_EQ(kSincKernelPairsQ30[0], 1 << 30);
  EXPECT_EQ(kSincKernelTable[0], 1.0f);
  EXPECT_NEAR(kSincResponseTable[0], 1.0f, 1e-3f);  // unit gain at DC
}

}  // namespace
}  // namespace meter::dsp
