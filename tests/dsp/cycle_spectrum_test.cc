#include "meter/dsp/cycle_spectrum.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <vector>

namespace meter::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double n_window_scale() { return 1280.0; }

// The cycle-by-cycle decomposition equals a direct N-point DFT of the whole
// window at every subgroup bin, for 10 and 12 cycles and an arbitrary signal
// (noise: every bin populated).
TEST(CycleTransform, EqualsDirectDftOfTheWindow) {
  for (int cycles : {10, 12}) {
    static CycleTransform<FloatNumeric> transform;
    ASSERT_EQ(transform.Init(cycles), Status::kOk);
    const int n = kPointsPerCycle * cycles;
    std::mt19937 rng(cycles);
    std::normal_distribution<double> noise(0.0, 1.0);
    std::vector<float> x(static_cast<std::size_t>(n));
    for (auto& v : x) v = static_cast<float>(noise(rng));

    static SubgroupBins<FloatNumeric> bins;
    bins.Reset();
    for (int c = 0; c < cycles; ++c)
      transform.AccumulateCycle(&x[static_cast<std::size_t>(c * kPointsPerCycle)], c, bins);
    EXPECT_FALSE(bins.finished());
    transform.FinishWindow(1.0f, bins);
    ASSERT_TRUE(bins.finished());

    for (int h = 1; h <= kMaxHarmonicOrder; ++h) {
      for (int d = -1; d <= 1; ++d) {
        const int k = cycles * h + d;
        std::complex<double> ref;
        for (int m = 0; m < n; ++m)
          ref += static_cast<double>(x[static_cast<std::size_t>(m)]) * std::polar(1.0, -2.0 * kPi * k * m / n);
        const ComplexF got = bins.at(h, d);
        EXPECT_NEAR(got.re, ref.real(), 2e-3) << "cycles " << cycles << " h " << h << " d " << d;
        EXPECT_NEAR(got.im, ref.imag(), 2e-3) << "cycles " << cycles << " h " << h << " d " << d;
      }
    }
  }
}

TEST(CycleTransform, RejectsBadCycleCounts) {
  static CycleTransform<FloatNumeric> transform;
  EXPECT_EQ(transform.Init(0), Status::kInvalidArgument);
  EXPECT_EQ(transform.Init(kMaxCyclesPerWindow + 1), Status::kInvalidArgument);
}

// The float and the Q31 transform over one 10-cycle window of the same Q29
// samples: signal(m) is the value of point m in units of full scale.
struct BothVariants {
  CycleTransform<FloatNumeric> f;
  CycleTransform<Q31Numeric> q;
  SubgroupBins<FloatNumeric> bf;
  SubgroupBins<Q31Numeric> bq;

  template <typename Signal>
  void RunWindow(Signal signal) {
    ASSERT_EQ(f.Init(10), Status::kOk);
    ASSERT_EQ(q.Init(10), Status::kOk);
    std::vector<float> xf(kPointsPerCycle * 10);
    std::vector<std::int32_t> xq(xf.size());
    for (std::size_t m = 0; m < xf.size(); ++m) {
      xq[m] = Q31Numeric::FromFloat(static_cast<float>(signal(m)));
      xf[m] = Q31Numeric::ToFloat(xq[m]);
    }
    bf.Reset();
    bq.Reset();
    for (int c = 0; c < 10; ++c) {
      f.AccumulateCycle(&xf[static_cast<std::size_t>(c * kPointsPerCycle)], c, bf);
      q.AccumulateCycle(&xq[static_cast<std::size_t>(c * kPointsPerCycle)], c, bq);
    }
    f.FinishWindow(1.0f, bf);
    q.FinishWindow(1.0f, bq);
  }
};

