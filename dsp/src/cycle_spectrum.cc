#include "meter/dsp/cycle_spectrum.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#if METER_DSP_X86_AVX2
#include <immintrin.h>
#endif

namespace meter::dsp {
namespace {

// Bound of the Q31 sums' stored components (see SubgroupBins). Two bits
// below 2^30 so that every cycle's samples, scaled by the block scale times
// four, fit int32 (AccumulateCycle's one 32-bit pass).
constexpr std::uint64_t kBlockLimit = std::uint64_t{1} << 28;

// Bound of |x * tw| * 2^shift for |x| <= peak and |tw| <= 1, both roundings
// of AccumulateCycle included (at most 5/8 of a unit).
std::uint64_t BlockContribution(std::uint32_t peak, int shift) {
  return (shift >= 0 ? (static_cast<std::uint64_t>(peak) << shift) : (static_cast<std::uint64_t>(peak) >> -shift)) + 2;
}

}  // namespace

namespace detail {

void AccumulateScaledCycleQ31(const std::int32_t* x, int pre, std::int32_t tw_re, std::int32_t tw_im,
                              std::int32_t* fold, std::int32_t* sum) {
  for (int m = 0; m < kPointsPerCycle; ++m) {
    const std::int32_t xs = Q31Numeric::ShiftRounded(x[m], pre);
    fold[2 * m] += Q31Numeric::MulHighRounded(xs, tw_re);
    fold[2 * m + 1] += Q31Numeric::MulHighRounded(xs, tw_im);
    sum[m] += (xs + 2) >> 2;  // |xs| <= 2^30: the rounding add cannot wrap
  }
}

#if METER_DSP_ARM_BLOCK_LOADS
// clang-format off
// The Q31 pass on the Cortex-M4F, two points a pass: each fold term is one
// SMMLAR (fold + the rounded high word of xs tw: MulHighRounded added), the
// pairs move with LDRD/STRD, and xs for pre < 0 is (x >> (r - 1) + 1) >> 1
// with r = -pre, which equals ShiftRounded's (x >> r) + bit r - 1 of x and
// cannot overflow (|x >> (r - 1)| <= 2^30 for r >= 2; r = 1 adds 1 to x
// itself, which only INT32_MAX could overflow: the caller takes the
// portable loop then). The same operations, so the same bits; the firmware
// target test (hand_written_forms_test) checks it against the portable loop.
void AccumulateScaledCycleQ31Arm(const std::int32_t* x, int pre, std::int32_t tw_re, std::int32_t tw_im,
                                 std::int32_t* fold, std::int32_t* sum) {
  int count = kPointsPerCycle / 2;
  std::int32_t x0, x1, re0, im0, re1, im1;
#define METER_FOLD_AND_SUM_TWO_POINTS                                   \
  "ldrd %[re0], %[im0], [%[fold]]\n\t"                               \
  "ldrd %[re1], %[im1], [%[fold], #8]\n\t"                           \
  "smmlar %[re0], %[x0], %[tw_re], %[re0]\n\t"                       \
  "smmlar %[im0], %[x0], %[tw_im], %[im0]\n\t"                       \
  "smmlar %[re1], %[x1], %[tw_re], %[re1]\n\t"                       \
  "smmlar %[im1], %[x1], %[tw_im], %[im1]\n\t"                       \
  "strd %[re1], %[im1], [%[fold], #8]\n\t"                           \
  "strd %[re0], %[im0], [%[fold]], #16\n\t"                          \
  "ldrd %[re0], %[im0], [%[sum]]\n\t" /* the sum pair */             \
  "add %[x0], %[x0], #2\n\t"                                         \
  "add %[re0], %[re0], %[x0], asr #2\n\t"                            \
  "add %[x1], %[x1], #2\n\t"                                         \
  "add %[im0], %[im0], %[x1], asr #2\n\t"                            \
  "strd %[re0], %[im0], [%[sum]], #8\n\t"                            \
  "subs %[count], %[count], #1\n\t"                                  \
  "bne 1b\n\t"
#define METER_FOLD_OUTPUTS                                                                                    \
  : [x] "+r"(x), [fold] "+r"(fold), [sum] "+r"(sum), [count] "+r"(count), [x0] "=&r"(x0), [x1] "=&r"(x1), \
    [re0] "=&r"(re0), [im0] "=&r"(im0), [re1] "=&r"(re1), [im1] "=&r"(im1)
  if (pre >= 0) {
    asm volatile(
        "1:\n\t"
        "ldrd %[x0], %[x1], [%[x]], #8\n\t"
        "lsl %[x0], %[x0], %[shift]\n\t"
        "lsl %[x1], %[x1], %[shift]\n\t" METER_FOLD_AND_SUM_TWO_POINTS
        METER_FOLD_OUTPUTS
        : [shift] "r"(pre), [tw_re] "r"(tw_re), [tw_im] "r"(tw_im)
        : "cc", "memory");
  } else {
    asm volatile(
        "1:\n\t"
        "ldrd %[x0], %[x1], [%[x]], #8\n\t"
        "asr %[x0], %[x0], %[shift]\n\t"
        "add %[x0], %[x0], #1\n\t"
        "asr %[x0], %[x0], #1\n\t"
        "asr %[x1], %[x1], %[shift]\n\t"
        "add %[x1], %[x1], #1\n\t"
        "asr %[x1], %[x1], #1\n\t" METER_FOLD_AND_SUM_TWO_POINTS
        METER_FOLD_OUTPUTS
        : [shift] "r"(-pre - 1), [tw_re] "r"(tw_re), [tw_im] "r"(tw_im)
        : "cc", "memory");
  }
#undef METER_FOLD_AND_SUM_TWO_POINTS
#undef METER_FOLD_OUTPUTS
}
// clang-format on
#endif

void AccumulateCycleFloat(const float* x, float tw_re, float tw_im, float* fold, float* sum) {
  for (int m = 0; m < kPointsPerCycle; ++m) {
    fold[2 * m] += tw_re * x[m];
    fold[2 * m + 1] += tw_im * x[m];
    sum[m] += x[m];
  }
}

#if METER_DSP_X86_AVX2
namespace {

// Four points' fold terms, interleaved (re, im) as the fold stores them:
// `pairs` holds each point's xs twice, so the even lanes, which
// _mm256_mul_epi32 takes, hold the four points. MulHighRounded is the high
// word of the 64-bit product plus 2^31: for re moved down to the even
// lanes, for im already in the odd ones.
__attribute__((target("avx2"), always_inline)) inline void AddFourFoldTerms(__m256i pairs, __m256i tw_re, __m256i tw_im,
                                                                            std::int32_t* fold) {
  const __m256i half = _mm256_set1_epi64x(std::int64_t{1} << 31);
  const __m256i re = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(pairs, tw_re), half), 32);
  const __m256i im = _mm256_add_epi64(_mm256_mul_epi32(pairs, tw_im), half);
  __m256i* out = reinterpret_cast<__m256i*>(fold);
  _mm256_storeu_si256(out, _mm256_add_epi32(_mm256_loadu_si256(out), _mm256_blend_epi32(re, im, 0b10101010)));
}

}  // namespace

