// Float backend: Debian's KissFFT (kissfft::kissfft-float).
#include <cstring>

#include "kiss_fft.h"
#include "kiss_fftr.h"
#include "meter/dsp/cycle_fft.h"

static_assert(sizeof(kiss_fft_cpx) == sizeof(meter::dsp::ComplexF), "layouts must match");

namespace meter::dsp {

template <>
Status CycleFft<FloatNumeric>::Init() {
  // KissFFT's two-call allocation: ask for the size, then place the plan in
  // the arena.
  std::size_t real_len = 0, complex_len = 0;
  kiss_fftr_alloc(kPointsPerCycle, 0, nullptr, &real_len);
  kiss_fft_alloc(kPointsPerCycle, 0, nullptr, &complex_len);
  real_len = (real_len + 15u) & ~static_cast<std::size_t>(15u);
  if (real_len + complex_len > kArenaBytes) return Status::kResourceExhausted;
  std::size_t len = real_len;
  real_plan_ = kiss_fftr_alloc(kPointsPerCycle, 0, arena_, &len);
  len = complex_len;
  complex_plan_ = kiss_fft_alloc(kPointsPerCycle, 0, arena_ + real_len, &len);
  return real_plan_ != nullptr && complex_plan_ != nullptr ? Status::kOk : Status::kResourceExhausted;
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
