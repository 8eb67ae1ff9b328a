#include "meter/metering/quantity_run_x86.h"

#include "meter/dsp/target.h"
#include "meter/metering/adc_conditioning.h"

#if METER_DSP_X86_AVX2
#include <immintrin.h>

#include <cstdint>
#include <limits>

namespace meter::detail {
namespace {

// One sample's quantities as vectors (lanes as in QuantityRunSums).
struct PointVectors {
  __m256 x, xx, ic, vic, lln;
};

// kTaps: the compensation window's frames, when known at compile time (the
// usual 4 and 5 unroll completely); 0 reads it from the setup.
template <int kTaps>
__attribute__((target("avx2,fma"), always_inline)) inline PointVectors ComputePoint(const QuantityRunSetup& setup,
                                                                                    const float* frame) {
  const int taps = kTaps > 0 ? kTaps : setup.lagrange_taps;
  const __m256i six = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
  // A frame is six floats: masked loads read exactly those (no read past
  // the history's last frame); lanes 6-7 stay zero.
  const __m256 x = _mm256_sub_ps(_mm256_maskload_ps(frame, six), _mm256_load_ps(setup.dc));
  // Phase compensation: each current lane's four taps at its own offset in
  // the window; zero taps elsewhere leave the other lanes at zero.
  const float* window = frame + 6 * setup.lagrange_first;
  __m256 shifted = _mm256_mul_ps(_mm256_load_ps(setup.lagrange[0]), _mm256_maskload_ps(window, six));
#pragma GCC unroll 8
  for (int t = 1; t < taps; ++t) {
    shifted = _mm256_fmadd_ps(_mm256_load_ps(setup.lagrange[t]), _mm256_maskload_ps(window + 6 * t, six), shifted);
  }
  const __m256 ic = _mm256_sub_ps(shifted, _mm256_load_ps(setup.dc_current));
  // v of phase p moved to lane 3 + p, beside its compensated current.
  const __m256 v_beside_current = _mm256_permutevar8x32_ps(x, _mm256_setr_epi32(0, 0, 0, 0, 1, 2, 0, 0));
  // Lanes rotated within each group of three: b c a | ib ic ia, and c a b | ic ia ib.
  const __m256 next = _mm256_permutevar8x32_ps(x, _mm256_setr_epi32(1, 2, 0, 4, 5, 3, 6, 7));
  const __m256 after_next = _mm256_permutevar8x32_ps(x, _mm256_setr_epi32(2, 0, 1, 5, 3, 4, 6, 7));
  const __m256 line_to_line = _mm256_sub_ps(x, next);                        // va-vb, vb-vc, vc-va
  const __m256 neutral = _mm256_add_ps(_mm256_add_ps(x, next), after_next);  // lane 3: (ia+ib)+ic
  const __m256 lln_base = _mm256_blend_ps(line_to_line, neutral, 0b00111000);
  return {x, _mm256_mul_ps(x, x), ic, _mm256_mul_ps(v_beside_current, ic), _mm256_mul_ps(lln_base, lln_base)};
}

template <int kTaps>
__attribute__((target("avx2,fma"))) void SumRun(const QuantityRunSetup& setup, const float* first_frame, int count,
                                                QuantityRunSums& out) {
  __m256 sum_x = _mm256_setzero_ps(), sum_xx = _mm256_setzero_ps(), sum_ic = _mm256_setzero_ps();
  __m256 sum_vic = _mm256_setzero_ps(), sum_lln = _mm256_setzero_ps();
  for (int k = 0; k < count - 1; ++k) {
    const PointVectors p = ComputePoint<kTaps>(setup, first_frame + 6 * k);
    sum_x = _mm256_add_ps(sum_x, p.x);
    sum_xx = _mm256_add_ps(sum_xx, p.xx);
    sum_ic = _mm256_add_ps(sum_ic, p.ic);
    sum_vic = _mm256_add_ps(sum_vic, p.vic);
    sum_lln = _mm256_add_ps(sum_lln, p.lln);
  }
  const PointVectors last = ComputePoint<kTaps>(setup, first_frame + 6 * (count - 1));
  using K = QuantityRunSums;
  _mm256_store_ps(out.last[K::kX], last.x);
  _mm256_store_ps(out.last[K::kSquares], last.xx);
  _mm256_store_ps(out.last[K::kIc], last.ic);
  _mm256_store_ps(out.last[K::kVIc], last.vic);
  _mm256_store_ps(out.last[K::kLln], last.lln);
  _mm256_store_ps(out.sum[K::kX], _mm256_add_ps(sum_x, last.x));
  _mm256_store_ps(out.sum[K::kSquares], _mm256_add_ps(sum_xx, last.xx));
  _mm256_store_ps(out.sum[K::kIc], _mm256_add_ps(sum_ic, last.ic));
  _mm256_store_ps(out.sum[K::kVIc], _mm256_add_ps(sum_vic, last.vic));
  _mm256_store_ps(out.sum[K::kLln], _mm256_add_ps(sum_lln, last.lln));
}

// Q31: one sample's values, as QuantityRunSumsQ31 lays them out, 64-bit
// lanes. The compensated currents and the products carry a bias (below) that
// the run removes once at its end.
struct PointVectorsQ31 {
  __m256i x_low, x_high, ic, squares_even, squares_odd, vic, lln;
};

// Q31Numeric::Mul of the even 32-bit lanes, (a b) >> 16 with an arithmetic
// shift, which AVX2 lacks for 64-bit lanes: shifted logically after adding
// 2^63, the product comes out plus exactly 2^47.
constexpr std::int64_t kProductBias = std::int64_t{1} << 47;
__attribute__((target("avx2"), always_inline)) inline __m256i BiasedProduct(__m256i a, __m256i b) {
  const __m256i plus_2_63 = _mm256_set1_epi64x(std::numeric_limits<std::int64_t>::min());
  return _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(a, b), plus_2_63), 16);
}
// The compensation's RoundCoefDot, (acc + 2^29) >> 30, the same way: plus 2^33.
constexpr std::int64_t kShiftedBias = std::int64_t{1} << 33;