__attribute__((target("avx2"))) void AccumulateScaledCycleQ31Avx2(const std::int32_t* x, int pre, std::int32_t tw_re,
                                                                  std::int32_t tw_im, std::int32_t* fold,
                                                                  std::int32_t* sum) {
  // ShiftRounded: a left shift, or for pre < 0 the shift right plus the
  // last bit shifted out (rounded half up).
  const __m128i left = _mm_cvtsi32_si128(pre >= 0 ? pre : 0);
  const __m128i right = _mm_cvtsi32_si128(pre >= 0 ? 0 : -pre);
  const __m128i right_less_one = _mm_cvtsi32_si128(pre >= 0 ? 0 : -pre - 1);
  const __m256i one = _mm256_set1_epi32(1), two = _mm256_set1_epi32(2);
  const __m256i tw_re_lanes = _mm256_set1_epi64x(tw_re), tw_im_lanes = _mm256_set1_epi64x(tw_im);
  const __m256i low_four_twice = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3);
  const __m256i high_four_twice = _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7);
  for (int m = 0; m < kPointsPerCycle; m += 8) {
    const __m256i xm = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + m));
    const __m256i xs = pre >= 0 ? _mm256_sll_epi32(xm, left)
                                : _mm256_add_epi32(_mm256_sra_epi32(xm, right),
                                                   _mm256_and_si256(_mm256_sra_epi32(xm, right_less_one), one));
    AddFourFoldTerms(_mm256_permutevar8x32_epi32(xs, low_four_twice), tw_re_lanes, tw_im_lanes, fold + 2 * m);
    AddFourFoldTerms(_mm256_permutevar8x32_epi32(xs, high_four_twice), tw_re_lanes, tw_im_lanes, fold + 2 * m + 8);
    __m256i* s = reinterpret_cast<__m256i*>(sum + m);
    _mm256_storeu_si256(s, _mm256_add_epi32(_mm256_loadu_si256(s), _mm256_srai_epi32(_mm256_add_epi32(xs, two), 2)));
  }
}