// The int32 KissFFT path agrees with the float one on the same Q29 input,
// from full scale (crest factor 3) down to 1e-4 of it (0.001 In at Imax
// full scale): relative error of the strong bins, centre and neighbour,
// below 2e-6.
TEST(CycleTransformQ31, AgreesWithFloatFromFullScaleToTenThousandthOfIt) {
  static BothVariants both;
  const auto& bf = both.bf;
  const auto& bq = both.bq;
  for (double level : {1.0, 0.3, 1e-2, 1e-4}) {
    both.RunWindow([level](std::size_t m) {
      // Fundamental plus 30 % 5th and 10 % 31st harmonic, peak = level * FS,
      // plus a 10 % interharmonic on bin 5*C + 1 (a subgroup neighbour).
      const double t = 2 * kPi * static_cast<double>(m) / kPointsPerCycle;
      return level * (0.72 * std::cos(t) + 0.216 * std::cos(5 * t + 1) + 0.072 * std::cos(31 * t + 2) +
                      0.072 * std::cos(2 * kPi * 51.0 * static_cast<double>(m) / (kPointsPerCycle * 10)));
    });
    for (int h : {1, 5, 31}) {
      const ComplexF a = bf.at(h, 0), b = bq.at(h, 0);
      const double mag = std::hypot(a.re, a.im);
      EXPECT_NEAR(std::hypot(b.re - a.re, b.im - a.im) / mag, 0.0, 2e-6) << "level " << level << " h " << h;
    }
    {
      // The neighbour bins come from the window's fold (block floating point
      // over the window): as precise as the centre bins at every level.
      const ComplexF a = bf.at(5, 1), b = bq.at(5, 1);
      const double mag = std::hypot(a.re, a.im);
      EXPECT_NEAR(std::hypot(b.re - a.re, b.im - a.im) / mag, 0.0, 2e-6) << "level " << level << " neighbour";
    }
    // Off-harmonic bins, the neighbours included, stay at the noise floor
    // relative to the fundamental's bin (1/2 * 0.72 * level * N).
    for (int d = -1; d <= 1; ++d) {
      EXPECT_LT(std::hypot(bq.at(3, d).re, bq.at(3, d).im), 1e-6 * level * n_window_scale())
          << "level " << level << " d " << d;
    }
    EXPECT_LT(std::hypot(bq.at(5, -1).re, bq.at(5, -1).im), 1e-6 * level * n_window_scale()) << "level " << level;
  }
}

// A window whose level jumps from 1e-4 of full scale to full scale (an
// inrush, a load switched on): the Q31 fold rescales instead of wrapping,
// and every subgroup bin still agrees with the float path.
TEST(CycleTransformQ31, FoldRescalesWhenALaterCycleIsLarger) {
  static BothVariants both;
  both.RunWindow([](std::size_t m) {
    const double level = m < kPointsPerCycle * 3 ? 1e-4 : 1.2;
    const double t = 2 * kPi * static_cast<double>(m) / kPointsPerCycle;
    return level * (0.8 * std::cos(t) + 0.2 * std::cos(7 * t));
  });
  const auto& bf = both.bf;
  const auto& bq = both.bq;
  const double fundamental = std::hypot(bf.at(1, 0).re, bf.at(1, 0).im);
  for (int h = 1; h <= kMaxHarmonicOrder; ++h) {
    for (int d = -1; d <= 1; ++d) {
      const ComplexF a = bf.at(h, d), b = bq.at(h, d);
      EXPECT_LT(std::hypot(b.re - a.re, b.im - a.im) / fundamental, 1e-6) << "h " << h << " d " << d;
    }
  }
  // The step spreads the 7th into its neighbours: they are far from zero.
  EXPECT_GT(std::hypot(bq.at(7, 1).re, bq.at(7, 1).im), 1e-3 * fundamental);
}

