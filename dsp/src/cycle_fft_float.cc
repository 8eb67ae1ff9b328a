// Float backend: Debian's KissFFT (kissfft::kissfft-float).
#include <cstring>

#include "fft_plan_arena.h"
#include "kiss_fft.h"
#include "kiss_fftr.h"
#include "meter/dsp/cycle_fft.h"

static_assert(sizeof(kiss_fft_cpx) == sizeof(meter::dsp::ComplexF), "layouts must match");

namespace meter::dsp {

template <>
Status CycleFft<FloatNumeric>::Init() {
  return PlacePlans(arena_, kArenaBytes, kPointsPerCycle, kiss_fftr_alloc, kiss_fft_alloc, &real_plan_, &complex_plan_);
}

template <>
void CycleFft<FloatNumeric>::Real(float* x, float scale) {
  kiss_fftr(static_cast<kiss_fftr_cfg>(real_plan_), x, reinterpret_cast<kiss_fft_cpx*>(out_.data()));
  out_scale_ = scale;
}

template <>
void CycleFft<FloatNumeric>::ShiftedComplexInPlace(float* z, const float* shift_re, const float* shift_im, float unit) {
  for (int m = 0; m < kPointsPerCycle; ++m) {
    const float re = z[2 * m], im = z[2 * m + 1];
    z[2 * m] = re * shift_re[m] - im * shift_im[m];
    z[2 * m + 1] = re * shift_im[m] + im * shift_re[m];
  }
  // Out of place: in place, KissFFT would allocate a temporary buffer.
  kiss_fft(static_cast<kiss_fft_cfg>(complex_plan_), reinterpret_cast<const kiss_fft_cpx*>(z),
           reinterpret_cast<kiss_fft_cpx*>(out_.data()));
  out_scale_ = unit;
}

template <>
ComplexF CycleFft<FloatNumeric>::Bin(int k) const {
  const auto* out = reinterpret_cast<const kiss_fft_cpx*>(out_.data());
  return {out[k].r * out_scale_, out[k].i * out_scale_};
}

template class CycleFft<FloatNumeric>;

}  // namespace meter::dsp