// Tap t of the compensation window: a window frame's currents moved to the
// even lanes, where _mm256_mul_epi32 takes its operands, times their Q30
// taps, exact 64-bit products. (Lane 6 of a masked load is zero.)
__attribute__((target("avx2"), always_inline)) inline __m256i CompensationTap(const QuantityRunSetupQ31& setup,
                                                                              const std::int32_t* window, int t) {
  const __m256i six = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
  const __m256i currents = _mm256_permutevar8x32_epi32(_mm256_maskload_epi32(window + 6 * t, six),
                                                       _mm256_setr_epi32(3, 6, 4, 6, 5, 6, 6, 6));
  return _mm256_mul_epi32(_mm256_load_si256(reinterpret_cast<const __m256i*>(setup.lagrange[t])), currents);
}

template <int kTaps>
__attribute__((target("avx2"), always_inline)) inline PointVectorsQ31 ComputePointQ31(const QuantityRunSetupQ31& setup,
                                                                                      const std::int32_t* frame) {
  const int taps = kTaps > 0 ? kTaps : setup.lagrange_taps;
  const __m256i six = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
  // Lanes 6-7 of a masked load are zero, and so are they after the shift.
  const __m256i x = _mm256_sub_epi32(_mm256_maskload_epi32(frame, six),
                                     _mm256_load_si256(reinterpret_cast<const __m256i*>(setup.dc)));
  // A window frame's currents to the even lanes, where _mm256_mul_epi32
  // takes its operands: exact 64-bit products with the Q30 taps.
  const std::int32_t* window = frame + 6 * setup.lagrange_first;
  __m256i acc = CompensationTap(setup, window, 0);
#pragma GCC unroll 8
  for (int t = 1; t < taps; ++t) acc = _mm256_add_epi64(acc, CompensationTap(setup, window, t));
  const __m256i round_and_bias = _mm256_set1_epi64x(std::numeric_limits<std::int64_t>::min() + (std::int64_t{1} << 29));
  const __m256i shifted = _mm256_srli_epi64(_mm256_add_epi64(acc, round_and_bias), 30);
  // ic plus 2^33: its low word is ic itself, what the products read.
  const __m256i ic = _mm256_sub_epi64(shifted, _mm256_load_si256(reinterpret_cast<const __m256i*>(setup.dc_current)));

  const __m256i voltages = _mm256_permutevar8x32_epi32(x, _mm256_setr_epi32(0, 6, 1, 6, 2, 6, 6, 6));  // even lanes
  // va-vb, vb-vc, vc-va and ia+ib+ic in the even lanes: a + sign(b) + c.
  const __m256i a = _mm256_permutevar8x32_epi32(x, _mm256_setr_epi32(0, 6, 1, 6, 2, 6, 3, 6));
  const __m256i b = _mm256_permutevar8x32_epi32(x, _mm256_setr_epi32(1, 6, 2, 6, 0, 6, 4, 6));
  const __m256i c = _mm256_permutevar8x32_epi32(x, _mm256_setr_epi32(6, 6, 6, 6, 6, 6, 5, 6));
  const __m256i lln =
      _mm256_add_epi32(_mm256_add_epi32(a, c), _mm256_sign_epi32(b, _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 1, 1)));
  const __m256i x_odd = _mm256_srli_epi64(x, 32);
  return {_mm256_cvtepi32_epi64(_mm256_castsi256_si128(x)),
          _mm256_cvtepi32_epi64(_mm256_extracti128_si256(x, 1)),
          ic,
          BiasedProduct(x, x),
          BiasedProduct(x_odd, x_odd),
          BiasedProduct(voltages, ic),
          BiasedProduct(lln, lln)};
}

__attribute__((target("avx2"), always_inline)) inline void StoreLanes(std::int64_t* to, __m256i x) {
  _mm256_store_si256(reinterpret_cast<__m256i*>(to), x);
}