__attribute__((target("avx2"))) void AccumulateCycleFloatAvx2(const float* x, float tw_re, float tw_im, float* fold,
                                                              float* sum) {
  // Each point twice, against (tw_re, tw_im): the fold's interleaved order.
  // A multiply and an add apart (no fused multiply-add), as the portable
  // loop rounds.
  const __m256 twiddles = _mm256_setr_ps(tw_re, tw_im, tw_re, tw_im, tw_re, tw_im, tw_re, tw_im);
  const __m256i low_four_twice = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3);
  const __m256i high_four_twice = _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7);
  for (int m = 0; m < kPointsPerCycle; m += 8) {
    const __m256 xm = _mm256_loadu_ps(x + m);
    float* const low = fold + 2 * m;
    float* const high = fold + 2 * m + 8;
    _mm256_storeu_ps(low, _mm256_add_ps(_mm256_loadu_ps(low),
                                        _mm256_mul_ps(twiddles, _mm256_permutevar8x32_ps(xm, low_four_twice))));
    _mm256_storeu_ps(high, _mm256_add_ps(_mm256_loadu_ps(high),
                                         _mm256_mul_ps(twiddles, _mm256_permutevar8x32_ps(xm, high_four_twice))));
    _mm256_storeu_ps(sum + m, _mm256_add_ps(_mm256_loadu_ps(sum + m), xm));
  }
}
#endif

}  // namespace detail

template <typename Numeric>
Status CycleTransform<Numeric>::Init(int cycles_per_window) {
  if (cycles_per_window < 1 || cycles_per_window > kMaxCyclesPerWindow) return Status::kInvalidArgument;
  cycles_ = cycles_per_window;
#if METER_DSP_X86_AVX2
  x86_avx2_ = X86HasAvx2Fma();
#endif
  if (Status s = fft_.Init(); s != Status::kOk) return s;
#if METER_DSP_X86_FFT_BATCH
  if constexpr (std::is_same_v<Numeric, FloatNumeric>) {
    if (Status s = batch_.Init(); s != Status::kOk) return s;
  }
#endif
  const double two_pi = 6.28318530717958647692;
  const double n_window = static_cast<double>(kPointsPerCycle) * cycles_;
  for (int m = 0; m < kPointsPerCycle; ++m) {
    const double a = -two_pi * m / n_window;
    shift_re_[static_cast<std::size_t>(m)] = Numeric::CoefFromFloat(static_cast<float>(std::cos(a)));
    shift_im_[static_cast<std::size_t>(m)] = Numeric::CoefFromFloat(static_cast<float>(std::sin(a)));
  }
  for (int c = 0; c < kMaxCyclesPerWindow; ++c) {
    const double a = -two_pi * c / cycles_;
    cycle_twiddle_re_[static_cast<std::size_t>(c)] = Numeric::CoefFromFloat(static_cast<float>(std::cos(a)));
    cycle_twiddle_im_[static_cast<std::size_t>(c)] = Numeric::CoefFromFloat(static_cast<float>(std::sin(a)));
  }
  return Status::kOk;
}

template <typename Numeric>
void CycleTransform<Numeric>::AccumulateCycle(const Sample* x, int cycle_index, SubgroupBins<Numeric>& bins) {
  const auto c = static_cast<std::size_t>(cycle_index % cycles_);
  const Coef tw_re = cycle_twiddle_re_[c], tw_im = cycle_twiddle_im_[c];
  Sample* fold = bins.storage_.running.fold.data();
  Sample* sum = bins.storage_.running.sum.data();
  if constexpr (std::is_same_v<Numeric, Q31Numeric>) {
    const std::uint32_t peak = MagnitudeBound(x, kPointsPerCycle);
    if (peak == 0) return;  // a silent cycle adds nothing
    // Lower the block scale until this cycle fits under the bound; halving
    // sums that already hold cycles costs a bit of theirs (rare: only when
    // a later cycle of the window is much larger than the first).
    // The first cycle of a window leaves room for the whole window.
    const std::uint64_t cycles_room = bins.block_bound_ == 0 ? kMaxCyclesPerWindow : 1;
    while (bins.block_bound_ + cycles_room * BlockContribution(peak, bins.block_shift_) >= kBlockLimit) {
      if (bins.block_bound_ != 0) {
        for (auto& v : bins.storage_.running.fold)
          v = static_cast<std::int32_t>((static_cast<std::int64_t>(v) + 1) >> 1);
        for (auto& v : bins.storage_.running.sum)
          v = static_cast<std::int32_t>((static_cast<std::int64_t>(v) + 1) >> 1);
        bins.block_bound_ = bins.block_bound_ / 2 + 1;
      }
      --bins.block_shift_;
    }
    bins.block_bound_ += static_cast<std::uint32_t>(BlockContribution(peak, bins.block_shift_));
    // Q29 x Q30 times 2^shift, rounded, in one 32-bit pass: with xs the
    // sample times 2^(shift + 2), rounded, each fold term is the rounded high
    // word of xs tw (SMMULR on the Cortex-M4F) and each sum term xs / 4,
    // rounded. xs fits: |x| 2^shift < 2^28 (the block limit). For
    // shift >= -2, xs is exact and both terms are the exact products
    // rounded once; below, the rounding of xs adds at most 1/8 of a unit.
    const int pre = bins.block_shift_ + 2;
#if METER_DSP_X86_AVX2
    if (x86_avx2_) return detail::AccumulateScaledCycleQ31Avx2(x, pre, tw_re, tw_im, fold, sum);
#endif
#if METER_DSP_ARM_BLOCK_LOADS
    // clang-format off
    if (pre != -1 || peak < static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max())) {
      return detail::AccumulateScaledCycleQ31Arm(x, pre, tw_re, tw_im, fold, sum);
    }
// clang-format on
#endif
    detail::AccumulateScaledCycleQ31(x, pre, tw_re, tw_im, fold, sum);
  } else {
#if METER_DSP_X86_AVX2
    if (x86_avx2_) return detail::AccumulateCycleFloatAvx2(x, tw_re, tw_im, fold, sum);
#endif
    detail::AccumulateCycleFloat(x, tw_re, tw_im, fold, sum);
  }
}