// AccumulateCycle's Q31 pass adds x tw 2^shift as the rounded high word of
// xs tw, and x 2^shift as xs / 4 rounded, with xs = x 2^(shift + 2)
// rounded (ShiftRounded). For shift >= -2 that is the same bits as the
// 64-bit form (the exact product, rounding add, shift by 30 - shift); for
// the smaller scales of signals near full scale, within 5/8 of a unit of the
// exact value (the bound BlockContribution allows for). Samples up to the
// block limit's bound, every block scale the pass can take.
TEST(CycleTransformQ31, OnePassTermsAreTheRoundedProducts) {
  std::uint32_t state = 2024u;
  const auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return static_cast<std::int32_t>(state);
  };
  const std::int32_t twiddles[] = {1 << 30, -(1 << 30), 0, 759250125, -759250125, 123456789};
  for (int shift = -8; shift <= 24; ++shift) {
    const int pre = shift + 2;
    // |x| 2^shift below 2^28, and x a Q29 sample (below 1.25 x 2^29).
    const std::int64_t bound = std::min<std::int64_t>(
        (std::int64_t{1} << 28) >> std::max(shift, 0) << std::max(-shift, 0), (std::int64_t{5} << 27) - 1);
    for (int k = 0; k < 2000; ++k) {
      const auto x = static_cast<std::int32_t>(next() % (bound + 1));
      const std::int32_t tw = k < 6 ? twiddles[k] : next() >> 1;  // Q30, |tw| <= 1
      const std::int32_t xs = Q31Numeric::ShiftRounded(x, pre);
      const std::int64_t fold = Q31Numeric::MulHighRoundedPortable(xs, tw);
      const std::int64_t sum = (xs + 2) >> 2;
      const int right = Q31Numeric::kCoefBits - shift;
      if (shift >= -2) {
        const std::int64_t fold_general =
            (static_cast<std::int64_t>(x) * tw + (std::int64_t{1} << (right - 1))) >> right;
        ASSERT_EQ(fold, fold_general) << "x " << x << " tw " << tw << " shift " << shift;
        const std::int64_t sum_general =
            shift >= 0 ? static_cast<std::int64_t>(x) << shift
                       : (static_cast<std::int64_t>(x) + (std::int64_t{1} << (-shift - 1))) >> -shift;
        ASSERT_EQ(sum, sum_general) << "x " << x << " shift " << shift;
      } else {
        const double fold_exact = std::ldexp(static_cast<double>(x) * tw, -right);
        ASSERT_LE(std::fabs(static_cast<double>(fold) - fold_exact), 0.625)
            << "x " << x << " tw " << tw << " shift " << shift;
        ASSERT_LE(std::fabs(static_cast<double>(sum) - std::ldexp(x, shift)), 0.625) << "x " << x << " shift " << shift;
      }
    }
  }
}

// The block-floating-point bound is the OR of the magnitudes, whatever the
// loop (eight lanes at a time on an x86 host with AVX2, then the tail):
// lengths around multiples of eight, INT32_MIN (magnitude 2^31) and zeros.
TEST(CycleFftQ31, MagnitudeBoundIsTheOrOfTheMagnitudes) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::int32_t> any(std::numeric_limits<std::int32_t>::min(),
                                                  std::numeric_limits<std::int32_t>::max());
  std::uniform_int_distribution<int> bits(0, 31);
  for (int n : {0, 1, 7, 8, 9, 15, 16, 17, 127, 128, 129}) {
    for (int round = 0; round < 50; ++round) {
      std::vector<std::int32_t> x(static_cast<std::size_t>(n));
      const int width = bits(rng);  // small magnitudes too, so that single bits matter
      for (auto& v : x) v = round % 7 == 6 ? std::numeric_limits<std::int32_t>::min() : any(rng) >> width;
      if (n > 0 && round % 5 == 4) std::fill(x.begin(), x.end() - 1, 0);  // only the tail's last value
      std::uint32_t want = 0;
      for (const std::int32_t v : x) want |= static_cast<std::uint32_t>(std::abs(static_cast<std::int64_t>(v)));
      ASSERT_EQ(MagnitudeBound(x.data(), n), want) << "n " << n << " round " << round;
    }
  }
}

#if METER_DSP_X86_AVX2
// The Q31 cycle pass in AVX2 makes the portable pass's integer operations
// (ShiftRounded, MulHighRounded, the sum's rounding), so the same fold and
// sum to the bit: at every block shift the transform takes, samples up to
// the bound it keeps (|xs| <= 2^30), and running sums already holding
// cycles.
TEST(CycleTransformQ31, VectorPassEqualsThePortablePassToTheBit) {
  if (!X86HasAvx2Fma()) GTEST_SKIP() << "this CPU has no AVX2: the transform takes the portable pass";
  std::mt19937 rng(11);
  std::uniform_int_distribution<std::int32_t> twiddle(-(1 << 30), 1 << 30);
  std::uniform_int_distribution<std::int32_t> running(-(1 << 27), 1 << 27);
  for (int pre = -12; pre <= 8; ++pre) {
    const std::int32_t limit = pre >= 0 ? (std::int32_t{1} << (30 - pre)) - 1 : (std::int32_t{1} << 30) - 1;
    std::uniform_int_distribution<std::int32_t> sample(-limit, limit);
    for (int round = 0; round < 20; ++round) {
      std::array<std::int32_t, kPointsPerCycle> x{};
      for (auto& v : x) v = round == 0 ? (sample(rng) > 0 ? limit : -limit) : sample(rng);
      std::array<std::int32_t, 2 * kPointsPerCycle> fold_portable{}, fold_vector{};
      std::array<std::int32_t, kPointsPerCycle> sum_portable{}, sum_vector{};
      for (auto& v : fold_portable) v = running(rng);
      for (auto& v : sum_portable) v = running(rng);
      fold_vector = fold_portable;
      sum_vector = sum_portable;
      const std::int32_t tw_re = twiddle(rng), tw_im = twiddle(rng);
      detail::AccumulateScaledCycleQ31(x.data(), pre, tw_re, tw_im, fold_portable.data(), sum_portable.data());
      detail::AccumulateScaledCycleQ31Avx2(x.data(), pre, tw_re, tw_im, fold_vector.data(), sum_vector.data());
      ASSERT_EQ(fold_vector, fold_portable) << "pre " << pre << " round " << round;
      ASSERT_EQ(sum_vector, sum_portable) << "pre " << pre << " round " << round;
    }
  }
}

