// The x86-64 form of MagnitudeBound (eight values at a time with AVX2,
// taken when the CPU has it). Compiled on every target; its body only where
// target.h sets kX86Avx2. Its twin is MagnitudeBound's portable loop
// (cycle_fft_q31.cc); the host tests compare them.
#include "meter/dsp/cycle_fft.h"

#if METER_DSP_X86_AVX2

#include <immintrin.h>

#include <cstdint>

namespace meter::dsp::detail {

// Eight magnitudes at a time: _mm256_abs_epi32 leaves INT32_MIN as 2^31,
// its unsigned magnitude, so the OR is the scalar loop's to the bit.
__attribute__((target("avx2"))) std::uint32_t MagnitudeBoundAvx2(const std::int32_t* x, int n) {
  __m256i bound = _mm256_setzero_si256();
  int m = 0;
  for (; m + 8 <= n; m += 8) {
    bound = _mm256_or_si256(bound, _mm256_abs_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + m))));
  }
  const __m128i four = _mm_or_si128(_mm256_castsi256_si128(bound), _mm256_extracti128_si256(bound, 1));
  const __m128i two = _mm_or_si128(four, _mm_unpackhi_epi64(four, four));
  return OrMagnitudes(x, m, n,
                      static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm_or_si128(two, _mm_srli_epi64(two, 32)))));
}

}  // namespace meter::dsp::detail

#endif  // METER_DSP_X86_AVX2
