// Four-lane float backend (x86-64 hosts): KissFFT built from the upstream
// source with USE_SIMD (kiss_fft_scalar = __m128; see kissfft_sse_names.h,
// force-included), one channel per lane.
#include <xmmintrin.h>

#include "fft_plan_arena.h"
#include "kiss_fft.h"
#include "kiss_fftr.h"
#include "meter/dsp/cycle_fft.h"

static_assert(sizeof(kiss_fft_cpx) == 2 * sizeof(__m128), "four-lane complex expected");

namespace meter::dsp {

Status CycleFftBatch::Init() {
  return PlacePlans(arena_, kArenaBytes, kPointsPerCycle, kiss_fftr_alloc, kiss_fft_alloc, &real_plan_, &complex_plan_);
}

void CycleFftBatch::Real(const float* const* x, int count, const float* scale) {
  // Point m's four lanes side by side; unused lanes transform zeros.
  in_.fill(0.0f);
  for (int lane = 0; lane < count; ++lane) {
    const float* xl = x[lane];
    for (int m = 0; m < kPointsPerCycle; ++m) in_[static_cast<std::size_t>(kLanes * m + lane)] = xl[m];
    out_scale_[static_cast<std::size_t>(lane)] = scale[lane];
  }
  kiss_fftr(static_cast<kiss_fftr_cfg>(real_plan_), reinterpret_cast<const kiss_fft_scalar*>(in_.data()),
            reinterpret_cast<kiss_fft_cpx*>(out_.data()));
}

void CycleFftBatch::ShiftedComplex(const float* const* z, int count, const float* shift_re, const float* shift_im,
                                   const float* unit) {
  // Gathered four lanes a point, then shifted as CycleFft's scalar loop
  // (two products and a difference or sum, each rounded: the same bits).
  in_.fill(0.0f);
  for (int lane = 0; lane < count; ++lane) {
    const float* zl = z[lane];
    for (int m = 0; m < kPointsPerCycle; ++m) {
      const auto at = static_cast<std::size_t>(2 * kLanes * m + lane);
      in_[at] = zl[2 * m];
      in_[at + kLanes] = zl[2 * m + 1];
    }
    out_scale_[static_cast<std::size_t>(lane)] = unit[lane];
  }
  for (int m = 0; m < kPointsPerCycle; ++m) {
    float* point = &in_[static_cast<std::size_t>(2 * kLanes * m)];
    const __m128 re = _mm_load_ps(point), im = _mm_load_ps(point + kLanes);
    const __m128 sr = _mm_set1_ps(shift_re[m]), si = _mm_set1_ps(shift_im[m]);
    _mm_store_ps(point, _mm_sub_ps(_mm_mul_ps(re, sr), _mm_mul_ps(im, si)));
    _mm_store_ps(point + kLanes, _mm_add_ps(_mm_mul_ps(re, si), _mm_mul_ps(im, sr)));
  }
  kiss_fft(static_cast<kiss_fft_cfg>(complex_plan_), reinterpret_cast<const kiss_fft_cpx*>(in_.data()),
           reinterpret_cast<kiss_fft_cpx*>(out_.data()));
}

}  // namespace meter::dsp