template <typename Numeric>
void CycleTransform<Numeric>::FinishWindow(float scale, SubgroupBins<Numeric>& bins) {
  float unit = scale;  // of one stored unit
  if constexpr (std::is_same_v<Numeric, Q31Numeric>) unit = std::ldexp(scale, -bins.block_shift_);
  // The centre bins first, kept aside while the fold's transform reuses the
  // transform's output; then both are written over the consumed sums.
  std::array<ComplexF, kMaxHarmonicOrder + 1> centre;
  fft_.Real(bins.storage_.running.sum.data(), unit);
  for (int h = 1; h <= kMaxHarmonicOrder; ++h) centre[static_cast<std::size_t>(h)] = fft_.Bin(h);
  if constexpr (std::is_same_v<Numeric, Q31Numeric>) unit = std::ldexp(unit, -Q31Numeric::kSampleBits);
  fft_.ShiftedComplexInPlace(bins.storage_.running.fold.data(), shift_re_.data(), shift_im_.data(), unit);
  StoreBins(bins, centre, [&](int k) { return fft_.Bin(k); });
}

template <typename Numeric>
template <typename FoldBin>
void CycleTransform<Numeric>::StoreBins(SubgroupBins<Numeric>& bins,
                                        const std::array<ComplexF, kMaxHarmonicOrder + 1>& centre, FoldBin fold_bin) {
  bins.storage_.bins = {};  // the sums are consumed: their memory now holds the bins
  for (int h = 1; h <= kMaxHarmonicOrder; ++h) {
    bins.at(h, -1) = Conj(fold_bin(kPointsPerCycle - h));
    bins.at(h, 0) = centre[static_cast<std::size_t>(h)];
    bins.at(h, 1) = fold_bin(h);
  }
  bins.finished_ = true;
}

template <typename Numeric>
void CycleTransform<Numeric>::FinishWindows(const float* scale, SubgroupBins<Numeric>* const* bins, int count) {
#if METER_DSP_X86_FFT_BATCH
  if constexpr (std::is_same_v<Numeric, FloatNumeric>) {
    // FinishWindow's steps, a lane per channel.
    constexpr int kLanes = CycleFftBatch::kLanes;
    for (int first = 0; first < count; first += kLanes) {
      const int lanes = std::min(kLanes, count - first);
      const float* sums[kLanes] = {};
      const float* folds[kLanes] = {};
      for (int lane = 0; lane < lanes; ++lane) {
        sums[lane] = bins[first + lane]->storage_.running.sum.data();
        folds[lane] = bins[first + lane]->storage_.running.fold.data();
      }
      std::array<std::array<ComplexF, kMaxHarmonicOrder + 1>, kLanes> centre;
      batch_.Real(sums, lanes, scale + first);
      for (int lane = 0; lane < lanes; ++lane) {
        for (int h = 1; h <= kMaxHarmonicOrder; ++h)
          centre[static_cast<std::size_t>(lane)][static_cast<std::size_t>(h)] = batch_.Bin(lane, h);
      }
      batch_.ShiftedComplex(folds, lanes, shift_re_.data(), shift_im_.data(), scale + first);
      for (int lane = 0; lane < lanes; ++lane) {
        StoreBins(*bins[first + lane], centre[static_cast<std::size_t>(lane)],
                  [&](int k) { return batch_.Bin(lane, k); });
      }
    }
    return;
  }
#endif
  for (int c = 0; c < count; ++c) FinishWindow(scale[c], *bins[c]);
}

template class CycleTransform<FloatNumeric>;
template class CycleTransform<Q31Numeric>;

}  // namespace meter::dsp
