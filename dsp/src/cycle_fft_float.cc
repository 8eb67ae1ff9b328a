// Float backend: Debian's KissFFT (kissfft::kissfft-float).
#include <cstring>

#include "kiss_fft.h"
#include "kiss_fftr.h"
#include "fft_plan_arena.h"
#include "meter/dsp/cycle_fft.h"

static_assert(sizeof(kiss_fft_cpx) == sizeof(meter::dsp::ComplexF), "layouts must match");

namespace meter::dsp {

template <>
Status CycleFft<FloatNumeric>::Init() {
  return PlacePlans(arena_, kArenaBytes, kPointsPerCycle, kiss_fftr_alloc, kiss_fft_alloc, &real_plan_, &complex_plan_);
}

template <>
void CycleFft<FloatNumeric>::Real(const float* x, ComplexF* out) {
  kiss_fftr(static_cast<kiss_fftr_cfg>(real_plan_), x, reinterpret_cast<kiss_fft_cpx*>(out));
}

template <>
void CycleFft<FloatNumeric>::ShiftedComplex(const float* x, const float* shift_re, const float* shift_im,
                                            ComplexF* out) {
  auto* in = reinterpret_cast<kiss_fft_cpx*>(in_.data());
  for (int m = 0; m < kPointsPerCycle; ++m) {
    in[m].r = shift_re[m] * x[m];
    in[m].i = shift_im[m] * x[m];
  }
  // Never in place: KissFFT would allocate a temporary buffer.
  kiss_fft(static_cast<kiss_fft_cfg>(complex_plan_), in, reinterpret_cast<kiss_fft_cpx*>(out));
}

template class CycleFft<FloatNumeric>;

}  // namespace meter::dsp