// The float cycle pass in AVX2 rounds each product and sum as the portable
// loop does (no fused multiply-add), so its fold and sum are the same bits.
TEST(CycleTransform, VectorPassEqualsThePortablePassToTheBit) {
  if (!X86HasAvx2Fma()) GTEST_SKIP() << "this CPU has no AVX2: the transform takes the portable pass";
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> value(-1.5f, 1.5f);
  for (int round = 0; round < 50; ++round) {
    std::array<float, kPointsPerCycle> x{};
    for (auto& v : x) v = value(rng);
    std::array<float, 2 * kPointsPerCycle> fold_portable{}, fold_vector{};
    std::array<float, kPointsPerCycle> sum_portable{}, sum_vector{};
    for (auto& v : fold_portable) v = 7.0f * value(rng);
    for (auto& v : sum_portable) v = 7.0f * value(rng);
    fold_vector = fold_portable;
    sum_vector = sum_portable;
    const float tw_re = value(rng), tw_im = value(rng);
    detail::AccumulateCycleFloat(x.data(), tw_re, tw_im, fold_portable.data(), sum_portable.data());
    detail::AccumulateCycleFloatAvx2(x.data(), tw_re, tw_im, fold_vector.data(), sum_vector.data());
    for (std::size_t k = 0; k < fold_portable.size(); ++k) {
      ASSERT_EQ(std::bit_cast<std::uint32_t>(fold_vector[k]), std::bit_cast<std::uint32_t>(fold_portable[k])) << k;
    }
    for (std::size_t k = 0; k < sum_portable.size(); ++k) {
      ASSERT_EQ(std::bit_cast<std::uint32_t>(sum_vector[k]), std::bit_cast<std::uint32_t>(sum_portable[k])) << k;
    }
  }
}
#endif

// A float bin from two computations of one transform: equal to within float
// rounding through the seven butterfly stages (a few units in the last place
// of the largest bin; 1e-6 of it is about 16 of them).
void ExpectSameBin(ComplexF a, ComplexF b, float largest) {
  ASSERT_LE(std::fabs(a.re - b.re), 1e-6f * largest);
  ASSERT_LE(std::fabs(a.im - b.im), 1e-6f * largest);
}

void ExpectSameBitsBin(ComplexF a, ComplexF b) {
  ASSERT_EQ(std::bit_cast<std::uint32_t>(a.re), std::bit_cast<std::uint32_t>(b.re));
  ASSERT_EQ(std::bit_cast<std::uint32_t>(a.im), std::bit_cast<std::uint32_t>(b.im));
}

