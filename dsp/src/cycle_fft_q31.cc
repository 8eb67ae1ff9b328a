// Q31 backend: KissFFT with kiss_fft_scalar = int32_t, built from the
// upstream source (see kissfft_q31_names.h, force-included).
#include <cmath>

#include "fft_plan_arena.h"
#include "kiss_fft.h"
#include "kiss_fftr.h"
#include "meter/dsp/cycle_fft.h"
#include "meter/dsp/target.h"

#if METER_DSP_X86_AVX2
#include <immintrin.h>
#endif

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

#if METER_DSP_X86_AVX2
namespace {
// Eight magnitudes at a time: _mm256_abs_epi32 leaves INT32_MIN as 2^31,
// its unsigned magnitude, so the OR is the scalar loop's to the bit.
__attribute__((target("avx2"))) std::uint32_t MagnitudeBoundAvx2(const std::int32_t* x, int n, int& done) {
  __m256i bound = _mm256_setzero_si256();
  int m = 0;
  for (; m + 8 <= n; m += 8) {
    bound = _mm256_or_si256(bound, _mm256_abs_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + m))));
  }
  const __m128i four = _mm_or_si128(_mm256_castsi256_si128(bound), _mm256_extracti128_si256(bound, 1));
  const __m128i two = _mm_or_si128(four, _mm_unpackhi_epi64(four, four));
  done = m;
  return static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm_or_si128(two, _mm_srli_epi64(two, 32))));
}
}  // namespace
#endif

#if METER_DSP_ARM_BLOCK_LOADS
// clang-format off
namespace {
// Four magnitudes a pass from one block load: |v| as (v ^ s) - s with s
// the sign mask (INT32_MIN gives 2^31, as the portable form), three
// instructions a value where GCC's compare and branch take about seven.
std::uint32_t MagnitudeBoundArm(const std::int32_t* x, int n, int& done) {
  std::uint32_t bound = 0;
  int count = n / 4;
  done = 4 * count;
  if (count == 0) return 0;
  // The block load's registers in ascending order (the order of the four
  // values does not matter to an OR).
  register std::int32_t v0 asm("r2");
  register std::int32_t v1 asm("r3");
  register std::int32_t v2 asm("r4");
  register std::int32_t v3 asm("r5");
  std::int32_t t;
#define METER_MAGNITUDE_OR(V)                        \
  "eor %[t], %[" V "], %[" V "], asr #31\n\t"         \
  "sub %[t], %[t], %[" V "], asr #31\n\t"             \
  "orr %[bound], %[bound], %[t]\n\t"
  asm volatile(
      "1:\n\t"
      "ldmia %[x]!, {%[v0], %[v1], %[v2], %[v3]}\n\t" METER_MAGNITUDE_OR("v0") METER_MAGNITUDE_OR("v1")
          METER_MAGNITUDE_OR("v2") METER_MAGNITUDE_OR("v3")
      "subs %[count], %[count], #1\n\t"
      "bne 1b\n\t"
      : [bound] "+r"(bound), [x] "+r"(x), [count] "+r"(count), [v0] "=&r"(v0), [v1] "=&r"(v1), [v2] "=&r"(v2),
        [v3] "=&r"(v3), [t] "=&r"(t)
      :
      : "cc", "memory");
#undef METER_MAGNITUDE_OR
  return bound;
}
}  // namespace
// clang-format on
#endif

std::uint32_t MagnitudeBound(const std::int32_t* x, int n) {
  std::uint32_t bound = 0;  // an OR of magnitudes: at least the largest, below twice it
  int m = 0;
#if METER_DSP_X86_AVX2
  if (X86HasAvx2Fma()) bound = MagnitudeBoundAvx2(x, n, m);
#endif
#if METER_DSP_ARM_BLOCK_LOADS
  // clang-format off
  bound = MagnitudeBoundArm(x, n, m);
// clang-format on
#endif
  for (; m < n; ++m) {
    bound |=
        x[m] < 0 ? static_cast<std::uint32_t>(-(static_cast<std::int64_t>(x[m]))) : static_cast<std::uint32_t>(x[m]);
  }
  return bound;
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
