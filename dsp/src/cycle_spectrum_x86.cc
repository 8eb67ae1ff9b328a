// The x86-64 forms of CycleTransform's cycle passes, float and Q31, eight
// points at a time with AVX2 (taken when the CPU has it: X86HasAvx2Fma).
// Compiled on every target; its body only where target.h sets kX86Avx2.
// Twins: detail::AccumulateCycleFloat and AccumulateScaledCycleQ31
// (cycle_spectrum.cc), the same sums to the bit (host tests).
#include "meter/dsp/cycle_spectrum.h"

#if METER_DSP_X86_AVX2

#include <immintrin.h>

#include <cstdint>

namespace meter::dsp::detail {

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

}  // namespace meter::dsp::detail

#endif  // METER_DSP_X86_AVX2