// A window's channels finished together give each channel the bins it gets
// finished alone: one to six channels (x86-64: one or two four-lane
// batches, part-filled). Q31 to the bit; float to float rounding (on x86-64
// the batch is KissFFT's SSE build from the upstream source, the single
// transform Debian's float library, built with -ffast-math).
template <typename Numeric>
void ExpectFinishWindowsEqualsFinishWindow() {
  using Sample = typename Numeric::Sample;
  static CycleTransform<Numeric> transform;
  ASSERT_EQ(transform.Init(10), Status::kOk);
  std::mt19937 rng(29);
  std::uniform_real_distribution<float> value(-0.9f, 0.9f);
  static std::array<SubgroupBins<Numeric>, 6> together, alone;
  for (int count = 1; count <= 6; ++count) {
    std::array<float, 6> scale{};
    std::array<SubgroupBins<Numeric>*, 6> channels{};
    for (int c = 0; c < count; ++c) {
      const auto uc = static_cast<std::size_t>(c);
      scale[uc] = 0.5f + static_cast<float>(c);
      together[uc].Reset();
      alone[uc].Reset();
      channels[uc] = &together[uc];
      for (int cycle = 0; cycle < 10; ++cycle) {
        std::array<Sample, kPointsPerCycle> x{};
        for (auto& v : x) v = Numeric::FromFloat(value(rng) / static_cast<float>(1 + c));
        transform.AccumulateCycle(x.data(), cycle, together[uc]);
        transform.AccumulateCycle(x.data(), cycle, alone[uc]);
      }
    }
    transform.FinishWindows(scale.data(), channels.data(), count);
    for (int c = 0; c < count; ++c) {
      const auto uc = static_cast<std::size_t>(c);
      transform.FinishWindow(scale[uc], alone[uc]);
      ASSERT_TRUE(together[uc].finished());
      float largest = 0.0f;
      for (int h = 1; h <= kMaxHarmonicOrder; ++h) {
        for (int d = -1; d <= 1; ++d)
          largest = std::fmax(largest, std::fmax(std::fabs(alone[uc].at(h, d).re), std::fabs(alone[uc].at(h, d).im)));
      }
      ASSERT_GT(largest, 0.0f);
      for (int h = 1; h <= kMaxHarmonicOrder; ++h) {
        for (int d = -1; d <= 1; ++d) {
          SCOPED_TRACE(testing::Message()
                       << "channels " << count << ", channel " << c << ", bin (" << h << ", " << d << ")");
          if constexpr (std::is_same_v<Numeric, Q31Numeric>) {
            ExpectSameBitsBin(together[uc].at(h, d), alone[uc].at(h, d));
          } else {
            ExpectSameBin(together[uc].at(h, d), alone[uc].at(h, d), largest);
          }
        }
      }
    }
  }
}

TEST(CycleTransform, FinishWindowsEqualsFinishWindow) { ExpectFinishWindowsEqualsFinishWindow<FloatNumeric>(); }
TEST(CycleTransformQ31, FinishWindowsEqualsFinishWindowToTheBit) {
  ExpectFinishWindowsEqualsFinishWindow<Q31Numeric>();
}

