#pragma once
// Integral of a sampled quantity between two boundaries that fall between
// samples. Whole-sample sums over a near-integer number of cycles leave up
// to ~0.06 % error at 8 kHz; the trapezoid rule with linearly interpolated
// partial intervals at both edges removes that bias (its residual for a
// 50 Hz signal at 8 kHz is below 1e-5 of the integral).
//
// Time is in samples: the integral of a constant 1 over a span of
// 160.37 samples is 160.37.
//
// Q31 scaling and overflow: sums of Q42 products (|f| <= 2^46) over up to
// 4096 samples stay below 2^58; the edge terms multiply differences
// (<= 2^47) by a Q15 fraction, below 2^62. The caller converts the closed
// integral (int64) to float once per cycle.

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "meter/dsp/numeric.h"
#include "meter/dsp/target.h"

#if METER_DSP_X86_SSE2
#include <emmintrin.h>
#endif

namespace meter::dsp {

/// `Numeric` is FloatNumeric or Q31Numeric (see numeric.h): the sums are
/// its Product type, the fraction a float in [0, 1).
template <typename Numeric>
class EdgeIntegrator {
 public:
  using Acc = typename Numeric::Product;

  void Reset() { sum_ = Acc{}; }

  /// Opens the first span exactly at the current sample `f`.
  void Start(Acc f) { sum_ = Numeric::Half(f); }

  /// Re-opens the running span at t = (previous sample) + frac from the two
  /// samples around it, discarding what it held: used when the samples'
  /// shift changes exactly at that boundary.
  void Reopen(Acc f_prev, Acc f_now, float frac) {
    const Acc f_edge = f_prev + Numeric::MulFraction(f_now - f_prev, frac);
    sum_ = Numeric::Half(Numeric::MulFraction(f_edge + f_now, 1.0f - frac)) + Numeric::Half(f_now);
  }

  /// Adds the sample that follows the previous one. Per-sample cost: one
  /// add (the caller keeps the previous sample, which only an edge needs).
  void Add(Acc f) { sum_ += f; }

  /// Closes the running span at t = (previous sample) + frac, frac in [0, 1),
  /// and opens the next span there. `f_prev` is the previous sample (the
  /// last one added); `f_now` is the current sample, which belongs to the
  /// new span and is added by this call.
  /// @returns the integral of the closed span.
  Acc SplitAndAdd(Acc f_prev, Acc f_now, float frac) {
    const Acc f_edge = f_prev + Numeric::MulFraction(f_now - f_prev, frac);
    const Acc closed = sum_ - Numeric::Half(f_prev) + Numeric::Half(Numeric::MulFraction(f_prev + f_edge, frac));
    // The new span starts with the partial interval [edge, now] and counts
    // f_now as a trapezoid end point (half weight) plus its next interval.
    sum_ = Numeric::Half(Numeric::MulFraction(f_edge + f_now, 1.0f - frac)) + Numeric::Half(f_now);
    return closed;
  }

 private:
  Acc sum_{};
};

/// integrators[k].Add(f[k]) for every k: a meter's per-sample step over all
/// its quantities. On x86-64 the adds are SSE2 vector adds; on the Cortex-M4F the sums and the samples are each read
/// and written as one contiguous run with block loads and stores (float:
/// eight, then four at a time; Q31: two int64 at a time), with the same adds
/// as the loop, so the same results.
template <typename Numeric, std::size_t kCount>
void AddToEach(std::array<EdgeIntegrator<Numeric>, kCount>& integrators,
               const std::array<typename Numeric::Product, kCount>& f) {
  std::size_t k = 0;
#if METER_DSP_ARM_BLOCK_LOADS
  // clang-format off
  if constexpr (std::is_same_v<typename Numeric::Product, float>) {
    static_assert(sizeof(EdgeIntegrator<Numeric>) == sizeof(float) && std::is_standard_layout_v<EdgeIntegrator<Numeric>>,
                  "an integrator must be exactly its float sum");
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
  } else if constexpr (std::is_same_v<typename Numeric::Product, std::int64_t>) {
    // Two sums at a time: LDM/STM move both as four words; each 64-bit add
    // is ADDS + ADC, as the compiler's.
    static_assert(sizeof(EdgeIntegrator<Numeric>) == sizeof(std::int64_t) &&
                      std::is_standard_layout_v<EdgeIntegrator<Numeric>>,
                  "an integrator must be exactly its int64 sum");
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
  // x86-64: four float sums or two int64 sums per vector add (GCC does not
  // vectorise the per-integrator loop); element by element, so the same
  // results.
  if constexpr (std::is_same_v<typename Numeric::Product, float>) {
    static_assert(
        sizeof(EdgeIntegrator<Numeric>) == sizeof(float) && std::is_standard_layout_v<EdgeIntegrator<Numeric>>,
        "an integrator must be exactly its float sum");
    // Each vector starts at integrator k's sum, its first (only) member.
    for (; k + 4 <= kCount; k += 4) {
      auto* sums = reinterpret_cast<float*>(&integrators[k]);
      _mm_storeu_ps(sums, _mm_add_ps(_mm_loadu_ps(sums), _mm_loadu_ps(&f[k])));
    }
  } else if constexpr (std::is_same_v<typename Numeric::Product, std::int64_t>) {
    static_assert(
        sizeof(EdgeIntegrator<Numeric>) == sizeof(std::int64_t) && std::is_standard_layout_v<EdgeIntegrator<Numeric>>,
        "an integrator must be exactly its int64 sum");
    for (; k + 2 <= kCount; k += 2) {
      auto* sums = reinterpret_cast<__m128i*>(&integrators[k]);
      const auto* samples = reinterpret_cast<const __m128i*>(&f[k]);
      _mm_storeu_si128(sums, _mm_add_epi64(_mm_loadu_si128(sums), _mm_loadu_si128(samples)));
    }
  }
#endif
#pragma GCC unroll 32
  for (; k < kCount; ++k) integrators[k].Add(f[k]);
}

}  // namespace meter::dsp