// Unbiased: `count` samples' biases come off at once.
__attribute__((target("avx2"), always_inline)) inline void StoreQ31(std::int64_t (&out)[QuantityRunSumsQ31::kKinds][8],
                                                                    const PointVectorsQ31& v, int count) {
  using K = QuantityRunSumsQ31;
  const __m256i products = _mm256_set1_epi64x(kProductBias * count);
  StoreLanes(&out[K::kX][0], v.x_low);
  StoreLanes(&out[K::kX][4], v.x_high);
  StoreLanes(&out[K::kIc][0], _mm256_sub_epi64(v.ic, _mm256_set1_epi64x(kShiftedBias * count)));
  StoreLanes(&out[K::kIc][4], _mm256_setzero_si256());
  StoreLanes(&out[K::kSquares][0], _mm256_sub_epi64(v.squares_even, products));
  StoreLanes(&out[K::kSquares][4], _mm256_sub_epi64(v.squares_odd, products));
  StoreLanes(&out[K::kVIc][0], _mm256_sub_epi64(v.vic, products));
  StoreLanes(&out[K::kVIc][4], _mm256_setzero_si256());
  StoreLanes(&out[K::kLln][0], _mm256_sub_epi64(v.lln, products));
  StoreLanes(&out[K::kLln][4], _mm256_setzero_si256());
}

__attribute__((target("avx2"), always_inline)) inline void AddQ31(PointVectorsQ31& sum, const PointVectorsQ31& p) {
  sum.x_low = _mm256_add_epi64(sum.x_low, p.x_low);
  sum.x_high = _mm256_add_epi64(sum.x_high, p.x_high);
  sum.ic = _mm256_add_epi64(sum.ic, p.ic);
  sum.squares_even = _mm256_add_epi64(sum.squares_even, p.squares_even);
  sum.squares_odd = _mm256_add_epi64(sum.squares_odd, p.squares_odd);
  sum.vic = _mm256_add_epi64(sum.vic, p.vic);
  sum.lln = _mm256_add_epi64(sum.lln, p.lln);
}

template <int kTaps>
__attribute__((target("avx2"))) void SumRunQ31(const QuantityRunSetupQ31& setup, const std::int32_t* first_frame,
                                               int count, QuantityRunSumsQ31& out) {
  PointVectorsQ31 sum{};
  for (int k = 0; k < count - 1; ++k) {
    AddQ31(sum, ComputePointQ31<kTaps>(setup, first_frame + 6 * k));
  }
  const PointVectorsQ31 last = ComputePointQ31<kTaps>(setup, first_frame + 6 * (count - 1));
  StoreQ31(out.last, last, 1);
  AddQ31(sum, last);
  StoreQ31(out.sum, sum, count);
}

}  // namespace

__attribute__((target("avx2"), always_inline)) inline __m256i LoadUnaligned(const void* from) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(from));
}

__attribute__((target("avx2"))) bool ConditionFrameQ31Avx2(const AdcConditioningQ31& adc, const std::int32_t* codes,
                                                           std::int32_t* out) {
  const __m256i code = _mm256_maskload_epi32(codes, _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0));
  const __m256i used = LoadUnaligned(adc.used);
  const __m256i clipped = _mm256_or_si256(_mm256_cmpgt_epi32(code, _mm256_set1_epi32(adc.code_limit - 1)),
                                          _mm256_cmpgt_epi32(_mm256_set1_epi32(1 - adc.code_limit), code));
  if (!_mm256_testz_si256(clipped, used)) return false;
  const __m256i x =
      _mm256_sll_epi32(_mm256_sub_epi32(code, LoadUnaligned(adc.offset_code)), _mm_cvtsi32_si128(adc.code_shift));
  // The 64-bit products of the even lanes and of the odd ones; bits 30-61
  // of each (the result, which fits 32 bits) to its lane.
  const __m256i gain = LoadUnaligned(adc.gain_q);
  const __m256i even = _mm256_srli_epi64(_mm256_mul_epi32(x, gain), 30);
  const __m256i odd = _mm256_slli_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(gain, 32)), 2);
  const __m256i y = _mm256_and_si256(_mm256_blend_epi32(even, odd, 0b10101010), used);
  // Channels 0-3, then 4-5: the history copy loads them so (store forwarding).
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(y));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out + 4), _mm256_extracti128_si256(y, 1));
  return true;
}

void SumQuantityRunQ31Avx2(const QuantityRunSetupQ31& setup, const std::int32_t* first_frame, int count,
                           QuantityRunSumsQ31& out) {
  switch (setup.lagrange_taps) {
    case 4:
      return SumRunQ31<4>(setup, first_frame, count, out);
    case 5:
      return SumRunQ31<5>(setup, first_frame, count, out);
    default:
      return SumRunQ31<0>(setup, first_frame, count, out);
  }
}

void SumQuantityRunAvx2(const QuantityRunSetup& setup, const float* first_frame, int count, QuantityRunSums& out) {
  switch (setup.lagrange_taps) {
    case 4:
      return SumRun<4>(setup, first_frame, count, out);  // every phase advanced alike
    case 5:
      return SumRun<5>(setup, first_frame, count, out);  // advances a sample apart
    default:
      return SumRun<0>(setup, first_frame, count, out);
  }
}

}  // namespace meter::detail
#endif
