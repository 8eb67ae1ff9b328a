// Q31 backend: KissFFT with kiss_fft_scalar = int32_t, built from the
// upstream source (see kissfft_q31_names.h, force-included).
#include <cmath>

#include "kiss_fft.h"
#include "kiss_fftr.h"
#include "fft_plan_arena.h"
#include "meter/dsp/cycle_fft.h"

static_assert(sizeof(kiss_fft_cpx) == 8, "int32 complex expected");

namespace meter::dsp {
namespace {

// The int32 transforms return DFT / N; samples are Q29.
constexpr float kOutputScale = static_cast<float>(kPointsPerCycle) / static_cast<float>(1 << Q31Numeric::kSampleBits);

ComplexF ToFloat(const kiss_fft_cpx& c, float scale) {
  return {static_cast<float>(c.r) * scale, static_cast<float>(c.i) * scale};
}

// Block floating point: the shift that brings the cycle's largest magnitude
// to [2^29, 2^30) (one guard bit under the sign for the butterflies, which
// halve every stage so nothing grows). A small signal then keeps its full
// precision through all seven halvings.
int Headroom(const std::int32_t* x) {
  std::uint32_t peak = 0;
  for (int m = 0; m < kPointsPerCycle; ++m) {
    const std::uint32_t a = x[m] < 0 ? static_cast<std::uint32_t>(-(static_cast<std::int64_t>(x[m])))
                                     : static_cast<std::uint32_t>(x[m]);
    peak |= a;
  }
  if (peak == 0) return 0;
  int shift = 0;
  while ((peak << shift) < (1u << 29)) ++shift;
  return shift;
}

}  // namespace

template <>
Status CycleFft<Q31Numeric>::Init() {
  return PlacePlans(arena_, kArenaBytes, kPointsPerCycle, kiss_fftr_alloc, kiss_fft_alloc, &real_plan_, &complex_plan_);
}

template <>
void CycleFft<Q31Numeric>::Real(const std::int32_t* x, ComplexF* out) {
  const int shift = Headroom(x);
  auto* in = reinterpret_cast<std::int32_t*>(in_.data());
  for (int m = 0; m < kPointsPerCycle; ++m) in[m] = static_cast<std::int32_t>(static_cast<std::uint32_t>(x[m]) << shift);
  auto* spectrum = reinterpret_cast<kiss_fft_cpx*>(out_.data());
  kiss_fftr(static_cast<kiss_fftr_cfg>(real_plan_), in, spectrum);
  const float scale = std::ldexp(kOutputScale, -shift);
  for (int k = 0; k <= kPointsPerCycle / 2; ++k) out[k] = ToFloat(spectrum[k], scale);
}

template <>
void CycleFft<Q31Numeric>::ShiftedComplex(const std::int32_t* x, const std::int32_t* shift_re,
                                          const std::int32_t* shift_im, ComplexF* out) {
  const int shift = Headroom(x);
  auto* in = reinterpret_cast<kiss_fft_cpx*>(in_.data());
  for (int m = 0; m < kPointsPerCycle; ++m) {
    // The normalised sample times a unit rotation in Q30 stays below 2^30.
    const std::int64_t xs = static_cast<std::int64_t>(x[m]) * (std::int64_t{1} << shift);
    in[m].r = static_cast<std::int32_t>((xs * shift_re[m]) >> Q31Numeric::kCoefBits);
    in[m].i = static_cast<std::int32_t>((xs * shift_im[m]) >> Q31Numeric::kCoefBits);
  }
  auto* spectrum = reinterpret_cast<kiss_fft_cpx*>(out_.data());
  kiss_fft(static_cast<kiss_fft_cfg>(complex_plan_), in, spectrum);
  const float scale = std::ldexp(kOutputScale, -shift);
  for (int k = 0; k < kPointsPerCycle; ++k) out[k] = ToFloat(spectrum[k], scale);
}

template class CycleFft<Q31Numeric>;

}  // namespace meter::dsp
