#pragma once
// The integrators' block add, the hand-written leading part of
// dsp::AddToEach for the meter's target, chosen here from target.h's
// switches: the Cortex-M4F reads and writes the sums and the values as
// contiguous runs with block loads and stores (float: eight, then four at a
// time; Q31: two int64 at a time); an x86-64 host adds four float sums or
// two int64 sums a vector (GCC does not vectorise the per-integrator loop).
// Each uses the loop's adds, element by element, so the same results
// (hand_written_forms_test compares them, on the target too). Elsewhere it
// adds none. Private: assembly and intrinsics stay out of public headers.

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "meter/dsp/edge_integrator.h"
#include "meter/dsp/target.h"

#if METER_DSP_X86_SSE2
#include <emmintrin.h>
#endif

namespace meter::detail {

struct IntegratorBlockAdd {
  /// @returns how many leading integrators it added to.
  template <typename Numeric, std::size_t kCount>
  [[gnu::always_inline]] std::size_t operator()(std::array<dsp::EdgeIntegrator<Numeric>, kCount>& integrators,
                                                const std::array<typename Numeric::Product, kCount>& f) const {
    using Product = typename Numeric::Product;
    static_assert(sizeof(dsp::EdgeIntegrator<Numeric>) == sizeof(Product) &&
                      std::is_standard_layout_v<dsp::EdgeIntegrator<Numeric>>,
                  "an integrator must be exactly its sum");
    std::size_t k = 0;
#if METER_DSP_ARM_BLOCK_LOADS
    // clang-format off
    if constexpr (std::is_same_v<Product, float>) {
      void* sums = integrators.data();
      const float* samples = f.data();
      for (; k + 8 <= kCount; k += 8) {
        asm volatile(
            "vldmia %[sums], {s0-s7}\n\t"
            "vldmia %[samples]!, {s8-s15}\n\t"
            "vadd.f32 s0, s0, s8\n\t"
            "vadd.f32 s1, s1, s9\n\t"
            "vadd.f32 s2, s2, s10\n\t"
            "vadd.f32 s3, s3, s11\n\t"
            "vadd.f32 s4, s4, s12\n\t"
            "vadd.f32 s5, s5, s13\n\t"
            "vadd.f32 s6, s6, s14\n\t"
            "vadd.f32 s7, s7, s15\n\t"
            "vstmia %[sums]!, {s0-s7}\n\t"
            : [sums] "+r"(sums), [samples] "+r"(samples)
            :
            : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15",
              "memory");
      }
      if constexpr (kCount % 8 >= 4) {
        asm volatile(
            "vldmia %[sums], {s0-s3}\n\t"
            "vldmia %[samples]!, {s4-s7}\n\t"
            "vadd.f32 s0, s0, s4\n\t"
            "vadd.f32 s1, s1, s5\n\t"
            "vadd.f32 s2, s2, s6\n\t"
            "vadd.f32 s3, s3, s7\n\t"
            "vstmia %[sums]!, {s0-s3}\n\t"
            : [sums] "+r"(sums), [samples] "+r"(samples)
            :
            : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "memory");
        k += 4;
      }
    } else if constexpr (std::is_same_v<Product, std::int64_t>) {
      // Two sums at a time: LDM/STM move both as four words; each 64-bit
      // add is ADDS + ADC, as the compiler's.
      void* sums = integrators.data();
      const std::int64_t* samples = f.data();
      for (; k + 2 <= kCount; k += 2) {
        asm volatile(
            "ldmia %[sums], {r0-r3}\n\t"
            "ldmia %[samples]!, {r4-r6, r12}\n\t"
            "adds r0, r0, r4\n\t"
            "adc r1, r1, r5\n\t"
            "adds r2, r2, r6\n\t"
            "adc r3, r3, r12\n\t"
            "stmia %[sums]!, {r0-r3}\n\t"
            : [sums] "+r"(sums), [samples] "+r"(samples)
            :
            : "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r12", "cc", "memory");
      }
    }
    // clang-format on
#elif METER_DSP_X86_SSE2
    // Each vector starts at integrator k's sum, its first (only) member.
    if constexpr (std::is_same_v<Product, float>) {
      for (; k + 4 <= kCount; k += 4) {
        auto* sums = reinterpret_cast<float*>(&integrators[k]);
        _mm_storeu_ps(sums, _mm_add_ps(_mm_loadu_ps(sums), _mm_loadu_ps(&f[k])));
      }
    } else if constexpr (std::is_same_v<Product, std::int64_t>) {
      for (; k + 2 <= kCount; k += 2) {
        auto* sums = reinterpret_cast<__m128i*>(&integrators[k]);
        const auto* samples = reinterpret_cast<const __m128i*>(&f[k]);
        _mm_storeu_si128(sums, _mm_add_epi64(_mm_loadu_si128(sums), _mm_loadu_si128(samples)));
      }
    }
#else
    (void)integrators;
    (void)f;
#endif
    return k;
  }
};

}  // namespace meter::detail
