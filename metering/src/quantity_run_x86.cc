#include "meter/metering/quantity_run_x86.h"

#if METER_DSP_X86_AVX2
#include <immintrin.h>

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
  const __m256 line_to_line = _mm256_sub_ps(x, next);                       // va-vb, vb-vc, vc-va
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
  _mm256_store_ps(out.last[K::kXX], last.xx);
  _mm256_store_ps(out.last[K::kIc], last.ic);
  _mm256_store_ps(out.last[K::kVIc], last.vic);
  _mm256_store_ps(out.last[K::kLln], last.lln);
  _mm256_store_ps(out.sum[K::kX], _mm256_add_ps(sum_x, last.x));
  _mm256_store_ps(out.sum[K::kXX], _mm256_add_ps(sum_xx, last.xx));
  _mm256_store_ps(out.sum[K::kIc], _mm256_add_ps(sum_ic, last.ic));
  _mm256_store_ps(out.sum[K::kVIc], _mm256_add_ps(sum_vic, last.vic));
  _mm256_store_ps(out.sum[K::kLln], _mm256_add_ps(sum_lln, last.lln));
}

}  // namespace

void SumQuantityRunAvx2(const QuantityRunSetup& setup, const float* first_frame, int count, QuantityRunSums& out) {
  switch (setup.lagrange_taps) {
    case 4: return SumRun<4>(setup, first_frame, count, out);  // every phase advanced alike
    case 5: return SumRun<5>(setup, first_frame, count, out);  // advances a sample apart
    default: return SumRun<0>(setup, first_frame, count, out);
  }
}

}  // namespace meter::detail
#endif