#if METER_DSP_X86_FFT_BATCH
// Each lane of the four-lane KissFFT is the DFT of its own channel: every bin
// (real: 0..P/2; complex: 0..P-1) against a double-precision DFT and against
// Debian's float KissFFT on that channel, to float rounding; and a lane's
// bits do not depend on what the other lanes hold, or on how many are used.
TEST(CycleFftBatch, EachLaneIsTheTransformOfItsChannel) {
  static CycleFft<FloatNumeric> single;
  static CycleFftBatch batch;
  ASSERT_EQ(single.Init(), Status::kOk);
  ASSERT_EQ(batch.Init(), Status::kOk);
  std::mt19937 rng(31);
  std::uniform_real_distribution<float> value(-2.0f, 2.0f);
  std::array<float, kPointsPerCycle> shift_re{}, shift_im{};
  for (int m = 0; m < kPointsPerCycle; ++m) {
    const double a = -2.0 * kPi * m / 1280.0;
    shift_re[static_cast<std::size_t>(m)] = static_cast<float>(std::cos(a));
    shift_im[static_cast<std::size_t>(m)] = static_cast<float>(std::sin(a));
  }
  constexpr int kLanes = CycleFftBatch::kLanes;
  std::array<std::array<float, kPointsPerCycle>, kLanes> sums{};
  std::array<std::array<float, 2 * kPointsPerCycle>, kLanes> folds{};
  std::array<const float*, kLanes> sum_at{}, fold_at{};
  std::array<float, kLanes> scale{};
  for (int lane = 0; lane < kLanes; ++lane) {
    const auto ul = static_cast<std::size_t>(lane);
    for (auto& v : sums[ul]) v = value(rng) * static_cast<float>(lane + 1);
    for (auto& v : folds[ul]) v = value(rng) / static_cast<float>(lane + 1);
    sum_at[ul] = sums[ul].data();
    fold_at[ul] = folds[ul].data();
    scale[ul] = 0.25f * static_cast<float>(lane + 1);
  }
  // The DFT in double of lane's real sum or shifted fold, times its scale.
  const auto dft = [&](int lane, int k, bool complex) {
    const auto ul = static_cast<std::size_t>(lane);
    std::complex<double> acc{};
    for (int m = 0; m < kPointsPerCycle; ++m) {
      const auto um = static_cast<std::size_t>(m);
      const std::complex<double> x = complex ? std::complex<double>(folds[ul][2 * um], folds[ul][2 * um + 1]) *
                                                   std::complex<double>(shift_re[um], shift_im[um])
                                             : std::complex<double>(sums[ul][um], 0.0);
      acc += x * std::polar(1.0, -2.0 * kPi * k * m / kPointsPerCycle);
    }
    return acc * static_cast<double>(scale[ul]);
  };
  const auto check = [&](bool complex, int count) {
    const int bins = complex ? kPointsPerCycle : kPointsPerCycle / 2 + 1;
    for (int lane = 0; lane < count; ++lane) {
      const auto ul = static_cast<std::size_t>(lane);
      if (complex) {
        auto z = folds[ul];
        single.ShiftedComplexInPlace(z.data(), shift_re.data(), shift_im.data(), scale[ul]);
      } else {
        auto x = sums[ul];
        single.Real(x.data(), scale[ul]);
      }
      std::vector<std::complex<double>> exact(static_cast<std::size_t>(bins));
      float largest = 0.0f;
      for (int k = 0; k < bins; ++k) {
        exact[static_cast<std::size_t>(k)] = dft(lane, k, complex);
        largest = std::fmax(largest, static_cast<float>(std::abs(exact[static_cast<std::size_t>(k)])));
      }
      for (int k = 0; k < bins; ++k) {
        SCOPED_TRACE(testing::Message() << (complex ? "complex" : "real") << ", lanes " << count << ", lane " << lane
                                        << ", bin " << k);
        const std::complex<double> e = exact[static_cast<std::size_t>(k)];
        ExpectSameBin(batch.Bin(lane, k), {static_cast<float>(e.real()), static_cast<float>(e.imag())}, largest);
        ExpectSameBin(batch.Bin(lane, k), single.Bin(k), largest);
      }
    }
  };
  // All four lanes used, then one to three, each against the full batch's bits.
  std::array<std::array<ComplexF, kPointsPerCycle>, kLanes> full_real{}, full_complex{};
  batch.Real(sum_at.data(), kLanes, scale.data());
  check(false, kLanes);
  for (int lane = 0; lane < kLanes; ++lane) {
    for (int k = 0; k <= kPointsPerCycle / 2; ++k)
      full_real[static_cast<std::size_t>(lane)][static_cast<std::size_t>(k)] = batch.Bin(lane, k);
  }
  batch.ShiftedComplex(fold_at.data(), kLanes, shift_re.data(), shift_im.data(), scale.data());
  check(true, kLanes);
  for (int lane = 0; lane < kLanes; ++lane) {
    for (int k = 0; k < kPointsPerCycle; ++k)
      full_complex[static_cast<std::size_t>(lane)][static_cast<std::size_t>(k)] = batch.Bin(lane, k);
  }
  for (int count = 1; count < kLanes; ++count) {
    batch.Real(sum_at.data(), count, scale.data());
    for (int lane = 0; lane < count; ++lane) {
      for (int k = 0; k <= kPointsPerCycle / 2; ++k) {
        SCOPED_TRACE(testing::Message() << "real, lanes " << count << ", lane " << lane << ", bin " << k);
        ExpectSameBitsBin(batch.Bin(lane, k), full_real[static_cast<std::size_t>(lane)][static_cast<std::size_t>(k)]);
      }
    }
    batch.ShiftedComplex(fold_at.data(), count, shift_re.data(), shift_im.data(), scale.data());
    for (int lane = 0; lane < count; ++lane) {
      for (int k = 0; k < kPointsPerCycle; ++k) {
        SCOPED_TRACE(testing::Message() << "complex, lanes " << count << ", lane " << lane << ", bin " << k);
        ExpectSameBitsBin(batch.Bin(lane, k),
                          full_complex[static_cast<std::size_t>(lane)][static_cast<std::size_t>(k)]);
      }
    }
  }
}
#endif

}  // namespace
}  // namespace meter::dsp
