// Q31 backend: KissFFT with kiss_fft_scalar = int32_t, built from the
// upstream source (see kissfft_q31_names.h, force-included).
#include <cmath>

#include "fft_plan_arena.h"
#include "kiss_fft.h"
#include "kiss_fftr.h"
#include "meter/dsp/cycle_fft.h"
#include "meter/dsp/target.h"

static_assert(sizeof(kiss_fft_cpx) == 8, "int32 complex expected");

namespace meter::dsp {
namespace {

// The int32 transforms return DFT / N; samples are Q29.
constexpr float kOutputScale = static_cast<float>(kPointsPerCycle) / static_cast<float>(1 << Q31Numeric::kSampleBits);

ComplexF ToFloat(const kiss_fft_cpx& c, float scale) {
  return {static_cast<float>(c.r) * scale, static_cast<float>(c.i) * scale};
}

// Block floating point: the left shift that brings the largest magnitude of
// x[0..n) to [2^(top-1), 2^top). With top = 30, one guard bit stays under the
// sign for the butterflies, which halve every stage so nothing grows; a
// small signal then keeps its full precision through all seven halvings.
int Headroom(std::uint32_t peak, int top) {
  if (peak == 0) return 0;
  int shift = 0;
  while ((peak << shift) < (1u << (top - 1))) ++shift;
  return shift;
}

}  // namespace

std::uint32_t MagnitudeBound(const std::int32_t* x, int n) {
  if constexpr (kX86Avx2) {
    if (X86HasAvx2Fma()) return detail::MagnitudeBoundAvx2(x, n);
  }
  if constexpr (kArmBlockLoads) return detail::MagnitudeBoundArm(x, n);
  return detail::OrMagnitudes(x, 0, n, 0);
}

template <>
Status CycleFft<Q31Numeric>::Init() {
  return PlacePlans(arena_, kArenaBytes, kPointsPerCycle, kiss_fftr_alloc, kiss_fft_alloc, &real_plan_, &complex_plan_);
}

template <>
void CycleFft<Q31Numeric>::Real(std::int32_t* x, float scale) {
  const int shift = Headroom(MagnitudeBound(x, kPointsPerCycle), 30);
  for (int m = 0; m < kPointsPerCycle; ++m) x[m] = static_cast<std::int32_t>(static_cast<std::uint32_t>(x[m]) << shift);
  kiss_fftr(static_cast<kiss_fftr_cfg>(real_plan_), x, reinterpret_cast<kiss_fft_cpx*>(out_.data()));
  out_scale_ = std::ldexp(kOutputScale, -shift) * scale;
}

template <>
void CycleFft<Q31Numeric>::ShiftedComplexInPlace(std::int32_t* z, const std::int32_t* shift_re,
                                                 const std::int32_t* shift_im, float unit) {
  // Normalised one bit lower than a real cycle (components below 2^29): a
  // rotated complex value's components reach sqrt(2) times the largest
  // input component, and must stay below 2^30.
  const int shift = Headroom(MagnitudeBound(z, 2 * kPointsPerCycle), 29);
  // The shifted components fit int32 (below 2^29), so each product is one
  // 32 x 32 -> 64-bit multiply (a 64 x 32 one costs a 32-bit core three).
  for (int m = 0; m < kPointsPerCycle; ++m) {
    const auto re = static_cast<std::int32_t>(static_cast<std::uint32_t>(z[2 * m]) << shift);
    const auto im = static_cast<std::int32_t>(static_cast<std::uint32_t>(z[2 * m + 1]) << shift);
    const std::int64_t sr = shift_re[m], si = shift_im[m];
    z[2 * m] = static_cast<std::int32_t>((re * sr - im * si) >> Q31Numeric::kCoefBits);
    z[2 * m + 1] = static_cast<std::int32_t>((re * si + im * sr) >> Q31Numeric::kCoefBits);
  }
  kiss_fft(static_cast<kiss_fft_cfg>(complex_plan_), reinterpret_cast<const kiss_fft_cpx*>(z),
           reinterpret_cast<kiss_fft_cpx*>(out_.data()));
  // The transform returned DFT / N of values in units of 2^-shift `unit`.
  out_scale_ = std::ldexp(static_cast<float>(kPointsPerCycle) * unit, -shift);
}

template <>
ComplexF CycleFft<Q31Numeric>::Bin(int k) const {
  return ToFloat(reinterpret_cast<const kiss_fft_cpx*>(out_.data())[k], out_scale_);
}

template class CycleFft<Q31Numeric>;

}  // namespace meter::dsp
